package io.cloudtui.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * One configured backend instance. Fields not used by a type are left null; providers reject
 * settings that make no sense for them.
 *
 * @param name       instance name, the id prefix ("docker", "prod")
 * @param type       provider type ("docker", "runtime", "libvirt", or a plugin's)
 * @param enabled    false keeps it configured but off
 * @param host       docker: DOCKER_HOST-style endpoint (unix:///..., tcp://host:2376)
 * @param tlsVerify  docker: verify TLS for tcp hosts
 * @param certPath   docker: directory with ca.pem, cert.pem, key.pem
 * @param uri        libvirt: connection URI (qemu:///system, qemu+ssh://user@host/system)
 * @param root       runtime: state directory
 * @param store      runtime: image and container store directory
 * @param ociRuntime runtime: OCI runtime binary to use instead of the bundled one (runc, crun)
 * @param options    free-form settings for third-party backends
 */
public record BackendConfig(
        @JsonProperty(required = true) String name,
        @JsonProperty(required = true) String type,
        Boolean enabled,
        String host,
        Boolean tlsVerify,
        String certPath,
        String uri,
        String root,
        String store,
        String ociRuntime,
        Map<String, Object> options) {

    public BackendConfig {
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    public boolean isEnabled() {
        return enabled == null || enabled;
    }

    /** A config with only name and type set, as autodetection uses. */
    public static BackendConfig of(String name, String type) {
        return new BackendConfig(name, type, true, null, null, null, null, null, null, null, null);
    }
}
