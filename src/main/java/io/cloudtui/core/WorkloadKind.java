package io.cloudtui.core;

/** What sort of thing a workload is; decides which verbs and columns make sense. */
public enum WorkloadKind {
    CONTAINER, VM,
    /** A batch job of a cluster's scheduler (Slurm). */
    JOB;

    public String label() {
        return switch (this) {
            case CONTAINER -> "container";
            case VM -> "vm";
            case JOB -> "job";
        };
    }
}
