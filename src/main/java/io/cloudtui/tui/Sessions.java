package io.cloudtui.tui;

import io.cloudtui.core.Stdio;
import java.util.function.ToIntFunction;

/** Hands the terminal to an interactive session (shell, attach, console) and takes it back. */
interface Sessions {
    /**
     * Runs {@code body} with the user's terminal; returns its exit code, or
     * {@link io.cloudtui.term.TerminalSession#DETACHED} when the user typed the detach keys.
     */
    int run(String banner, String detachKeys, ToIntFunction<Stdio> body);

    /** Runs {@code command} (ssh) on the user's terminal, the screen suspended meanwhile; returns its exit code. */
    default int process(String banner, java.util.List<String> command) {
        throw new io.cloudtui.core.CloudtuiException("cannot run " + command.get(0) + " on this terminal");
    }

    /** As {@link #process}, with the last line the command wrote on stderr (null when unknown). */
    default io.cloudtui.term.ForegroundProcess.Result runProcess(String banner, java.util.List<String> command) {
        return new io.cloudtui.term.ForegroundProcess.Result(process(banner, command), null);
    }
}
