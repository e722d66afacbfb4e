package io.cloudtui.core;

import java.time.Instant;

/**
 * Something changed on a backend. {@code action} is the backend's verb ("start", "die", "destroy",
 * "pause", ...); listeners normally re-read the one workload named by {@code id}.
 * {@code id} is null for backend-wide events (connected, disconnected).
 */
public record WorkloadEvent(String backend, WorkloadId id, Type type, String action, Instant at) {
    public enum Type {
        /** A workload was created, changed state, or was removed. */
        WORKLOAD,
        /** The backend (re)connected. */
        CONNECTED,
        /** The backend lost its engine. */
        DISCONNECTED
    }
}
