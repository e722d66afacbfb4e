package io.cloudtui.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One tmux session running the real cloudtui, driven as a person would: send-keys in, capture-pane out.
 * Each on a tmux server of its own (-L): a server that ends with the last session of one test cannot take
 * the next test's new session with it (a clean-clone run saw send-keys find no session).
 */
public final class Tmux implements AutoCloseable {
    public final String session;

    public Tmux(String prefix) {
        session = prefix + "-" + UUID.randomUUID().toString().substring(0, 4);
    }

    /**
     * Writes {@code dir/run.sh}: runs the packaged jar with {@code env} set, then prints
     * "CLOUDTUI-EXIT code=N stty=same|changed" (whether the terminal's settings survived) and waits.
     */
    public static Path launcher(Path dir, Map<String, String> env) throws Exception {
        return launcher(dir, "run.sh", env, List.of());
    }

    /** As {@link #launcher(Path, Map)}, as {@code dir/NAME}, running the jar with ARGS (a CLI command). */
    public static Path launcher(Path dir, String name, Map<String, String> env, List<String> args) throws Exception {
        Path jar = Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar"));
        Engines.require(Files.isRegularFile(jar), "the packaged jar " + jar);
        Engines.require(Engines.run("tmux", "-V") == 0, "tmux");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        StringBuilder vars = new StringBuilder();
        env.forEach((k, v) -> vars.append(k).append('=').append(v).append(' '));
        StringBuilder argv = new StringBuilder();
        for (String a : args) argv.append(" '").append(a.replace("'", "'\\''")).append('\'');
        String script = "#!/bin/sh\n"
                + "before=$(stty -g)\n"
                + vars + java + " -Dcloudtui.home=" + Path.of("").toAbsolutePath() + " -jar " + jar.toAbsolutePath() + argv + "\n"
                + "code=$?\n"
                + "after=$(stty -g)\n"
                + "if [ \"$before\" = \"$after\" ]; then s=same; else s=changed; fi\n"
                + "echo \"CLOUDTUI-EXIT code=$code stty=$s\"\n"
                + "sleep 600\n";
        Path run = dir.resolve(name);
        Files.writeString(run, script);
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        return run;
    }

    public void start(String command, int w, int h) {
        assertEquals(0, Engines.run("tmux", "-L", session, "new-session", "-d", "-s", session, "-x", String.valueOf(w), "-y", String.valueOf(h), command));
    }

    /** The pid of the process tmux started in the pane's shell (run.sh's java), once there is one. */
    public long childPid() throws Exception {
        Process p = new ProcessBuilder("tmux", "-L", session, "display", "-p", "-t", session, "#{pane_pid}").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor(10, TimeUnit.SECONDS);
        long pane = Long.parseLong(out);
        return ProcessHandle.of(pane).flatMap(h -> h.children().findFirst()).map(ProcessHandle::pid)
                .orElseThrow(() -> new AssertionError("nothing runs in the pane of " + session));
    }

    /** Resizes the session's window: the program in it gets SIGWINCH and the new size. */
    public void resize(int w, int h) {
        assertEquals(0, Engines.run("tmux", "-L", session, "resize-window", "-t", session, "-x", String.valueOf(w), "-y", String.valueOf(h)));
    }

    public String capture() throws Exception {
        Process p = new ProcessBuilder("tmux", "-L", session, "capture-pane", "-p", "-t", session).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    public void keys(String... keys) {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", session, "send-keys", "-t", session));
        cmd.addAll(List.of(keys));
        assertEquals(0, Engines.run(cmd.toArray(new String[0])));
    }

    /** Types {@code text} literally (no key names). */
    public void type(String text) {
        assertEquals(0, Engines.run("tmux", "-L", session, "send-keys", "-t", session, "-l", "--", text));
    }

    public String await(String what, Predicate<String> p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String s = "";
        while (System.nanoTime() < deadline) {
            s = capture();
            if (p.test(s)) return s;
            Thread.sleep(200);
        }
        fail("tmux pane never showed " + what + "; last screen:\n" + s);
        return s;
    }

    public String await(String text) throws Exception {
        return await("'" + text + "'", s -> s.contains(text), Duration.ofSeconds(60));
    }

    /** q, then checks the launcher's report: exit 0 and the terminal's settings as they were. */
    public void quitAndCheckTerminal() throws Exception {
        keys("q");
        String s = await("CLOUDTUI-EXIT");
        assertTrue(s.contains("CLOUDTUI-EXIT code=0 stty=same"), s);
        assertFalse(s.contains("cloudtui > workloads"), "left the alternate screen:\n" + s);
    }

    @Override
    public void close() {
        Engines.run("tmux", "-L", session, "kill-session", "-t", session);
    }
}
