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

    public void registerResize(Consumer<TermSize> handler) {
        if (onResize != null) onResize.accept(handler);
    }
}
