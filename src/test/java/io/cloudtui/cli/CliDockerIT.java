package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.Main;
import io.cloudtui.testing.Engines;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real CLI against the real dockerd: in-process through {@link Main#run} and as a separate
 * {@code java -jar cloudtui.jar} process, with the docker CLI as the independent witness.
 */
class CliDockerIT {
    static final String PREFIX = "ctui-it-cli-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    static final ObjectMapper JSON = new ObjectMapper();
    static final String IMAGE = "local/busybox:latest";

    /** Stream readers get their own threads: the common pool may have a single thread on a small machine. */
    static final java.util.concurrent.ExecutorService READERS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "it-reader");
        t.setDaemon(true);
        return t;
    });

    static Path dir;
    static Path config;

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @BeforeAll
    static void setUp() throws IOException {
        Engines.requireDocker();
        dir = Files.createTempDirectory("ctui-it-cli");
        config = dir.resolve("config.yaml");
        // Only the docker backend, so other engines on the machine do not change what is listed.
        Files.writeString(config, "backends:\n  - name: docker\n    type: docker\nlogFile: " + dir.resolve("cloudtui.log") + "\n");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (dir == null) return;
        Result ids = docker("ps", "-aq", "--filter", "name=" + PREFIX);
        for (String id : ids.out().split("\\s+")) {
            if (!id.isBlank()) docker("rm", "-f", id);
        }
        docker("rmi", "-f", PREFIX + "img:1");
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    // helpers

    /** Runs cloudtui in this JVM with the IT config. */
    static Result cli(String... args) {
        return cliWithInput("", args);
    }

    static Result cliWithInput(String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("--config", config.toString()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(all.toArray(String[]::new), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), System.getenv());
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static List<String> javaJar(String... args) {
        String jar = System.getProperty("cloudtui.jar", "target/cloudtui.jar");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar, "--config", config.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs cloudtui as its own process (the shipped jar). */
    static Result jar(Path cwd, String stdin, String... args) throws Exception {
        return exec(cwd, stdin, javaJar(args));
    }

    static Result docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        try {
            return exec(null, null, cmd);
        } catch (Exception e) {
            throw new AssertionError("docker " + String.join(" ", args), e);
        }
    }

    static Result exec(Path cwd, String stdin, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (cwd != null) pb.directory(cwd.toFile());
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()), READERS);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), READERS);
        if (stdin != null) {
            try (OutputStream o = p.getOutputStream()) {
                o.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + cmd);
        }
        return new Result(p.exitValue(), out.get(30, TimeUnit.SECONDS), err.get(30, TimeUnit.SECONDS));
    }

    static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    static String runningContainer(String suffix, String... command) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", PREFIX + suffix, IMAGE));
        args.addAll(List.of(command.length == 0 ? new String[] {"sleep", "300"} : command));
        Result r = docker(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        return r.out().trim();
    }

    static String stateOf(String name) {
        return docker("inspect", "-f", "{{.State.Status}}", name).out().trim();
    }

    static void waitFor(String what, java.util.function.BooleanSupplier cond) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            if (cond.getAsBoolean()) return;
            Thread.sleep(100);
        }
        fail("timed out waiting for " + what);
    }

    // ps

    @Test
    void psListsRunningByDefaultAndAllWithA() throws Exception {
        String up = runningContainer("ps-up");
        assertEquals(0, docker("create", "--name", PREFIX + "ps-created", IMAGE, "true").code());
        Result r = cli("ps");
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err());
        String header = r.out().lines().findFirst().orElseThrow();
        assertEquals(List.of("ID", "NAME", "BACKEND", "KIND", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS"), List.of(header.split("\\s{3,}")));
        String row = r.out().lines().filter(l -> l.contains(PREFIX + "ps-up")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        assertTrue(row.startsWith(up.substring(0, 12) + " "), row);
        assertTrue(row.contains("docker") && row.contains("container") && row.contains("local/busybox") && row.contains("\"sleep 300\""), row);
        assertTrue(row.contains(" ago") && row.contains("Up "), row);
        assertFalse(r.out().contains(PREFIX + "ps-created"), "created containers only with -a");

        Result all = cli("ps", "-a");
        assertTrue(all.out().contains(PREFIX + "ps-created"), all.out());

        Result json = cli("ps", "-a", "--format", "json");
        assertEquals(0, json.code(), json.toString());
        JsonNode arr = JSON.readTree(json.out());
        JsonNode mine = null;
        for (JsonNode n : arr) if (n.get("name").asText().equals(PREFIX + "ps-up")) mine = n;
        assertTrue(mine != null, json.out());
        assertEquals("docker:" + up, mine.get("id").asText());
        assertEquals("running", mine.get("state").asText());
        assertEquals("container", mine.get("kind").asText());
        assertTrue(mine.get("created").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), mine.toString());

        Result quiet = jar(null, null, "ps", "-q");
        assertEquals(0, quiet.code(), quiet.toString());
        assertTrue(quiet.out().lines().anyMatch(l -> l.equals(up.substring(0, 12))), quiet.out());
    }

    // lifecycle verbs

    @Test
    void stopStartRmSeveralTargets() throws Exception {
        runningContainer("verb-a");
        runningContainer("verb-b");
        String a = PREFIX + "verb-a";
        String b = PREFIX + "verb-b";
        Result stop = cli("stop", "-t", "0", a, b);
        assertEquals(0, stop.code(), stop.toString());
        assertEquals(a + "\n" + b + "\n", stop.out());
        assertEquals("exited", stateOf(a));
        assertEquals("exited", stateOf(b));

        Result start = jar(null, null, "start", a, PREFIX + "ghost", b);
        assertEquals(1, start.code(), start.toString());
        assertEquals(a + "\n" + b + "\n", start.out());
        assertEquals("cloudtui: no such workload '" + PREFIX + "ghost'\n", start.err());
        assertEquals("running", stateOf(a));
        assertEquals("running", stateOf(b));

        Result rmRunning = cli("rm", a);
        assertEquals(1, rmRunning.code(), rmRunning.toString());
        assertEquals(1, rmRunning.err().lines().count(), rmRunning.err());
        assertTrue(rmRunning.err().startsWith("cloudtui: "), rmRunning.err());

        Result rm = cli("rm", "-f", a, b);
        assertEquals(0, rm.code(), rm.toString());
        assertEquals("", docker("ps", "-aq", "--filter", "name=" + PREFIX + "verb-").out().trim());
    }

    @Test
    void unknownTargetAndAmbiguousPrefix() throws Exception {
        Result unknown = jar(null, null, "stop", PREFIX + "nope");
        assertEquals(1, unknown.code());
        assertEquals("cloudtui: no such workload '" + PREFIX + "nope'\n", unknown.err());
        assertEquals("", unknown.out());

        // Create containers until two ids share a first character: that prefix is then ambiguous.
        Map<Character, String> byFirst = new HashMap<>();
        String prefix = null;
        for (int i = 0; i < 17 && prefix == null; i++) {
            Result c = docker("create", "--name", PREFIX + "amb" + i, IMAGE, "true");
            assertEquals(0, c.code(), c.toString());
            String id = c.out().trim();
            if (byFirst.putIfAbsent(id.charAt(0), id) != null) prefix = id.substring(0, 1);
        }
        Result amb = cli("rm", prefix);
        assertEquals(1, amb.code(), amb.toString());
        assertTrue(amb.err().startsWith("cloudtui: '" + prefix + "' is ambiguous: docker:"), amb.err());
        assertEquals(1, amb.err().lines().count(), amb.err());
        assertEquals(byFirst.size() + 1, docker("ps", "-aq", "--filter", "name=" + PREFIX + "amb").out().trim().lines().count(),
                "nothing was removed");
    }

    // logs

    @Test
    void logsSplitStreamsAndTail() throws Exception {
        String name = PREFIX + "logs";
        runningContainer("logs", "sh", "-c", "for i in 1 2 3; do echo out$i; sleep 0.1; echo err$i >&2; sleep 0.1; done; echo done; sleep 300");
        waitFor("logs", () -> docker("logs", name).out().contains("done"));
        Result all = cli("logs", name);
        assertEquals(0, all.code(), all.toString());
        assertEquals("out1\nout2\nout3\ndone\n", all.out());
        assertEquals("err1\nerr2\nerr3\n", all.err());
        Result tail = cli("logs", "--tail", "2", name);
        assertEquals("done\n", tail.out());
        assertEquals("err3\n", tail.err());
        Result ts = cli("logs", "-t", "--tail", "1", "--since", "1h", name);
        assertTrue(ts.out().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z done\n"), ts.out());
        Result future = cli("logs", "--since", "2099-01-01T00:00:00Z", name);
        assertEquals(0, future.code());
        assertEquals("", future.out() + future.err());
        Result bad = cli("logs", "--since", "tomorrow", name);
        assertEquals(2, bad.code());
    }

    @Test
    void logsFollowStreamsUntilInterrupted() throws Exception {
        String name = PREFIX + "follow";
        runningContainer("follow", "sh", "-c", "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done");
        Process p = new ProcessBuilder(javaJar("logs", "-f", "--tail", "0", name))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), READERS);
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String l;
            while (lines.size() < 5 && (l = r.readLine()) != null) lines.add(l);
            assertEquals(5, lines.size(), "follow delivers new lines as they come");
            for (String x : lines) assertTrue(x.matches("line\\d+"), x);
            int first = Integer.parseInt(lines.get(0).substring(4));
            for (int i = 1; i < 5; i++) assertEquals(first + i, Integer.parseInt(lines.get(i).substring(4)));
            // ctrl-c: SIGINT to the process, as the terminal would send it
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "logs -f ends on SIGINT");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(130, p.exitValue());
        assertEquals("", err.get(10, TimeUnit.SECONDS), "no stack trace or noise on ctrl-c");
    }

    // exec

    @Test
    void execReturnsTheCommandsExitCode() throws Exception {
        String name = PREFIX + "exec";
        runningContainer("exec");
        Result r = cli("exec", name, "sh", "-c", "echo out; echo err >&2; exit 7");
        assertEquals(7, r.code(), r.toString());
        assertEquals("out\n", r.out());
        assertEquals("err\n", r.err());
        assertEquals(0, cli("exec", name, "true").code());
        Result missing = jar(null, null, "exec", name, "nosuchcmd");
        assertEquals(127, missing.code(), missing.toString());
        Result in = cliWithInput("hello\nworld\n", "exec", "-i", name, "cat");
        assertEquals(0, in.code(), in.toString());
        assertEquals("hello\nworld\n", in.out());
        Result opts = cli("exec", "-e", "GREETING=bonjour", "-w", "/tmp", "-u", "65534", name, "sh", "-c", "echo $GREETING; pwd; id -u");
        assertEquals(0, opts.code(), opts.toString());
        assertEquals("bonjour\n/tmp\n65534\n", opts.out());
        Result piped = jar(null, "via a pipe\n", "exec", "-i", name, "sh", "-c", "cat; exit 4");
        assertEquals(4, piped.code(), piped.toString());
        assertEquals("via a pipe\n", piped.out());
        Result ttyOnly = jar(null, null, "exec", "-t", name, "tty");
        assertEquals(0, ttyOnly.code(), ttyOnly.toString());
        assertTrue(ttyOnly.out().trim().matches("/dev/pts/\\d+"), ttyOnly.out());
    }

    /**
     * Issue #19: as the docker CLI, a command that is not found exits 127 and one that cannot be
     * invoked 126, for run (foreground and -d) and exec alike; 125 is only for a container that
     * could not be made; the command's own code otherwise. One line on stderr, no stack trace.
     */
    @Test
    void aCommandThatCannotRunExitsAsDocker() throws Exception {
        record Case(int code, String say, String... args) {}
        List<Case> cases = List.of(
                new Case(127, "executable file not found", "run", "--rm", "--name", PREFIX + "c1", IMAGE, "nosuchcmd"),
                new Case(127, "no such file or directory", "run", "--rm", "--name", PREFIX + "c2", IMAGE, "/no/such/file"),
                new Case(126, "permission denied", "run", "--rm", "--name", PREFIX + "c3", IMAGE, "/etc/passwd"),
                new Case(126, "permission denied", "run", "--rm", "--name", PREFIX + "c4", IMAGE, "/etc"),
                new Case(127, "executable file not found", "run", "-d", "--name", PREFIX + "c5", IMAGE, "nosuchcmd"),
                new Case(126, "permission denied", "run", "-d", "--name", PREFIX + "c6", IMAGE, "/etc/passwd"),
                new Case(125, "not found", "run", "--rm", PREFIX + "no/such-image:1", "true"));
        for (Case c : cases) {
            Result r = c == cases.get(0) ? jar(null, null, c.args()) : cli(c.args());
            assertEquals(c.code(), r.code(), String.join(" ", c.args()) + ": " + r);
            assertEquals(1, r.err().lines().count(), "one line: " + r);
            assertTrue(r.err().startsWith("cloudtui: ") && r.err().contains(c.say()), r.toString());
            assertFalse(r.err().contains("Exception"), r.toString());
        }
        assertEquals("", docker("ps", "-aq", "--filter", "name=" + PREFIX + "c1").out(), "--rm removed what could not start");
        assertEquals("created", stateOf(PREFIX + "c5"), "-d leaves it created, as docker run -d");
        assertEquals(3, cli("run", "--rm", IMAGE, "sh", "-c", "exit 3").code(), "the command's own code");
        assertEquals(125, cli("run", "--rm", IMAGE, "sh", "-c", "exit 125").code(), "even 125");

        String name = PREFIX + "codes";
        runningContainer("codes");
        Result nf = jar(null, null, "exec", name, "nosuchcmd");
        assertEquals(127, nf.code(), nf.toString());
        assertTrue((nf.out() + nf.err()).contains("executable file not found"), nf.toString());
        Result nx = cli("exec", name, "/etc/passwd");
        assertEquals(126, nx.code(), nx.toString());
        assertTrue((nx.out() + nx.err()).contains("permission denied"), nx.toString());
        assertEquals(127, cli("exec", name, "/no/such/file").code());
        assertEquals(126, cli("exec", name, "/etc").code());
        assertEquals(5, cli("exec", name, "sh", "-c", "exit 5").code());
        assertEquals(126, cli("exec", name, "sh", "-c", "exit 126").code(), "a command's own 126 stays");
    }

    @Test
    void execInteractiveTtyWithoutATerminalFailsLikeDocker() throws Exception {
        String name = PREFIX + "notty";
        runningContainer("notty");
        Result r = jar(null, "", "exec", "-it", name, "sh");
        assertEquals(1, r.code(), r.toString());
        assertEquals("cloudtui: the input device is not a TTY\n", r.err());
        assertEquals("", r.out());
        Result in = cli("exec", "-it", name, "sh");
        assertEquals(1, in.code());
        assertEquals("cloudtui: the input device is not a TTY\n", in.err());
    }

    @Test
    void execIntoAStoppedContainer() {
        String name = PREFIX + "stopped";
        assertEquals(0, docker("create", "--name", name, IMAGE, "sleep", "300").code());
        Result r = cli("exec", name, "true");
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("cloudtui: ") && r.err().contains("is not running"), r.err());
    }

    private static final Pattern STTY = Pattern.compile("STTY<([^>]*)>");

    /** Runs {@code shell} inside a real pty through util-linux script; stdin feeds the pty. */
    static Result inPty(String shell, String typed) throws Exception {
        List<String> cmd = List.of("script", "-qec", shell, "/dev/null");
        return exec(null, typed, cmd);
    }

    static String quoted(List<String> cmd) {
        StringBuilder sb = new StringBuilder();
        for (String c : cmd) sb.append('\'').append(c.replace("'", "'\\''")).append("' ");
        return sb.toString();
    }

    @Test
    void execItThroughARealPtyRestoresTheTerminal() throws Exception {
        String name = PREFIX + "pty";
        runningContainer("pty");
        String cloudtui = quoted(javaJar("exec", "-it", name, "sh", "-c", "tty; exit 3"));
        Result r = inPty("stty rows 30 cols 100; echo STTY\\<$(stty -g)\\>; " + cloudtui + "; echo RC=$?; echo STTY\\<$(stty -g)\\>", null);
        // script(1) types its terminal's end-of-file character when its own stdin ends; in raw mode that
        // character is disabled (NUL), the session passes it on, and the container's terminal echoes ^@
        String out = r.out().replace("\r", "").replace("^@", "");
        assertTrue(Pattern.compile("(?m)^/dev/pts/\\d+$").matcher(out).find(), out);
        assertTrue(out.contains("RC=3\n"), out);
        Matcher m = STTY.matcher(out);
        assertTrue(m.find(), out);
        String before = m.group(1);
        assertTrue(m.find(), out);
        assertEquals(before, m.group(1), "terminal settings restored\n" + out);
        assertFalse(out.contains("Exception"), out);
    }

    @Test
    void terminalIsRestoredWhenTheSessionFailsOrIsTerminated() throws Exception {
        String stopped = PREFIX + "pty-stopped";
        assertEquals(0, docker("create", "--name", stopped, IMAGE, "sh").code());
        String running = PREFIX + "pty-term";
        runningContainer("pty-term");
        String failing = quoted(javaJar("exec", "-it", stopped, "sh"));
        // SIGTERM while in raw mode: the JVM's shutdown hook must put the terminal back
        String terminated = quoted(javaJar("exec", "-it", running, "sh", "-c", "echo READY; sleep 100"));
        Result r = inPty("stty rows 30 cols 100; echo STTY\\<$(stty -g)\\>; "
                + failing + "; echo RC1=$?; echo STTY\\<$(stty -g)\\>; "
                + terminated + " </dev/tty & pid=$!; "
                + "for i in $(seq 1 600); do docker top " + running + " | grep -q 'sleep 100' && break; sleep 0.1; done; sleep 0.5; "
                + "kill -TERM $pid; wait $pid; echo RC2=$?; echo STTY\\<$(stty -g)\\>", null);
        String out = r.out().replace("\r", "");
        assertTrue(out.contains("RC1=1\n"), out);
        assertTrue(out.contains("is not running"), out);
        assertTrue(out.contains("RC2=143\n"), out);
        Matcher m = STTY.matcher(out);
        List<String> settings = new ArrayList<>();
        while (m.find()) settings.add(m.group(1));
        assertEquals(3, settings.size(), out);
        assertEquals(settings.get(0), settings.get(1), "restored after an error\n" + out);
        assertEquals(settings.get(0), settings.get(2), "restored after SIGTERM\n" + out);
        assertFalse(out.contains("Exception"), out);
    }

    @Test
    void detachKeysLeaveTheSessionAndRestoreTheTerminal() throws Exception {
        String name = PREFIX + "detach";
        runningContainer("detach");
        String cloudtui = quoted(javaJar("exec", "-it", name, "sh", "-c", "echo READY; sleep 100; exit 9"));
        // the keys are typed once the session runs; ctrl-p ctrl-q must end it long before the sleep does
        Process p = new ProcessBuilder("script", "-qec",
                "stty rows 30 cols 100; echo STTY\\<$(stty -g)\\>; " + cloudtui + "; echo RC=$?; echo STTY\\<$(stty -g)\\>", "/dev/null")
                .redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()), READERS);
        try (OutputStream keys = p.getOutputStream()) {
            // wait for the session to start before typing
            Thread.sleep(500);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && docker("top", name).out().lines().noneMatch(l -> l.contains("sleep 100"))) {
                Thread.sleep(200);
            }
            Thread.sleep(500);
            keys.write(new byte[] {0x10, 0x11});
            keys.flush();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "detached");
        } finally {
            p.destroyForcibly();
        }
        String text = out.get(10, TimeUnit.SECONDS).replace("\r", "");
        assertTrue(text.contains("READY"), text);
        assertTrue(text.contains("RC=0\n"), text);
        Matcher m = STTY.matcher(text);
        assertTrue(m.find(), text);
        String before = m.group(1);
        assertTrue(m.find(), text);
        assertEquals(before, m.group(1), text);
    }

    /** The engine records every TTY resize of a container as a "resize" event with its size. */
    static List<String> resizeEvents(String name, long sinceEpoch) {
        long until = System.currentTimeMillis() / 1000 + 1;
        Result r = docker("events", "--since", Long.toString(sinceEpoch), "--until", Long.toString(until),
                "--filter", "container=" + name, "--filter", "event=resize",
                "--format", "{{.Actor.Attributes.height}}x{{.Actor.Attributes.width}}");
        return r.out().lines().toList();
    }

    @Test
    void runItInTmuxSendsTheWindowSizeAndEveryResize() throws Exception {
        Engines.require(Engines.run("tmux", "-V") == 0, "tmux");
        String name = PREFIX + "tmux";
        String session = PREFIX + "tmux";
        long since = System.currentTimeMillis() / 1000 - 1;
        String cloudtui = quoted(javaJar("run", "-it", "--rm", "--name", name, IMAGE, "sh"));
        assertEquals(0, exec(null, null, List.of("tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                cloudtui + "; echo RC=$?; sleep 60")).code());
        try {
            try {
                waitFor("container running", () -> "running".equals(stateOf(name)));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; pane:\n" + exec(null, null, List.of("tmux", "capture-pane", "-p", "-t", session)).out(), e);
            }
            waitFor("initial size 30x100", () -> resizeEvents(name, since).contains("30x100"));
            assertEquals(0, exec(null, null, List.of("tmux", "resize-window", "-t", session, "-x", "120", "-y", "40")).code());
            waitFor("resize to 40x120 (SIGWINCH forwarded)", () -> resizeEvents(name, since).contains("40x120"));
            assertEquals(0, exec(null, null, List.of("tmux", "send-keys", "-t", session, "exit 6", "Enter")).code());
            waitFor("exit code shown", () -> {
                try {
                    return exec(null, null, List.of("tmux", "capture-pane", "-p", "-t", session)).out().contains("RC=6");
                } catch (Exception e) {
                    return false;
                }
            });
            String pane = exec(null, null, List.of("tmux", "capture-pane", "-p", "-t", session)).out();
            assertFalse(pane.contains("Exception"), pane);
        } finally {
            exec(null, null, List.of("tmux", "kill-session", "-t", session));
        }
    }

    // run

    @Test
    void runDetachedPrintsTheId() {
        Result r = cli("run", "-d", "--name", PREFIX + "runD", "-e", "GREETING=hi", IMAGE, "sleep", "300");
        assertEquals(0, r.code(), r.toString());
        String id = r.out().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), r.out());
        assertEquals(id, docker("inspect", "-f", "{{.Id}}", PREFIX + "runD").out().trim());
        assertEquals("running", stateOf(PREFIX + "runD"));
        Result env = cli("exec", PREFIX + "runD", "sh", "-c", "echo $GREETING");
        assertEquals("hi\n", env.out());
    }

    @Test
    void runRmWithTheCurrentDirectoryMounted(@TempDir Path work) throws Exception {
        Files.writeString(work.resolve("marker.txt"), "from the host\n");
        Result abs = jar(work, null, "run", "--rm", "--name", PREFIX + "runV", "-v", work + ":/app:ro", "-w", "/app",
                IMAGE, "cat", "marker.txt");
        assertEquals(0, abs.code(), abs.toString());
        assertEquals("from the host\n", abs.out());
        Result rel = jar(work, null, "run", "--rm", "-v", ".:/app", IMAGE, "sh", "-c", "cat /app/marker.txt; exit 4");
        assertEquals(4, rel.code(), rel.toString());
        assertEquals("from the host\n", rel.out());
        assertEquals("", docker("ps", "-aq", "--filter", "name=" + PREFIX + "runV").out().trim(), "--rm removed it");
        Result piped = jar(work, "piped to run\n", "run", "-i", "--rm", IMAGE, "sh", "-c", "cat; echo err >&2; exit 5");
        assertEquals(5, piped.code(), piped.toString());
        assertEquals("piped to run\n", piped.out());
        assertEquals("err\n", piped.err());
        Result missing = jar(work, null, "run", "--rm", "-v", "./nope:/app", IMAGE, "true");
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains("host path '" + work.resolve("nope") + "' does not exist"), missing.err());
        Result noImage = cli("run", "--rm", PREFIX + "no-such-image:1", "true");
        assertEquals(125, noImage.code(), noImage.toString());
        assertEquals(1, noImage.err().lines().count(), noImage.err());
    }

    // images

    @Test
    void buildImagesRunRmi(@TempDir Path ctx) throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + IMAGE + "\nRUN echo built > /built.txt\nCMD [\"cat\", \"/built.txt\"]\n");
        String tag = PREFIX + "img:1";
        Result b = jar(null, null, "build", "-t", tag, ctx.toString());
        assertEquals(0, b.code(), b.toString());
        assertFalse(b.out().isBlank(), "progress is shown");
        Result images = cli("images");
        assertEquals(0, images.code(), images.toString());
        assertTrue(images.out().lines().anyMatch(l -> l.startsWith(PREFIX + "img ") && l.contains(" 1 ") && l.contains("docker")), images.out());
        JsonNode arr = JSON.readTree(cli("images", "--format", "json").out());
        boolean found = false;
        for (JsonNode n : arr) found |= n.get("repository").asText().equals(PREFIX + "img") && n.get("tag").asText().equals("1");
        assertTrue(found, arr.toString());
        Result run = cli("run", "--rm", tag);
        assertEquals("built\n", run.out(), run.toString());
        Result rmi = cli("rmi", tag, PREFIX + "ghost:1");
        assertEquals(1, rmi.code(), rmi.toString());
        assertTrue(rmi.out().contains("Untagged: " + tag), rmi.out());
        assertEquals(1, rmi.err().lines().count(), rmi.err());
        assertNotEquals(0, docker("image", "inspect", tag).code());
    }

    @Test
    void volumesAndNetworks() {
        Result n = cli("networks");
        assertEquals(0, n.code(), n.toString());
        assertTrue(n.out().lines().anyMatch(l -> l.matches("[0-9a-f]{12}\\s+bridge\\s+docker\\s+bridge\\s+local")), n.out());
        Result v = cli("volumes");
        assertEquals(0, v.code(), v.toString());
        assertTrue(v.out().startsWith("BACKEND"), v.out());
    }

    // inspect, stats

    @Test
    void inspectAndStats() throws Exception {
        String id = runningContainer("inspect");
        String name = PREFIX + "inspect";
        Result r = cli("inspect", name, PREFIX + "ghost");
        assertEquals(1, r.code());
        JsonNode arr = JSON.readTree(r.out());
        assertEquals(1, arr.size());
        assertEquals(id, arr.get(0).get("Id").asText());
        assertEquals("cloudtui: no such workload '" + PREFIX + "ghost'\n", r.err());

        Result s = jar(null, null, "stats", "--no-stream", name);
        assertEquals(0, s.code(), s.toString());
        List<String> lines = s.out().lines().toList();
        assertEquals(2, lines.size(), s.out());
        String[] cells = lines.get(1).split("\\s{3,}");
        assertEquals(name, cells[0]);
        assertEquals("docker", cells[1]);
        assertTrue(cells[2].matches("\\d+\\.\\d\\d%"), cells[2]);
        assertTrue(cells[3].matches("[\\d.]+[KMG]?i?B / [\\d.]+[KMGT]?i?B"), cells[3]);
        assertTrue(cells[7].matches("\\d+"), cells[7]);
    }

    @Test
    void statsStreamsUntilInterrupted() throws Exception {
        String name = PREFIX + "statsf";
        runningContainer("statsf");
        Process p = new ProcessBuilder(javaJar("stats", name))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), READERS);
        StringBuilder seen = new StringBuilder();
        try {
            java.io.InputStream in = p.getInputStream();
            byte[] buf = new byte[4096];
            int n;
            // the first frame clears the screen; each later one starts with cursor-home
            while (countOf(seen, "\033[H") < 3 && (n = in.read(buf)) > 0) seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            assertTrue(countOf(seen, "\033[H") >= 3, seen.toString());
            assertTrue(seen.indexOf("\033[2J") >= 0, "first frame clears the screen");
            assertTrue(countOf(seen, name) >= 3, "every frame shows the workload: " + seen);
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stats ends on ctrl-c");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(130, p.exitValue());
        assertEquals("", err.get(10, TimeUnit.SECONDS));
    }

    static int countOf(CharSequence s, String what) {
        int c = 0;
        for (int i = s.toString().indexOf(what); i >= 0; i = s.toString().indexOf(what, i + 1)) c++;
        return c;
    }

    // engine and config problems

    @Test
    void unreachableEngineIsOneLineNamingTheSocket() throws Exception {
        Path cfg = dir.resolve("missing-socket.yaml");
        Files.writeString(cfg, "backends:\n  - name: docker\n    type: docker\n    host: unix://" + dir.resolve("nope.sock") + "\n");
        List<String> cmd = new ArrayList<>(javaJar("ps"));
        cmd.set(cmd.indexOf(config.toString()), cfg.toString());
        Result r = exec(null, null, cmd);
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("cloudtui: "), r.err());
        assertTrue(r.err().contains(dir.resolve("nope.sock").toString()), r.err());
        assertTrue(r.err().contains("dockerd"), "says how to start the engine: " + r.err());
        assertEquals("", r.out());
    }

    @Test
    void malformedConfigIsAUsageErrorWithItsPosition() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "backends:\n  - name: docker\n    type: docker\n    bogus: 1\n");
        List<String> cmd = new ArrayList<>(javaJar("ps"));
        cmd.set(cmd.indexOf(config.toString()), cfg.toString());
        Result r = exec(null, null, cmd);
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().matches("cloudtui: " + Pattern.quote(cfg.toString()) + ":\\d+:\\d+: .*bogus.*\n"), r.err());
    }

    @Test
    void completionScriptFromTheJar() throws Exception {
        Result r = jar(null, null, "completion", "bash");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("complete -F"), r.out());
        Result check = exec(null, r.out(), List.of("bash", "-n"));
        assertEquals(0, check.code(), "the bash script parses: " + check.err());
    }
}
