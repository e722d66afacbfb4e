package io.cloudtui.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Tmux;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The user's Slurm jobs as rows, against the real one-node cluster that scripts/provision/35-slurm.sh
 * runs on this machine (slurmctld, slurmd, munge): the jar as its own process with SLURM_CONF, the
 * CLI and the UI under tmux; sbatch, squeue and scontrol as the independent witnesses.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SlurmIT {
    static final Path CONF = Path.of("/etc/cloudtui-test/slurm/slurm.conf");
    static final String NAME = "ctui-it-slurm-" + UUID.randomUUID().toString().substring(0, 6);
    static Path dir;
    static Path config;
    static String job;

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result run(List<String> cmd, String stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SLURM_CONF", CONF.toString());
        pb.environment().put("CLOUDTUI_NO_AGENT", "1");
        Process p = pb.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "no end of " + cmd);
        return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
    }

    static byte[] read(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            return new byte[0];
        }
    }

    static List<String> cloudtui(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                System.getProperty("cloudtui.jar", "target/cloudtui.jar"), "--config", config.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Result cli(String... args) throws Exception {
        return run(cloudtui(args), null);
    }

    static String slurmState(String id) throws Exception {
        return run(List.of("squeue", "-h", "-t", "all", "-j", id, "-o", "%T"), null).out().strip();
    }

    static void awaitState(String id, String want) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String s = "";
        while (System.nanoTime() < deadline) {
            s = slurmState(id);
            if (s.equals(want)) return;
            Thread.sleep(250);
        }
        throw new AssertionError("job " + id + " never became " + want + " (last: " + s + ")");
    }

    @BeforeAll
    static void setUp() throws Exception {
        boolean up;
        try {
            up = Files.isReadable(CONF) && run(List.of("sinfo", "-h", "-o", "%t"), null).code() == 0;
        } catch (java.io.IOException e) {
            up = false; // no sinfo
        }
        Engines.require(up, "a Slurm cluster (scripts/provision/35-slurm.sh)");
        dir = Files.createTempDirectory("ctui-it-slurm");
        config = dir.resolve("config.yaml");
        Files.writeString(config, "backends:\n  - name: slurm\n    type: slurm\n    options: {pollInterval: 1}\n"
                + "  - name: rt\n    type: runtime\n    store: " + dir.resolve("store") + "\n    root: " + dir.resolve("run") + "\n"
                + "logFile: " + dir.resolve("cloudtui.log") + "\n");
        Result r = run(List.of("sbatch", "--parsable", "-J", NAME, "-o", dir.resolve("%j.out").toString(), "--wrap",
                "echo started; i=0; while :; do echo tick $i; i=$((i+1)); sleep 1; done"), null);
        assertEquals(0, r.code(), r.toString());
        job = r.out().strip().replaceFirst(";.*", "");
        awaitState(job, "RUNNING");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (dir == null) return;
        run(List.of("scancel", "--name", NAME), null);
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    @Order(1)
    void psListsTheJobWithItsPartitionNodesAndState() throws Exception {
        Result r = cli("ps");
        assertEquals(0, r.code(), r.toString());
        String row = r.out().lines().filter(l -> l.startsWith(job + " ")).findFirst().orElseThrow(() -> new AssertionError(r.toString()));
        assertTrue(row.contains(NAME) && row.contains(" job ") && row.contains("debug (1 node)") && row.contains("Running"), row);
        Result j = cli("ps", "--format", "json");
        JsonNode a = new ObjectMapper().readTree(j.out());
        boolean found = false;
        for (JsonNode n : a) {
            if (n.path("id").asText().equals("slurm:" + job)) {
                found = true;
                assertEquals("job", n.path("kind").asText(), n.toString());
                assertEquals(NAME, n.path("name").asText(), n.toString());
            }
        }
        assertTrue(found, j.toString());
    }

    @Test
    @Order(2)
    void logsReadsTheJobsOutputFileAndFollowsIt() throws Exception {
        Result r = cli("logs", "slurm:" + NAME);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("started\ntick 0\n"), r.toString());
        // -f: lines written after the command started arrive
        ProcessBuilder pb = new ProcessBuilder(cloudtui("logs", "-f", "--tail", "1", "slurm:" + job));
        pb.environment().put("SLURM_CONF", CONF.toString());
        pb.environment().put("CLOUDTUI_NO_AGENT", "1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            int first = -1;
            String l;
            while ((l = in.readLine()) != null) {
                assertTrue(l.startsWith("tick "), l);
                int n = Integer.parseInt(l.substring(5));
                if (first < 0) first = n;
                else if (n >= first + 2) break;
            }
            assertTrue(first >= 0, "logs -f gave nothing");
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(3)
    void execRunsAStepInTheJobAndReturnsItsCode() throws Exception {
        Result r = cli("exec", "slurm:" + job, "sh", "-c", "echo in $SLURM_JOB_ID; echo oops >&2; exit 3");
        assertEquals(3, r.code(), r.toString());
        assertEquals("in " + job + "\n", r.out(), r.toString());
        // srun's own "task 0: Exited with exit code 3" is not shown: the exit code says it
        assertEquals("oops\n", r.err(), r.toString());
        Result in = run(cloudtui("exec", "-i", "slurm:" + job, "cat"), "through stdin\n");
        assertEquals(0, in.code(), in.toString());
        assertEquals("through stdin\n", in.out(), in.toString());
    }

    @Test
    @Order(4)
    void badInputIsOneLine() throws Exception {
        Result r = cli("exec", "slurm:999999", "true");
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.toString());
        assertTrue(r.err().contains("no such"), r.toString());
        Result rm = cli("rm", "slurm:" + job);
        assertEquals(1, rm.code(), rm.toString());
        assertTrue(rm.err().contains("running") && !rm.err().contains("Exception"), rm.toString());
        assertEquals("RUNNING", slurmState(job), "rm without -f cancelled the job");
    }

    /** {@code srun cloudtui run --hpc IMAGE CMD}: a container of the bundled engine as a job's step, its exit code the job's. */
    @Test
    @Order(5)
    void srunRunsAContainerInsideAJob() throws Exception {
        Engines.require(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
        Path rootfs = Files.createDirectories(dir.resolve("rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"));
        for (String app : List.of("sh", "id", "echo", "cat")) Files.createSymbolicLink(rootfs.resolve(app), Path.of("busybox"));
        Result tar = run(List.of("tar", "-C", dir.resolve("rootfs").toString(), "-cf", dir.resolve("rootfs.tar").toString(), "."), null);
        assertEquals(0, tar.code(), tar.toString());
        Result imp = cli("image", "import", "--backend", "rt", dir.resolve("rootfs.tar").toString(), "ctui-it-slurm/bb:1");
        assertEquals(0, imp.code(), imp.toString());
        List<String> cmd = new ArrayList<>(List.of("srun", "-J", NAME + "-hpc", "--quiet"));
        cmd.addAll(cloudtui("run", "--hpc", "--rm", "--backend", "rt", "ctui-it-slurm/bb:1", "sh", "-c",
                "echo job=$SLURM_JOB_ID uid=$(id -u); test -d /tmp; exit 4"));
        Result r = run(cmd, null);
        assertEquals(4, r.code(), r.toString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("job=([0-9]+) uid=0").matcher(r.out());
        assertTrue(m.find(), "the job's environment reached the container: " + r);
        String id = m.group(1);
        assertEquals(NAME + "-hpc", run(List.of("squeue", "-h", "-t", "all", "-j", id, "-o", "%j"), null).out().strip());
        // the job is a row of its own, ended with the container's failure
        Result ps = cli("ps", "-a");
        assertTrue(ps.out().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains(NAME + "-hpc")), ps.toString());
        assertEquals("FAILED", slurmState(id));
    }

    @Test
    @Order(6)
    void theUiShowsTheJobItsLogsAndStopsItAfterAsking() throws Exception {
        try (Tmux tmux = new Tmux("ctui-it-slurm")) {
            Path run = Tmux.launcher(dir, "run.sh", Map.of("SLURM_CONF", CONF.toString(), "CLOUDTUI_NO_AGENT", "1"),
                    List.of("--config", config.toString()));
            tmux.start(run.toString(), 140, 30);
            tmux.await("the job's row", s -> s.lines().anyMatch(l -> l.contains(NAME) && l.contains(" job ") && l.contains("running")),
                    Duration.ofSeconds(60));
            tmux.keys("l");
            tmux.await("its output in the logs view", s -> s.contains("/ logs") && s.contains("tick "), Duration.ofSeconds(30));
            tmux.keys("Escape");
            tmux.await("back at the table", s -> s.contains("> workloads"), Duration.ofSeconds(10));
            tmux.keys("s");
            tmux.await("the question", s -> s.contains("Stop slurm:" + NAME + "?"), Duration.ofSeconds(10));
            assertEquals("RUNNING", slurmState(job), "stopped before the answer");
            tmux.keys("y");
            awaitState(job, "CANCELLED");
            tmux.await("the row stopped", s -> s.lines().anyMatch(l -> l.contains(NAME) && l.contains("stopped")), Duration.ofSeconds(30));
            tmux.quitAndCheckTerminal();
        }
        Result r = cli("exec", "slurm:" + job, "true");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("not running"), r.toString());
        Result rm = cli("rm", "slurm:" + job);
        assertEquals(1, rm.code(), rm.toString());
        assertTrue(rm.err().contains("ended"), rm.toString());
    }
}
