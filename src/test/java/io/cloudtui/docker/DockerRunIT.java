package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerRunIT extends DockerItSupport {
    @TempDir
    Path tmp;

    @Test
    void detachedRunReturnsZeroOnceStarted() {
        String n = name("runD");
        AtomicReference<String> created = new AtomicReference<>();
        assertEquals(0, docker.run(spec(n, true, "sleep", "300"), null, created::set));
        assertState("running", n);
        assertEquals(cli("inspect", "-f", "{{.Id}}", n).out(), created.get());
    }

    @Test
    void attachedRunReturnsTheExitCodeAndOutput() {
        String n = name("runA");
        DockerExecIT.Sink out = new DockerExecIT.Sink();
        DockerExecIT.Sink err = new DockerExecIT.Sink();
        int code = docker.run(spec(n, false, "sh", "-c", "echo hi; echo bad >&2; exit 4"), new Stdio(null, out, err, false, null, null), id -> {});
        assertEquals(4, code);
        assertEquals("hi\n", out.text());
        assertEquals("bad\n", err.text());
        assertState("exited", n);
    }

    @Test
    void interactiveRunGetsStdinAndItsEnd() {
        String n = name("runI");
        RunSpec s = new RunSpec(IMAGE, n, List.of("sh", "-c", "tr a-z A-Z; echo done"), null, Map.of(), List.of(), null, List.of(),
                false, true, false, true, null, null, null, null, null, false, null, Map.of());
        DockerExecIT.Sink out = new DockerExecIT.Sink();
        ByteArrayInputStream in = new ByteArrayInputStream("abc\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(0, docker.run(s, new Stdio(in, out, out, false, null, null), id -> {}));
        assertEquals("ABC\ndone\n", out.text());
        assertEquals("gone", cliState(n));
    }

    @Test
    void bindMountAndAutoRemove() throws Exception {
        String n = name("runV");
        RunSpec s = new RunSpec(IMAGE, n, List.of("sh", "-c", "echo written-inside > /data/out.txt; cat /ro/in.txt"), null, Map.of(),
                List.of(new RunSpec.Mount(tmp.toString(), "/data", false), new RunSpec.Mount(tmp.toString(), "/ro", true)),
                null, List.of(), false, false, false, true, null, null, null, null, null, false, null, Map.of());
        Files.writeString(tmp.resolve("in.txt"), "from-host\n");
        DockerExecIT.Sink out = new DockerExecIT.Sink();
        assertEquals(0, docker.run(s, new Stdio(null, out, out, false, null, null), id -> {}));
        assertEquals("written-inside\n", Files.readString(tmp.resolve("out.txt")));
        assertEquals("from-host\n", out.text());
        assertEquals("gone", cliState(n));

        String ro = name("runRO");
        RunSpec write = new RunSpec(IMAGE, ro, List.of("sh", "-c", "echo x > /ro/nope.txt"), null, Map.of(),
                List.of(new RunSpec.Mount(tmp.toString(), "/ro", true)), null, List.of(), false, false, false, false,
                null, null, null, null, null, false, null, Map.of());
        assertTrue(docker.run(write, new Stdio(null, out, out, false, null, null), id -> {}) != 0, "read-only bind refuses writes");
        assertTrue(!Files.exists(tmp.resolve("nope.txt")));
    }

    @Test
    void detachedAutoRemoveIsRemovedByTheEngine() {
        String n = name("runDRm");
        RunSpec s = new RunSpec(IMAGE, n, List.of("sh", "-c", "sleep 0.5"), null, Map.of(), List.of(), null, List.of(),
                true, false, false, true, null, null, null, null, null, false, null, Map.of());
        assertEquals(0, docker.run(s, null, id -> {}));
        eventually(() -> "gone".equals(cliState(n)), "auto-removed container");
    }

    @Test
    void optionsReachTheContainer() throws Exception {
        String n = name("runO");
        RunSpec s = new RunSpec(IMAGE, n, List.of("sleep", "300"), null, Map.of("FOO", "bar baz"), List.of(), "/tmp",
                List.of(new RunSpec.Port(null, 0, 80, "tcp"), new RunSpec.Port("127.0.0.1", 0, 53, "udp")),
                true, false, false, false, "ctui-host", "nobody", 64L * 1024 * 1024, 0.5, 50L, true, "bridge", Map.of("ctui.test", "yes"));
        docker.run(s, null, id -> {});
        JsonNode c = new ObjectMapper().readTree(docker.inspect(n));
        assertTrue(c.path("Config").path("Env").toString().contains("FOO=bar baz"));
        assertEquals("/tmp", c.path("Config").path("WorkingDir").asText());
        assertEquals("ctui-host", c.path("Config").path("Hostname").asText());
        assertEquals("nobody", c.path("Config").path("User").asText());
        assertEquals("yes", c.path("Config").path("Labels").path("ctui.test").asText());
        assertEquals(64L * 1024 * 1024, c.path("HostConfig").path("Memory").asLong());
        assertEquals(500_000_000L, c.path("HostConfig").path("NanoCpus").asLong());
        assertEquals(50, c.path("HostConfig").path("PidsLimit").asLong());
        assertTrue(c.path("HostConfig").path("ReadonlyRootfs").asBoolean());
        assertEquals("bridge", c.path("HostConfig").path("NetworkMode").asText());

        DockerExecIT.Sink out = new DockerExecIT.Sink();
        docker.exec(n, List.of("sh", "-c", "echo $FOO; pwd; hostname; id -u"), new Stdio(null, out, out, false, null, null));
        assertEquals("bar baz\n/tmp\nctui-host\n65534\n", out.text());

        Workload w = docker.get(n);
        assertTrue(w.ports().stream().anyMatch(p -> p.matches("0\\.0\\.0\\.0:\\d+->80/tcp")), w.ports().toString());
        assertTrue(w.ports().stream().anyMatch(p -> p.matches("127\\.0\\.0\\.1:\\d+->53/udp")), w.ports().toString());
        assertEquals("yes", w.labels().get("ctui.test"));
    }

    @Test
    void entrypointOverride() {
        String n = name("runE");
        RunSpec s = new RunSpec(IMAGE, n, List.of("from-cmd"), List.of("echo", "ep"), Map.of(), List.of(), null, List.of(),
                false, false, false, false, null, null, null, null, null, false, null, Map.of());
        DockerExecIT.Sink out = new DockerExecIT.Sink();
        assertEquals(0, docker.run(s, new Stdio(null, out, out, false, null, null), id -> {}));
        assertEquals("ep from-cmd\n", out.text());
    }

    @Test
    void missingImageAndNameConflictAreClearErrors() {
        RunSpec missing = new RunSpec("local/ctui-it-no-such-image", name("runM"), List.of(), null, Map.of(), List.of(), null, List.of(),
                true, false, false, false, null, null, null, null, null, false, null, Map.of());
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> docker.run(missing, null, id -> {}));
        assertTrue(e.getMessage().startsWith("image 'local/ctui-it-no-such-image' not found locally"), e.getMessage());

        String n = name("runC");
        docker.create(spec(n, true, "true"));
        CloudtuiException dup = assertThrows(CloudtuiException.class, () -> docker.create(spec(n, true, "true")));
        assertTrue(dup.getMessage().contains("already in use"), dup.getMessage());
    }

    @Test
    void startFailureOfAutoRemoveContainerLeavesNothingBehind() {
        String n = name("runF");
        RunSpec s = new RunSpec(IMAGE, n, List.of("/no/such/binary"), null, Map.of(), List.of(), null, List.of(),
                false, false, false, true, null, null, null, null, null, false, null, Map.of());
        CloudtuiException e = assertThrows(CloudtuiException.class,
                () -> docker.run(s, new Stdio(null, new DockerExecIT.Sink(), new DockerExecIT.Sink(), false, null, null), id -> {}));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        eventually(() -> "gone".equals(cliState(n)), "container removed after failed start");
    }
}
