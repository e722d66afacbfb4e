package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.testing.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** cloudtui's OCI runtime against real namespaces and cgroups (root), driven through its CLI. */
class OciRuntimeIT {
    private Path root;
    private RuntimeCli cli;
    private final List<BusyboxBundle> bundles = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        Engines.requireRoot();
        root = Files.createTempDirectory("ctui-it-root-");
        cli = new RuntimeCli(root);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cli != null) cli.deleteAll();
        for (BusyboxBundle b : bundles) b.delete();
        if (root != null) {
            try (var s = Files.walk(root)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @AfterAll
    static void removeCgroupParents() throws IOException {
        try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : s.toList()) {
                Path p = h.resolve("ctui-it");
                if (Files.isDirectory(p)) {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        // still used by a test container that failed to clean up: leave it for inspection
                    }
                }
            }
        }
    }

    private static String id(String what) {
        return "ctui-it-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private BusyboxBundle bundle(String id, String... args) throws IOException {
        BusyboxBundle b = BusyboxBundle.create(id, args);
        bundles.add(b);
        return b;
    }

    private static Map<String, String> keyValues(String out) {
        Map<String, String> m = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
        return m;
    }

    @Test
    void containerIsIsolated() throws Exception {
        String id = id("iso");
        BusyboxBundle b = bundle(id, "sh", "-c", String.join("; ",
                "echo pid=$$",
                "echo nprocs=$(ls -d /proc/[0-9]* | wc -l)",
                "echo host=$(hostname)",
                "echo netdevs=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')",
                "mount -t tmpfs none /tmp 2>/dev/null; echo mount=$?",
                "(echo x > /proc/sys/kernel/domainname) 2>/dev/null; echo procsys=$?",
                "echo keys=$(wc -c < /proc/keys)",
                "echo kcore=$(cat /proc/kcore 2>/dev/null | wc -c)",
                "echo firmware=$(ls -A /sys/firmware | wc -l)",
                "echo capbnd=$(grep CapBnd /proc/self/status | cut -f2)",
                "echo nnp=$(grep NoNewPrivs /proc/self/status | cut -f2)",
                "echo mounts=$(cut -d' ' -f2 /proc/mounts | tr '\\n' ' ')"));
        b.write();
        RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
        assertEquals(0, r.code(), r.err());
        Map<String, String> kv = keyValues(r.out());
        assertEquals("1", kv.get("pid"), r.out());
        assertTrue(Integer.parseInt(kv.get("nprocs")) <= 5, "the container sees only its own processes: " + r.out());
        assertEquals("ctui-box", kv.get("host"));
        assertEquals("lo", kv.get("netdevs"), "a network namespace has only lo");
        assertNotEquals("0", kv.get("mount"), "mount must be refused");
        assertNotEquals("0", kv.get("procsys"), "/proc/sys must not be writable");
        assertEquals("0", kv.get("keys"), "/proc/keys is masked");
        assertEquals("0", kv.get("kcore"), "/proc/kcore is masked (or absent)");
        assertEquals("0", kv.get("firmware"), "/sys/firmware is masked");
        long bnd = Long.parseLong(kv.get("capbnd"), 16);
        assertEquals(0, bnd & (1L << 16), "no CAP_SYS_MODULE: modules cannot be loaded");
        assertEquals(0, bnd & (1L << 21), "no CAP_SYS_ADMIN");
        assertEquals(expectedCaps(), bnd, "exactly the capabilities config.json grants");
        assertEquals("1", kv.get("nnp"));
        Set<String> allowed = new HashSet<>(List.of("/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"));
        allowed.addAll(DefaultSpec.MASKED);
        allowed.addAll(DefaultSpec.READONLY);
        for (String mp : kv.get("mounts").split(" ")) {
            assertTrue(allowed.contains(mp), "no host mount may be visible, found " + mp + " in " + kv.get("mounts"));
        }
        assertFalse(Files.exists(root.resolve(id)), "run deletes the container");
    }

    private static long expectedCaps() {
        long m = 0;
        for (String c : DefaultSpec.CAPABILITIES) m |= 1L << NativeSpec.capability(c);
        return m;
    }

    @Test
    void exitCodeIsReturned() throws Exception {
        String id = id("exit");
        BusyboxBundle b = bundle(id, "sh", "-c", "exit 42").write();
        assertEquals(42, cli.run("run", "--bundle", b.dir.toString(), id).code());
    }

    @Test
    void lifecycleCreateStartStateKillDelete() throws Exception {
        String id = id("life");
        BusyboxBundle b = bundle(id, "sleep", "1000").write();
        Path pidFile = root.resolve("pidfile");
        cli.ok("create", "--bundle", b.dir.toString(), "--pid-file", pidFile.toString(), id);
        JsonNode st = cli.ok("state", id).json();
        assertEquals("created", st.get("status").asText());
        int pid = st.get("pid").asInt();
        assertEquals(pid, Integer.parseInt(Files.readString(pidFile).trim()));
        assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")), Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")));
        assertEquals(b.dir.toString(), st.get("bundle").asText());
        assertEquals(1, cli.run("create", "--bundle", b.dir.toString(), id).code(), "duplicate id is refused");
        cli.ok("start", id);
        assertEquals("running", cli.status(id));
        // start returns once the init was told to go; its exec follows a moment later
        String cmdline = "";
        for (int i = 0; i < 500 && !cmdline.startsWith("sleep"); i++) {
            cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
            if (!cmdline.startsWith("sleep")) Thread.sleep(10);
        }
        assertTrue(cmdline.startsWith("sleep"), "the init exec'd the process: " + cmdline);
        assertNotEquals(0, cli.run("start", id).code(), "a running container cannot be started again");
        assertNotEquals(0, cli.run("delete", id).code(), "a running container is not deleted without --force");
        cli.ok("pause", id);
        assertEquals("paused", cli.status(id));
        cli.ok("resume", id);
        assertEquals("running", cli.status(id));
        RuntimeCli.Result ex = cli.run("exec", id, "sh", "-c", "echo in=$(hostname) pid=$$; exit 5");
        assertEquals(5, ex.code(), ex.err());
        assertTrue(ex.out().contains("in=ctui-box"), ex.out());
        cli.ok("kill", id, "KILL");
        JsonNode stopped = cli.awaitStatus(id, "stopped");
        assertEquals(137, stopped.get("exitCode").asInt(), "128 + SIGKILL");
        cli.ok("delete", id);
        assertNotEquals(0, cli.run("state", id).code());
        assertFalse(Files.exists(root.resolve(id)));
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory/ctui-it/" + id)), "the cgroup is removed");
    }

    @Test
    void containerSurvivesKillMinus9OfTheCli() throws Exception {
        String id = id("orphan");
        BusyboxBundle b = bundle(id, "sleep", "1000").write();
        Process fg = cli.builder("run", "--bundle", b.dir.toString(), id).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            cli.awaitStatus(id, "running");
        } finally {
            fg.destroyForcibly(); // SIGKILL
            fg.waitFor(30, TimeUnit.SECONDS);
        }
        Thread.sleep(200);
        JsonNode st = cli.ok("state", id).json();
        assertEquals("running", st.get("status").asText(), "the container outlives its CLI");
        int pid = st.get("pid").asInt();
        // its parent is the monitor, a subreaper that is not the dead CLI
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        String ppid = status.lines().filter(l -> l.startsWith("PPid:")).findFirst().orElseThrow().split("\\s+")[1];
        long rssKb = Long.parseLong(Files.readString(Path.of("/proc/" + ppid + "/status")).lines()
                .filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow().split("\\s+")[1]);
        assertTrue(rssKb < 2048, "the monitor stays under 2 MiB resident, was " + rssKb + " KiB");
        cli.ok("delete", "--force", id);
        assertNotEquals(0, cli.run("state", id).code());
        assertFalse(Files.exists(Path.of("/proc/" + pid)) && StateStore.startTime(pid) >= 0
                && Files.readString(Path.of("/proc/" + pid + "/cmdline")).startsWith("sleep"), "the container is gone");
    }

    @Test
    void memoryLimitOomKills() throws Exception {
        String id = id("oom");
        BusyboxBundle b = bundle(id, "sh", "-c", "a=$(head -c 268435456 /dev/zero | tr '\\000' x); echo survived");
        ObjectNode mem = b.linux().putObject("resources").putObject("memory");
        mem.put("limit", 32L << 20).put("swap", 32L << 20);
        b.write();
        cli.ok("create", "--bundle", b.dir.toString(), id);
        assertEquals(String.valueOf(32L << 20),
                Files.readString(Path.of("/sys/fs/cgroup/memory/ctui-it/" + id + "/memory.limit_in_bytes")).trim());
        cli.ok("start", id);
        JsonNode st = cli.awaitStatus(id, "stopped");
        assertEquals(137, st.get("exitCode").asInt(), "killed by SIGKILL: " + st);
        assertTrue(st.get("oomKilled").asBoolean(), "the state says the OOM killer did it: " + st);
        cli.ok("delete", id);
    }

    @Test
    void pidsLimitIsEnforced() throws Exception {
        String id = id("pids");
        BusyboxBundle b = bundle(id, "sh", "-c", "for i in $(seq 1 40); do sleep 1000 & done 2>/dev/null; wait");
        b.linux().putObject("resources").putObject("pids").put("limit", 10);
        b.write();
        cli.ok("create", "--bundle", b.dir.toString(), id);
        cli.ok("start", id);
        Path events = Path.of("/sys/fs/cgroup/pids/ctui-it/" + id + "/pids.events");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String ev = "";
        while (System.nanoTime() < deadline) {
            ev = StateStore.readKernelFile(events).trim();
            if (!ev.equals("max 0")) break;
            Thread.sleep(100);
        }
        assertNotEquals("max 0", ev, "forks beyond the limit were refused");
        long current = Long.parseLong(StateStore.readKernelFile(events.resolveSibling("pids.current")).trim());
        assertTrue(current <= 10, "at most 10 tasks, found " + current);
        cli.ok("delete", "--force", id);
    }

    @Test
    void twentyConcurrentCreates() throws Exception {
        BusyboxBundle b = bundle("shared", "sleep", "1000").write();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) ids.add(id("conc" + i));
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<RuntimeCli.Result>> results = new ArrayList<>();
            for (String id : ids) results.add(pool.submit(() -> cli.run("create", "--bundle", b.dir.toString(), id)));
            // and five racing creates of one id: exactly one may win
            String dup = id("dup");
            List<Future<RuntimeCli.Result>> dups = new ArrayList<>();
            for (int i = 0; i < 5; i++) dups.add(pool.submit(() -> cli.run("create", "--bundle", b.dir.toString(), dup)));
            for (Future<RuntimeCli.Result> f : results) assertEquals(0, f.get().code(), f.get().err());
            int won = 0;
            for (Future<RuntimeCli.Result> f : dups) if (f.get().code() == 0) won++;
            assertEquals(1, won, "one create of a duplicate id succeeds");
            JsonNode list = cli.ok("list", "--format", "json").json();
            assertEquals(21, list.size());
            Set<Integer> pids = new HashSet<>();
            for (JsonNode s : list) {
                assertEquals("created", s.get("status").asText(), s.toString());
                pids.add(s.get("pid").asInt());
            }
            assertEquals(21, pids.size(), "every container has its own init");
            List<Future<RuntimeCli.Result>> deletes = new ArrayList<>();
            for (JsonNode s : list) deletes.add(pool.submit(() -> cli.run("delete", s.get("id").asText())));
            for (Future<RuntimeCli.Result> f : deletes) assertEquals(0, f.get().code(), f.get().err());
            assertEquals("", cli.ok("list", "-q").out().trim());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void processSettingsUserNamespaceSysctlAndHooks() throws Exception {
        String id = id("cfg");
        Path hookOut = root.resolve("hook-state.json");
        BusyboxBundle b = bundle(id, "sh", "-c", String.join("; ",
                "echo id=$(id -u):$(id -g):$(id -G | tr ' ' ,)",
                "echo nofile=$(ulimit -n)",
                "echo oom=$(cat /proc/self/oom_score_adj)",
                "echo fwd=$(cat /proc/sys/net/ipv4/ip_forward)",
                "echo cwd=$(pwd)",
                "echo umask=$(umask)",
                "echo foo=$FOO",
                "echo uidmap=$(cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //')",
                "touch /rootfile 2>/dev/null; echo rootwrite=$?"));
        ObjectNode p = b.process();
        p.putObject("user").put("uid", 1000).put("gid", 1000).put("umask", 027).putArray("additionalGids").add(10).add(20);
        p.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("soft", 123).put("hard", 456);
        p.put("oomScoreAdj", 500);
        p.put("cwd", "/tmp");
        ((com.fasterxml.jackson.databind.node.ArrayNode) p.get("env")).add("FOO=bar");
        b.config.with("root").put("readonly", true);
        ObjectNode linux = b.linux();
        linux.withArray("namespaces").addObject().put("type", "user");
        linux.putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 200000).put("size", 65536);
        linux.putArray("gidMappings").addObject().put("containerID", 0).put("hostID", 200000).put("size", 65536);
        linux.putObject("sysctl").put("net.ipv4.ip_forward", "1");
        ObjectNode hooks = b.config.putObject("hooks");
        com.fasterxml.jackson.databind.node.ArrayNode pre = hooks.putArray("prestart");
        pre.addObject().put("path", "/bin/sh").putArray("args").add("sh").add("-c").add("cat > " + hookOut);
        // the spec runs prestart before pivot_root: the init's root is then still the host's /
        pre.addObject().put("path", "/bin/sh").putArray("args").add("sh").add("-c")
                .add("pid=$(sed 's/.*\"pid\":\\([0-9]*\\).*/\\1/'); readlink /proc/$pid/root > " + hookOut + ".root");
        b.write();
        RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
        assertEquals(0, r.code(), r.err());
        Map<String, String> kv = keyValues(r.out());
        assertEquals("1000:1000:1000,10,20", kv.get("id"), r.out());
        assertEquals("123", kv.get("nofile"));
        assertEquals("500", kv.get("oom"));
        assertEquals("1", kv.get("fwd"), "sysctl applied in the container's network namespace");
        assertEquals("/tmp", kv.get("cwd"));
        assertEquals("0027", kv.get("umask"));
        assertEquals("bar", kv.get("foo"));
        assertEquals("0 200000 65536", kv.get("uidmap"), "a user namespace with the configured mapping");
        assertNotEquals("0", kv.get("rootwrite"), "root.readonly");
        JsonNode hookState = BusyboxBundle.M.readTree(Files.readString(hookOut));
        assertEquals(id, hookState.get("id").asText(), "the prestart hook got the state on stdin");
        assertTrue(hookState.get("pid").asInt() > 0);
        assertEquals("creating", hookState.get("status").asText());
        assertEquals("/", Files.readString(Path.of(hookOut + ".root")).trim(), "prestart ran before pivot_root");
    }

    @Test
    void joinsAnExistingNamespaceByPath() throws Exception {
        String first = id("ns1");
        BusyboxBundle a = bundle(first, "sleep", "1000").write();
        cli.ok("create", "--bundle", a.dir.toString(), first);
        int pid = cli.ok("state", first).json().get("pid").asInt();
        String id = id("ns2");
        BusyboxBundle b = bundle(id, "sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts");
        com.fasterxml.jackson.databind.node.ArrayNode ns = b.linux().putArray("namespaces");
        for (String t : List.of("pid", "ipc", "mount")) ns.addObject().put("type", t);
        ns.addObject().put("type", "network").put("path", "/proc/" + pid + "/ns/net");
        ns.addObject().put("type", "uts").put("path", "/proc/" + pid + "/ns/uts");
        b.config.remove("hostname");
        b.write();
        RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().trim().lines().toList();
        assertEquals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")).toString(), lines.get(0));
        assertEquals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/uts")).toString(), lines.get(1));
        cli.ok("delete", "--force", first);
    }

    @Test
    void execWithATerminalRelaysThePty() throws Exception {
        String id = id("tty");
        BusyboxBundle b = bundle(id, "sleep", "1000").write();
        cli.ok("run", "--detach", "--bundle", b.dir.toString(), id);
        // script(1) gives the CLI a terminal; the C stage copies between it and the container's pty
        String cmd = "CLOUDTUI_JAR=" + System.getProperty("cloudtui.jar") + " " + RuntimeCli.wrapper() + " --root " + root
                + " exec -t " + id + " sh -c 'tty; echo relayed; exit 6'";
        Process p = new ProcessBuilder("script", "-qec", cmd, "/dev/null").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(6, p.exitValue(), out);
        assertTrue(out.contains("/dev/pts/0"), "the process runs on a pty of the container: " + out);
        assertTrue(out.contains("relayed"), out);
        cli.ok("delete", "--force", id);
    }

    @Test
    void foregroundRunWithATerminalIsRelayedByTheMonitor() throws Exception {
        String id = id("runtty");
        BusyboxBundle b = bundle(id, "sh", "-c", "tty; echo from-pty; exit 4");
        b.process().put("terminal", true);
        b.write();
        String cmd = "CLOUDTUI_JAR=" + System.getProperty("cloudtui.jar") + " " + RuntimeCli.wrapper() + " --root " + root
                + " run --bundle " + b.dir + " " + id;
        Process p = new ProcessBuilder("script", "-qec", cmd, "/dev/null").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(4, p.exitValue(), out);
        assertTrue(out.contains("/dev/pts/0") && out.contains("from-pty"), out);
        assertEquals(1, cli.run("create", "--bundle", b.dir.toString(), id + "-x").code(), "a detached create with a terminal needs --console-socket");
    }

    // ---- bad input ----

    private void assertRefused(String id, BusyboxBundle b, String expected) throws Exception {
        RuntimeCli.Result r = cli.run("create", "--bundle", b.dir.toString(), id);
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(expected), "error should mention '" + expected + "': " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
        assertFalse(Files.exists(root.resolve(id)), "nothing is left behind");
    }

    @Test
    void failingPrestartHookFailsTheCreate() throws Exception {
        String id = id("hookfail");
        BusyboxBundle b = bundle(id, "true");
        b.config.putObject("hooks").putArray("prestart").addObject().put("path", "/bin/sh").putArray("args")
                .add("sh").add("-c").add("echo no network for you; exit 3");
        b.write();
        assertRefused(id, b, "hook /bin/sh failed (exit 3): no network for you");
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory/ctui-it/" + id)), "its cgroup is removed");
    }

    @Test
    void malformedConfigIsRefused() throws Exception {
        String id = id("bad");
        BusyboxBundle b = bundle(id, "true").write();
        Files.writeString(b.dir.resolve("config.json"), "{\"ociVersion\": \"1.0.2\", \"process\": ");
        assertRefused(id, b, "malformed JSON");
    }

    @Test
    void missingRootfsIsRefused() throws Exception {
        String id = id("noroot");
        BusyboxBundle b = bundle(id, "true");
        b.config.with("root").put("path", "does-not-exist");
        b.write();
        assertRefused(id, b, "root.path");
    }

    @Test
    void unknownNamespaceIsRefused() throws Exception {
        String id = id("ns");
        BusyboxBundle b = bundle(id, "true");
        b.linux().withArray("namespaces").addObject().put("type", "time-travel");
        b.write();
        assertRefused(id, b, "time-travel");
    }

    @Test
    void unsupportedFieldIsRefusedNotIgnored() throws Exception {
        String id = id("unsup");
        BusyboxBundle b = bundle(id, "true");
        b.linux().putObject("intelRdt").put("closID", "x");
        b.write();
        assertRefused(id, b, "linux.intelRdt");
    }

    @Test
    void symlinkedMountTargetStaysInsideTheRootfs() throws Exception {
        String id = id("escape");
        Path host = Files.createTempDirectory("ctui-it-hostdir-");
        try {
            BusyboxBundle b = bundle(id, "sh", "-c", "echo inside > /evil/marker; echo ok");
            // /evil points at a host directory by absolute path: it must resolve inside the rootfs
            Files.createSymbolicLink(b.rootfs().resolve("evil"), host);
            BusyboxBundle.mount((com.fasterxml.jackson.databind.node.ArrayNode) b.config.get("mounts"), "/evil", "tmpfs", "tmpfs", "size=1m");
            b.write();
            RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("ok"));
            try (var s = Files.list(host)) {
                assertEquals(0, s.count(), "nothing was mounted or written on the host directory");
            }
            assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(host.toString()), "no mount on the host path");
            assertTrue(Files.isDirectory(b.rootfs().resolve(host.toString().substring(1))), "the target was made inside the rootfs");
        } finally {
            try (var s = Files.walk(host)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
