package io.cloudtui.docker;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.BackendProvider;
import java.util.Optional;

/**
 * The Docker Engine backend ({@code type: docker}). The endpoint is taken from the backend's config
 * (host, tlsVerify, certPath), else DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, else the
 * current docker context, else the local Docker (or Podman) socket. Nothing connects until first use.
 */
public final class DockerProvider implements BackendProvider {
    static final String TYPE = "docker";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Backend create(BackendConfig config) {
        return new DockerBackend(config.name(), EndpointResolver.system().resolve(config));
    }

    @Override
    public Optional<Backend> autodetect() {
        return EndpointResolver.system().autodetect().map(e -> new DockerBackend(TYPE, e));
    }
}
