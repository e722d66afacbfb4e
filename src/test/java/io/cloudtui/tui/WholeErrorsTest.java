package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.WorkloadKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Errors of actions started from the UI are shown in the UI, whole: what a failed terminal session
 * printed comes with its exit status, and a message too long for the message line says so and opens
 * whole with M.
 */
class WholeErrorsTest {
    @TempDir
    Path tmp;
    Harness h;
    FakeBackend b;

    @BeforeEach
    void setUp() throws Exception {
        b = new FakeBackend("runtime") {
            @Override
            public int attach(String ref, Stdio stdio) {
                // what the runtime prints when the container's command does not exist, then its status
                try {
                    stdio.stdout().write("\u001b[1mexec nu-r3: No such file or directory\u001b[0m\r\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return 127;
            }

            @Override
            public void kill(String ref, String signal) {
                throw new CloudtuiException("cannot kill " + ref + ": the engine answered 500 Internal Server Error: "
                        + "permission denied while trying to signal the container's init process; "
                        + "check that the engine runs as root and that no security profile forbids signals: THE-END");
            }
        };
        b.add("c1", "alpha", WorkloadKind.CONTAINER, State.RUNNING);
        h = new Harness(List.of(b), tmp);
        h.await(" alpha ");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void aFailedSessionSaysWhatItPrinted() {
        h.press('a');
        h.await("attached to alpha: exited with status 127: exec nu-r3: No such file or directory");
    }

    @Test
    void aMessageTooLongForTheLineSaysSoAndOpensWhole() {
        h.press('K');
        h.press('y');
        String line = h.await("the failure", t -> h.line(28).contains("kill failed")).lines().toList().get(28);
        assertFalse(line.contains("THE-END"), line);
        assertTrue(line.contains("(M: whole message)"), line);
        assertTrue(h.line(29).contains("M messages"), h.line(29));
        h.press('M');
        String s = h.await("> messages");
        assertTrue(s.contains("THE-END"), s);
        assertTrue(s.contains("error  kill failed: alpha: cannot kill c1"), s);
        h.press(KeyType.Escape);
        h.await("> workloads");
    }

    /** Runs detached containers whose command does not exist: they end at once, saying why in their log. */
    static final class FailingRuns extends FakeBackend implements io.cloudtui.core.RunSupport {
        FailingRuns() {
            super("runtime");
        }

        @Override
        public String create(io.cloudtui.core.RunSpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int run(io.cloudtui.core.RunSpec spec, Stdio stdio, java.util.function.Consumer<String> onCreated) {
            add("dead1", "ctr-dead1", WorkloadKind.CONTAINER, State.STOPPED);
            addLog("dead1", new io.cloudtui.core.LogLine(io.cloudtui.core.LogLine.Stream.STDERR, java.time.Instant.now(),
                    "exec nu-r4: No such file or directory"));
            onCreated.accept("dead1");
            return 0;
        }
    }

    @Test
    void aDetachedRunThatEndsAtOnceSaysWhy() throws Exception {
        h.close();
        FailingRuns r = new FailingRuns();
        r.add("c1", "alpha", WorkloadKind.CONTAINER, State.RUNNING);
        h = new Harness(List.of(r), tmp);
        h.await(" alpha ");
        h.press('n');
        h.await("run a new container");
        h.type("local/busybox");
        for (int i = 0; i < 6; i++) h.press(KeyType.ArrowDown);
        h.press(' '); // interactive off: detached
        h.press(KeyType.Enter);
        h.await("run local/busybox: ctr-dead1 stopped: exec nu-r4: No such file or directory");
        assertFalse(h.text().contains("started"), h.text());
    }

    @Test
    void aDetachedCommandThatFinishedCleanlyIsNewsNotAnError() {
        FakeBackend done = new FakeBackend("docker") {
            @Override
            public synchronized io.cloudtui.core.Workload get(String ref) {
                io.cloudtui.core.Workload w = super.get(ref);
                return new io.cloudtui.core.Workload(w.id(), w.name(), w.kind(), w.image(), w.command(), State.STOPPED,
                        "Exited (0) Less than a second ago", w.created(), null, w.ports(), w.labels(), w.host());
            }
        };
        done.add("x1", "hello", WorkloadKind.CONTAINER, State.STOPPED);
        done.addLog("x1", new io.cloudtui.core.LogLine(io.cloudtui.core.LogLine.Stream.STDOUT, java.time.Instant.now(), "hi"));
        ImageActions.Ended e = ImageActions.endedAtOnce(done, "x1");
        assertEquals("hello Exited (0) Less than a second ago: hi", e.text());
        assertFalse(e.failed());
        assertTrue(ImageActions.endedAtOnce(b, "c1") == null, "a running container has not ended");
    }

    @Test
    void tailKeepsTheLastLinesWithoutControlSequences() throws IOException {
        SessionTail t = new SessionTail();
        Stdio s = t.wrap(new Stdio(null, java.io.OutputStream.nullOutputStream(), null, true, null, null));
        for (int i = 0; i < 2000; i++) s.stdout().write(("line " + i + "\r\n").getBytes(StandardCharsets.UTF_8));
        s.stdout().write("\u001b]0;title\u0007last words\n".getBytes(StandardCharsets.UTF_8));
        List<String> l = t.lines();
        assertEquals(SessionTail.MAX_LINES, l.size());
        assertEquals("last words", l.get(l.size() - 1));
        assertEquals("line 1999", l.get(l.size() - 2));
        assertTrue(t.summary().startsWith(": last words\nits last output:\n"), t.summary());
        assertEquals("", new SessionTail().summary());
    }
}
