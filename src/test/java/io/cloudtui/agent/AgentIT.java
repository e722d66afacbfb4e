package io.cloudtui.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Tmux;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The warm CLI for real: the launcher script, the native client and the agent it starts, against the
 * real dockerd. The launcher, its jar and its client are copied into a home of this class (its jar's
 * time can change there without touching target/); every test has its own XDG_RUNTIME_DIR (so its own
 * agent), and kills the agents it started.
 */
class AgentIT {
    static final String USER = "cloudtui-nogroups";
    static Path home;
    static String ctr;
    static String logger;
    Path rt;

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireDocker();
        Engines.requireRoot();
        Path jar = Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")).toAbsolutePath();
        Path client = jar.resolveSibling("cloudtui-client");
        Engines.require(Files.isRegularFile(jar) && Files.isExecutable(client), "the packaged jar and target/cloudtui-client");
        // readable by the second user of twoUsers
        home = Files.createTempDirectory(Path.of("/tmp"), "ctui-warm-home-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.createDirectories(home.resolve("scripts"));
        Files.createDirectories(home.resolve("target"));
        Path src = Path.of("").toAbsolutePath();
        Files.copy(src.resolve("cloudtui"), home.resolve("cloudtui"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(src.resolve("scripts/jdk.sh"), home.resolve("scripts/jdk.sh"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(jar, home.resolve("target/cloudtui.jar"));
        Files.copy(client, home.resolve("target/cloudtui-client"), StandardCopyOption.COPY_ATTRIBUTES);
        for (Path p : List.of(home.resolve("scripts"), home.resolve("target"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(home.resolve("target/cloudtui.jar"), PosixFilePermissions.fromString("rw-r--r--"));
        String tag = UUID.randomUUID().toString().substring(0, 6);
        ctr = "ctui-warm-it-" + tag;
        logger = "ctui-warm-log-" + tag;
        Engines.docker("run", "-d", "--name", ctr, "local/busybox", "sleep", "3600");
        Engines.docker("run", "-d", "--name", logger, "local/busybox", "sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done");
    }

    @AfterAll
    static void tearDown() throws Exception {
        killAgents();
        if (ctr != null) Engines.run("docker", "rm", "-f", ctr, logger);
        if (home != null) Engines.run("rm", "-rf", home.toString());
    }

    @BeforeEach
    void runtimeDir() throws Exception {
        rt = Files.createTempDirectory(Path.of("/tmp"), "ctui-warm-rt-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createDirectories(rt.resolve("config/cloudtui"));
        // docker only: the other engines of this machine (others' VMs) do not change the outputs compared
        Files.writeString(rt.resolve("config/cloudtui/config.yaml"), "backends:\n  - name: docker\n    type: docker\n");
    }

    @AfterEach
    void cleanUp() throws Exception {
        killAgents();
        Engines.run("rm", "-rf", rt.toString());
    }

    /** The environment of a command of this test (its own agent). */
    Map<String, String> env() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        e.put("HOME", System.getProperty("user.home"));
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.put("LANG", "C.UTF-8");
        e.put("XDG_RUNTIME_DIR", rt.toString());
        e.put("XDG_CONFIG_HOME", rt.resolve("config").toString());
        e.put("XDG_STATE_HOME", rt.resolve("state").toString());
        e.put("CLOUDTUI_NO_BUILD", "1");
        e.put("CLOUDTUI_AOT", "0");
        e.put("CLOUDTUI_LOG_LEVEL", "debug");
        return e;
    }

    record Out(int code, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    Out ct(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("cloudtui").toString()));
        cmd.addAll(List.of(args));
        return run(env, cmd);
    }

    static Out run(Map<String, String> env, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path err = Files.createTempFile("ctui-warm-err", ".txt");
        try {
            pb.redirectError(err.toFile());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
            return new Out(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    String log() throws IOException {
        Path l = rt.resolve("state/cloudtui/cloudtui.log");
        return Files.exists(l) ? Files.readString(l) : "";
    }

    /** The agents started from this class's home (their launcher's variable says so). */
    static List<ProcessHandle> agents() {
        List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            String env = environ(p.pid());
            if (env.contains("\0CLOUDTUI_AGENT_SOCKET=") || env.startsWith("CLOUDTUI_AGENT_SOCKET=")) {
                if (env.contains("CLOUDTUI_LAUNCHER=" + home.resolve("cloudtui") + "\0")
                        && p.info().command().map(c -> c.endsWith("/java")).orElse(false)) {
                    found.add(p);
                }
            }
        });
        return found;
    }

    /** This test's agents: those serving a socket in its runtime directory. */
    List<ProcessHandle> ours() {
        return agents().stream().filter(p -> environ(p.pid()).contains("CLOUDTUI_AGENT_SOCKET=" + rt + "/cloudtui/")).toList();
    }

    static String environ(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static void killAgents() throws InterruptedException {
        if (home == null) return;
        for (ProcessHandle p : agents()) {
            p.destroyForcibly();
            p.onExit().orTimeout(30, TimeUnit.SECONDS);
        }
    }

    static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("never: " + what);
            Thread.sleep(50);
        }
    }

    ProcessHandle theAgent() {
        List<ProcessHandle> a = ours();
        assertEquals(1, a.size(), "agents of this test: " + a);
        return a.get(0);
    }

    /** Threads of the agent running a command (ctui-cmd-N). */
    static long commandThreads(ProcessHandle agent) throws IOException {
        try (var ds = Files.list(Path.of("/proc", Long.toString(agent.pid()), "task"))) {
            return ds.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).startsWith("ctui-cmd");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    static long fds(ProcessHandle agent) throws IOException {
        try (var ds = Files.list(Path.of("/proc", Long.toString(agent.pid()), "fd"))) {
            return ds.count();
        }
    }

    Map<String, String> cold() {
        Map<String, String> e = env();
        e.put("CLOUDTUI_NO_AGENT", "1");
        return e;
    }

    @Test
    void exitCodesAndOutputAreThoseOfTheJvmPath() throws Exception {
        String[][] commands = {
            {"--version"},
            {"inspect", ctr},
            {"images"},
            {"ps", "--bogus"},
            {"inspect", "ctui-warm-nosuch"},
            {"exec", ctr, "ctui-no-such-command"},
            {"exec", ctr, "/etc/passwd"},
            {"exec", ctr, "sh", "-c", "echo out; echo err >&2; exit 3"},
            {"stop", "ctui-warm-nosuch"},
        };
        int[] codes = {0, 0, 0, 2, 1, 127, 126, 3, 1};
        for (int i = 0; i < commands.length; i++) {
            Out warm = ct(env(), commands[i]);
            Out cold = ct(cold(), commands[i]);
            String what = String.join(" ", commands[i]);
            assertEquals(codes[i], warm.code(), what + ": " + warm.stderr());
            assertEquals(cold.code(), warm.code(), what);
            assertArrayEquals(cold.stdout(), warm.stdout(), what + ":\n" + warm.out() + "\nvs\n" + cold.out());
            assertEquals(cold.stderr(), warm.stderr(), what);
            assertTrue(log().contains("agent: runs " + List.of(commands[i])), what + " ran in the agent:\n" + log());
        }
        // ps: others' containers come and go meanwhile: warm between two cold runs, the same output as one of
        // them in one of a few tries
        boolean same = false;
        for (int i = 0; i < 5 && !same; i++) {
            Out before = ct(cold(), "ps", "-a", "-q");
            Out warm = ct(env(), "ps", "-a", "-q");
            Out after = ct(cold(), "ps", "-a", "-q");
            assertEquals(0, warm.code(), warm.stderr());
            assertTrue(warm.out().contains(Engines.docker("inspect", "-f", "{{.Id}}", ctr).substring(0, 12)), warm.out());
            same = java.util.Arrays.equals(warm.stdout(), before.stdout()) || java.util.Arrays.equals(warm.stdout(), after.stdout());
        }
        assertTrue(same, "ps -a -q warm and cold");
        // stop and start through the agent do what they say
        assertEquals(0, ct(env(), "stop", "-t", "0", ctr).code());
        assertEquals("false", Engines.docker("inspect", "-f", "{{.State.Running}}", ctr));
        assertEquals(0, ct(env(), "start", ctr).code());
        assertEquals("true", Engines.docker("inspect", "-f", "{{.State.Running}}", ctr));
        assertEquals(1, ours().size());
    }

    /** The swarm's lists (the tests' swarm: scripts/provision/52-swarm.sh, h1 its manager) run in the agent, as the JVM path prints them. */
    @Test
    void swarmListsRunWarmAsTheJvmPath() throws Exception {
        String h1 = "unix:///var/lib/cloudtui-test/hosts/h1/run/docker.sock";
        Map<String, String> warmEnv = env();
        warmEnv.put("DOCKER_HOST", h1);
        Map<String, String> coldEnv = cold();
        coldEnv.put("DOCKER_HOST", h1);
        String[][] commands = {
            {"node", "ls"},
            {"service", "ps", "ctui-warm-nosuch"},
        };
        int[] codes = {0, 1};
        for (int i = 0; i < commands.length; i++) {
            Out warm = ct(warmEnv, commands[i]);
            String what = String.join(" ", commands[i]);
            // read before the JVM path runs: a command of its own that logs starts the log file afresh
            assertTrue(log().contains("agent: runs " + List.of(commands[i])), what + " ran in the agent:\n" + log());
            Out cold = ct(coldEnv, commands[i]);
            assertEquals(codes[i], warm.code(), what + ": " + warm.stderr());
            assertEquals(cold.code(), warm.code(), what);
            assertArrayEquals(cold.stdout(), warm.stdout(), what + ":\n" + warm.out() + "\nvs\n" + cold.out());
            assertEquals(cold.stderr(), warm.stderr(), what);
        }
        // others' services and tasks come and go (and a task's age changes): only that these ran warm and said something sane
        for (String[] c : new String[][] {{"service", "ls"}, {"node", "ps", "h1"}}) {
            Out out = ct(warmEnv, c);
            assertEquals(0, out.code(), out.stderr());
            assertTrue(out.out().startsWith("ID "), out.out());
            assertTrue(log().contains("agent: runs " + List.of(c)), log());
        }
    }

    @Test
    void theAgentKeepsNoDescriptorOfTheClientThatStartedIt() throws Exception {
        Path held = rt.resolve("held-by-the-caller");
        Out v = run(env(), List.of("bash", "-c", "exec 7>" + held + "; " + home.resolve("cloudtui") + " --version"));
        assertEquals(0, v.code(), v.stderr());
        ProcessHandle agent = theAgent();
        try (var ds = Files.list(Path.of("/proc", Long.toString(agent.pid()), "fd"))) {
            for (Path fd : ds.toList()) {
                try {
                    assertNotEquals(held, Files.readSymbolicLink(fd), "the agent holds " + fd);
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
    }

    @Test
    void theAgentsLogFollowsAFileAnotherCommandStartedAfresh() throws Exception {
        assertEquals(0, ct(env(), "inspect", ctr).code());
        Path log = rt.resolve("state/cloudtui/cloudtui.log");
        assertTrue(Files.size(log) > 0);
        // what a command run without the agent does with its first message
        Files.write(log, new byte[0]);
        assertEquals(0, ct(env(), "inspect", ctr).code());
        String text = Files.readString(log);
        assertTrue(text.startsWith("20"), "the log starts with a line, not a hole: " + text.substring(0, Math.min(40, text.length())).replace("\0", "\\0"));
        assertTrue(text.contains("agent: runs [inspect, " + ctr + "]"), text);
    }

    @Test
    void stdinPipedOrClosedAndStdoutToAPipe() throws Exception {
        // a command reading nothing runs with stdin closed, or a pipe that is never read
        Out closed = run(env(), List.of("bash", "-c", "exec <&-; " + home.resolve("cloudtui") + " inspect " + ctr + " | cat"));
        Out cold = run(cold(), List.of("bash", "-c", "exec <&-; " + home.resolve("cloudtui") + " inspect " + ctr + " | cat"));
        assertEquals(cold.code(), closed.code(), closed.stderr());
        assertEquals(cold.out(), closed.out());
        Out piped = run(env(), List.of("bash", "-c", "yes | " + home.resolve("cloudtui") + " --version | cat; echo \"${PIPESTATUS[1]}\""));
        assertEquals(ct(cold(), "--version").out() + "0\n", piped.out(), piped.stderr());
        // the reader of the pipe sees its end when the command ends (the agent keeps no copy of the descriptor)
        Out head = run(env(), List.of("bash", "-c", home.resolve("cloudtui") + " logs " + logger + " | head -n 1"));
        assertEquals("line 0\n", head.out(), head.stderr());
        assertTrue(log().contains("agent: runs [logs, " + logger + "]"), log());
    }

    @Test
    void aTerminalUnderTmuxSeesWhatTheJvmPathPrints() throws Exception {
        String cmd = home.resolve("cloudtui") + " images; echo CODE=$?; sleep 600";
        String warm;
        String cold;
        try (Tmux t = new Tmux("ctui-warm")) {
            t.start(envLine(env()) + cmd, 160, 50);
            warm = t.await("CODE=");
        }
        try (Tmux t = new Tmux("ctui-warm")) {
            t.start(envLine(cold()) + cmd, 160, 50);
            cold = t.await("CODE=");
        }
        assertTrue(warm.contains("CODE=0"), warm);
        assertEquals(cold, warm);
        assertTrue(log().contains("agent: runs [images]"), log());
    }

    static String envLine(Map<String, String> env) {
        StringBuilder b = new StringBuilder("env -i");
        env.forEach((k, v) -> b.append(' ').append(k).append("='").append(v).append('\''));
        return b.append(' ').toString();
    }

    @Test
    void ctrlCEndsLogsFollowWith130AndAKilledClientEndsItsCommand() throws Exception {
        // the docker client's connection is made by the first command that uses it
        assertEquals(0, ct(env(), "ps").code());
        ProcessHandle agent = theAgent();
        // SIGINT to the client: the command ends, 130
        Process p = start(env(), "logs", "-f", logger);
        await("a command thread", () -> threads(agent) == 1);
        // meanwhile the agent serves other clients
        Out v = ct(env(), "inspect", ctr);
        assertEquals(0, v.code(), v.stderr());
        assertTrue(v.out().contains(ctr), v.out());
        assertEquals(List.of(agent), ours());
        assertTrue(p.isAlive());
        Engines.run("kill", "-INT", Long.toString(p.pid()));
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(130, p.exitValue());
        await("the command's end", () -> threads(agent) == 0);
        // the sessions kept between commands (two now: inspect ran while logs -f held the first) hold what they hold
        long fdsBefore = fds(agent);
        // the client killed (-9) mid-command: its command ends too, its descriptors closed
        p = start(env(), "logs", "-f", logger);
        await("a command thread", () -> threads(agent) == 1);
        p.destroyForcibly().waitFor();
        await("the command's end", () -> threads(agent) == 0);
        await("the descriptors closed", () -> {
            try {
                return fds(agent) <= fdsBefore;
            } catch (IOException e) {
                return false;
            }
        });
        assertTrue(agent.isAlive());
        assertTrue(log().contains("client gone mid-command"), log());
    }

    @Test
    void commandsLeaveNoDescriptorsBehindInTheAgent() throws Exception {
        // every backend of this machine (libvirt's connection too), as a user without a config has them
        Files.delete(rt.resolve("config/cloudtui/config.yaml"));
        for (int i = 0; i < 3; i++) assertEquals(0, ct(env(), "ps", "-a").code());
        ProcessHandle agent = theAgent();
        long before = fds(agent);
        for (int i = 0; i < 8; i++) assertEquals(0, ct(env(), "ps", "-a").code());
        // a descriptor a library opens once, later than the first commands, is no leak; one per command is
        long after = fds(agent);
        assertTrue(after - before <= 2, "descriptors of the agent: " + before + " before 8 more commands, " + after + " after");
    }

    static long threads(ProcessHandle agent) {
        try {
            return commandThreads(agent);
        } catch (IOException e) {
            return -1;
        }
    }

    Process start(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("cloudtui").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start();
    }

    /** A config of this test with a bundled engine ("rtb") of its own beside docker; its runtime root. */
    Path bundledEngine() throws IOException {
        Path root = Path.of("/run", "ctui-warm-build-" + rt.getFileName());
        Files.writeString(rt.resolve("config/cloudtui/config.yaml"), "backends:\n  - name: docker\n    type: docker\n  - name: rtb\n    type: runtime\n    store: "
                + rt.resolve("store") + "\n    root: " + root + "\n");
        return root;
    }

    /** The processes whose command line is exactly CMD (a step's process, by its unique arguments). */
    static List<ProcessHandle> processes(String cmd) {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim().equals(cmd);
            } catch (IOException e) {
                return false;
            }
        }).toList();
    }

    /** Mounts under DIR, from this process's mount table. */
    static List<String> mountsUnder(Path dir) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(dir.toString())).toList();
    }

    @Test
    void buildRunsWarmFromTheClientsDirectoryAndCtrlCLeavesNothingBehind() throws Exception {
        Path runRoot = bundledEngine();
        try {
            Out copy = ct(env(), "image", "copy", "docker:local/busybox", "rtb");
            assertEquals(0, copy.code(), copy.stderr());
            // a context and a Dockerfile named relative to the client's directory, an ARG from the client's environment
            Path project = Files.createDirectories(rt.resolve("project/ctx/docker"));
            Files.writeString(project.resolve("../a.txt"), "from the context\n");
            Files.writeString(project.resolve("Dockerfile"), "FROM local/busybox\nARG V\nCOPY a.txt /a.txt\nRUN echo \"v=$V\" > /v.txt\nCMD [\"cat\", \"/v.txt\", \"/a.txt\"]\n");
            Map<String, String> env = env();
            env.put("V", "from-the-client");
            ProcessBuilder pb = new ProcessBuilder(home.resolve("cloudtui").toString(), "build", "--backend", "rtb", "-q", "-f", "ctx/docker/Dockerfile",
                    "--build-arg", "V", "-t", "warm/b:1", "ctx").directory(rt.resolve("project").toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            String id = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), err);
            assertTrue(id.startsWith("sha256:"), id);
            assertTrue(log().contains("agent: runs [build, --backend, rtb"), "the build ran in the agent:\n" + log());
            Out run = ct(env(), "run", "--rm", "--backend", "rtb", "warm/b:1");
            assertEquals(0, run.code(), run.stderr());
            assertEquals("v=from-the-client\nfrom the context\n", run.out());
            // the same build again: every step cached, the same image
            p = pb.start();
            String again = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(id, again);

            // ctrl-c during a RUN step: 130, the step's process and container gone, no mount, no work directory, no image
            Files.writeString(project.resolve("Dockerfile"), "FROM local/busybox\nRUN sleep 3127\n");
            String sleep = "sleep 3127";
            // one agent (the builds above ran in the one of V's environment)
            killAgents();
            Process b = start(env(), "build", "--backend", "rtb", "-t", "warm/c:1", "-f", project.resolve("Dockerfile").toString(), project.getParent().toString());
            await("the step's process", () -> !processes(sleep).isEmpty());
            ProcessHandle agent = theAgent();
            assertEquals(1, threads(agent));
            Engines.run("kill", "-INT", Long.toString(b.pid()));
            assertTrue(b.waitFor(60, TimeUnit.SECONDS));
            assertEquals(130, b.exitValue());
            await("the step's process gone", () -> processes(sleep).isEmpty());
            await("the command's end", () -> threads(agent) == 0);
            try (var ds = Files.list(rt.resolve("store/containers"))) {
                assertEquals(List.of(), ds.filter(f -> !f.getFileName().toString().startsWith(".")).toList(), "build containers left");
            }
            try (var ds = Files.list(rt)) {
                assertEquals(List.of(), ds.filter(f -> f.getFileName().toString().startsWith("build-")).toList(), "build work directories left");
            }
            assertEquals(List.of(), mountsUnder(rt), "mounts left");
            assertTrue(agent.isAlive());
            Out images = ct(env(), "images", "--backend", "rtb");
            assertEquals(0, images.code(), images.stderr());
            assertTrue(images.out().contains("warm/b"), images.out());
            assertFalse(images.out().contains("warm/c"), images.out());
        } finally {
            killAgents();
            for (ProcessHandle h : processes("sleep 3127")) h.destroyForcibly();
            for (String m : mountsUnder(rt)) Engines.run("umount", "-l", m.split(" ")[4]);
            Engines.run("rm", "-rf", runRoot.toString());
        }
    }

    @Test
    void ctrlCOfAWarmDockerBuildEndsTheEnginesBuild() throws Exception {
        Path ctx = Files.createDirectories(rt.resolve("docker-ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM local/busybox\nRUN sleep 3128\n");
        String sleep = "sleep 3128";
        try {
            Process b = start(env(), "build", "--backend", "docker", "-t", "ctui-warm-ctrlc:1", ctx.toString());
            await("the step's process", () -> !processes(sleep).isEmpty());
            ProcessHandle agent = theAgent();
            assertTrue(log().contains("agent: runs [build, --backend, docker"), log());
            Engines.run("kill", "-INT", Long.toString(b.pid()));
            assertTrue(b.waitFor(60, TimeUnit.SECONDS));
            assertEquals(130, b.exitValue());
            // the engine's build ends with its connection: the step's container stopped and removed, no image
            await("the step's process gone", () -> processes(sleep).isEmpty());
            await("the command's end", () -> threads(agent) == 0);
            await("the step's container removed", () -> {
                try {
                    return !Engines.docker("ps", "-a", "--no-trunc", "--format", "{{.Command}}").contains("sleep 3128");
                } catch (Exception e) {
                    return false;
                }
            });
            assertTrue(Engines.run("docker", "image", "inspect", "ctui-warm-ctrlc:1") != 0, "no image tagged");
        } finally {
            for (ProcessHandle h : processes(sleep)) h.destroyForcibly();
        }
    }

    @Test
    void anAgentKilledMidCommandIs125AndTheNextCommandStartsAFreshOne() throws Exception {
        assertEquals(0, ct(env(), "--version").code());
        ProcessHandle first = theAgent();
        Process q = startWithErr(env(), "logs", "-f", logger);
        await("a command thread", () -> threads(first) == 1);
        first.destroyForcibly();
        assertTrue(q.waitFor(60, TimeUnit.SECONDS));
        assertEquals(125, q.exitValue());
        String err = new String(q.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(err.contains("the warm process ended before the command did"), err);
        first.onExit().get(30, TimeUnit.SECONDS);
        // its socket file is left behind (stale): the next command starts a fresh agent all the same
        assertTrue(Files.list(rt.resolve("cloudtui")).anyMatch(f -> f.toString().endsWith(".sock")));
        Out v = ct(env(), "inspect", ctr);
        assertEquals(0, v.code(), v.stderr());
        assertTrue(v.out().contains(ctr), v.out());
        ProcessHandle second = theAgent();
        assertNotEquals(first.pid(), second.pid());
    }

    Process startWithErr(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("cloudtui").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        // a socket file nobody listens on, where this environment's agent would be
        assertEquals(0, ct(env(), "--version").code());
        ProcessHandle agent = theAgent();
        Path sock;
        try (var ds = Files.list(rt.resolve("cloudtui"))) {
            sock = ds.filter(f -> f.toString().endsWith(".sock")).findFirst().orElseThrow();
        }
        agent.destroyForcibly();
        agent.onExit().get(30, TimeUnit.SECONDS);
        Files.delete(sock);
        try (var s = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(sock));
        }
        assertTrue(Files.exists(sock));
        Out v = ct(env(), "--version");
        assertEquals(0, v.code(), v.stderr());
        assertEquals(ct(cold(), "--version").out(), v.out());
        assertTrue(theAgent().isAlive());
    }

    @Test
    void anotherBuildsClientReplacesTheAgent() throws Exception {
        assertEquals(0, ct(env(), "--version").code());
        ProcessHandle old = theAgent();
        Path jar = home.resolve("target/cloudtui.jar");
        FileTime was = Files.getLastModifiedTime(jar);
        try {
            // a new build: the jar's time changes; the old agent goes, a new one serves
            Files.setLastModifiedTime(jar, FileTime.fromMillis(was.toMillis() + 1000));
            Out v = ct(env(), "inspect", ctr);
            assertEquals(0, v.code(), v.stderr());
            assertTrue(v.out().contains(ctr), v.out());
            old.onExit().get(60, TimeUnit.SECONDS);
            ProcessHandle now = theAgent();
            assertNotEquals(old.pid(), now.pid());
        } finally {
            Files.setLastModifiedTime(jar, was);
        }
    }

    @Test
    void theAgentExitsWhenIdle() throws Exception {
        Files.writeString(rt.resolve("config/cloudtui/config.yaml"), "backends:\n  - name: docker\n    type: docker\nagent:\n  idle: 1s\n");
        assertEquals(0, ct(env(), "--version").code());
        ProcessHandle agent = theAgent();
        agent.onExit().get(60, TimeUnit.SECONDS);
        try (var ds = Files.list(rt.resolve("cloudtui"))) {
            assertEquals(List.of(), ds.toList(), "its socket is removed");
        }
        assertTrue(log().contains("exits (idle)"), log());
    }

    @Test
    void noAgentWhenTurnedOff() throws Exception {
        Out v = ct(cold(), "--version");
        assertEquals(0, v.code());
        assertEquals(List.of(), ours());
        assertFalse(Files.exists(rt.resolve("cloudtui")), "no socket directory");
        // agent.enabled: false: the command runs without it, and no agent stays
        Path conf = rt.resolve("config/cloudtui/config.yaml");
        Files.writeString(conf, "agent:\n  enabled: false\n");
        Out w = ct(env(), "--version");
        assertEquals(0, w.code(), w.stderr());
        assertEquals(v.out(), w.out());
        await("the agent's exit", () -> ours().isEmpty());
        assertTrue(log().contains("agent.enabled is false"), log());
        // the next command goes straight to the JVM: no agent starts
        assertEquals(0, ct(env(), "--version").code());
        assertEquals(List.of(), ours());
        // turned on again: the marker no longer holds once the file changed
        Files.writeString(conf, "agent:\n  enabled: true\n");
        Files.setLastModifiedTime(conf, FileTime.fromMillis(System.currentTimeMillis() + 2000));
        assertEquals(0, ct(env(), "--version").code());
        assertEquals(1, ours().size());
    }

    @Test
    void anInteractiveCommandFallsBackAndWorksUnderTmux() throws Exception {
        String cmd = home.resolve("cloudtui") + " run -it --rm local/busybox sh -c 'test -t 0 && echo TTY-OK'; echo CODE=$?; sleep 600";
        try (Tmux t = new Tmux("ctui-warm")) {
            t.start(envLine(env()) + cmd, 120, 30);
            String s = t.await("CODE=");
            assertTrue(s.contains("TTY-OK") && s.contains("CODE=0"), s);
        }
        assertTrue(log().contains("agent: fallback for [run, -it, --rm"), log());
    }

    @Test
    void twoUsersEachHaveTheirOwnAgentAndCannotReachTheOther() throws Exception {
        Engines.require(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/socat")), "setpriv and socat");
        if (Engines.run("id", "-u", USER) != 0) {
            assertEquals(0, Engines.run("useradd", "--create-home", "--user-group", "--shell", "/bin/sh", "--comment", "cloudtui CLI IT", USER));
        }
        assertEquals(0, ct(env(), "--version").code());
        ProcessHandle mine = theAgent();
        Path mySock;
        try (var ds = Files.list(rt.resolve("cloudtui"))) {
            mySock = ds.filter(f -> f.toString().endsWith(".sock")).findFirst().orElseThrow();
        }
        List<String> as = new ArrayList<>(List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups", "env", "-i",
                "HOME=/tmp", "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "JAVA_HOME=" + System.getProperty("java.home"),
                "CLOUDTUI_NO_BUILD=1", "CLOUDTUI_AOT=0", "XDG_STATE_HOME=/tmp/ctui-warm-state-" + rt.getFileName()));
        List<String> version = new ArrayList<>(as);
        version.addAll(List.of(home.resolve("cloudtui").toString(), "--version"));
        Out v = run(Map.of(), version);
        assertEquals(0, v.code(), v.stderr());
        assertEquals(ct(cold(), "--version").out(), v.out());
        String userUid = new String(new ProcessBuilder("id", "-u", USER).start().getInputStream().readAllBytes()).trim();
        ProcessHandle theirs = agents().stream().filter(p -> p.info().user().map(USER::equals).orElse(false)).findFirst()
                .orElseThrow(() -> new AssertionError("no agent of " + USER));
        String theirSock = environ(theirs.pid()).split("CLOUDTUI_AGENT_SOCKET=")[1].split("\0")[0];
        assertTrue(theirSock.startsWith("/tmp/cloudtui-" + userUid + "/"), theirSock);
        assertNotEquals(mine.pid(), theirs.pid());
        // the user cannot open root's socket (its directory is root's, 0700)
        List<String> connect = new ArrayList<>(as);
        connect.addAll(List.of("socat", "-u", "OPEN:/dev/null", "UNIX-CONNECT:" + mySock));
        Out refused = run(Map.of(), connect);
        assertNotEquals(0, refused.code());
        assertTrue(refused.stderr().contains("Permission denied"), refused.stderr());
        // root may open the user's socket file, but the agent hangs up on another uid (SO_PEERCRED) before any answer
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(theirSock))) {
            byte[] id = "x".getBytes(StandardCharsets.UTF_8);
            ByteBuffer hello = ByteBuffer.allocate(5 + 4 + id.length).put((byte) 1).putInt(4 + id.length).putInt(1).put(id).flip();
            try {
                ch.write(hello);
            } catch (IOException e) {
                // hung up already
            }
            ByteBuffer answer = ByteBuffer.allocate(16);
            int n;
            try {
                n = ch.read(answer);
            } catch (IOException e) {
                n = -1;
            }
            assertEquals(-1, n, "an answer to another user");
        }
        await("the refusal in the user's log", () -> {
            try {
                return Files.readString(Path.of("/tmp/ctui-warm-state-" + rt.getFileName(), "cloudtui/cloudtui.log")).contains("refused a client of uid 0");
            } catch (IOException e) {
                return false;
            }
        });
        theirs.destroyForcibly();
        Engines.run("rm", "-rf", "/tmp/ctui-warm-state-" + rt.getFileName(), theirSock);
    }
}
