package io.cloudtui.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Integration tests need real engines. scripts/test provisions them and sets CLOUDTUI_IT_STRICT=1,
 * which turns a missing engine into a failure; on a developer machine without one the test is skipped.
 */
public final class Engines {
    private Engines() {}

    public static boolean strict() {
        return "1".equals(System.getenv("CLOUDTUI_IT_STRICT"));
    }

    /** Fails (strict) or skips the test unless {@code ok}. */
    public static void require(boolean ok, String what) {
        if (strict()) {
            Assertions.assertTrue(ok, what + " is required by integration tests (CLOUDTUI_IT_STRICT=1)");
        } else {
            Assumptions.assumeTrue(ok, what + " not available; skipped");
        }
    }

    /** A dockerd answering on /var/run/docker.sock (or $DOCKER_HOST) with the local/busybox image. */
    public static void requireDocker() {
        require(run("docker", "image", "inspect", "local/busybox:latest") == 0, "dockerd with image local/busybox");
    }

    /** libvirtd answering on qemu:///system. */
    public static void requireLibvirt() {
        require(Files.exists(Path.of("/var/run/libvirt/libvirt-sock")) && run("virsh", "-c", "qemu:///system", "version") == 0,
                "libvirtd on qemu:///system");
    }

    /** Root with namespaces and cgroups, for the bundled runtime. */
    public static void requireRoot() {
        require("root".equals(System.getProperty("user.name")), "root");
    }

    /** Runs a command quietly and returns its exit code (-1 if it could not run). */
    /** The docker CLI of this machine; fails the test unless it exits 0. Returns its output, trimmed. */
    public static String docker(String... args) throws IOException, InterruptedException {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("docker"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        Assertions.assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Assertions.assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out.trim();
    }

    public static int run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
