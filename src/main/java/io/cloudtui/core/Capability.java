package io.cloudtui.core;

/** Verbs a backend may support; callers check before offering or calling one. */
public enum Capability {
    LIST, EVENTS, START, STOP, RESTART, KILL, PAUSE, UNPAUSE, REMOVE, LOGS, EXEC, ATTACH, INSPECT, STATS,
    /** Create and start new workloads ({@link RunSupport}). */
    RUN,
    /** Image listing, removal, build, import ({@link ImageSupport}). */
    IMAGES,
    /** Volumes ({@link VolumeSupport}). */
    VOLUMES,
    /** Networks ({@link NetworkSupport}). */
    NETWORKS,
    /** Serial console of a VM. */
    CONSOLE
}
