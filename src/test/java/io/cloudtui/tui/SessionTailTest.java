package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cloudtui.core.Stdio;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionTailTest {
    /** A raw terminal as TerminalSession hands it out: its cooked view puts CR before LF. */
    static final class RawTerminal extends OutputStream implements Stdio.RawTerminalOutput {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            got.write(b);
        }

        @Override
        public OutputStream cooked() {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    if (b == '\n') got.write('\r');
                    got.write(b);
                }
            };
        }
    }

    @Test
    void aWorkloadWithoutATerminalStillGetsTheCookedViewThroughTheTail() throws Exception {
        RawTerminal out = new RawTerminal();
        RawTerminal err = new RawTerminal();
        SessionTail tail = new SessionTail();
        Stdio wrapped = tail.wrap(new Stdio(InputStream.nullInputStream(), out, err, true, null, null)).forWorkloadWithoutTty();
        wrapped.stdout().write("one\ntwo\n".getBytes(StandardCharsets.UTF_8));
        wrapped.stderr().write("oops\n".getBytes(StandardCharsets.UTF_8));
        // each line starts at the left edge (no staircase), and the tail still has what was printed
        assertEquals("one\r\ntwo\r\n", out.got.toString(StandardCharsets.UTF_8));
        assertEquals("oops\r\n", err.got.toString(StandardCharsets.UTF_8));
        assertEquals(List.of("one", "two", "oops"), tail.lines());
    }

    @Test
    void aWorkloadWithATerminalWritesThroughUnchanged() throws Exception {
        RawTerminal out = new RawTerminal();
        SessionTail tail = new SessionTail();
        Stdio wrapped = tail.wrap(new Stdio(InputStream.nullInputStream(), out, null, true, null, null));
        wrapped.stdout().write("a\r\nb\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("a\r\nb\n", out.got.toString(StandardCharsets.UTF_8));
        assertEquals(List.of("a", "b"), tail.lines());
    }
}
