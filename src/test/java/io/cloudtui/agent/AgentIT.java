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
