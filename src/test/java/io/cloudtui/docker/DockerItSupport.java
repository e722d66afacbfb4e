package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.RunSpec;
import io.cloudtui.testing.Engines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Shared setup for tests against the real dockerd: a backend, unique names, cleanup even on failure. */
abstract class DockerItSupport {
    static final String IMAGE = "local/busybox";

    DockerBackend docker;
    private final List<String> containers = new ArrayList<>();
    final List<String> images = new ArrayList<>();

    @BeforeEach
    void connect() {
        Engines.requireDocker();
        docker = (DockerBackend) new DockerProvider().create(BackendConfig.of("docker", "docker"));
    }

    @AfterEach
    void cleanUp() {
        for (String c : containers) cli("rm", "-f", c);
        for (String i : images) cli("rmi", "-f", i);
        if (docker != null) docker.close();
    }

    /** A unique container name that is removed after the test. */
    String name(String what) {
        String n = "ctui-it-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
        containers.add(n);
        return n;
    }

    static RunSpec spec(String name, boolean detach, String... cmd) {
        return new RunSpec(IMAGE, name, List.of(cmd), null, Map.of(), List.of(), null, List.of(), detach, false, false, false,
                null, null, null, null, null, false, null, Map.of());
    }

    /** Starts a detached container running {@code sh -c script}; returns its full id. */
    String runDetached(String name, String script) {
        String id = docker.create(spec(name, true, "sh", "-c", script));
        docker.start(id);
        return id;
    }

    /** The docker CLI, as an independent check of what the backend did. */
    static Result cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Result(int code, String out) {}

    static String cliState(String ref) {
        Result r = cli("inspect", "-f", "{{.State.Status}}", ref);
        return r.code() == 0 ? r.out() : "gone";
    }

    static void awaitState(String ref, String state) {
        eventually(() -> state.equals(cliState(ref)), "container " + ref + " to be " + state + " (is " + cliState(ref) + ")");
    }

    /** Polls with a generous timeout: the machine is shared and slow at times. */
    static void eventually(BooleanSupplier cond, String what) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            if (cond.getAsBoolean()) return;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
        fail("timed out waiting for " + what);
    }

    static void assertState(String expected, String ref) {
        assertEquals(expected, cliState(ref));
    }
}
