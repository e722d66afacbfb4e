package io.cloudtui.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Remote hosts through the warm agent, for real: the worktree's launcher, its native client and the
 * agent it starts, against a test host of this class's own (an extra host of
 * scripts/provision/50-hosts.sh, with its own sshd and dockerd, so that its faults touch no other
 * test), reached through an ssh config of this class. The agent keeps the host's ssh master between
 * commands (one TCP connection for several commands, counted both on this machine, among the agent's
 * children, and on the host), a link that went down between commands is one line and the exit code
 * of the JVM path, a killed agent's masters are ended by the next agent, the idle exit ends them; and
 * the local Docker's connection is kept between commands too.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class AgentHostsIT {
    static final int NUMBER = 120 + (int) (ProcessHandle.current().pid() % 25);
    static final String NAME = "h" + NUMBER;
    static final String HX = "hx";
    static TestHosts hosts;
    static TestHosts.Host host;
    static Path dir;
    static String ctr;
    Path rt;

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireRoot();
        // the test hosts' provisioning (a host of this class's own is made below; h1..h3 may be faulted by other tests meanwhile)
        Engines.require(Files.isRegularFile(TestHosts.DIR.resolve("COUNT")) && Files.isRegularFile(TestHosts.clientKey()),
                "the test hosts (sudo scripts/provision/50-hosts.sh)");
        Path jar = Path.of("target/cloudtui.jar").toAbsolutePath();
        Engines.require(Files.isRegularFile(jar) && Files.isExecutable(jar.resolveSibling("cloudtui-client")), "the packaged jar and target/cloudtui-client");
        TestHosts.Result r = TestHosts.run(List.of("bash", "scripts/provision/50-hosts.sh", "extra", "" + NUMBER, "" + NUMBER,
                Long.toString(ProcessHandle.current().pid())));
        assertTrue(r.ok(), r.out());
        host = new TestHosts.Host(NAME, "10.213.0." + (100 + NUMBER));
        hosts = TestHosts.of(host);
        dir = Files.createTempDirectory(Path.of("/tmp"), "ctui-agenthosts-");
        Path known = dir.resolve("known_hosts");
        String[] pub = Files.readString(host.dir().resolve("ssh_host_ed25519_key.pub")).trim().split(" ");
        Files.writeString(known, NAME + " " + pub[0] + " " + pub[1] + "\n");
        Files.writeString(dir.resolve("ssh_config"), "Host " + NAME + "\n  HostName " + host.address() + "\n  HostKeyAlias " + NAME + "\n  User " + TestHosts.DOCKER_USER
                + "\n  IdentityFile " + TestHosts.clientKey() + "\n  IdentitiesOnly yes\n  UserKnownHostsFile " + known
                + "\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n");
        // the host alone (this machine's engines carry others' workloads)
        Files.writeString(dir.resolve("hosts.yaml"), "backends:\n  - {name: docker, type: docker, enabled: false}\nhosts:\n  - {name: " + HX
                + ", ssh: " + NAME + "}\n");
        Files.writeString(dir.resolve("idle.yaml"), "backends:\n  - {name: docker, type: docker, enabled: false}\nagent:\n  idle: 2s\n");
        // a Docker on this machine reached by its unix socket, as the local one is: the test host's own dockerd (nobody
        // else's workloads on it)
        Files.writeString(dir.resolve("local.yaml"), "backends:\n  - {name: docker, type: docker, host: \"" + host.dockerHost() + "\"}\n");
        ctr = "ctui-ah-" + UUID.randomUUID().toString().substring(0, 6);
        r = hosts.docker(host, "run", "-d", "--name", ctr, "local/busybox", "sleep", "36000");
        assertTrue(r.ok(), r.out());
    }

    @AfterAll
    static void tearDown() {
        if (host != null) {
            hosts.heal(host);
            TestHosts.run(List.of("bash", "scripts/provision/50-hosts.sh", "extra-down", "" + NUMBER, "" + NUMBER));
        }
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    @BeforeEach
    void runtimeDir() throws IOException {
        rt = Files.createTempDirectory(Path.of("/tmp"), "ctui-ah-rt-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    @AfterEach
    void cleanUp() {
        for (ProcessHandle p : ours()) {
            p.destroyForcibly();
            p.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        }
        // what a killed agent left: ended by hand here, so no test leaves a master behind
        for (ProcessHandle p : masters()) p.destroyForcibly();
        hosts.heal(host);
        Engines.run("rm", "-rf", rt.toString());
    }

    Map<String, String> env(String config) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        e.put("HOME", System.getProperty("user.home"));
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.put("LANG", "C.UTF-8");
        e.put("XDG_RUNTIME_DIR", rt.toString());
        e.put("XDG_STATE_HOME", rt.resolve("state").toString());
        e.put("XDG_CONFIG_HOME", rt.resolve("config").toString());
        e.put("DOCKER_CONFIG", rt.resolve("docker").toString());
        e.put("CLOUDTUI_CONFIG", dir.resolve(config).toString());
        e.put("CLOUDTUI_SSH_CONFIG", dir.resolve("ssh_config").toString());
        e.put("CLOUDTUI_SSH_CONNECT_TIMEOUT", "3");
        e.put("CLOUDTUI_NO_BUILD", "1");
        e.put("CLOUDTUI_AOT", "0");
        e.put("CLOUDTUI_LOG_LEVEL", "debug");
        return e;
    }

    static Map<String, String> cold(Map<String, String> env) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("CLOUDTUI_NO_AGENT", "1");
        return e;
    }

    record Out(int code, String out, String err) {}

    static Out ct(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of("cloudtui").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path err = Files.createTempFile("ctui-ah-err", ".txt");
        try {
            pb.redirectError(err.toFile());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
            return new Out(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    String log() throws IOException {
        Path l = rt.resolve("state/cloudtui/cloudtui.log");
        return Files.exists(l) ? Files.readString(l) : "";
    }

    /** This test's agents: those serving a socket in its runtime directory. */
    List<ProcessHandle> ours() {
        List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            String env = AgentIT.environ(p.pid());
            if (env.contains("CLOUDTUI_AGENT_SOCKET=" + rt + "/cloudtui/") && p.info().command().map(c -> c.endsWith("/java")).orElse(false)
                    && !zombie(p.pid())) {
                found.add(p);
            }
        });
        return found;
    }

    ProcessHandle theAgent() {
        List<ProcessHandle> a = ours();
        assertEquals(1, a.size(), "agents of this test: " + a);
        return a.get(0);
    }

    static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    /** The ssh masters of this test's sessions (their control sockets are in its runtime directory), alive. */
    List<ProcessHandle> masters() {
        List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            List<String> args = p.info().arguments().map(List::of).orElse(List.of());
            if (p.info().command().map(c -> c.endsWith("/ssh")).orElse(false) && args.contains("-M")
                    && args.stream().anyMatch(a -> a.startsWith(rt.toString())) && !zombie(p.pid())) {
                found.add(p);
            }
        });
        return found;
    }

    private static final Pattern SS_PID = Pattern.compile("pid=(\\d+),");

    /** This machine's ends (ADDRESS:PORT) of the TCP connections to the host's sshd held by children of AGENT. */
    Set<String> connectionsOf(ProcessHandle agent) {
        TestHosts.Result r = TestHosts.run(List.of("ss", "-tnpH", "state", "established", "( dst " + host.address() + " and dport = :22 )"));
        assertTrue(r.ok(), r.out());
        Set<String> out = new HashSet<>();
        for (String line : r.out().lines().toList()) {
            Matcher m = SS_PID.matcher(line);
            String[] f = line.trim().split("\\s+");
            while (m.find()) {
                long pid = Long.parseLong(m.group(1));
                if (ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L) == agent.pid()) out.add(f[2]);
            }
        }
        return out;
    }

    static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("never: " + what);
            Thread.sleep(50);
        }
    }

    @Test
    void twoCommandsShareOneConnectionAndOneAgentWithTheOutputOfTheJvmPath() throws Exception {
        Map<String, String> env = env("hosts.yaml");
        Out first = ct(env, "-H", HX, "ps", "-a", "--format", "json");
        assertEquals(0, first.code(), first.toString());
        assertTrue(first.out().contains("\"" + ctr + "\""), first.toString());
        assertEquals("", first.err());
        ProcessHandle agent = theAgent();
        Set<String> c1 = connectionsOf(agent);
        assertEquals(1, c1.size(), "the agent's connections to " + NAME + ": " + c1);
        Out second = ct(env, "-H", HX, "ps", "-a", "-q");
        assertEquals(0, second.code(), second.toString());
        assertEquals(agent, theAgent());
        assertEquals(c1, connectionsOf(agent), "the second command used the first one's connection");
        assertEquals(1, hosts.sshConnections(host), "connections on " + NAME);
        assertTrue(log().contains("agent: runs [-H, " + HX + ", ps, -a, -q]"), log());
        Out cold = ct(cold(env), "-H", HX, "ps", "-a", "-q");
        assertEquals(cold, second);

        // the hosts of the config (no -H): a session of its own, kept as well
        Out p1 = ct(env, "ps", "-a", "-q");
        assertEquals(0, p1.code(), p1.toString());
        Set<String> c2 = connectionsOf(agent);
        assertEquals(2, c2.size(), "-H " + HX + "'s session and the config's: " + c2);
        Out p2 = ct(env, "ps", "-a", "-q");
        assertEquals(p1, p2);
        assertEquals(ct(cold(env), "ps", "-a", "-q"), p2);
        assertEquals(c2, connectionsOf(agent));
        // a verb on the host's container through the kept session
        Out stop = ct(env, "stop", "-t", "0", HX + "/docker:" + ctr);
        assertEquals(0, stop.code(), stop.toString());
        assertEquals("false", hosts.docker(host, "inspect", "-f", "{{.State.Running}}", ctr).out().strip());
        assertEquals(0, ct(env, "start", HX + "/docker:" + ctr).code());
        assertEquals("true", hosts.docker(host, "inspect", "-f", "{{.State.Running}}", ctr).out().strip());
        assertEquals(agent, theAgent());
    }

    @Test
    void aKilledAgentsMastersAreEndedByTheNextAgent() throws Exception {
        Map<String, String> env = env("hosts.yaml");
        assertEquals(0, ct(env, "-H", HX, "ps").code());
        ProcessHandle agent = theAgent();
        List<ProcessHandle> left = masters();
        assertEquals(1, left.size(), "masters: " + left);
        agent.destroyForcibly();
        await("the agent's end", () -> !agent.isAlive() || zombie(agent.pid()));
        // nothing ends a master by itself
        assertTrue(left.get(0).isAlive());
        Path dirOfAgent = rt.resolve("cloudtui/ssh/" + agent.pid());
        assertTrue(Files.isDirectory(dirOfAgent));
        // a command that opens no host: the new agent ends them when it starts
        Out v = ct(env, "--version");
        assertEquals(0, v.code(), v.toString());
        assertNotEquals(agent.pid(), theAgent().pid());
        await("the killed agent's master ended", () -> !left.get(0).isAlive() || zombie(left.get(0).pid()));
        assertFalse(Files.exists(dirOfAgent));
        assertEquals(List.of(), masters());
        Out ps = ct(env, "-H", HX, "ps", "-a", "-q");
        assertEquals(0, ps.code(), ps.toString());
        assertEquals(1, masters().size());
    }

    @Test
    void aLinkDownBetweenCommandsIsTheLineAndExitCodeOfTheJvmPathThenBack() throws Exception {
        Map<String, String> env = env("hosts.yaml");
        assertEquals(0, ct(env, "-H", HX, "ps").code());
        ProcessHandle agent = theAgent();
        hosts.linkDown(host);
        try {
            // the master does not know yet (keep-alives take 15 s): the agent asks the host before it reuses the session
            Out warm = ct(env, "-H", HX, "ps");
            // (before a command without the agent starts the log afresh)
            String log = log();
            assertTrue(log.contains("no answer through its connection") || log.contains("a kept session is no longer good"), log);
            Out cold = ct(cold(env), "-H", HX, "ps");
            String line = "cloudtui: " + HX + ": (connection timed out \\(no answer from its sshd\\)|unreachable \\(.*\\))\n";
            assertEquals(1, cold.code(), cold.toString());
            assertTrue(cold.err().matches(line), cold.toString());
            assertEquals(cold.code(), warm.code(), warm.toString());
            assertTrue(warm.err().matches(line), warm.toString());
            assertEquals(cold.out(), warm.out());
            assertEquals(agent, theAgent());
        } finally {
            hosts.linkUp(host);
        }
        Out back = ct(env, "-H", HX, "ps", "-a", "-q");
        assertEquals(0, back.code(), back.toString());
        assertEquals(ct(cold(env), "-H", HX, "ps", "-a", "-q"), back);
        assertEquals(1, connectionsOf(agent).size());
    }

    @Test
    void aClientKilledMidCommandCancelsItTheConnectionStays() throws Exception {
        Map<String, String> env = env("hosts.yaml");
        assertEquals(0, ct(env, "-H", HX, "ps").code());
        ProcessHandle agent = theAgent();
        Set<String> c = connectionsOf(agent);
        List<ProcessHandle> m = masters();
        assertEquals(1, m.size(), "masters: " + m);
        List<String> cmd = List.of(Path.of("cloudtui").toAbsolutePath().toString(), "-H", HX, "logs", "-f", ctr);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        await("the command running in the agent", () -> threads(agent) == 1);
        p.destroyForcibly().waitFor();
        await("the command's end", () -> threads(agent) == 0);
        // the kept connection serves the next command
        assertEquals(m, masters());
        Out ps = ct(env, "-H", HX, "ps", "-a", "-q");
        assertEquals(0, ps.code(), ps.toString());
        assertEquals(c, connectionsOf(agent));
        assertEquals(1, hosts.sshConnections(host));
        assertTrue(log().contains("client gone mid-command"), log());
    }

    static long threads(ProcessHandle agent) {
        try {
            return AgentIT.commandThreads(agent);
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void theIdleExitEndsTheMasters() throws Exception {
        Map<String, String> env = env("idle.yaml");
        Out ps = ct(env, "-H", "ssh://" + NAME, "ps", "-a", "-q");
        assertEquals(0, ps.code(), ps.toString());
        ProcessHandle agent = theAgent();
        List<ProcessHandle> m = masters();
        assertEquals(1, m.size(), "masters: " + m);
        await("the idle agent's exit", () -> !agent.isAlive() || zombie(agent.pid()));
        await("its master's end", () -> !m.get(0).isAlive() || zombie(m.get(0).pid()));
        assertFalse(Files.exists(rt.resolve("cloudtui/ssh/" + agent.pid())));
        assertTrue(log().contains("exits (idle)"), log());
    }

    /** This machine's ends of the agent's connections to the dockerd socket SOCKET (unix sockets: inode numbers). */
    static Set<String> dockerConnectionsOf(ProcessHandle agent, Path socket) {
        TestHosts.Result r = TestHosts.run(List.of("ss", "-xpH"));
        assertTrue(r.ok(), r.out());
        Set<String> dockerd = new HashSet<>();
        Map<String, String> agentPeers = new LinkedHashMap<>();
        for (String line : r.out().lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 8) continue;
            // u_str ESTAB RECVQ SENDQ LOCAL INODE PEER PEERINODE [users:...]
            if (f[4].equals(socket.toString())) dockerd.add(f[5]);
            if (line.contains("pid=" + agent.pid() + ",")) agentPeers.put(f[5], f[7]);
        }
        Set<String> out = new HashSet<>();
        agentPeers.forEach((mine, peer) -> {
            if (dockerd.contains(peer)) out.add(mine);
        });
        return out;
    }

    @Test
    void theLocalDockersConnectionIsKeptBetweenCommands() throws Exception {
        Map<String, String> env = env("local.yaml");
        Out first = ct(env, "inspect", ctr);
        assertEquals(0, first.code(), first.toString());
        ProcessHandle agent = theAgent();
        Set<String> c1 = dockerConnectionsOf(agent, host.dockerSocket());
        assertFalse(c1.isEmpty(), "the agent keeps its connection to dockerd after the command");
        Out second = ct(env, "inspect", ctr);
        assertEquals(first, second);
        assertEquals(agent, theAgent());
        Set<String> c2 = dockerConnectionsOf(agent, host.dockerSocket());
        assertTrue(c2.containsAll(c1), "the second command used the first one's connection: " + c1 + " then " + c2);
    }
}
