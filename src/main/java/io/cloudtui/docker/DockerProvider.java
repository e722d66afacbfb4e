package io.cloudtui.docker;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.BackendProvider;
import io.cloudtui.core.CloudtuiException;
import java.util.Optional;

/** Placeholder until the docker backend lands: never autodetected, refuses explicit config. */
public final class DockerProvider implements BackendProvider {
    @Override
    public String type() {
        return "docker";
    }

    @Override
    public Backend create(BackendConfig config) {
        throw new CloudtuiException("the docker backend is not built yet");
    }

    @Override
    public Optional<Backend> autodetect() {
        return Optional.empty();
    }
}
