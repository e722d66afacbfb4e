package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.RunSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DockerLogsIT extends DockerItSupport {

    private List<LogLine> logs(String ref, LogOptions o) {
        List<LogLine> out = new CopyOnWriteArrayList<>();
        docker.logs(ref, o, out::add, new Backend.Cancel());
        return out;
    }

    private String finished(String what, String script) {
        String n = name(what);
        runDetached(n, script);
        awaitState(n, "exited");
        return n;
    }

    @Test
    void stdoutAndStderrAreKeptApart() {
        String n = finished("streams", "echo out1; echo err1 >&2; echo out2; echo err2 >&2");
        List<LogLine> lines = logs(n, LogOptions.all());
        assertEquals(List.of("out1", "out2"), lines.stream().filter(l -> l.stream() == LogLine.Stream.STDOUT).map(LogLine::text).toList());
        assertEquals(List.of("err1", "err2"), lines.stream().filter(l -> l.stream() == LogLine.Stream.STDERR).map(LogLine::text).toList());
        assertTrue(lines.stream().allMatch(l -> l.timestamp() == null));
    }

    @Test
    void tail() {
        String n = finished("tail", "for i in 1 2 3 4 5; do echo line$i; done");
        assertEquals(List.of("line4", "line5"), logs(n, new LogOptions(false, 2, null, false)).stream().map(LogLine::text).toList());
        assertEquals(5, logs(n, new LogOptions(false, -1, null, false)).size());
    }

    @Test
    void timestampsAreParsedAndStripped() {
        Instant before = Instant.now().minusSeconds(5);
        String n = finished("ts", "echo a; echo b");
        List<LogLine> lines = logs(n, new LogOptions(false, -1, null, true));
        assertEquals(List.of("a", "b"), lines.stream().map(LogLine::text).toList());
        for (LogLine l : lines) {
            assertNotNull(l.timestamp());
            assertTrue(l.timestamp().isAfter(before) && l.timestamp().isBefore(Instant.now().plusSeconds(5)), l.timestamp().toString());
        }
        assertFalse(lines.get(1).timestamp().isBefore(lines.get(0).timestamp()));
    }

    @Test
    void sinceSkipsOlderLines() {
        String n = finished("since", "echo early; sleep 1.5; echo late");
        List<LogLine> all = logs(n, new LogOptions(false, -1, null, true));
        assertEquals(2, all.size());
        Instant cut = all.get(0).timestamp().plusMillis(1);
        assertEquals(List.of("late"), logs(n, new LogOptions(false, -1, cut, false)).stream().map(LogLine::text).toList());
    }

    @Test
    void followStreamsUntilCancelled() throws Exception {
        String n = name("follow");
        runDetached(n, "i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.2; done");
        List<LogLine> got = new CopyOnWriteArrayList<>();
        Backend.Cancel cancel = new Backend.Cancel();
        CompletableFuture<Void> call = CompletableFuture.runAsync(() -> docker.logs(n, new LogOptions(true, -1, null, false), got::add, cancel));
        eventually(() -> got.size() >= 5, "5 followed lines");
        cancel.close();
        call.get(10, TimeUnit.SECONDS); // returns once cancelled
        assertEquals("tick1", got.get(0).text());
        assertEquals("tick5", got.get(4).text());
    }

    @Test
    void followReturnsWhenTheContainerExits() throws Exception {
        String n = name("followexit");
        runDetached(n, "sleep 1; echo bye");
        List<LogLine> got = new CopyOnWriteArrayList<>();
        CompletableFuture.runAsync(() -> docker.logs(n, new LogOptions(true, -1, null, false), got::add, new Backend.Cancel()))
                .get(30, TimeUnit.SECONDS);
        assertEquals(List.of("bye"), got.stream().map(LogLine::text).toList());
    }

    @Test
    void ttyContainerLogsAreRawButStillLines() {
        String n = name("tty");
        RunSpec s = new RunSpec(IMAGE, n, List.of("sh", "-c", "echo one; echo two >&2; printf 'no newline'"), null, Map.of(), List.of(),
                null, List.of(), true, false, true, false, null, null, null, null, null, false, null, Map.of());
        docker.run(s, null, id -> {});
        awaitState(n, "exited");
        List<LogLine> lines = logs(n, LogOptions.all());
        assertEquals(List.of("one", "two", "no newline"), lines.stream().map(LogLine::text).toList());
        assertTrue(lines.stream().allMatch(l -> l.stream() == LogLine.Stream.STDOUT), "a TTY has one stream");
        assertNull(lines.get(0).timestamp());
    }

    @Test
    void logsOfMissingContainer() {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> logs("ctui-it-nope-logs", LogOptions.all()));
        assertEquals("no such container: ctui-it-nope-logs", e.getMessage());
    }
}
