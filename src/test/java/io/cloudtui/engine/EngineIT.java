package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.State;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import io.cloudtui.engine.image.ImageStore;
import io.cloudtui.testing.Engines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The daemonless engine against real namespaces, cgroups and overlayfs: a busybox-static image
 * imported into a private store, containers run by the bundled runtime, every run option checked
 * from inside the container, and the CLI in processes of its own (killed, or two at once).
 */
class EngineIT {
    static Path work;
    static Path store;
    static Path runRoot;
    static EngineBackend engine;
    static final List<String> created = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
        work = Files.createTempDirectory("ctui-it-engine");
        store = work.resolve("store");
        runRoot = Path.of("/run", "ctui-it-engine-" + UUID.randomUUID().toString().substring(0, 8));
        Path root = work.resolve("rootfs");
        for (String d : List.of("bin", "etc", "tmp", "root", "home/app")) Files.createDirectories(root.resolve(d));
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String a : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\\s+")) {
            if (!a.isEmpty() && !a.equals("busybox")) Files.createSymbolicLink(root.resolve("bin").resolve(a), Path.of("busybox"));
        }
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
                + "nobody:x:65534:65534:nobody:/:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n");
        Path tar = work.resolve("rootfs.tar");
        assertEquals(0, new ProcessBuilder("tar", "-C", root.toString(), "-cf", tar.toString(), ".").inheritIO().start().waitFor());
        ImageStore images = new ImageStore(store.resolve("images"));
        images.importImage(tar, "local/bb:1", ImageStore.Progress.NONE);
        engine = new EngineBackend("rt", store, runRoot, images);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (engine != null) {
            for (Workload w : engine.list(true)) {
                try {
                    engine.remove(w.nativeId(), true);
                } catch (CloudtuiException e) {
                    // best effort
                }
            }
        }
        if (work != null) Engines.run("rm", "-rf", work.toString());
        if (runRoot != null) Engines.run("rm", "-rf", runRoot.toString());
    }

    static RunSpec spec(String name, List<String> cmd, Map<String, String> env, List<RunSpec.Mount> mounts, String workdir, String hostname,
            String user, Long memory, Long pids, boolean readOnly, String network, List<String> entrypoint) {
        return new RunSpec("local/bb:1", name, cmd, entrypoint, env, mounts, workdir, List.of(), true, false, false, false, hostname, user,
                memory, null, pids, readOnly, network, Map.of());
    }

    static RunSpec simple(String name, String... cmd) {
        return spec(name, List.of(cmd), Map.of(), List.of(), null, null, null, null, null, false, null, null);
    }

    static String start(RunSpec s) {
        String id = engine.create(s);
        created.add(id);
        engine.start(id);
        return id;
    }

    /** Runs {@code sh -c SCRIPT} in the container; returns stdout + stderr. */
    static String sh(String id, String script) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = engine.exec(id, List.of("sh", "-c", script), new Stdio(InputStream.nullInputStream(), out, out, false, null, null));
        return out.toString(StandardCharsets.UTF_8) + (code == 0 ? "" : "[exit " + code + "]");
    }

    static Workload awaitState(String id, State s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Workload w = engine.get(id);
        while (w.state() != s && System.nanoTime() < deadline) {
            Thread.sleep(50);
            w = engine.get(id);
        }
        assertEquals(s, w.state(), w.status());
        return w;
    }

    /**
     * Events come from inotify on the store and the runtime's state, not from listing every second:
     * a container that exits by itself is reported well before the 30 s safety listing.
     */
    @Test
    void eventsReportACreateAndAnExitAsTheyHappen() throws Exception {
        java.util.concurrent.BlockingQueue<io.cloudtui.core.WorkloadEvent> events = new java.util.concurrent.LinkedBlockingQueue<>();
        try (AutoCloseable sub = engine.events(events::add)) {
            assertEquals(io.cloudtui.core.WorkloadEvent.Type.CONNECTED, events.poll(10, TimeUnit.SECONDS).type());
            Thread.sleep(500); // the watcher's first listing is done
            String id = start(simple("evt", "sh", "-c", "sleep 2; exit 3"));
            assertTrue(awaitEvent(events, id, a -> a.equals("create") || a.equals(State.RUNNING.label())), "a create or start event for " + id);
            assertTrue(awaitEvent(events, id, a -> a.startsWith("exited (3)")), "an exit event for " + id);
            engine.remove(id, true);
            assertTrue(awaitEvent(events, id, a -> a.equals("destroy")), "a destroy event for " + id);
        }
    }

    /** Whether an event for {@code id} whose action matches comes within 15 s (the safety listing is every 30 s). */
    static boolean awaitEvent(java.util.concurrent.BlockingQueue<io.cloudtui.core.WorkloadEvent> q, String id,
            java.util.function.Predicate<String> action) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            io.cloudtui.core.WorkloadEvent e = q.poll(100, TimeUnit.MILLISECONDS);
            if (e != null && e.id() != null && e.id().ref().equals(id) && action.test(e.action())) return true;
        }
        return false;
    }

    @Test
    void everyRunOptionIsSeenFromInside() throws Exception {
        Path vol = Files.createDirectories(work.resolve("vol"));
        Files.writeString(vol.resolve("file"), "from-the-host\n");
        String id = start(spec("opts", List.of("sleep", "1000"), Map.of("FOO", "bar baz"), List.of(new RunSpec.Mount(vol.toString(), "/vol", true)),
                "/tmp", "boxname", "app", 64L << 20, 50L, true, "none", null));
        assertEquals("bar baz\n", sh(id, "echo \"$FOO\""));
        assertEquals("/tmp\n", sh(id, "pwd"));
        assertEquals("boxname\n", sh(id, "hostname"));
        assertEquals("1000 1000 1000 2000\n", sh(id, "echo $(id -u) $(id -g) $(id -G)"));
        assertEquals("/home/app\n", sh(id, "echo $HOME"));
        assertEquals("from-the-host\n", sh(id, "cat /vol/file"));
        assertTrue(sh(id, "touch /vol/new 2>&1").contains("Read-only file system"), "a :ro volume cannot be written");
        assertTrue(sh(id, "touch /bin/new 2>&1").contains("Read-only file system"), "--read-only root");
        assertEquals("", sh(id, "touch /tmp/ok && rm /tmp/ok"), "--read-only still has a writable /tmp");
        assertEquals("lo\n", sh(id, "ls /sys/class/net"), "--network none: loopback only");
        assertEquals("1\n", sh(id, "echo $$ >/dev/null; ps -o pid,comm | grep -c sleep"), "its own pid namespace");
        assertEquals(String.valueOf(64L << 20), cgroupValue(id, "memory", "memory.limit_in_bytes", "memory.max"));
        assertEquals("50", cgroupValue(id, "pids", "pids.max", "pids.max"));
        engine.remove(id, true);
        assertFalse(Files.exists(store.resolve("containers").resolve(id)));
    }

    /** A cgroup file of the container on a v1 (controller dir) or v2 (unified) host. */
    static String cgroupValue(String id, String controller, String v1, String v2) throws IOException {
        for (Path p : List.of(Path.of("/sys/fs/cgroup", controller, "cloudtui", id, v1), Path.of("/sys/fs/cgroup/cloudtui", id, v2))) {
            if (Files.isReadable(p)) return Files.readString(p).trim();
        }
        throw new AssertionError("no cgroup file " + v1 + " / " + v2 + " for " + id);
    }

    @Test
    void imageEntrypointCmdAndEntrypointOverride() throws Exception {
        String id = start(spec("ep", List.of("-c", "echo $0 >/tmp/seen; sleep 1000"), Map.of(), List.of(), null, null, null, null, null, false,
                "host", List.of("/bin/sh")));
        assertEquals("/bin/sh\n", sh(id, "cat /tmp/seen"));
        // the host's stable interfaces (not the veths containers come and go with) are all visible inside
        List<String> host;
        try (var l = Files.list(Path.of("/sys/class/net"))) {
            host = l.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("veth") && !n.startsWith("vnet")).toList();
        }
        List<String> inside = List.of(sh(id, "ls /sys/class/net").trim().split("\\s+"));
        assertTrue(host.size() > 1 && inside.containsAll(host), "--network host: the host's interfaces " + host + " inside: " + inside);
        engine.remove(id, true);
    }

    /** docker's device rules: nodes can be made (CAP_MKNOD) but only the standard devices used. */
    @Test
    void devicesAreLimitedAsDockerLimitsThem() throws Exception {
        String id = start(simple("dev", "sleep", "1000"));
        assertEquals("ok\n", sh(id, "echo x >/dev/null && head -c 1 /dev/zero >/dev/null && echo ok"));
        String kmsg = sh(id, "mknod /dev/x-kmsg c 1 11 && echo made; echo x 2>&1 >/dev/x-kmsg");
        assertTrue(kmsg.startsWith("made\n") && kmsg.contains("Operation not permitted"), kmsg);
        engine.remove(id, true);
    }

    @Test
    void lifecycleAndExitCodes() throws Exception {
        String id = start(simple("life", "sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"));
        assertEquals(State.RUNNING, engine.get(id).state());
        CloudtuiException busy = assertThrows(CloudtuiException.class, () -> engine.remove(id, false));
        assertTrue(busy.getMessage().contains("running"), busy.getMessage());
        CloudtuiException dup = assertThrows(CloudtuiException.class, () -> engine.create(simple("life", "true")));
        assertTrue(dup.getMessage().contains("already in use"), dup.getMessage());
        engine.pause(id);
        assertEquals(State.PAUSED, engine.get(id).state());
        engine.unpause(id);
        engine.stop(id, Duration.ofSeconds(10));
        Workload w = awaitState(id, State.STOPPED);
        assertEquals("exited (0)", w.status(), "the TERM trap exits 0");
        engine.start(id);
        assertEquals(State.RUNNING, engine.get(id).state());
        engine.kill(id, "KILL");
        w = awaitState(id, State.STOPPED);
        assertEquals("exited (137)", w.status());
        engine.remove(id, false);
        String three = start(simple("three", "sh", "-c", "exit 3"));
        assertEquals("exited (3)", awaitState(three, State.STOPPED).status());
    }

    @Test
    void logsKeepStreamsApartAndFollowUntilTheExit() throws Exception {
        String id = start(simple("logs", "sh", "-c", "echo one; echo two >&2; sleep 1; printf '%s\\n' \"$(head -c 40000 /dev/zero | tr '\\0' y)\"; echo three"));
        List<io.cloudtui.core.LogLine> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (io.cloudtui.core.Backend.Cancel c = new io.cloudtui.core.Backend.Cancel()) {
            engine.logs(id, new io.cloudtui.core.LogOptions(true, -1, null, true), lines::add, c); // returns when it exits
        }
        List<String> out = lines.stream().filter(l -> l.stream() == io.cloudtui.core.LogLine.Stream.STDOUT).map(io.cloudtui.core.LogLine::text).toList();
        List<String> err = lines.stream().filter(l -> l.stream() == io.cloudtui.core.LogLine.Stream.STDERR).map(io.cloudtui.core.LogLine::text).toList();
        assertEquals(List.of("one", "y".repeat(40000), "three"), out, "a 40000-byte line comes back whole");
        assertEquals(List.of("two"), err);
        assertTrue(lines.stream().allMatch(l -> l.timestamp() != null));
        List<io.cloudtui.core.LogLine> tail = new ArrayList<>();
        engine.logs(id, new io.cloudtui.core.LogOptions(false, 1, null, false), tail::add, new io.cloudtui.core.Backend.Cancel());
        assertEquals(1, tail.size());
        assertEquals("three", tail.get(0).text());
        engine.remove(id, true);
    }

    /** docker run -i and -it: stdin reaches the container, its output and exit code come back. */
    @Test
    void interactiveRunsWithAndWithoutATerminal() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        RunSpec i = new RunSpec("local/bb:1", "inter", List.of("sh"), null, Map.of(), List.of(), null, List.of(), false, true, false, true,
                null, null, null, null, null, false, null, Map.of());
        int code = engine.run(i, new Stdio(new java.io.ByteArrayInputStream("echo hi-$((6*7)); echo oops >&2; exit 5\n".getBytes()), out, err,
                false, null, null), x -> { });
        assertEquals(5, code);
        assertEquals("hi-42\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("oops\n", err.toString(StandardCharsets.UTF_8), "stderr kept apart without a terminal");
        assertThrows(CloudtuiException.class, () -> engine.get("inter"), "--rm removed it");
        ByteArrayOutputStream tty = new ByteArrayOutputStream();
        RunSpec it = new RunSpec("local/bb:1", "tty", List.of("sh"), null, Map.of(), List.of(), null, List.of(), false, true, true, true,
                null, null, null, null, null, false, null, Map.of());
        code = engine.run(it, new Stdio(new java.io.ByteArrayInputStream("tty; stty size; exit 3\n".getBytes()), tty, tty, true,
                new Stdio.TermSize(100, 30), null), x -> { });
        assertEquals(3, code);
        String t = tty.toString(StandardCharsets.UTF_8);
        assertTrue(t.contains("/dev/pts/0"), t);
        assertTrue(t.contains("30 100"), "the caller's terminal size: " + t);
    }

    @Test
    void statsComeFromTheContainersCgroup() throws Exception {
        String id = start(spec("busy", List.of("sh", "-c", "while :; do :; done"), Map.of(), List.of(), null, null, null, 128L << 20, null,
                false, null, null));
        io.cloudtui.core.Stats s = engine.stats(id);
        assertTrue(s.cpuPercent() > 5, "a busy loop: " + s);
        assertEquals(128L << 20, s.memoryLimit());
        assertTrue(s.memoryUsage() > 0 && s.pids() >= 1, s.toString());
        engine.stop(id, Duration.ofSeconds(1));
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> engine.stats(id));
        assertTrue(e.getMessage().contains("not running"), e.getMessage());
        engine.remove(id, true);
    }

    @Test
    void theRootfsIsAnOverlayAndTheImageStaysUntouched() throws Exception {
        String id = start(simple("ovl", "sleep", "1000"));
        Path rootfs = store.resolve("containers").resolve(id).resolve("rootfs");
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertTrue(mounts.lines().anyMatch(l -> l.contains(" " + rootfs + " ") && l.contains(" - overlay ")), "overlay mounted on " + rootfs);
        assertEquals("", sh(id, "echo changed > /bin/marker"));
        try (var s = Files.walk(store.resolve("images"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().equals("marker")), "the write went to the container's upper dir only");
        }
        engine.remove(id, true);
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(rootfs.toString()), "unmounted on remove");
    }

    /** The real CLI in processes of its own: a container outlives the CLI, its exit code is kept, two CLIs race for a name. */
    @Test
    void cliProcessesComeAndGoTheContainersStay() throws Exception {
        Path config = work.resolve("config.yaml");
        Files.writeString(config, "backends:\n  - name: rt\n    type: runtime\n    store: " + store + "\n    root: " + runRoot + "\n");
        List<String> base = cli(config);
        Out r = run(config, base, "run", "-d", "--name", "late", "local/bb:1", "sh", "-c", "echo before; sleep 2; echo after; exit 7");
        assertEquals(0, r.code, r.text);
        Thread.sleep(3000);
        r = run(config, base, "ps", "-a");
        assertTrue(r.text.lines().anyMatch(l -> l.contains(" late ") && l.contains("exited (7)")), "exit code kept while no cloudtui ran: " + r.text);
        r = run(config, base, "logs", "late");
        assertEquals("before\nafter\n", r.text, "and its output, written while no cloudtui ran");
        // two CLIs at once asking for one name: exactly one wins, the other says why
        Process a = proc(config, with(base, "run", "-d", "--name", "race", "local/bb:1", "sleep", "100")).start();
        Process b = proc(config, with(base, "run", "-d", "--name", "race", "local/bb:1", "sleep", "100")).start();
        String ao = new String(a.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String bo = new String(b.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int ac = a.waitFor();
        int bc = b.waitFor();
        assertEquals(1, (ac == 0 ? 1 : 0) + (bc == 0 ? 1 : 0), ao + "\n" + bo);
        assertTrue((ac == 0 ? bo : ao).contains("already in use"), ao + "\n" + bo);
        assertEquals(0, run(config, base, "rm", "-f", "race", "late").code);
    }

    record Out(int code, String text) {}

    static List<String> cli(Path config) {
        Path jar = Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return List.of(java.toString(), "-jar", jar.toAbsolutePath().toString());
    }

    static List<String> with(List<String> base, String... args) {
        List<String> c = new ArrayList<>(base);
        c.addAll(List.of(args));
        return c;
    }

    static ProcessBuilder proc(Path config, List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CLOUDTUI_CONFIG", config.toString());
        pb.environment().put("XDG_STATE_HOME", work.resolve("state").toString());
        return pb;
    }

    static Out run(Path config, List<String> base, String... args) throws Exception {
        Process p = proc(config, with(base, args)).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Out(p.exitValue(), out);
    }
}
