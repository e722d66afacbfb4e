package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * dockerd driving cloudtui's runtime (registered as "cloudtui" by scripts/provision/20-runtime.sh):
 * containerd-shim-runc-v2 calls bin/cloudtui-runtime exactly as it calls runc.
 */
class DockerRuntimeIT {
    private final List<String> names = new ArrayList<>();

    record Out(int code, String text) {}

    @BeforeEach
    void requireDockerWithOurRuntime() throws Exception {
        Engines.requireRoot();
        Engines.requireDocker();
        Out info = sh("docker info --format '{{json .Runtimes}}'");
        Engines.require(info.text().contains("cloudtui"), "dockerd with runtime 'cloudtui' (scripts/provision/20-runtime.sh)");
        Engines.require(Files.exists(Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar"))), "the built jar");
    }

    @AfterEach
    void removeContainers() throws Exception {
        for (String n : names) sh("docker rm -f " + n);
    }

    private String name() {
        String n = "ctui-it-" + UUID.randomUUID().toString().substring(0, 8);
        names.add(n);
        return n;
    }

    /** Runs a shell command line (stderr merged) with a generous timeout. */
    private static Out sh(String cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("ctui-it-docker", ".txt");
        try {
            Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            return new Out(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void runEchoesAndRemoves() throws Exception {
        String n = name();
        Out o = sh("docker run --runtime cloudtui --rm --name " + n + " local/busybox echo hi");
        assertEquals(0, o.code(), o.text());
        assertEquals("hi", o.text().trim());
        Out code = sh("docker run --runtime cloudtui --rm local/busybox sh -c 'exit 7'");
        assertEquals(7, code.code(), code.text());
    }

    @Test
    void containerHasDockersNetworkAndSeccomp() throws Exception {
        Out o = sh("docker run --runtime cloudtui --rm local/busybox sh -c "
                + "'grep -c eth0 /proc/net/dev; grep Seccomp: /proc/self/status; hostname'");
        assertEquals(0, o.code(), o.text());
        List<String> lines = o.text().trim().lines().toList();
        assertEquals("1", lines.get(0), "the prestart hook gave it docker's bridge network: " + o.text());
        assertTrue(lines.get(1).endsWith("2"), "docker's seccomp profile is loaded (filter mode): " + o.text());
    }

    @Test
    void interactiveRunThroughAPty() throws Exception {
        // script(1) gives docker a terminal, so -it really allocates a pty through --console-socket
        Out o = sh("script -qec \"docker run --runtime cloudtui -it --rm local/busybox sh -c 'tty; echo done'\" /dev/null");
        assertEquals(0, o.code(), o.text());
        assertTrue(o.text().contains("/dev/pts/0"), "the process has a pty: " + o.text());
        assertTrue(o.text().contains("done"));
    }

    @Test
    void execStopRm() throws Exception {
        String n = name();
        Out run = sh("docker run -d --runtime cloudtui --name " + n + " local/busybox sleep 1000");
        assertEquals(0, run.code(), run.text());
        Out ex = sh("docker exec " + n + " sh -c 'echo exec-ok; ps -o pid,comm | grep -c sleep; exit 3'");
        assertEquals(3, ex.code(), ex.text());
        assertTrue(ex.text().contains("exec-ok"), ex.text());
        Out tty = sh("script -qec \"docker exec -it " + n + " sh -c 'tty'\" /dev/null");
        assertEquals(0, tty.code(), tty.text());
        assertTrue(tty.text().contains("/dev/pts/"), tty.text());
        Out stop = sh("docker stop -t 1 " + n);
        assertEquals(0, stop.code(), stop.text());
        assertEquals("exited", sh("docker inspect -f '{{.State.Status}}' " + n).text().trim());
        Out rm = sh("docker rm " + n);
        assertEquals(0, rm.code(), rm.text());
        assertTrue(sh("docker inspect " + n).code() != 0, "removed");
    }
}
