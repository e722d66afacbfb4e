package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Tmux;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The UI's memory, through the real launcher ({@code ./cloudtui}, its UI flags and AOT cache) in tmux
 * against the real dockerd: 200 small containers, one of them flooding its log, followed in the logs
 * view for 90 s. The UI's JVM must run with the small heap the launcher gives the UI, stay alive and
 * drawing, never log an OutOfMemoryError, and its resident memory (from /proc) stay below that heap's
 * maximum plus a fixed allowance for the JVM itself (libjvm, the AOT cache, metaspace, code, threads,
 * native libraries, malloc: 75-95 MB measured). A memory bound, not a timing.
 */
class TuiMemoryTmuxIT {
    static final String ID = UUID.randomUUID().toString().substring(0, 6);
    static final String PREFIX = "ctui-it-mem-" + ID;
    static final String LABEL = "cloudtui.it.mem=" + ID;
    static final String FLOOD = PREFIX + "-flood";
    /** What the launcher gives the UI at most. */
    static final long UI_MAX_HEAP_MB = 64;
    /** The JVM's own memory besides its heap, with room to spare. */
    static final long FIXED_MB = 112;
    static Path dir;

    @BeforeAll
    static void setUpAll() throws Exception {
        Engines.requireDocker();
        Engines.require(Engines.run("tmux", "-V") == 0, "tmux");
        dir = Files.createTempDirectory("ctui-mem");
        Files.writeString(dir.resolve("config.yaml"), "backends:\n  - name: docker\n    type: docker\n    host: unix:///var/run/docker.sock\n"
                + "logFile: " + dir.resolve("cloudtui.log") + "\n");
        // 200 containers, 16 created at a time (minutes on a loaded machine)
        Process p = new ProcessBuilder("bash", "-c", "seq 1 200 | xargs -P 16 -I{} docker run -d --label " + LABEL + " --name " + PREFIX
                + "-{} local/busybox sleep 3600").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            org.junit.jupiter.api.Assertions.fail("creating 200 containers took over 10 minutes");
        }
        assertEquals(0, p.exitValue(), "creating 200 containers");
        Engines.docker("run", "-d", "--label", LABEL, "--name", FLOOD, "local/busybox", "sh", "-c",
                "yes 'flood line with some text to make it longer than a few words'");
        Path home = Path.of("").toAbsolutePath();
        Path run = dir.resolve("run.sh");
        Files.writeString(run, "#!/bin/sh\n"
                + "CLOUDTUI_CONFIG=" + dir.resolve("config.yaml") + " XDG_STATE_HOME=" + dir.resolve("state") + " CLOUDTUI_NO_BUILD=1 "
                + home.resolve("cloudtui") + "\n"
                + "echo \"CLOUDTUI-EXIT code=$?\"\nsleep 600\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void tearDownAll() throws Exception {
        Engines.run("bash", "-c", "docker ps -aq --filter label=" + LABEL + " | xargs -r docker rm -f >/dev/null");
        if (dir != null) {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aFollowedLogFloodWith200ContainersStaysWithinTheUisSmallHeap() throws Exception {
        try (Tmux tmux = new Tmux("ctui-it-mem")) {
            tmux.start(dir.resolve("run.sh").toString(), 200, 50);
            // the first run after a build records the UI's AOT cache first
            tmux.await("the list", s -> s.contains(PREFIX + "-1 "), Duration.ofSeconds(180));
            long pid = tmux.childPid();
            String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
            List<String> args = List.of(cmdline.split("\0"));
            assertTrue(args.contains("io.cloudtui.Main"), "the UI's JVM: " + args);
            long maxHeapMb = -1;
            for (String a : args) if (a.startsWith("-Xmx")) maxHeapMb = megabytes(a.substring(4));
            assertTrue(maxHeapMb > 0 && maxHeapMb <= UI_MAX_HEAP_MB, "the launcher gives the UI a small heap: " + args);

            tmux.keys("/");
            tmux.type(FLOOD);
            tmux.keys("Enter");
            tmux.await("the filtered row", s -> s.contains(FLOOD) && !s.contains(PREFIX + "-1 "), Duration.ofSeconds(30));
            tmux.keys("l");
            tmux.await("flood line");
            List<Long> rss = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                Thread.sleep(10_000);
                assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the UI died; RSS so far " + rss);
                rss.add(rssMb(pid));
            }
            long limit = maxHeapMb + FIXED_MB;
            for (long r : rss) assertTrue(r <= limit, "resident memory " + rss + " MB went over " + limit + " MB");
            // still drawing the flood
            String a = tmux.capture();
            Thread.sleep(1000);
            assertNotEquals(a, tmux.capture(), "the logs view stopped moving");
            String log = Files.exists(dir.resolve("cloudtui.log")) ? Files.readString(dir.resolve("cloudtui.log")) : "";
            assertFalse(log.contains("OutOfMemoryError"), log);
            tmux.keys("Escape");
            tmux.keys("q");
            String s = tmux.await("CLOUDTUI-EXIT");
            assertTrue(s.contains("CLOUDTUI-EXIT code=0"), s);
        }
    }

    private static long megabytes(String size) {
        char unit = Character.toLowerCase(size.charAt(size.length() - 1));
        if (Character.isDigit(unit)) return Long.parseLong(size) >> 20;
        long n = Long.parseLong(size.substring(0, size.length() - 1));
        return switch (unit) {
            case 'k' -> n >> 10;
            case 'm' -> n;
            case 'g' -> n << 10;
            default -> throw new IllegalArgumentException(size);
        };
    }

    private static long rssMb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
        }
        throw new AssertionError("no VmRSS for " + pid);
    }
}
