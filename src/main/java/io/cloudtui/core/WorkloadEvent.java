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

    /**
     * The events between two listings of BACKEND (native id to a state summary; a backend without an
     * event stream of its own compares lists): each id new or changed ("create", "update"), each gone ("destroy").
     */
    public static void changes(String backend, java.util.Map<String, String> last, java.util.Map<String, String> now,
            java.util.function.Consumer<WorkloadEvent> listener) {
        for (java.util.Map.Entry<String, String> e : now.entrySet()) {
            if (!e.getValue().equals(last.get(e.getKey()))) {
                listener.accept(new WorkloadEvent(backend, new WorkloadId(backend, e.getKey()), Type.WORKLOAD,
                        last.containsKey(e.getKey()) ? "update" : "create", Instant.now()));
            }
        }
        for (String id : last.keySet()) {
            if (!now.containsKey(id)) listener.accept(new WorkloadEvent(backend, new WorkloadId(backend, id), Type.WORKLOAD, "destroy", Instant.now()));
        }
    }
}
