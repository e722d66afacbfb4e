package io.cloudtui.core;

/** Lifecycle state shared by containers and VMs; backends map their own states onto these. */
public enum State {
    CREATED, RUNNING, PAUSED, RESTARTING, STOPPED, DEAD, REMOVING, UNKNOWN;

    public boolean isActive() {
        return this == RUNNING || this == PAUSED || this == RESTARTING;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
