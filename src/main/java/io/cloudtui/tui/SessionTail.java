package io.cloudtui.tui;

import io.cloudtui.core.Stdio;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The last bytes a terminal session (an interactive run, a shell, an attach) wrote, kept so that when
 * it ends in an error the UI can say what it printed: the screen comes back at once and would hide it
 * (a container whose command does not exist prints why, exits, and was gone before anyone read it).
 */
final class SessionTail {
    static final int KEEP = 4096;
    static final int MAX_LINES = 10;
    private final byte[] ring = new byte[KEEP];
    private long written;

    /** {@code stdio} with its output and error streams also copied here. */
    Stdio wrap(Stdio stdio) {
        return new Stdio(stdio.stdin(), tee(stdio.stdout()), stdio.stderr() == null ? null : tee(stdio.stderr()), stdio.tty(),
                stdio.size(), stdio.onResize());
    }

    /**
     * {@code out}, also copied here. A raw terminal stays one ({@link Stdio.RawTerminalOutput}): a
     * workload without a TTY of its own then still gets its cooked view, CR before LF, copied here too.
     */
    private OutputStream tee(OutputStream out) {
        if (out == null) return null;
        return out instanceof Stdio.RawTerminalOutput raw ? new RawTee(out, raw) : new Tee(out);
    }

    private class Tee extends OutputStream {
        private final OutputStream out;

        Tee(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            keep(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            keep(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    private final class RawTee extends Tee implements Stdio.RawTerminalOutput {
        private final Stdio.RawTerminalOutput raw;

        RawTee(OutputStream out, Stdio.RawTerminalOutput raw) {
            super(out);
            this.raw = raw;
        }

        @Override
        public OutputStream cooked() {
            return new Tee(raw.cooked());
        }
    }

    private synchronized void keep(byte[] b, int off, int len) {
        for (int i = Math.max(0, len - KEEP); i < len; i++) ring[(int) (written++ % KEEP)] = b[off + i];
    }

    /** The last non-blank lines printed (at most {@link #MAX_LINES}), without control sequences. */
    synchronized List<String> lines() {
        int n = (int) Math.min(written, KEEP);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = ring[(int) ((written - n + i) % KEEP)];
        String text = new String(b, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        String[] raw = text.split("\r\n|\r|\n");
        // a cut at the start of the ring leaves half a line: drop it unless it is all there is
        int from = written > KEEP && raw.length > 1 ? 1 : 0;
        for (int i = from; i < raw.length; i++) {
            String l = Sanitizer.sanitize(raw[i]).text().strip();
            if (!l.isEmpty()) out.add(l);
        }
        return out.size() > MAX_LINES ? List.copyOf(out.subList(out.size() - MAX_LINES, out.size())) : out;
    }

    /**
     * What to add to "exited with status N": its last line (": exec nu-r3: No such file or directory"),
     * and when it printed more, those lines below it; empty when it printed nothing.
     */
    String summary() {
        List<String> l = lines();
        if (l.isEmpty()) return "";
        String s = ": " + l.get(l.size() - 1);
        if (l.size() > 1) s += "\nits last output:\n" + String.join("\n", l);
        return s;
    }
}
