package io.cloudtui.core;

import java.util.List;
import java.util.Map;

/**
 * What {@code cloudtui build} asks for, as {@code docker build} options: the Dockerfile (relative to
 * the context; null for DIR/Dockerfile), tags, --build-arg values, --target stage (null: the last),
 * --no-cache, and --network for RUN (null: the backend's default).
 */
public record BuildOptions(String dockerfile, List<String> tags, Map<String, String> buildArgs, String target, boolean noCache, String network) {
    public BuildOptions {
        tags = tags == null ? List.of() : List.copyOf(tags);
        buildArgs = buildArgs == null ? Map.of() : Map.copyOf(buildArgs);
    }

    /** Whether only what every backend's build takes (a Dockerfile and tags) is asked for. */
    public boolean plain() {
        return buildArgs.isEmpty() && target == null && !noCache && network == null;
    }
}
