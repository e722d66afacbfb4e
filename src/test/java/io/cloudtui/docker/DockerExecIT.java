package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.Stdio;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class DockerExecIT extends DockerItSupport {

    /** Output that can be read while it is written (the exec runs on another thread). */
    static final class Sink extends ByteArrayOutputStream {
        synchronized String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void execWithoutTtyKeepsStreamsApartAndReturnsExitCode() {
        String n = name("exec");
        runDetached(n, "sleep 300");
        Sink out = new Sink();
        Sink err = new Sink();
        int code = docker.exec(n, List.of("sh", "-c", "echo out; echo err >&2; exit 3"), new Stdio(null, out, err, false, null, null));
        assertEquals(3, code);
        assertEquals("out\n", out.text());
        assertEquals("err\n", err.text());
        assertEquals(0, docker.exec(n, List.of("true"), new Stdio(null, out, err, false, null, null)));
    }

    @Test
    void execForwardsStdinUntilEof() {
        String n = name("stdin");
        runDetached(n, "sleep 300");
        Sink out = new Sink();
        ByteArrayInputStream in = new ByteArrayInputStream("hello\nworld\n".getBytes(StandardCharsets.UTF_8));
        int code = docker.exec(n, List.of("sh", "-c", "wc -l; cat"), new Stdio(in, out, new Sink(), false, null, null));
        assertEquals(0, code);
        assertEquals("2", out.text().trim());
    }

    @Test
    void execWithTtyGetsTheSizeAndResizes() throws Exception {
        String n = name("tty");
        runDetached(n, "sleep 300");
        Sink out = new Sink();
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys);
        AtomicReference<Consumer<Stdio.TermSize>> resizer = new AtomicReference<>();
        Stdio stdio = new Stdio(in, out, null, true, new Stdio.TermSize(100, 30), resizer::set);
        CompletableFuture<Integer> exec = CompletableFuture.supplyAsync(() ->
                docker.exec(n, List.of("sh", "-c", "tty; read a; stty size; read b; stty size; exit 7"), stdio));
        send(keys, "\n");
        eventually(() -> out.text().contains("30 100"), "stty size 30 100 (got: " + out.text() + ")");
        assertTrue(out.text().contains("/dev/pts/"), out.text());
        resizer.get().accept(new Stdio.TermSize(120, 40));
        send(keys, "\n");
        assertEquals(7, exec.get(30, TimeUnit.SECONDS));
        assertTrue(out.text().contains("40 120"), out.text());
        assertTrue(out.text().contains("\r\n"), "a TTY translates newlines");
        keys.close();
    }

    @Test
    void execInStoppedContainerFailsCleanly() {
        String n = name("stopped");
        docker.create(spec(n, true, "true"));
        CloudtuiException e = assertThrows(CloudtuiException.class,
                () -> docker.exec(n, List.of("true"), new Stdio(null, new Sink(), new Sink(), false, null, null)));
        assertEquals("container " + n + " is not running", e.getMessage());
        CloudtuiException missing = assertThrows(CloudtuiException.class,
                () -> docker.exec("ctui-it-nope-exec", List.of("true"), new Stdio(null, new Sink(), new Sink(), false, null, null)));
        assertEquals("no such container: ctui-it-nope-exec", missing.getMessage());
    }

    @Test
    void attachForwardsStdinAndReturnsTheExitCode() throws Exception {
        String n = name("attach");
        RunSpec s = new RunSpec(IMAGE, n, List.of("sh", "-c", "read line; echo got:$line; echo oops >&2; exit 5"), null, Map.of(),
                List.of(), null, List.of(), true, true, false, false, null, null, null, null, null, false, null, Map.of());
        assertEquals(0, docker.run(s, null, id -> {}));
        Sink out = new Sink();
        Sink err = new Sink();
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys);
        CompletableFuture<Integer> attach = CompletableFuture.supplyAsync(() -> docker.attach(n, new Stdio(in, out, err, false, null, null)));
        send(keys, "hello\n");
        assertEquals(5, attach.get(30, TimeUnit.SECONDS));
        assertEquals("got:hello\n", out.text());
        assertEquals("oops\n", err.text());
        keys.close();
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> docker.attach(n, new Stdio(null, out, err, false, null, null)));
        assertEquals("container " + n + " is not running", e.getMessage());
    }

    @Test
    void attachWithoutStdinSeesOutput() throws Exception {
        String n = name("attachout");
        runDetached(n, "sleep 1; echo hi; exit 2");
        Sink out = new Sink();
        int code = CompletableFuture.supplyAsync(() -> docker.attach(n, new Stdio(null, out, new Sink(), false, null, null)))
                .get(30, TimeUnit.SECONDS);
        assertEquals(2, code);
        assertEquals("hi\n", out.text());
    }

    private static void send(OutputStream keys, String s) throws Exception {
        keys.write(s.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }
}
