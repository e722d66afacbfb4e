package io.cloudtui.cli;

import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Stdio;
import io.cloudtui.term.DetachKeys;
import io.cloudtui.term.TerminalSession;
import java.util.function.ToIntFunction;

/** Runs an exec/attach-like body with the user's terminal, following docker's -i/-t rules. */
final class Interactive {
    private Interactive() {}

    /** Docker refuses -it when stdin is not a terminal (a pipe or a file); so do we. */
    static void checkTty(Context ctx, boolean interactive, boolean tty) {
        if (tty && interactive && !TerminalSession.isTerminal(ctx.in())) {
            throw new CloudtuiException("the input device is not a TTY");
        }
    }

    static DetachKeys detachKeys(Context ctx, String option) {
        return DetachKeys.parse(option != null ? option : ctx.config().ui().detachKeys());
    }

    /** Runs {@code body}; a detach ends it with exit code 0 (the workload keeps running). */
    static int session(Context ctx, boolean interactive, boolean tty, DetachKeys keys, ToIntFunction<Stdio> body) {
        int code = new TerminalSession(ctx.in(), ctx.out(), ctx.err()).run(tty, interactive, keys, body);
        ctx.out().flush();
        if (code == TerminalSession.DETACHED) {
            ctx.err().println();
            return 0;
        }
        return code;
    }
}
