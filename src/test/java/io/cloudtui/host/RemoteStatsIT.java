package io.cloudtui.host;

import static io.cloudtui.host.RemoteHostsIT.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import io.cloudtui.testing.TestHosts.Host;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stats of a remote container from the host's own cgroup files, read by the host's one cgroup
 * reader over its ssh connection ({@link CgroupReader}), not from its dockerd: the real jar against
 * test host h2, a busy container limited to 48 MiB and an idle one. The test hosts share this
 * machine's kernel, so their cgroup files are this machine's too: cloudtui runs here in a mount
 * namespace whose /sys/fs/cgroup is an empty tmpfs, so that what it shows can only have been read
 * on the host (its sshd's sessions see the real ones). Where each sample came from is in
 * cloudtui's debug log (DockerBackend: "from the host's cgroup files", "from the engine's API").
 * The reader survives a reconnect (h2's link down and up) and a restart of the container (a new
 * cgroup). h2 is healed after each test.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RemoteStatsIT {
    static final String PREFIX = "ctui-it-rs-" + UUID.randomUUID().toString().substring(0, 6);
    static final String BUSY = PREFIX + "-busy";
    static final String IDLE = PREFIX + "-idle";
    static final String FROM_HOST = "from the host's cgroup files";
    static final String FROM_API = "from the engine's API";
    static final String READER = "h2: container stats from its cgroup files, read on h2 by a reader";

    static TestHosts hosts;
    static Host h2;
    static Path dir;
    static String busyId;
    static String idleId;

    @BeforeAll
    static void setUp() throws Exception {
        hosts = TestHosts.requireHost("h2");
        h2 = hosts.host("h2");
        dir = Files.createTempDirectory("ctui-rs");
        Files.writeString(dir.resolve("hosts.yaml"), "hosts:\n  - {name: h2, ssh: h2}\n");
        TestHosts.Result busy = hosts.docker(h2, "run", "-d", "--name", BUSY, "--memory", "48m", "local/busybox", "sh", "-c", "while :; do :; done");
        assertTrue(busy.ok(), busy.out());
        busyId = busy.out().strip();
        TestHosts.Result idle = hosts.docker(h2, "run", "-d", "--name", IDLE, "local/busybox", "sleep", "100000");
        assertTrue(idle.ok(), idle.out());
        idleId = idle.out().strip();
    }

    @AfterEach
    void heal() {
        if (hosts != null) hosts.heal(h2);
    }

    @AfterAll
    static void tearDown() {
        if (hosts != null) {
            hosts.heal(h2);
            hosts.docker(h2, "rm", "-f", BUSY, IDLE);
        }
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    /** A session's environment: its own runtime and state directories (so its own log), debug logging. */
    static Map<String, String> env(String session) throws IOException {
        Path s = dir.resolve(session);
        Files.createDirectories(s.resolve("run"));
        Files.setPosixFilePermissions(s.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = new HashMap<>();
        env.put("CLOUDTUI_CONFIG", dir.resolve("hosts.yaml").toString());
        env.put("CLOUDTUI_SSH_CONFIG", TestHosts.sshConfig().toString());
        env.put("CLOUDTUI_SSH_CONNECT_TIMEOUT", "3");
        // a link that went down is noticed in 3 s
        env.put("CLOUDTUI_SSH_ALIVE_INTERVAL", "1");
        env.put("CLOUDTUI_LOG_LEVEL", "debug");
        env.put("XDG_RUNTIME_DIR", s.resolve("run").toString());
        env.put("XDG_STATE_HOME", s.resolve("state").toString());
        env.put("DOCKER_CONFIG", s.resolve("docker").toString());
        return env;
    }

    static Path log(String session) {
        return dir.resolve(session).resolve("state/cloudtui/cloudtui.log");
    }

    static String logText(String session) throws IOException {
        Path f = log(session);
        return Files.exists(f) ? Files.readString(f) : "";
    }

    static long count(String text, String line) {
        return text.lines().filter(l -> l.contains(line)).count();
    }

    /** The real jar in a mount namespace of its own where /sys/fs/cgroup is an empty tmpfs: this machine's cgroup files are not there. */
    static ProcessBuilder withoutLocalCgroups(Map<String, String> env, String... args) {
        ProcessBuilder pb = builder(env, args);
        List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs ctui-no-cgroups /sys/fs/cgroup && exec \"$@\"", "sh"));
        cmd.addAll(pb.command());
        return pb.command(cmd);
    }

    /** The container's CPU time in ns, from this machine's view of the shared kernel's cgroup files (v1 or v2, cgroupfs or systemd). */
    static long cpuNs(String id) throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        for (String c : List.of("cpuacct", "cpu,cpuacct")) {
            for (Path d : List.of(root.resolve(c).resolve("docker").resolve(id), root.resolve(c).resolve("system.slice/docker-" + id + ".scope"))) {
                if (Files.exists(d.resolve("cpuacct.usage"))) return Long.parseLong(Files.readString(d.resolve("cpuacct.usage")).strip());
            }
        }
        for (Path b : List.of(root, root.resolve("unified"))) {
            for (Path d : List.of(b.resolve("docker").resolve(id), b.resolve("system.slice/docker-" + id + ".scope"))) {
                if (Files.exists(d.resolve("cpu.stat"))) {
                    for (String l : Files.readAllLines(d.resolve("cpu.stat"))) {
                        if (l.startsWith("usage_usec ")) return Long.parseLong(l.substring(11).strip()) * 1000;
                    }
                }
            }
        }
        throw new IOException("no cgroup of " + id + " on this machine");
    }

    static double uptime() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
    }

    /** A row of the stats table: NAME BACKEND CPU% USED / LIMIT MEM% ... */
    static final Pattern ROW = Pattern.compile("(\\S+)\\s+h2/docker\\s+([0-9.]+)%\\s+(\\S+) / (\\S+)\\s.*");

    static double bytes(String size) {
        Matcher m = Pattern.compile("([0-9.]+)([KMGT]?)i?B").matcher(size);
        assertTrue(m.matches(), size);
        return Double.parseDouble(m.group(1)) * Math.pow(1024, "_KMGT".indexOf(m.group(2).isEmpty() ? "_" : m.group(2)));
    }

    @Test
    void statsOfRemoteContainersComeFromTheHostsCgroupFiles() throws Exception {
        Map<String, String> env = env("once");
        long cpu0 = cpuNs(busyId);
        double t0 = uptime();
        Process p = withoutLocalCgroups(env, "stats", "--no-stream", "h2/docker:" + BUSY, "h2/docker:" + IDLE)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> RemoteHostsIT.read(p.getErrorStream()), r -> Thread.ofPlatform().daemon().start(r));
        String out = RemoteHostsIT.read(p.getInputStream());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        // what the busy loop got of the machine while the command ran (a loaded machine gives it less than a CPU)
        double truth = (cpuNs(busyId) - cpu0) / 1e7 / (uptime() - t0);
        String said = "exit " + p.exitValue() + "\n" + out + err.join() + "\nthe busy container got " + truth + "% meanwhile";
        assertEquals(0, p.exitValue(), said);
        Map<String, Matcher> rows = new HashMap<>();
        for (String l : out.lines().toList()) {
            Matcher m = ROW.matcher(l);
            if (m.matches()) rows.put(m.group(1), m);
        }
        assertEquals(java.util.Set.of(BUSY, IDLE), rows.keySet(), said);
        Matcher busy = rows.get(BUSY);
        Matcher idle = rows.get(IDLE);
        assertEquals("48MiB", busy.group(4), said);
        double busyCpu = Double.parseDouble(busy.group(2));
        // one busy thread: at most one CPU (and the clock's hundredths over the first 250 ms); near what it got
        assertTrue(busyCpu <= 110 && busyCpu >= truth / 4 && busyCpu > 1, said);
        assertTrue(Double.parseDouble(idle.group(2)) < 1, said);
        // no limit: the host's memory (this machine's: the test hosts share it)
        long mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElseThrow();
        assertEquals(mem, bytes(idle.group(4)), mem * 0.01, said);
        String log = logText("once");
        assertEquals(1, count(log, READER), log);
        assertTrue(count(log, "stats of " + busyId + " " + FROM_HOST) >= 1, log);
        assertTrue(count(log, "stats of " + idleId + " " + FROM_HOST) >= 1, log);
        assertEquals(0, count(log, FROM_API), log);
    }

    @Test
    void theReaderSurvivesAReconnectAndAContainerRestart() throws Exception {
        Map<String, String> env = env("stream");
        Process p = withoutLocalCgroups(env, "stats", "h2/docker:" + BUSY).redirectErrorStream(true).start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null; ) lines.add(l.replaceAll("\033\\[[0-9;]*[A-Za-z]", ""));
            } catch (IOException e) {
                // ended
            }
        });
        try {
            awaitRow(lines, p, true);
            assertEquals(1, count(logText("stream"), READER));

            // the link goes down: the reader does not answer, then the master goes (3 s of keep-alives): no figures
            hosts.linkDown(h2);
            awaitRow(lines, p, false);
            hosts.linkUp(h2);
            // back by itself: the host reconnects and a new reader starts at the next sample
            awaitRow(lines, p, true);
            awaitRow(lines, p, true);
            String log = logText("stream");
            assertEquals(2, count(log, READER), log);
            String after = log.substring(log.lastIndexOf(READER));
            assertTrue(count(after, "stats of " + busyId + " " + FROM_HOST) >= 1, log);
            assertEquals(0, count(after, FROM_API), log);

            // a restart: a new cgroup (and init) for the same id, read by the same reader
            int from = logText("stream").length();
            TestHosts.Result r = hosts.docker(h2, "restart", "-t", "0", BUSY);
            assertTrue(r.ok(), r.out());
            lines.clear();
            awaitRow(lines, p, true); // may have been sampled before the restart
            for (int i = 0; i < 2; i++) {
                Matcher m = awaitRow(lines, p, true);
                assertEquals("48MiB", m.group(4));
            }
            log = logText("stream");
            assertEquals(2, count(log, READER), log);
            assertTrue(count(log.substring(from), "stats of " + busyId + " " + FROM_HOST) >= 2, log.substring(from));
            assertTrue(p.isAlive(), "stats still runs");
        } finally {
            p.destroy();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        }
    }

    /** The next row of the busy container with figures (or with "--", none), as long as the process runs. */
    static Matcher awaitRow(LinkedBlockingQueue<String> lines, Process p, boolean figures) throws Exception {
        List<String> seen = new ArrayList<>();
        while (true) {
            String l = lines.poll(1, TimeUnit.SECONDS);
            if (l == null) {
                assertTrue(p.isAlive(), "stats ended:\n" + String.join("\n", seen));
                continue;
            }
            seen.add(l);
            if (!l.startsWith(BUSY + " ")) continue;
            Matcher m = ROW.matcher(l);
            if (figures && m.matches()) return m;
            if (!figures && l.contains(" -- ")) return null;
        }
    }
}
