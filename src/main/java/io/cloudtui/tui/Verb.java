package io.cloudtui.tui;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.State;
import io.cloudtui.core.Workload;
import java.time.Duration;

/** Lifecycle verbs the UI offers, with what the confirmation dialog says about each. */
enum Verb {
    START("start", "started", "starting", Capability.START, false, "start"),
    STOP("stop", "stopped", "stopping", Capability.STOP, true, "stop (SIGTERM, then SIGKILL after 10 s)"),
    RESTART("restart", "restarted", "restarting", Capability.RESTART, true, "restart (stop, then start again)"),
    KILL("kill", "killed", "killing", Capability.KILL, true, "kill at once with SIGKILL (no clean shutdown)"),
    PAUSE("pause", "paused", "pausing", Capability.PAUSE, true, "pause (freeze every process)"),
    UNPAUSE("resume", "resumed", "resuming", Capability.UNPAUSE, false, "resume"),
    REMOVE("remove", "removed", "removing", Capability.REMOVE, true, "remove for good (running ones are killed first)");

    static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    final String label;
    final String past;
    /** Shown as the row's state while the verb is under way. */
    final String ing;
    final Capability capability;
    final boolean destructive;
    final String explanation;

    Verb(String label, String past, String ing, Capability capability, boolean destructive, String explanation) {
        this.label = label;
        this.past = past;
        this.ing = ing;
        this.capability = capability;
        this.destructive = destructive;
        this.explanation = explanation;
    }

    /** Whether the verb makes sense for a workload in this state. */
    boolean applies(State s) {
        return switch (this) {
            case START -> !s.isActive() && s != State.REMOVING;
            case STOP, KILL, PAUSE -> s == State.RUNNING || s == State.RESTARTING || (this != PAUSE && s == State.PAUSED);
            case UNPAUSE -> s == State.PAUSED;
            case RESTART -> s != State.REMOVING;
            case REMOVE -> s != State.REMOVING;
        };
    }

    void run(Backend b, Workload w) {
        String ref = w.nativeId();
        switch (this) {
            case START -> b.start(ref);
            case STOP -> b.stop(ref, STOP_TIMEOUT);
            case RESTART -> b.restart(ref, STOP_TIMEOUT);
            case KILL -> b.kill(ref, "KILL");
            case PAUSE -> b.pause(ref);
            case UNPAUSE -> b.unpause(ref);
            case REMOVE -> b.remove(ref, w.state().isActive());
        }
    }

    static Verb of(String s) {
        return switch (s) {
            case "start" -> START;
            case "stop" -> STOP;
            case "restart" -> RESTART;
            case "kill" -> KILL;
            case "pause" -> PAUSE;
            case "resume", "unpause" -> UNPAUSE;
            case "remove", "rm" -> REMOVE;
            default -> null;
        };
    }
}
