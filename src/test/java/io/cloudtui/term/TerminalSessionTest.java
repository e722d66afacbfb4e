package io.cloudtui.term;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TerminalSessionTest {
    @Test
    void parsesDockerDetachKeyNotation() {
        assertArrayEquals(new byte[] {0x10, 0x11}, DetachKeys.parse("ctrl-p,ctrl-q").bytes());
        assertArrayEquals(new byte[] {0x1d}, DetachKeys.parse("ctrl-]").bytes());
        assertArrayEquals(new byte[] {0x00, 0x1b, 0x1c, 0x1e, 0x1f}, DetachKeys.parse("ctrl-@,ctrl-[,ctrl-\\,ctrl-^,ctrl-_").bytes());
        assertArrayEquals(new byte[] {'a', 0x01}, DetachKeys.parse("a,CTRL-A").bytes());
        assertNull(DetachKeys.parse(""));
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> DetachKeys.parse("ctrl-p,alt-q"));
        assertEquals(2, e.exitCode());
        assertThrows(CloudtuiException.class, () -> DetachKeys.parse("ctrl-1"));
    }

    @Test
    void aRawTerminalGetsCarriageReturnsOnlyForAWorkloadWithoutATty() throws IOException {
        ByteArrayOutputStream term = new ByteArrayOutputStream();
        io.cloudtui.core.Stdio raw = new io.cloudtui.core.Stdio(null, new TerminalSession.RawFlushing(term), null, true, null, null);
        raw.stdout().write("vi\nmoves\n".getBytes(StandardCharsets.UTF_8)); // a TTY's own output goes through as it is
        raw.forWorkloadWithoutTty().stdout().write("tick 8\ntick 9\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("vi\nmoves\ntick 8\r\ntick 9\r\n", term.toString(StandardCharsets.UTF_8));
        // not a raw terminal (a pipe, a cooked terminal): unchanged
        ByteArrayOutputStream pipe = new ByteArrayOutputStream();
        io.cloudtui.core.Stdio plain = new io.cloudtui.core.Stdio(null, pipe, pipe, false, null, null).forWorkloadWithoutTty();
        plain.stdout().write("a\nb\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("a\nb\n", pipe.toString(StandardCharsets.UTF_8));
    }

    @Test
    void matcherHoldsBackPartialSequences() {
        DetachKeys.Matcher m = DetachKeys.parse("ctrl-p,ctrl-q").matcher();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertFalse(m.filter(new byte[] {'a', 0x10}, 2, out));
        assertArrayEquals(new byte[] {'a'}, out.toByteArray());
        // ctrl-p then 'x': both reach the workload
        assertFalse(m.filter(new byte[] {'x'}, 1, out));
        assertArrayEquals(new byte[] {'a', 0x10, 'x'}, out.toByteArray());
        // ctrl-p ctrl-p ctrl-q: the first ctrl-p is passed on, the rest detaches
        out.reset();
        assertTrue(m.filter(new byte[] {0x10, 0x10, 0x11}, 3, out));
        assertArrayEquals(new byte[] {0x10}, out.toByteArray());
        // split across reads
        out.reset();
        assertFalse(m.filter(new byte[] {0x10}, 1, out));
        assertTrue(m.filter(new byte[] {0x11}, 1, out));
        assertEquals(0, out.size());
    }

    @Test
    void detachEndsThePipedSessionWithoutClosingTheWorkloadsStdin() throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keyboard);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        CountDownLatch gotLine = new CountDownLatch(1);
        CountDownLatch bodyStopped = new CountDownLatch(1);
        TerminalSession s = new TerminalSession(in, new ByteArrayOutputStream(), new ByteArrayOutputStream());
        Thread typist = new Thread(() -> {
            try {
                keyboard.write("echo hi\n".getBytes(StandardCharsets.US_ASCII));
                keyboard.flush();
                gotLine.await(10, TimeUnit.SECONDS);
                keyboard.write(new byte[] {0x10, 0x11, 'x'});
                keyboard.flush();
            } catch (IOException | InterruptedException e) {
                // the test fails on the assertions below
            }
        });
        typist.start();
        int code = s.run(true, DetachKeys.parse("ctrl-p,ctrl-q"), stdio -> {
            try {
                byte[] b = new byte[64];
                int n;
                while ((n = stdio.stdin().read(b)) >= 0) {
                    seen.write(b, 0, n);
                    if (seen.toString(StandardCharsets.US_ASCII).endsWith("\n")) gotLine.countDown();
                }
                return 99; // EOF would mean the workload's stdin was closed: detach must not do that
            } catch (IOException e) {
                return -1; // interrupted when the session ended
            } finally {
                bodyStopped.countDown();
            }
        });
        assertEquals(TerminalSession.DETACHED, code);
        assertTrue(bodyStopped.await(10, TimeUnit.SECONDS));
        assertEquals("echo hi\n", seen.toString(StandardCharsets.US_ASCII));
        typist.join(10_000);
    }

    @Test
    void bodyExitCodeAndEofWithoutDetach() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TerminalSession s = new TerminalSession(new ByteArrayInputStream("abc".getBytes(StandardCharsets.US_ASCII)), out, new ByteArrayOutputStream());
        int code = s.run(true, DetachKeys.parse("ctrl-]"), stdio -> {
            try {
                stdio.stdout().write(stdio.stdin().readAllBytes());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return 7;
        });
        assertEquals(7, code);
        assertEquals("abc", out.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void exceptionsOfTheBodyPropagate() throws Exception {
        PipedOutputStream feed = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(feed);
        TerminalSession s = new TerminalSession(in, new ByteArrayOutputStream(), new ByteArrayOutputStream());
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> s.run(true, DetachKeys.parse("ctrl-p,ctrl-q"), stdio -> {
            throw new CloudtuiException("container x is not running");
        }));
        assertEquals("container x is not running", e.getMessage());
        feed.close();
    }

    @Test
    void nonInteractiveSessionGetsNoStdin() {
        int code = new TerminalSession(System.in, new ByteArrayOutputStream(), new ByteArrayOutputStream())
                .run(true, false, DetachKeys.parse("ctrl-p,ctrl-q"), stdio -> stdio.stdin() == null && stdio.tty() ? 0 : 1);
        assertEquals(0, code);
    }

    @Test
    void testStreamsAreNotTerminals() {
        assertFalse(TerminalSession.isTerminal(new ByteArrayInputStream(new byte[0])));
    }

    @Test
    void rawAttributesAreCfmakeraw() {
        var base = new org.jline.terminal.Attributes();
        base.setLocalFlags(java.util.EnumSet.allOf(org.jline.terminal.Attributes.LocalFlag.class), true);
        base.setInputFlags(java.util.EnumSet.allOf(org.jline.terminal.Attributes.InputFlag.class), true);
        base.setOutputFlag(org.jline.terminal.Attributes.OutputFlag.OPOST, true);
        var raw = TerminalSession.rawAttributes(base);
        assertFalse(raw.getLocalFlag(org.jline.terminal.Attributes.LocalFlag.ISIG));
        assertFalse(raw.getLocalFlag(org.jline.terminal.Attributes.LocalFlag.ICANON));
        assertFalse(raw.getLocalFlag(org.jline.terminal.Attributes.LocalFlag.ECHO));
        assertFalse(raw.getInputFlag(org.jline.terminal.Attributes.InputFlag.ICRNL));
        assertFalse(raw.getOutputFlag(org.jline.terminal.Attributes.OutputFlag.OPOST));
        assertTrue(raw.getControlFlag(org.jline.terminal.Attributes.ControlFlag.CS8));
        assertEquals(1, raw.getControlChar(org.jline.terminal.Attributes.ControlChar.VMIN));
        // the saved settings are untouched, so restoring them restores the terminal
        assertTrue(base.getLocalFlag(org.jline.terminal.Attributes.LocalFlag.ISIG));
    }
}
