package io.cloudtui.libvirt;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.BackendProvider;
import io.cloudtui.core.CloudtuiException;
import java.util.Optional;

/** Placeholder until the libvirt backend lands: never autodetected, refuses explicit config. */
public final class LibvirtProvider implements BackendProvider {
    @Override
    public String type() {
        return "libvirt";
    }

    @Override
    public Backend create(BackendConfig config) {
        throw new CloudtuiException("the libvirt backend is not built yet");
    }

    @Override
    public Optional<Backend> autodetect() {
        return Optional.empty();
    }
}
