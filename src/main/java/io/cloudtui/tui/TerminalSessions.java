package io.cloudtui.tui;

import com.googlecode.lanterna.screen.Screen;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Stdio;
import io.cloudtui.term.DetachKeys;
import io.cloudtui.term.TerminalSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The real terminal: suspend the screen, run the session raw, then restore the screen as it was. */
final class TerminalSessions implements Sessions {
    private static final Logger LOG = LoggerFactory.getLogger(TerminalSessions.class);
    private final Screen screen;
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    TerminalSessions(Screen screen, InputStream in, PrintStream out, PrintStream err) {
        this.screen = screen;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    @Override
    public int run(String banner, String detachKeys, java.util.function.ToIntFunction<Stdio> body) {
        try {
            screen.stopScreen();
        } catch (IOException e) {
            throw new CloudtuiException("cannot suspend the screen: " + e.getMessage(), e);
        }
        try {
            out.print("\r\ncloudtui: " + banner + " (leave with " + detachKeys + " or by exiting)\r\n");
            out.flush();
            DetachKeys keys = detachKeys == null || detachKeys.isBlank() ? null : DetachKeys.parse(detachKeys);
            return new TerminalSession(in, out, err).run(true, keys, body);
        } finally {
            resume();
        }
    }

    @Override
    public int process(String banner, List<String> command) {
        return runProcess(banner, command).code();
    }

    @Override
    public io.cloudtui.term.ForegroundProcess.Result runProcess(String banner, List<String> command) {
        try {
            screen.stopScreen();
        } catch (IOException e) {
            throw new CloudtuiException("cannot suspend the screen: " + e.getMessage(), e);
        }
        try {
            // the child owns the terminal, in its usual modes (ctrl-c reaches it); the UI reads no input meanwhile.
            // The banner comes once those modes are set, so a ctrl-c after it is an interrupt.
            return io.cloudtui.term.ForegroundProcess.run(command, err, () -> {
                out.print("\r\ncloudtui: " + banner + " (leave by exiting)\r\n");
                out.flush();
            });
        } catch (IOException e) {
            throw new CloudtuiException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } finally {
            resume();
        }
    }

    private void resume() {
        try {
            screen.startScreen();
            screen.setCursorPosition(null);
        } catch (IOException e) {
            LOG.warn("cannot resume the screen", e);
        }
    }
}
