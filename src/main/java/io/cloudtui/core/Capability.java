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
    CONSOLE;

    /** What the capability lets a user do, for "BACKEND cannot ..." messages: "pause", "show logs". */
    public String phrase() {
        return switch (this) {
            case LIST -> "list workloads";
            case EVENTS -> "send events";
            case UNPAUSE -> "resume";
            case LOGS -> "show logs";
            case STATS -> "show stats";
            case RUN -> "run new containers";
            case IMAGES -> "manage images";
            case VOLUMES -> "manage volumes";
            case NETWORKS -> "manage networks";
            case CONSOLE -> "open a console";
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
