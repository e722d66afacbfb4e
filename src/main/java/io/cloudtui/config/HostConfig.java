package io.cloudtui.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One machine reached over SSH ({@code hosts:} in the config).
 *
 * @param name     the host's name, the prefix of its backends' names and so of its workloads' ids ({@code web1/docker:api})
 * @param ssh      an alias of ~/.ssh/config, {@code [user@]host[:port]} or {@code ssh://[user@]host[:port]}
 * @param enabled  false keeps it configured but off
 * @param backends the engines to use on it (docker, podman, libvirt) instead of looking for them
 */
public record HostConfig(
        @JsonProperty(required = true) String name,
        @JsonProperty(required = true) String ssh,
        Boolean enabled,
        List<String> backends) {

    /** The engine types a host's {@code backends:} may pin. */
    public static final List<String> TYPES = List.of("docker", "podman", "libvirt", "libvirt-session", "runtime");

    public HostConfig {
        backends = backends == null ? List.of() : List.copyOf(backends);
    }

    public boolean isEnabled() {
        return enabled == null || enabled;
    }
}
