package io.cloudtui.core;

/** What sort of thing a workload is; decides which verbs and columns make sense. */
public enum WorkloadKind {
    CONTAINER, VM;

    public String label() {
        return this == CONTAINER ? "container" : "vm";
    }
}
