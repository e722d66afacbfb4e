package io.cloudtui.core;

/**
 * The one id scheme: {@code BACKEND:NAME-OR-ID}, e.g. {@code docker:web}. {@code backend} is the
 * configured backend instance name, {@code ref} its native id or name.
 */
public record WorkloadId(String backend, String ref) {
    public WorkloadId {
        if (backend == null || backend.isEmpty()) throw new IllegalArgumentException("empty backend");
        if (ref == null || ref.isEmpty()) throw new IllegalArgumentException("empty reference");
    }

    @Override
    public String toString() {
        return backend + ":" + ref;
    }
}
