package io.cloudtui.core;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Consumer;

/**
 * The terminal side of an exec, attach or console session.
 *
 * @param stdin    input to forward; null for none
 * @param stdout   where output goes (with a TTY, all output)
 * @param stderr   where error output goes when there is no TTY
 * @param tty      allocate a TTY in the workload
 * @param size     initial window size, null when unknown
 * @param onResize the backend registers its resize handler here; called on every window change
 */
public record Stdio(
        InputStream stdin,
        OutputStream stdout,
        OutputStream stderr,
        boolean tty,
        TermSize size,
        Consumer<Consumer<TermSize>> onResize) {

    public record TermSize(int columns, int rows) {}

    /**
     * Output to the user's terminal while it is in raw mode, without output processing: there a
     * bare LF moves down a line without going back to the first column. A workload with a TTY of
     * its own sends CR LF (its pty translates), one without sends bare LF: its output takes
     * {@link #cooked()}.
     */
    public interface RawTerminalOutput {
        /** This stream with a CR put before every LF, as the terminal's own ONLCR would. */
        OutputStream cooked();
    }

    /**
     * These streams as a workload without a TTY of its own should write to them: CR before LF when
     * they are a terminal in raw mode (else each line starts where the last one ended), unchanged
     * otherwise.
     */
    public Stdio forWorkloadWithoutTty() {
        return new Stdio(stdin, cooked(stdout), cooked(stderr), tty, size, onResize);
    }

    private static OutputStream cooked(OutputStream s) {
        return s instanceof RawTerminalOutput r ? r.cooked() : s;
    }

    public void registerResize(Consumer<TermSize> handler) {
        if (onResize != null) onResize.accept(handler);
    }
}
