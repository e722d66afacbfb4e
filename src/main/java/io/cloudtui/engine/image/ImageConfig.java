package io.cloudtui.engine.image;

import java.util.List;
import java.util.Map;

/** What a container takes from its image: the runtime part of an OCI/Docker image config. */
public record ImageConfig(
        List<String> env,
        String workingDir,
        String user,
        List<String> entrypoint,
        List<String> cmd,
        List<String> exposedPorts,
        Map<String, String> labels,
        String os,
        String architecture) {
    public ImageConfig {
        env = env == null ? List.of() : List.copyOf(env);
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        exposedPorts = exposedPorts == null ? List.of() : List.copyOf(exposedPorts);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        workingDir = workingDir == null ? "" : workingDir;
        user = user == null ? "" : user;
    }
}
