package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.State;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import io.cloudtui.testing.Engines;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Docker backend against Podman's Docker-compatible API (scripts/provision/15-podman.sh serves it). */
class PodmanIT {
    static final Path SOCKET = Path.of("/run/cloudtui-test/podman.sock");
    static final String IMAGE = "localhost/busybox:latest";

    DockerBackend podman;
    final String name = "ctui-it-podman-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void connect() {
        Engines.require(Files.exists(SOCKET) && Engines.run("podman", "image", "exists", IMAGE) == 0, "podman API socket with " + IMAGE);
        podman = (DockerBackend) new DockerProvider().create(new BackendConfig("pod", "docker", true, "unix://" + SOCKET,
                null, null, null, null, null, null, null));
    }

    @AfterEach
    void cleanUp() {
        Engines.run("podman", "rm", "-f", name);
        if (podman != null) podman.close();
    }

    @Test
    void listsRunsExecsLogsStopsAndRemoves() {
        podman.ping();
        RunSpec spec = new RunSpec(IMAGE, name, List.of("sh", "-c", "echo started; echo oops >&2; sleep 300"), null, Map.of("GREETING", "hej"),
                List.of(), null, List.of(), true, false, false, false, null, null, null, null, null, false, null, Map.of());
        assertEquals(0, podman.run(spec, null, id -> {}));
        Workload w = podman.get(name);
        assertEquals(State.RUNNING, w.state());
        assertEquals("pod", w.backend());
        assertTrue(podman.list(false).stream().anyMatch(x -> x.name().equals(name)));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = podman.exec(name, List.of("sh", "-c", "echo $GREETING; exit 4"), new Stdio(null, out, new ByteArrayOutputStream(), false, null, null));
        assertEquals(4, code);
        assertEquals("hej\n", out.toString(StandardCharsets.UTF_8));

        List<String> lines = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (lines.size() < 2 && System.nanoTime() < deadline) {
            lines.clear();
            podman.logs(name, LogOptions.all(), l -> lines.add(l.stream() + ":" + l.text()), new io.cloudtui.core.Backend.Cancel());
        }
        assertTrue(lines.contains("STDOUT:started"), lines.toString());
        assertTrue(lines.contains("STDERR:oops"), lines.toString());

        assertTrue(podman.stats(name).pids() >= 1);
        podman.stop(name, Duration.ofSeconds(1));
        assertEquals(State.STOPPED, podman.get(name).state());
        podman.remove(name, false);
        assertTrue(podman.list(true).stream().noneMatch(x -> x.name().equals(name)));
        assertTrue(Engines.run("podman", "container", "exists", name) != 0, "podman no longer has the container");
    }

    /**
     * Issue #19: a command not found is 127 also over podman, whose engine fails the attach (not the
     * start) of a container that cannot run; exec says 127 itself.
     */
    @Test
    void aCommandNotFoundExits127() {
        for (boolean detach : new boolean[] {false, true}) {
            RunSpec spec = new RunSpec(IMAGE, name, List.of("nosuchcmd"), null, Map.of(), List.of(), null, List.of(), detach, false, false, true,
                    null, null, null, null, null, false, null, Map.of());
            CloudtuiException e = assertThrows(CloudtuiException.class,
                    () -> podman.run(spec, new Stdio(null, new ByteArrayOutputStream(), new ByteArrayOutputStream(), false, null, null), id -> {}));
            assertEquals(127, e.exitCode(), (detach ? "-d: " : "") + e.getMessage());
            assertTrue(e.getMessage().contains("executable file not found"), e.getMessage());
            Engines.run("podman", "rm", "-f", name);
        }
        RunSpec sleeper = new RunSpec(IMAGE, name, List.of("sleep", "300"), null, Map.of(), List.of(), null, List.of(), true, false, false, false,
                null, null, null, null, null, false, null, Map.of());
        assertEquals(0, podman.run(sleeper, null, id -> {}));
        assertEquals(127, podman.exec(name, List.of("nosuchcmd"), new Stdio(null, new ByteArrayOutputStream(), new ByteArrayOutputStream(), false, null, null)));
    }
}
