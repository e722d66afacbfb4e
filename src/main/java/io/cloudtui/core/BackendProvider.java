package io.cloudtui.core;

import io.cloudtui.config.BackendConfig;
import java.util.Optional;

/**
 * The Backend SPI, found through {@link java.util.ServiceLoader}. A plugin jar lists its class in
 * {@code META-INF/services/io.cloudtui.core.BackendProvider}.
 */
public interface BackendProvider {

    /** Type name used in config ({@code type: docker}). */
    String type();

    /** Creates a backend for one configured instance. Must not block on the network. */
    Backend create(BackendConfig config);

    /**
     * With no config file, cloudtui enables every backend it can reach: this returns an instance
     * with default settings when this provider's engine looks reachable (a socket exists, a URI
     * answers), empty otherwise. Must be quick.
     */
    Optional<Backend> autodetect();
}
