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

    /**
     * When {@link #autodetect()} found nothing although this provider's engine is there, why this
     * user cannot use it and how to fix that (a socket it may not open): what a user who names the
     * backend ({@code docker:web}) is told instead of "no such backend". Must be quick.
     */
    default Optional<Unusable> unusable() {
        return Optional.empty();
    }

    /**
     * What {@link #autodetect()}, {@link #unusable()} and {@link #create} would find now, as a string
     * that changes when their answer would (the sockets there, the variables and files that name an
     * engine): a process that keeps its backends between commands (the warm agent) opens them afresh
     * when it changes. Must be quick (files only, no connection). The default: nothing that changes.
     */
    default String detectionKey() {
        return "";
    }

    /**
     * An engine that is there but this user cannot use.
     *
     * @param what one short clause: {@code permission denied on /var/run/docker.sock}
     * @param fix  how to fix it, for a user who asked for this backend
     */
    record Unusable(String what, String fix) {
        /** The whole story, for a user who named the backend. */
        public String message() {
            return what + " (" + fix + ")";
        }
    }
}
