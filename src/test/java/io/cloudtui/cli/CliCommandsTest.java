package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.ExecSpec;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.ImageInfo;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliCommandsTest {
    static final String WEB = "a1b2c3d4e5f6" + "0".repeat(52);
    static final String DB = "a1b2ffff0000" + "1".repeat(52);
    static final String OLD = "0123456789ab" + "2".repeat(52);
    static final ObjectMapper JSON = new ObjectMapper();

    RichFake docker;
    FakeBackend other;

    @BeforeEach
    void setUp() {
        docker = new RichFake("docker");
        docker.add(WEB, "web", WorkloadKind.CONTAINER, State.RUNNING)
                .add(DB, "db", WorkloadKind.CONTAINER, State.RUNNING)
                .add(OLD, "old", WorkloadKind.CONTAINER, State.STOPPED);
        other = new FakeBackend("libvirt");
        other.add("9f8e7d6c-0000-1111-2222-333344445555", "vm1", WorkloadKind.VM, State.RUNNING);
    }

    CliHarness.Result cli(String... args) {
        return CliHarness.run(List.of(docker, other), args);
    }

    // ps

    @Test
    void psTableShowsRunningWorkloadsOfEveryBackend() {
        var r = cli("ps");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.outLines();
        assertEquals(List.of("ID", "NAME", "BACKEND", "KIND", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS"),
                List.of(lines.get(0).split("\\s{3,}")));
        assertEquals(4, lines.size(), r.toString());
        String web = lines.stream().filter(l -> l.contains(" web ")).findFirst().orElseThrow();
        assertTrue(web.startsWith("a1b2c3d4e5f6 "), web);
        assertTrue(web.contains("docker") && web.contains("container") && web.contains("local/busybox") && web.contains("\"sh\""), web);
        assertTrue(web.contains(" ago"), web);
        assertTrue(r.out().contains("vm1") && r.out().contains(" vm "), r.out());
        assertFalse(r.out().contains("old"), "stopped ones only with -a");
        assertEquals("", r.err());
    }

    @Test
    void psAllAndQuiet() {
        var r = cli("ps", "-aq");
        assertEquals(0, r.code());
        assertEquals(4, r.outLines().size(), r.toString());
        assertTrue(r.outLines().contains("0123456789ab"));
        assertTrue(r.outLines().contains("a1b2c3d4e5f6"));
        assertTrue(cli("ps", "-q", "--no-trunc").outLines().contains(WEB));
        assertTrue(cli("ps", "--no-trunc").out().contains(WEB + "   web"));
    }

    @Test
    void psJsonIsAnArrayWithStableKeys() throws Exception {
        var r = cli("ps", "-a", "--format", "json");
        assertEquals(0, r.code(), r.toString());
        JsonNode arr = JSON.readTree(r.out());
        assertTrue(arr.isArray());
        assertEquals(4, arr.size());
        JsonNode web = null;
        for (JsonNode n : arr) if (n.get("name").asText().equals("web")) web = n;
        assertEquals("docker:" + WEB, web.get("id").asText());
        List<String> keys = List.copyOf(iterable(web.fieldNames()));
        assertEquals(List.of("id", "name", "host", "backend", "kind", "project", "service", "image", "command", "state", "status", "created", "started", "ports", "labels"), keys);
        assertEquals("running", web.get("state").asText());
        assertEquals("container", web.get("kind").asText());
        assertEquals("2026-01-01T00:00:00Z", web.get("created").asText());
        assertTrue(web.get("ports").isArray());
        assertTrue(web.get("labels").isObject());
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> l = new java.util.ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }

    @Test
    void psWarnsAboutAFailingBackendAndListsTheOthers() {
        other.down = true;
        var r = cli("ps");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("web"));
        List<String> err = List.of(r.err().split("\n"));
        assertEquals(1, err.size(), r.err());
        assertTrue(err.get(0).startsWith("cloudtui: warning: backend 'libvirt'") && err.get(0).contains("down"), r.err());
    }

    @Test
    void psFailsOnlyWhenEveryBackendFailed() {
        other.down = true;
        docker.down = true;
        var r = cli("ps");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals(2, r.err().split("\n").length, r.err());
        assertTrue(r.err().startsWith("cloudtui: fake engine"), r.err());
    }

    @Test
    void psMakesOneListCallPerBackend() {
        int[] lists = {0};
        FakeBackend counting = new FakeBackend("count") {
            @Override
            public synchronized List<io.cloudtui.core.Workload> list(boolean all) {
                lists[0]++;
                return super.list(all);
            }

            @Override
            public io.cloudtui.core.Stats stats(String ref) {
                throw new AssertionError("ps must not sample stats");
            }

            @Override
            public String inspect(String ref) {
                throw new AssertionError("ps must not inspect");
            }
        };
        counting.add("x1", "x", WorkloadKind.CONTAINER, State.RUNNING);
        var r = CliHarness.run(List.of(counting), "ps", "-a");
        assertEquals(0, r.code(), r.toString());
        assertEquals(1, lists[0]);
    }

    // lifecycle verbs

    @Test
    void stopSeveralTargetsPrintsEachAsGiven() {
        var r = cli("stop", "-t", "3", "web", "a1b2f", "libvirt:vm1");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("web", "a1b2f", "libvirt:vm1"), r.outLines());
        assertTrue(docker.calls.contains("stop " + WEB));
        assertTrue(docker.calls.contains("stop " + DB));
        assertTrue(other.calls.contains("stop 9f8e7d6c-0000-1111-2222-333344445555"));
    }

    @Test
    void partialFailureContinuesAndExitsOne() {
        var r = cli("start", "old", "nosuch", "db");
        assertEquals(1, r.code(), r.toString());
        assertEquals(List.of("old", "db"), r.outLines());
        assertEquals("cloudtui: no such workload 'nosuch'\n", r.err());
        assertTrue(docker.calls.contains("start " + OLD));
        assertTrue(docker.calls.contains("start " + DB));
    }

    @Test
    void ambiguousPrefixIsAnErrorNamingTheCandidates() {
        var r = cli("kill", "a1b2");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("cloudtui: 'a1b2' is ambiguous: docker:db (a1b2ffff0000), docker:web (a1b2c3d4e5f6)"), r.err());
        assertFalse(docker.calls.stream().anyMatch(c -> c.startsWith("kill")));
    }

    @Test
    void killPauseUnpauseRestart() {
        assertEquals(0, cli("kill", "-s", "HUP", "web").code());
        assertEquals(0, cli("restart", "web").code());
        assertEquals(0, cli("pause", "db").code());
        assertEquals(0, cli("unpause", "db").code());
        assertEquals(List.of("kill " + WEB, "restart " + WEB, "pause " + DB, "unpause " + DB), docker.calls);
    }

    @Test
    void rmRefusesRunningWithoutForce() {
        var r = cli("rm", "web", "old");
        assertEquals(1, r.code());
        assertEquals(List.of("old"), r.outLines());
        assertTrue(r.err().contains("cannot remove running workload web"), r.err());
        var f = cli("rm", "-f", "web");
        assertEquals(0, f.code(), f.toString());
        assertTrue(docker.calls.contains("remove " + WEB));
    }

    @Test
    void unknownBackendPrefix() {
        var r = cli("stop", "nope:web");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("cloudtui: no such backend 'nope' (enabled: docker, libvirt)"), r.err());
    }

    // usage errors

    @Test
    void usageErrorsExitTwoWithAHint() {
        for (String[] args : List.of(new String[] {"ps", "--bogus"}, new String[] {"stop"}, new String[] {"logs"},
                new String[] {"stop", "-t", "soon", "web"}, new String[] {"logs", "--tail", "x", "web"},
                new String[] {"run", "--memory", "lots", "img"}, new String[] {"nosuchcommand"})) {
            var r = cli(args);
            assertEquals(2, r.code(), String.join(" ", args) + "\n" + r);
            String[] err = r.err().split("\n");
            assertTrue(err[0].startsWith("cloudtui: "), r.err());
            assertTrue(err[err.length - 1].startsWith("See 'cloudtui"), r.err());
            assertTrue(err.length <= 3, r.err());
        }
        assertTrue(cli("stop").err().endsWith("See 'cloudtui stop --help'.\n"));
    }

    @Test
    void everyCommandRefusesAConfigTheUiWouldRefuse(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("config.yaml");
        for (String[] c : List.of(
                new String[] {"ui:\n  theme: nope\n", ":2:10: ui.theme: unknown theme 'nope' (known: "},
                new String[] {"keys:\n  logs: q\n", ":2:9: keys: 'q' is bound to both quit and logs"},
                new String[] {"backends:\n  - name: x\n    type: dockre\n", ":3:11: backend 'x' has unknown type 'dockre' (known: "})) {
            Files.writeString(cfg, c[0]);
            for (String[] args : List.of(new String[] {"ps"}, new String[] {"--config", cfg.toString(), "images"})) {
                var out = new java.io.ByteArrayOutputStream();
                var err = new java.io.ByteArrayOutputStream();
                int code = io.cloudtui.Main.run(args, new java.io.ByteArrayInputStream(new byte[0]), new java.io.PrintStream(out, true),
                        new java.io.PrintStream(err, true), Map.of("CLOUDTUI_CONFIG", cfg.toString(), "HOME", dir.toString()));
                assertEquals(2, code, err.toString());
                assertTrue(err.toString().startsWith("cloudtui: " + cfg + c[1]), err.toString());
                assertEquals(1, err.toString().split("\n").length, err.toString());
                assertEquals("", out.toString());
            }
        }
    }

    @Test
    void aMistypedCommandIsNamedWithTheNearestOne() {
        var r = cli("pss");
        assertEquals(2, r.code(), r.toString());
        assertEquals("cloudtui: unknown command 'pss'\nDid you mean 'ps'?\nSee 'cloudtui --help'.\n", r.err());
        var opts = cli("--config", "/dev/null", "imgaes", "-a");
        assertEquals("cloudtui: unknown command 'imgaes'\nDid you mean 'images'?\nSee 'cloudtui --help'.\n", opts.err());
        // nothing close: no guess
        var far = cli("frobnicate");
        assertEquals(2, far.code(), far.toString());
        assertEquals("cloudtui: unknown command 'frobnicate'\nSee 'cloudtui --help'.\n", far.err());
        // in a command group too
        var nested = cli("image", "cpy", "a", "b");
        assertEquals(2, nested.code(), nested.toString());
        assertEquals("cloudtui: unknown command 'image cpy'\nDid you mean 'image copy'?\nSee 'cloudtui image --help'.\n", nested.err());
        // a stray argument of a command that is not a group is still picocli's own message
        var stray = cli("ps", "extra");
        assertTrue(stray.err().startsWith("cloudtui: Unmatched argument"), stray.err());
    }

    @Test
    void helpOfEveryCommandHasExamples() {
        for (String c : List.of("ps", "start", "stop", "restart", "kill", "pause", "unpause", "rm", "logs", "exec", "attach", "run",
                "inspect", "stats", "images", "rmi", "build", "volumes", "networks", "completion")) {
            // picocli's own warnings (an unescaped % in a description) go straight to System.err
            java.io.PrintStream saved = System.err;
            java.io.ByteArrayOutputStream stray = new java.io.ByteArrayOutputStream();
            System.setErr(new java.io.PrintStream(stray, true, java.nio.charset.StandardCharsets.UTF_8));
            CliHarness.Result r;
            try {
                r = cli(c, "--help");
            } finally {
                System.setErr(saved);
            }
            assertEquals(0, r.code(), c);
            assertTrue(r.out().startsWith("Usage: cloudtui " + c), r.out());
            assertTrue(r.out().contains("Examples:"), c);
            assertEquals("", stray.toString(java.nio.charset.StandardCharsets.UTF_8), c);
            assertEquals("", r.err(), c);
        }
    }

    // logs

    @Test
    void logsSplitsStreamsAndHonoursTailAndTimestamps() {
        Instant t0 = Instant.parse("2026-03-01T10:00:00.123Z");
        docker.addLog(WEB, new LogLine(LogLine.Stream.STDOUT, t0, "one"))
                .addLog(WEB, new LogLine(LogLine.Stream.STDERR, t0.plusSeconds(1), "two"))
                .addLog(WEB, new LogLine(LogLine.Stream.STDOUT, t0.plusSeconds(2), "three"));
        var r = cli("logs", "web");
        assertEquals(0, r.code());
        assertEquals("one\nthree\n", r.out());
        assertEquals("two\n", r.err());
        var tail = cli("logs", "--tail", "1", "-t", "web");
        assertEquals("2026-03-01T10:00:02.123000000Z three\n", tail.out());
        assertEquals("", tail.err());
        assertEquals("one\nthree\n", cli("logs", "-n", "all", "web").out());
    }

    @Test
    void logsOfUnknownTarget() {
        var r = cli("logs", "ghost");
        assertEquals(1, r.code());
        assertEquals("cloudtui: no such workload 'ghost'\n", r.err());
    }

    // exec

    @Test
    void execReturnsTheCommandsExitCodeAndKeepsItsOptions() {
        docker.execExit = 42;
        docker.execOutput = "hello\n";
        var r = cli("exec", "-e", "A=1", "-w", "/tmp", "-u", "nobody", "web", "ls", "-la", "--color");
        assertEquals(42, r.code(), r.toString());
        assertEquals("hello\n", r.out());
        ExecSpec s = docker.execs.get(0);
        assertEquals(List.of("ls", "-la", "--color"), s.command());
        assertEquals(Map.of("A", "1"), s.env());
        assertEquals("/tmp", s.workdir());
        assertEquals("nobody", s.user());
        assertFalse(s.tty());
        assertFalse(s.interactive());
    }

    @Test
    void execInteractiveForwardsStdin() {
        var r = CliHarness.withStdin(List.of(docker), "piped input\n", "exec", "-i", "web", "cat");
        assertEquals(0, r.code(), r.toString());
        assertEquals("piped input\n", r.out());
        assertTrue(docker.execs.get(0).interactive());
    }

    @Test
    void execTtyWithoutATerminalFailsLikeDocker() {
        var r = CliHarness.withStdin(List.of(docker), "x", "exec", "-it", "web", "sh");
        assertEquals(1, r.code());
        assertEquals("cloudtui: the input device is not a TTY\n", r.err());
        assertTrue(docker.execs.isEmpty());
    }

    @Test
    void execInStoppedWorkloadFails() {
        var r = cli("exec", "old", "true");
        assertEquals(1, r.code());
        assertEquals("cloudtui: container old is not running\n", r.err().replace(OLD, "old"));
    }

    @Test
    void execWithEnvOnABackendWithoutExecSpecSupportSaysSo() {
        var r = cli("exec", "-e", "A=1", "libvirt:vm1", "true");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("does not support exec with --env"), r.err());
    }

    // inspect

    @Test
    void inspectPrintsOneJsonArrayAndReportsMissingTargets() throws Exception {
        var r = cli("inspect", "web", "ghost", "db");
        assertEquals(1, r.code());
        JsonNode arr = JSON.readTree(r.out());
        assertEquals(2, arr.size());
        assertEquals(WEB, arr.get(0).get("Id").asText());
        assertEquals("db", arr.get(1).get("Name").asText());
        assertEquals("cloudtui: no such workload 'ghost'\n", r.err());
    }

    // stats

    @Test
    void statsNoStreamPrintsOneTable() {
        var r = cli("stats", "--no-stream");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.outLines();
        assertEquals(List.of("NAME", "BACKEND", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"),
                List.of(lines.get(0).split("\\s{3,}")));
        assertEquals(4, lines.size(), r.out());
        String web = lines.stream().filter(l -> l.startsWith("web ")).findFirst().orElseThrow();
        assertEquals(List.of("web", "docker", "12.50%", "64MiB / 1GiB", "6.25%", "1kB / 2kB", "3kB / 4kB", "3"),
                List.of(web.split("\\s{3,}")));
    }

    @Test
    void statsOfNamedTargets() {
        var r = cli("stats", "--no-stream", "db");
        assertEquals(2, r.outLines().size(), r.out());
        assertTrue(r.outLines().get(1).startsWith("db "));
        assertEquals(1, cli("stats", "--no-stream", "ghost").code());
    }

    // run

    @Test
    void runDetachedBuildsTheSpecAndPrintsTheId(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        var r = cli("run", "-d", "--name", "app", "-e", "A=1", "-v", data + ":/data:ro", "-p", "127.0.0.1:8080:80/udp",
                "-p", "9000:9000", "--memory", "512m", "--cpus", "1.5", "--pids-limit", "100", "--read-only",
                "--network", "none", "-h", "box", "-u", "1000:1000", "-w", "/data", "--entrypoint", "/bin/sh",
                "-l", "team=x", "--rm", "local/busybox", "-c", "echo hi");
        assertEquals(0, r.code(), r.toString());
        assertEquals("c0ffee" + "0".repeat(58) + "\n", r.out());
        RunSpec s = docker.runs.get(0);
        assertEquals("local/busybox", s.image());
        assertEquals("app", s.name());
        assertEquals(List.of("-c", "echo hi"), s.command());
        assertEquals(List.of("/bin/sh"), s.entrypoint());
        assertEquals(Map.of("A", "1"), s.env());
        assertEquals(List.of(new RunSpec.Mount(data.toString(), "/data", true)), s.mounts());
        assertEquals(List.of(new RunSpec.Port("127.0.0.1", 8080, 80, "udp"), new RunSpec.Port(null, 9000, 9000, "tcp")), s.ports());
        assertEquals(512L << 20, s.memoryBytes());
        assertEquals(1.5, s.cpus());
        assertEquals(100L, s.pidsLimit());
        assertTrue(s.readOnly() && s.detach() && s.autoRemove());
        assertEquals("none", s.network());
        assertEquals("box", s.hostname());
        assertEquals("1000:1000", s.user());
        assertEquals("/data", s.workdir());
        assertEquals(Map.of("team", "x"), s.labels());
    }

    @Test
    void runEnvFileAndMissingHostPath(@TempDir Path dir) throws Exception {
        Path env = dir.resolve("app.env");
        Files.writeString(env, "# comment\n\nA=1\nB=two=2\n");
        var r = cli("run", "-d", "--env-file", env.toString(), "-e", "A=override", "local/busybox");
        assertEquals(0, r.code(), r.toString());
        assertEquals(Map.of("A", "override", "B", "two=2"), docker.runs.get(0).env());

        var missing = cli("run", "-v", dir.resolve("nope") + ":/x", "local/busybox");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("host path '" + dir.resolve("nope") + "' does not exist"), missing.err());
    }

    @Test
    void runAttachedReturnsTheContainersExitCode() {
        docker.runExit = 3;
        var r = cli("run", "local/busybox", "false");
        assertEquals(3, r.code(), r.toString());
        assertFalse(docker.runs.get(0).detach());
    }

    @Test
    void runThatCannotStartExits125() {
        docker.runFailure = new CloudtuiException("image 'nope' not found locally");
        var r = cli("run", "nope");
        assertEquals(125, r.code());
        assertEquals("cloudtui: image 'nope' not found locally\n", r.err());
    }

    @Test
    void runOnABackendThatCannotRun() {
        var r = cli("run", "--backend", "libvirt", "img");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("cloudtui: backend 'libvirt' does not support run"), r.err());
        assertTrue(cli("run", "--backend", "ghost", "img").err().startsWith("cloudtui: no such backend 'ghost'"));
    }

    // images, rmi, build, volumes, networks

    @Test
    void imagesTableJsonAndRmi() throws Exception {
        docker.images.add(new ImageInfo("docker", "sha256:" + "c".repeat(64), List.of("local/busybox:latest", "local/busybox:1"),
                1_240_000, Instant.now().minusSeconds(180)));
        docker.images.add(new ImageInfo("docker", "sha256:" + "d".repeat(64), List.of(), 648, null));
        var r = cli("images");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("REPOSITORY", "TAG", "IMAGE ID", "BACKEND", "CREATED", "SIZE"), List.of(r.outLines().get(0).split("\\s{3,}")));
        assertEquals(4, r.outLines().size(), r.out());
        assertTrue(r.out().contains("local/busybox   latest   cccccccccccc   docker    3 minutes ago   1.24MB"), r.out());
        assertTrue(r.out().contains("<none>          <none>   dddddddddddd   docker                    648B"), r.out());
        JsonNode arr = JSON.readTree(cli("images", "--format", "json").out());
        assertEquals(3, arr.size());
        assertEquals("local/busybox", arr.get(0).get("repository").asText());
        assertEquals(List.of("cccccccccccc", "dddddddddddd"), cli("images", "-q").outLines());

        var rmi = cli("rmi", "local/busybox:1", "ghost");
        assertEquals(1, rmi.code());
        assertEquals(List.of("Untagged: local/busybox:1", "Deleted: sha256:" + "c".repeat(64)), rmi.outLines());
        assertEquals("cloudtui: no such image: ghost\n", rmi.err());
    }

    @Test
    void buildStreamsProgress(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("Dockerfile"), "FROM local/busybox\n");
        Files.createDirectory(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/Other"), "FROM local/busybox\n");
        var r = cli("build", "-t", "a:1", "-t", "a:2", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("Step 1/2 : FROM local/busybox", "Step 2/2 : RUN true"), r.outLines());
        var q = cli("build", "-q", "-f", dir.resolve("sub/Other").toString(), dir.toString());
        assertEquals("sha256:" + "b".repeat(64) + "\n", q.out());
        assertTrue(docker.calls.contains("build " + dir + " sub/Other"), docker.calls.toString());
        var none = cli("build", dir.resolve("sub").toString());
        assertEquals(1, none.code());
        assertTrue(none.err().startsWith("cloudtui: no Dockerfile in"), none.err());
    }

    @Test
    void volumesAndNetworks() {
        var v = cli("volumes");
        assertEquals(0, v.code(), v.toString());
        assertEquals(List.of("BACKEND   DRIVER   VOLUME NAME   MOUNTPOINT", "docker    local    data          /var/lib/docker/volumes/data/_data"), v.outLines());
        var n = cli("networks");
        assertEquals(List.of("NETWORK ID     NAME     BACKEND   DRIVER   SCOPE", "ffffffffffff   bridge   docker    bridge   local"), n.outLines());
        var noSupport = cli("volumes", "--backend", "libvirt");
        assertEquals(1, noSupport.code());
    }

    @Test
    void completionScripts() {
        var b = cli("completion", "bash");
        assertEquals(0, b.code());
        assertTrue(b.out().contains("complete -F"), b.out());
        assertTrue(b.out().contains("exec") && b.out().contains("--no-stream"));
        var z = cli("completion", "zsh");
        assertTrue(z.out().startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n"));
    }

    @Test
    void noBackendsAtAll() {
        var r = CliHarness.run(List.of(), "ps");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("cloudtui: no backend is enabled"), r.err());
    }
}
