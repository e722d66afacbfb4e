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
    static ImageStore images;
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
        images = new ImageStore(store.resolve("images"));
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

    /**
     * A container store where overlayfs takes no upper directory (here another overlay, as when the
     * engine runs inside a container; NFS is another): the image is copied into the rootfs instead.
     */
    @Test
    void whereOverlayfsRefusesTheStoreTheImageIsCopied() throws Exception {
        Path ov = Files.createTempDirectory(work, "nested");
        for (String d : List.of("l", "u", "w", "m")) Files.createDirectories(ov.resolve(d));
        assertEquals(0, Engines.run("mount", "-t", "overlay", "overlay", "-o",
                "lowerdir=" + ov.resolve("l") + ",upperdir=" + ov.resolve("u") + ",workdir=" + ov.resolve("w"), ov.resolve("m").toString()));
        Path nestedRun = Path.of(runRoot + "-nested");
        try {
            EngineBackend nested = new EngineBackend("rt2", ov.resolve("m/store"), nestedRun, images);
            String id = nested.create(simple("copied", "sleep", "1000"));
            nested.start(id);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = nested.exec(id, List.of("sh", "-c", "head -n 1 /etc/passwd; echo written > /tmp/f; cat /tmp/f"),
                    new Stdio(InputStream.nullInputStream(), out, out, false, null, null));
            assertEquals("root:x:0:0:root:/root:/bin/sh\nwritten\n", out.toString(StandardCharsets.UTF_8));
            assertEquals(0, code);
            Path d = ov.resolve("m/store/containers").resolve(id);
            assertFalse(Files.exists(d.resolve("lower")), "no overlay recorded");
            assertTrue(Files.isRegularFile(d.resolve("rootfs/bin/busybox"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "a copied rootfs");
            assertEquals("written\n", Files.readString(d.resolve("rootfs/tmp/f")), "the container writes its own copy");
            for (Path layer : images.layerDirs("local/bb:1")) assertFalse(Files.exists(layer.resolve("tmp/f")), "not the image");
            nested.remove(id, true);
            assertFalse(Files.exists(d), "removed");
        } finally {
            Engines.run("umount", "-l", ov.resolve("m").toString());
            Engines.run("rm", "-rf", nestedRun.toString());
        }
    }

    @Test
    void execRunsAsTheUserNamedInTheContainersOwnPasswd() throws Exception {
        String id = start(simple("xuser", "sleep", "1000"));
        String who = "id -u; id -g; id -G; echo HOME=$HOME";
        assertEquals("1000\n1000\n1000 2000\nHOME=/home/app\n", execOut(id, "app", false, who), "a name, with its groups and home");
        assertEquals("1234\n5678\n5678\nHOME=/\n", execOut(id, "1234:5678", false, who), "numeric ids need no entry");
        assertEquals("1000\n65534\n", execOut(id, "app:nogroup", false, "id -u; id -g"), "name:group");
        assertEquals("1000\r\n", execOut(id, "app", true, "id -u"), "with a terminal too");
        assertEquals("0\nHOME=/root\n", execOut(id, null, false, "id -u; echo HOME=$HOME"), "without -u: the container's user");
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        assertEquals(0, engine.exec(id, new io.cloudtui.core.ExecSpec(List.of("sh", "-c", "echo $HOME; env | grep -c ^HOME="), Map.of("HOME", "/elsewhere"),
                null, "app", false, false), new Stdio(null, o, o, false, null, null)));
        assertEquals("/elsewhere\n1\n", o.toString(StandardCharsets.UTF_8), "-e replaces a variable of the container's, once");
        CloudtuiException ghost = assertThrows(CloudtuiException.class, () -> execOut(id, "ghost", false, "id"));
        assertEquals("user 'ghost' is not in the container's /etc/passwd", ghost.getMessage());
        assertEquals(126, ghost.exitCode(), "the command cannot be run, as docker exec says");
        // the container's /etc as it is now (a user added after the start counts) ...
        assertEquals("", execOut(id, null, false, "echo 'late:x:3000:3000::/late:/bin/sh' >> /etc/passwd"));
        assertEquals("3000\nHOME=/late\n", execOut(id, "late", false, "id -u; echo HOME=$HOME"));
        // ... but never a host file: links are not followed out of the container
        Path host = Files.createTempDirectory("ctui-hostetc-");
        try {
            Files.writeString(host.resolve("passwd"), "hostonly:x:4242:4242::/h:/bin/sh\n");
            assertEquals("", execOut(id, null, false, "ln -sf " + host.resolve("passwd") + " /etc/passwd"));
            CloudtuiException linked = assertThrows(CloudtuiException.class, () -> execOut(id, "hostonly", false, "id"), "a linked passwd file");
            assertEquals("user 'hostonly' is not in the container's /etc/passwd", linked.getMessage());
            // (a linked /etc itself cannot be made here: the engine's binds of hosts and resolv.conf keep it in place)
        } finally {
            Files.deleteIfExists(host.resolve("passwd"));
            Files.deleteIfExists(host);
        }
        engine.remove(id, true);
    }

    /** What COMMAND (sh -c) printed, run by exec as USER (null: no -u); a non-zero exit fails. */
    private String execOut(String id, String user, boolean tty, String command) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int code = engine.exec(id, new io.cloudtui.core.ExecSpec(List.of("sh", "-c", command), Map.of(), null, user, tty, false),
                new Stdio(null, o, o, tty, null, null));
        assertEquals(0, code, o.toString(StandardCharsets.UTF_8));
        return o.toString(StandardCharsets.UTF_8);
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

    /** A Stdio with a terminal of SIZE whose resize handlers land in HANDLERS (what TerminalSession does with SIGWINCH). */
    static Stdio terminal(InputStream in, java.io.OutputStream out, Stdio.TermSize size, List<java.util.function.Consumer<Stdio.TermSize>> handlers) {
        return new Stdio(in, out, out, true, size, handlers::add);
    }

    static void awaitText(ByteArrayOutputStream out, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!out.toString(StandardCharsets.UTF_8).contains(text)) {
            if (System.nanoTime() > deadline) throw new AssertionError("never saw '" + text + "' in: " + out.toString(StandardCharsets.UTF_8));
            Thread.sleep(20);
        }
    }

    static void awaitLogLine(String id, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            List<io.cloudtui.core.LogLine> lines = new ArrayList<>();
            engine.logs(id, new io.cloudtui.core.LogOptions(false, -1, null, false), lines::add, new io.cloudtui.core.Backend.Cancel());
            if (lines.stream().anyMatch(l -> l.text().contains(text))) return;
            if (System.nanoTime() > deadline) throw new AssertionError("the log of " + id + " never showed '" + text + "': " + lines);
            Thread.sleep(50);
        }
    }

    /** exec -t: a pty of the container, the caller's size at start, resizes passed on (with SIGWINCH), the exit code back. */
    @Test
    void execWithATerminalFollowsTheCallersSize() throws Exception {
        String id = start(simple("xtty", "sleep", "1000"));
        List<java.util.function.Consumer<Stdio.TermSize>> handlers = new java.util.concurrent.CopyOnWriteArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.io.PipedOutputStream keys = new java.io.PipedOutputStream();
        java.io.PipedInputStream stdin = new java.io.PipedInputStream(keys);
        var done = java.util.concurrent.CompletableFuture.supplyAsync(() -> engine.exec(id,
                List.of("sh", "-c", "trap 'echo got-winch' WINCH; tty; echo start $(stty size); read x; echo now $(stty size); exit 4"),
                terminal(stdin, out, new Stdio.TermSize(100, 30), handlers)));
        awaitText(out, "start 30 100");
        assertEquals(1, handlers.size(), "the exec follows resizes");
        handlers.get(0).accept(new Stdio.TermSize(120, 40));
        keys.write("go\n".getBytes(StandardCharsets.UTF_8)); // after the resize on the same pipe: read returns on the new size
        keys.flush();
        assertEquals(4, done.get(60, TimeUnit.SECONDS));
        keys.close();
        String t = out.toString(StandardCharsets.UTF_8);
        assertTrue(t.contains("/dev/pts/"), t);
        assertTrue(t.contains("now 40 120"), "resized: " + t);
        assertTrue(t.contains("got-winch"), "SIGWINCH reached the process: " + t);
        // -e and -w apply with a terminal as without
        ByteArrayOutputStream o2 = new ByteArrayOutputStream();
        int code = engine.exec(id, new io.cloudtui.core.ExecSpec(List.of("sh", "-c", "echo $FOO in $(pwd); tty"), Map.of("FOO", "bar"), "/tmp", null, true, false),
                new Stdio(null, o2, o2, true, null, null));
        assertEquals(0, code);
        assertTrue(o2.toString(StandardCharsets.UTF_8).startsWith("bar in /tmp\r\n/dev/pts/"), o2.toString(StandardCharsets.UTF_8));
        for (boolean tty : new boolean[] {false, true}) {
            CloudtuiException missing = assertThrows(CloudtuiException.class, () -> engine.exec(id, List.of("nosuchcmd"), new Stdio(null, o2, o2, tty, null, null)));
            assertEquals(127, missing.exitCode(), "as docker exec: " + missing.getMessage());
            assertEquals("exec: \"nosuchcmd\": executable file not found in $PATH", missing.getMessage());
        }
        engine.remove(id, true);
    }

    /** attach to a container run with -t: the terminal takes the attaching client's size, then follows its resizes. */
    @Test
    void attachToATerminalFollowsTheClientsSize() throws Exception {
        RunSpec s = new RunSpec("local/bb:1", "atty", List.of("sh", "-c", "trap 'echo size $(stty size)' WINCH; echo ready; while :; do sleep 0.05; done"),
                null, Map.of(), List.of(), null, List.of(), true, true, true, false, null, null, null, null, null, false, null, Map.of());
        String id = start(s);
        awaitLogLine(id, "ready"); // its WINCH trap is set
        List<java.util.function.Consumer<Stdio.TermSize>> handlers = new java.util.concurrent.CopyOnWriteArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.io.PipedOutputStream keys = new java.io.PipedOutputStream();
        java.io.PipedInputStream stdin = new java.io.PipedInputStream(keys);
        var done = java.util.concurrent.CompletableFuture.supplyAsync(() -> engine.attach(id, terminal(stdin, out, new Stdio.TermSize(90, 25), handlers)));
        awaitText(out, "size 25 90");
        assertEquals(1, handlers.size());
        handlers.get(0).accept(new Stdio.TermSize(130, 45));
        awaitText(out, "size 45 130");
        engine.kill(id, "KILL");
        assertEquals(137, done.get(60, TimeUnit.SECONDS), "attach ends with the container, with its exit code (SIGKILL), as docker attach");
        keys.close();
        engine.remove(id, true);
    }

    /** The real CLI in a real terminal (tmux): exec -it and run -it follow the window's size; the detach keys leave the command running. */
    @Test
    void execItAndRunItInARealTerminal() throws Exception {
        Path config = work.resolve("config.yaml");
        Files.writeString(config, "backends:\n  - name: rt\n    type: runtime\n    store: " + store + "\n    root: " + runRoot + "\n");
        String id = start(simple("pty", "sleep", "1000"));
        Map<String, String> env = Map.of("CLOUDTUI_CONFIG", config.toString(), "XDG_STATE_HOME", work.resolve("state").toString());
        Path exec = io.cloudtui.testing.Tmux.launcher(work, "exec.sh", env, List.of("exec", "-it", "pty", "sh"));
        try (io.cloudtui.testing.Tmux tmux = new io.cloudtui.testing.Tmux("ctui-it-engine")) {
            tmux.start(exec.toString(), 100, 30);
            tmux.await("/ #");
            tmux.type("echo A-$(stty size)");
            tmux.keys("Enter");
            tmux.await("A-30 100");
            tmux.resize(120, 40);
            // the resize travels apart from the keys (SIGWINCH to cloudtui, then to the container): wait for it there
            tmux.type("while [ \"$(stty size)\" = \"30 100\" ]; do sleep 0.1; done; echo B-$(stty size)");
            tmux.keys("Enter");
            tmux.await("B-40 120");
            tmux.type("exit 7");
            tmux.keys("Enter");
            assertTrue(tmux.await("CLOUDTUI-EXIT").contains("CLOUDTUI-EXIT code=7 stty=same"), tmux.capture());
        }
        Path detach = io.cloudtui.testing.Tmux.launcher(work, "detach.sh", env, List.of("exec", "-it", "pty", "sh", "-c", "echo READY; sleep 1000"));
        try (io.cloudtui.testing.Tmux tmux = new io.cloudtui.testing.Tmux("ctui-it-engine")) {
            tmux.start(detach.toString(), 100, 30);
            tmux.await("READY");
            tmux.keys("C-p", "C-q");
            assertTrue(tmux.await("CLOUDTUI-EXIT").contains("CLOUDTUI-EXIT code=0 stty=same"), tmux.capture());
        }
        assertTrue(sh(id, "ps -o args").contains("sleep 1000"), "the detached command runs on: " + sh(id, "ps -o args"));
        engine.remove(id, true);
        Path run = io.cloudtui.testing.Tmux.launcher(work, "run.sh", env, List.of("run", "-it", "--rm", "--name", "runit", "local/bb:1", "sh"));
        try (io.cloudtui.testing.Tmux tmux = new io.cloudtui.testing.Tmux("ctui-it-engine")) {
            tmux.start(run.toString(), 100, 30);
            tmux.await("/ #");
            tmux.type("echo A-$(stty size)");
            tmux.keys("Enter");
            tmux.await("A-30 100");
            tmux.resize(132, 43);
            tmux.type("while [ \"$(stty size)\" = \"30 100\" ]; do sleep 0.1; done; echo B-$(stty size)");
            tmux.keys("Enter");
            tmux.await("B-43 132");
            tmux.type("exit 3");
            tmux.keys("Enter");
            assertTrue(tmux.await("CLOUDTUI-EXIT").contains("CLOUDTUI-EXIT code=3 stty=same"), tmux.capture());
        }
        assertThrows(CloudtuiException.class, () -> engine.get("runit"), "--rm removed it");
    }

    /**
     * The real CLI's attach in a real terminal (tmux): keys reach a container's terminal, the detach
     * keys leave it running with exit 0, its end is attach's exit code; a container without a
     * terminal shows each line at the left edge.
     */
    @Test
    void attachInARealTerminal() throws Exception {
        Path config = work.resolve("config.yaml");
        Files.writeString(config, "backends:\n  - name: rt\n    type: runtime\n    store: " + store + "\n    root: " + runRoot + "\n");
        Map<String, String> env = Map.of("CLOUDTUI_CONFIG", config.toString(), "XDG_STATE_HOME", work.resolve("state").toString());
        String id = start(new RunSpec("local/bb:1", "attit", List.of("sh"), null, Map.of(), List.of(), null, List.of(), true, true, true, false,
                null, null, null, null, null, false, null, Map.of()));
        Path first = io.cloudtui.testing.Tmux.launcher(work, "attach1.sh", env, List.of("attach", "attit"));
        try (io.cloudtui.testing.Tmux tmux = new io.cloudtui.testing.Tmux("ctui-it-engine")) {
            tmux.start(first.toString(), 100, 30);
            // the shell printed its prompt before we came: an empty line brings another
            tmux.keys("Enter");
            tmux.await("/ #");
            tmux.type("echo hi-$((6*7)) $(stty size)");
            tmux.keys("Enter");
            tmux.await("hi-42 30 100");
            tmux.keys("C-p", "C-q");
            assertTrue(tmux.await("CLOUDTUI-EXIT").contains("CLOUDTUI-EXIT code=0 stty=same"), tmux.capture());
        }
        assertEquals(State.RUNNING, engine.get(id).state(), "detached: it runs on");
        Path second = io.cloudtui.testing.Tmux.launcher(work, "attach2.sh", env, List.of("attach", "--detach-keys", "ctrl-x,x", "rt:attit"));
        try (io.cloudtui.testing.Tmux tmux = new io.cloudtui.testing.Tmux("ctui-it-engine")) {
            tmux.start(second.toString(), 100, 30);
            tmux.type("echo again-$((6*7))");
            tmux.keys("Enter");
            tmux.await("again-42");
            tmux.type("exit 4");
            tmux.keys("Enter");
            assertTrue(tmux.await("CLOUDTUI-EXIT").contains("CLOUDTUI-EXIT code=4 stty=same"), tmux.capture());
        }
        engine.remove(id, true);
        // -i without -t: no terminal in the container, its output is bare LF
        String ticker = start(new RunSpec("local/bb:1", "ticker", List.of("sh", "-c", "read go; i=0; while [ $i -lt 5 ]; do echo tick $i; i=$((i+1)); done; exit 6"),
                null, Map.of(), List.of(), null, List.of(), true, true, false, false, null, null, null, null, null, false, null, Map.of()));
        Path third = io.cloudtui.testing.Tmux.launcher(work, "attach3.sh", env, List.of("attach", "ticker"));
        try (io.cloudtui.testing.Tmux tmux = new io.cloudtui.testing.Tmux("ctui-it-engine")) {
            tmux.start(third.toString(), 100, 30);
            tmux.type("go");
            tmux.keys("Enter");
            String s = tmux.await("CLOUDTUI-EXIT");
            assertTrue(s.contains("CLOUDTUI-EXIT code=6 stty=same"), s);
            List<String> ticks = s.lines().filter(l -> l.contains("tick")).toList();
            assertEquals(5, ticks.size(), s);
            for (String l : ticks) assertTrue(l.matches("tick \\d"), "each line at the left edge:\n" + s);
        }
        engine.remove(ticker, true);
    }

    /** In a raw terminal (the UI's attach), output of a container without a TTY gets CR before LF, by attach and by exec. */
    @Test
    void outputWithoutATerminalGetsCarriageReturnsInARawTerminal() throws Exception {
        String id = start(new RunSpec("local/bb:1", "rawout", List.of("sh", "-c", "read go; echo one; echo two >&2; echo three; sleep 1000"),
                null, Map.of(), List.of(), null, List.of(), true, true, false, false, null, null, null, null, null, false, null, Map.of()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        java.io.PipedOutputStream keys = new java.io.PipedOutputStream();
        java.io.PipedInputStream stdin = new java.io.PipedInputStream(keys);
        var done = java.util.concurrent.CompletableFuture.supplyAsync(() -> engine.attach(id, new Stdio(stdin, new RawOut(out), new RawOut(err), true, null, null)));
        keys.write("go\n".getBytes());
        keys.flush();
        awaitText(out, "three");
        assertEquals("one\r\nthree\r\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("two\r\n", err.toString(StandardCharsets.UTF_8));
        ByteArrayOutputStream exec = new ByteArrayOutputStream();
        assertEquals(0, engine.exec(id, List.of("sh", "-c", "echo a; echo b"), new Stdio(null, new RawOut(exec), new RawOut(exec), false, null, null)));
        assertEquals("a\r\nb\r\n", exec.toString(StandardCharsets.UTF_8));
        engine.kill(id, "KILL");
        done.get(60, TimeUnit.SECONDS);
        keys.close();
        engine.remove(id, true);
    }

    /** Stands for the user's terminal in raw mode, as TerminalSession hands it to a backend. */
    static final class RawOut extends java.io.FilterOutputStream implements Stdio.RawTerminalOutput {
        RawOut(java.io.OutputStream o) {
            super(o);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public java.io.OutputStream cooked() {
            RawOut self = this;
            return new java.io.OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    if (b == '\n') self.write('\r');
                    self.write(b);
                }
            };
        }
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

    /** Shows lo's flags, then a TCP round trip over 127.0.0.1 inside the container ("got:via-lo" when it works). */
    static final String LOOPBACK = "ip addr show lo | head -1; nc -l -p 8080 -e echo via-lo & "
            + "for i in $(seq 100); do r=$(nc 127.0.0.1 8080 </dev/null 2>/dev/null) && [ -n \"$r\" ] && break; sleep 0.1; done; echo got:$r";

    /** Issue #19: the container's own network namespace has its loopback up, as docker's --network none. */
    @Test
    void loopbackIsUpInTheContainersOwnNetwork() throws Exception {
        Path config = work.resolve("config-lo.yaml");
        Files.writeString(config, "backends:\n  - name: rt\n    type: runtime\n    store: " + store + "\n    root: " + runRoot + "\n");
        List<String> base = cli(config);
        for (List<String> net : List.<List<String>>of(List.of(), List.of("--network", "none"))) {
            List<String> args = new ArrayList<>(List.of("run", "--rm"));
            args.addAll(net);
            args.addAll(List.of("local/bb:1", "sh", "-c", LOOPBACK));
            Out r = run(config, base, args.toArray(String[]::new));
            assertEquals(0, r.code, r.text);
            assertTrue(r.text.contains("<LOOPBACK,UP,LOWER_UP>"), net + ": " + r.text);
            assertTrue(r.text.contains("got:via-lo"), net + ": " + r.text);
        }
        String id = start(simple("lo-exec", "sleep", "1000"));
        assertTrue(sh(id, LOOPBACK).contains("got:via-lo"), "and for exec: " + sh(id, LOOPBACK));
        engine.remove(id, true);
    }

    /**
     * Issue #19: as docker, a command that is not found exits 127 and one that cannot be invoked
     * 126, for run (foreground and -d) and exec; 125 only when the container could not be made;
     * one line on stderr with what the runtime said.
     */
    @Test
    void aCommandThatCannotRunExitsAsDocker() throws Exception {
        Path config = work.resolve("config-codes.yaml");
        Files.writeString(config, "backends:\n  - name: rt\n    type: runtime\n    store: " + store + "\n    root: " + runRoot + "\n");
        List<String> base = cli(config);
        record Case(int code, String say, String... args) {}
        List<Case> cases = List.of(
                new Case(127, "exec: \"nosuchcmd\": executable file not found in $PATH", "run", "--rm", "--name", "c1", "local/bb:1", "nosuchcmd"),
                new Case(127, "exec: \"/no/such/file\": no such file or directory", "run", "--rm", "--name", "c2", "local/bb:1", "/no/such/file"),
                new Case(126, "exec: \"/etc/passwd\": permission denied", "run", "--rm", "--name", "c3", "local/bb:1", "/etc/passwd"),
                new Case(126, "exec: \"/etc\": permission denied", "run", "--rm", "--name", "c4", "local/bb:1", "/etc"),
                new Case(127, "executable file not found", "run", "-d", "--name", "c5", "local/bb:1", "nosuchcmd"),
                new Case(126, "permission denied", "run", "-d", "--name", "c6", "local/bb:1", "/etc/passwd"),
                new Case(125, "no such image", "run", "--rm", "local/no-such-image:1", "true"));
        for (Case c : cases) {
            Out r = run(config, base, c.args());
            assertEquals(c.code(), r.code, String.join(" ", c.args()) + ": " + r.text);
            assertEquals(1, r.text.lines().count(), "one line: " + r.text);
            assertTrue(r.text.startsWith("cloudtui: ") && r.text.contains(c.say()), r.text);
        }
        Out ps = run(config, base, "ps", "-a");
        assertFalse(ps.text.contains(" c1 "), "--rm removed what could not start: " + ps.text);
        assertTrue(ps.text.lines().anyMatch(l -> l.contains(" c5 ") && l.contains("created")), "-d leaves it created, as docker: " + ps.text);
        assertEquals(0, run(config, base, "rm", "c5", "c6").code);
        assertEquals(3, run(config, base, "run", "--rm", "local/bb:1", "sh", "-c", "exit 3").code, "the command's own code");
        assertEquals(125, run(config, base, "run", "--rm", "local/bb:1", "sh", "-c", "exit 125").code, "even 125");
        // run makes a missing working directory, as docker (runc) does
        Out wd = run(config, base, "run", "--rm", "-w", "/new/dir", "-u", "app", "local/bb:1", "sh", "-c", "pwd; stat -c %u /new/dir");
        assertEquals("/new/dir\n0\n", wd.text, "made by root, entered as the user");
        Out nw = run(config, base, "run", "--rm", "-w", "/etc/passwd", "local/bb:1", "pwd");
        assertEquals(125, nw.code, nw.text);
        assertTrue(nw.text.startsWith("cloudtui: ") && nw.text.contains("/etc/passwd") && nw.text.lines().count() == 1, nw.text);

        assertEquals(0, run(config, base, "run", "-d", "--name", "codes", "local/bb:1", "sleep", "1000").code);
        Out nf = run(config, base, "exec", "codes", "nosuchcmd");
        assertEquals(127, nf.code, nf.text);
        assertEquals("cloudtui: exec: \"nosuchcmd\": executable file not found in $PATH\n", nf.text);
        Out nx = run(config, base, "exec", "codes", "/etc/passwd");
        assertEquals(126, nx.code, nx.text);
        assertEquals("cloudtui: exec: \"/etc/passwd\": permission denied\n", nx.text);
        assertEquals(127, run(config, base, "exec", "codes", "/no/such/file").code);
        assertEquals(126, run(config, base, "exec", "codes", "/etc").code);
        assertEquals(5, run(config, base, "exec", "codes", "sh", "-c", "exit 5").code);
        // found through PATH relative to -w, as execvp finds it
        assertEquals(0, run(config, base, "exec", "-w", "/bin", "codes", "./true").code);
        // a working directory exec cannot enter: 126, as docker exec
        Out nd = run(config, base, "exec", "-w", "/nope", "codes", "pwd");
        assertEquals(126, nd.code, nd.text);
        assertEquals("cloudtui: chdir to cwd (\"/nope\") set in config.json failed: no such file or directory\n", nd.text);
        assertEquals(0, run(config, base, "rm", "-f", "codes").code);
    }

    record Out(int code, String text) {}

    /**
     * Nothing half-made stays: a create killed midway (its directory without container.json, the
     * rootfs still mounted), a start killed between the runtime's create and start, and a run --rm
     * killed while its container ran (or a run -d --rm) are cleaned up by the next command.
     */
    @Test
    void whatKilledCommandsLeftIsRepairedByTheNext() throws Exception {
        // a create killed after it mounted the rootfs: the next create removes the leftover
        Path half = store.resolve("containers").resolve("f".repeat(64));
        Files.createDirectories(half.resolve("rootfs"));
        Files.writeString(half.resolve("lower"), "/nonexistent\n"); // an overlay rootfs, as RootFs.prepare records it
        assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "tmpfs", half.resolve("rootfs").toString()).inheritIO().start().waitFor());
        String id = start(simple("after-half", "sleep", "100"));
        assertFalse(Files.exists(half), "the half-created container is gone");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(half.toString()), "and unmounted");
        engine.remove(id, true);

        // a start killed between the runtime's create and start: the runtime holds a container that never ran
        String stuck = engine.create(simple("stuck", "sh", "-c", "echo ran; sleep 100"));
        created.add(stuck);
        Path jar = Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar"));
        Process rc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toAbsolutePath().toString(),
                "runtime", "--root", runRoot.toString(), "create", "--bundle", store.resolve("containers").resolve(stuck).resolve("bundle").toString(), stuck)
                // the created container's init keeps the create's stdio: read nothing from it
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(work.resolve("stuck.err").toFile()).start();
        assertTrue(rc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, rc.exitValue(), Files.readString(work.resolve("stuck.err")));
        engine.start(stuck);
        awaitState(stuck, State.RUNNING);
        assertEquals("sleep\n", sh(stuck, "cat /proc/1/comm"), "the container's own command (sh, which exec'd sleep) runs as pid 1");
        engine.remove(stuck, true);

        Path config = work.resolve("config-repair.yaml");
        Files.writeString(config, "backends:\n  - name: rt\n    type: runtime\n    store: " + store + "\n    root: " + runRoot + "\n");
        List<String> base = cli(config);
        // run --rm whose CLI is killed while the container runs: once it exited, the next listing removes it
        Process killed = proc(config, with(base, "run", "--rm", "--name", "orphan", "local/bb:1", "sh", "-c", "sleep 6")).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        boolean seen = false;
        while (!seen && System.nanoTime() < deadline) seen = run(config, base, "ps").text.contains(" orphan ");
        assertTrue(seen, "the --rm container runs");
        killed.destroyForcibly().waitFor();
        // -d --rm: nobody waits for it at all
        assertEquals(0, run(config, base, "run", "-d", "--rm", "--name", "detached-rm", "local/bb:1", "true").code);
        Thread.sleep(7000); // orphan's sleep is over
        Out ps = run(config, base, "ps", "-a");
        assertFalse(ps.text.contains(" orphan ") || ps.text.contains(" detached-rm "), "exited --rm containers are removed: " + ps.text);
        try (var dirs = Files.list(store.resolve("containers"))) {
            for (Path d : dirs.toList()) {
                if (Files.isDirectory(d)) assertFalse(Files.readString(d.resolve("container.json")).contains("\"orphan\""), "orphan's directory is gone");
            }
        }
    }

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
