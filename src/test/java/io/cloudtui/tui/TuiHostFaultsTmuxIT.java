package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import io.cloudtui.testing.TestHosts.Host;
import io.cloudtui.testing.Tmux;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults of remote hosts as the UI lives through them, the real jar under tmux against the test
 * hosts of scripts/provision/50-hosts.sh: a {@code hosts:} config with h1, h2, h3, {@code silent}
 * (a listener of this test that accepts TCP and never says a word) and {@code badkey} (h2 with a key
 * its sshd refuses). The UI comes up and answers keys while h1's link is down and silent hangs;
 * h1 then comes by itself when its link is up, and after each fault (link down, sshd killed,
 * dockerd stopped, host key changed) it is shown down with the reason, then back with no key
 * pressed, while h2's and h3's rows stay and a filter typed meanwhile is applied. Faults are on h1
 * only, each healed at once (and in @AfterEach).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class TuiHostFaultsTmuxIT {
    static final String PREFIX = "ctui-it-hfault-" + UUID.randomUUID().toString().substring(0, 6);
    static TestHosts hosts;
    static Path dir;
    static ServerSocket silent;
    static final List<Socket> held = new ArrayList<>();
    static final List<Host> made = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        hosts = TestHosts.require();
        dir = Files.createTempDirectory("ctui-hfault");
        Path ssh = Files.createDirectories(dir.resolve("ssh"));
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        // a host that accepts TCP and never answers: ssh waits for its banner
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    Socket s = silent.accept();
                    synchronized (held) {
                        held.add(s);
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-sshd");
        t.setDaemon(true);
        t.start();
        // a key h1's sshd does not know
        assertTrue(Engines.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh.resolve("badkey").toString()) == 0);
        Files.writeString(ssh.resolve("config"), Files.readString(TestHosts.sshConfig())
                + "\nHost silent\n  HostName 127.0.0.1\n  Port " + silent.getLocalPort() + "\n  User nobody\n"
                + "  UserKnownHostsFile /dev/null\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n"
                + "\nHost badkey\n  HostName " + hosts.host("h2").address() + "\n  User " + TestHosts.DOCKER_USER + "\n  IdentityFile "
                + ssh.resolve("badkey") + "\n  IdentitiesOnly yes\n  UserKnownHostsFile " + TestHosts.knownHosts()
                + "\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n");
        Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("config.yaml"), "hosts:\n  - {name: h1, ssh: h1}\n  - {name: h2, ssh: h2}\n  - {name: h3, ssh: h3}\n"
                + "  - {name: silent, ssh: silent}\n  - {name: badkey, ssh: badkey}\n");
        for (Host h : hosts.hosts()) {
            // h1's comes back with its dockerd
            TestHosts.Result r = hosts.docker(h, "run", "-d", "--restart", "always", "--name", PREFIX + "-" + h.name(), "local/busybox",
                    "sh", "-c", "echo hello-from-" + h.name() + "; sleep 100000");
            assertTrue(r.ok(), r.out());
            made.add(h);
        }
    }

    @AfterEach
    void heal() {
        if (hosts != null) hosts.heal(hosts.host("h1"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (hosts != null) {
            hosts.heal(hosts.host("h1"));
            for (Host h : made) hosts.docker(h, "rm", "-f", PREFIX + "-" + h.name());
        }
        if (silent != null) silent.close();
        synchronized (held) {
            for (Socket s : held) s.close();
        }
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    static List<String> rows(String screen) {
        return screen.lines().skip(1).filter(l -> l.contains(PREFIX + "-h")).toList(); // the header may show the filter
    }

    static boolean row(String screen, String host) {
        return rows(screen).stream().anyMatch(l -> l.trim().startsWith(host + " ") && l.contains(PREFIX + "-" + host));
    }

    static String header(String screen) {
        return screen.lines().findFirst().orElse("");
    }

    /** Host H connected with its docker listed ("h1 connected ● docker 1/1"). */
    static boolean up(String screen, String h) {
        return Pattern.compile(Pattern.quote(h + " connected ") + "\\S docker \\d+/\\d+").matcher(header(screen)).find();
    }

    static boolean othersServed(String s) {
        return up(s, "h2") && up(s, "h3") && row(s, "h2") && row(s, "h3");
    }

    /** Escape back to the table (awaited: a key sent right after an escape would be read as alt-KEY). */
    static void back(Tmux tmux) throws Exception {
        tmux.keys("Escape");
        tmux.await("the table", t -> header(t).contains("> workloads"), Duration.ofSeconds(30));
    }

    /** A new filter, typed while a fault is on: the table shows what it asks for. */
    static void filter(Tmux tmux, String text) {
        tmux.keys("/");
        tmux.keys("C-u");
        tmux.type(text);
        tmux.keys("Enter");
    }

    @Test
    void theUiLivesThroughEveryFaultOfAHost() throws Exception {
        Host h1 = hosts.host("h1");
        Map<String, String> env = Map.ofEntries(Map.entry("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString()),
                Map.entry("CLOUDTUI_SSH_CONFIG", dir.resolve("ssh/config").toString()), Map.entry("CLOUDTUI_SSH_CONNECT_TIMEOUT", "3"),
                Map.entry("CLOUDTUI_SSH_ALIVE_INTERVAL", "1"), Map.entry("DOCKER_CONTEXT", "ctui-no-such-context"),
                Map.entry("XDG_RUNTIME_DIR", dir.resolve("run").toString()), Map.entry("XDG_STATE_HOME", dir.resolve("state").toString()),
                Map.entry("DOCKER_CONFIG", dir.resolve("docker").toString()), Map.entry("TERM", "xterm-256color"), Map.entry("LANG", "C.UTF-8"));
        Path run = Tmux.launcher(dir, env);
        hosts.linkDown(h1);
        try (Tmux tmux = new Tmux(PREFIX)) {
            tmux.start(run.toString(), 330, 40);
            // h1 dead (link down) and silent hanging at start: the UI is there and answers keys, h2 and h3 are listed
            tmux.await("the UI", t -> header(t).contains("cloudtui > workloads") && !header(t).contains("h1 connected"), Duration.ofSeconds(60));
            filter(tmux, PREFIX);
            String s = tmux.await("h2 and h3 listed while h1 and silent are not", t -> othersServed(t) && !row(t, "h1")
                    && !header(t).contains("h1 connected") && !header(t).contains("silent connected") && header(t).contains(PREFIX),
                    Duration.ofSeconds(60));
            assertTrue(header(s).contains("h1 connecting") || header(s).contains("h1 unreachable"), s);
            // refused key and the DOCKER_CONTEXT that is not there: shown, their lines in M
            tmux.await("badkey refused", t -> header(t).contains("badkey auth failed") && header(t).contains("docker not opened"),
                    Duration.ofSeconds(60));
            tmux.keys("M");
            tmux.await("badkey: permission denied (publickey); 'ssh-add' your key or set IdentityFile");
            tmux.await("docker context 'ctui-no-such-context' not found");
            back(tmux);
            // h1's link up: its row comes by itself
            hosts.linkUp(h1);
            s = tmux.await("h1 back by itself", t -> up(t, "h1") && row(t, "h1"), Duration.ofSeconds(90));
            assertTrue(othersServed(s), s);

            // the link goes down while connected: unreachable with the reason, h2/h3 stay, keys answer
            hosts.linkDown(h1);
            tmux.await("h1 unreachable", t -> header(t).contains("h1 unreachable") && othersServed(t), Duration.ofSeconds(60));
            tmux.keys("M");
            tmux.await("h1: no answer for 3 s (link down?); reconnecting by itself");
            back(tmux);
            filter(tmux, PREFIX + "-h2");
            tmux.await("the filter typed during the fault", t -> rows(t).size() == 1 && row(t, "h2"), Duration.ofSeconds(30));
            filter(tmux, PREFIX);
            hosts.linkUp(h1);
            s = tmux.await("h1 back after its link", t -> up(t, "h1") && row(t, "h1"), Duration.ofSeconds(90));
            assertTrue(othersServed(s), s);

            // sshd killed, then started
            hosts.killSshd(h1);
            tmux.await("h1 unreachable (sshd)", t -> header(t).contains("h1 unreachable") && othersServed(t), Duration.ofSeconds(60));
            filter(tmux, PREFIX + "-h3");
            tmux.await("the filter typed during the fault", t -> rows(t).size() == 1 && row(t, "h3"), Duration.ofSeconds(30));
            filter(tmux, PREFIX);
            hosts.startSshd(h1);
            tmux.await("h1 back after its sshd", t -> up(t, "h1") && row(t, "h1") && othersServed(t), Duration.ofSeconds(90));

            // dockerd stopped: h1 stays connected, its docker is down; started: back
            hosts.stopDocker(h1);
            tmux.await("h1's docker down", t -> header(t).contains("h1 connected ") && header(t).contains("docker disconnected")
                    && othersServed(t), Duration.ofSeconds(60));
            hosts.startDocker(h1);
            tmux.await("h1's docker back", t -> up(t, "h1") && row(t, "h1") && !header(t).contains("docker disconnected"),
                    Duration.ofSeconds(90));

            // a changed host key: refused with the line, never accepted; the right key again: back
            hosts.changeHostKey(h1);
            tmux.await("h1 host key changed", t -> header(t).contains("h1 host key changed") && othersServed(t), Duration.ofSeconds(60));
            tmux.keys("M");
            tmux.await("h1: host key changed (possible attack); check it and fix known_hosts");
            back(tmux);
            hosts.restoreHostKey(h1);
            s = tmux.await("h1 back after its key", t -> up(t, "h1") && row(t, "h1") && othersServed(t), Duration.ofSeconds(90));
            assertFalse(header(s).contains("silent connected") || header(s).contains("badkey connected"), s);
            // the host that accepts TCP and never answers: said, never connected
            tmux.keys("M");
            s = tmux.await("silent: connection timed out");
            assertFalse(s.contains("h1: connecting"), "a host that is still connecting is no error:\n" + s);
            back(tmux);
            tmux.quitAndCheckTerminal();
        } finally {
            hosts.heal(h1);
        }
    }

    /** A host whose dockerd was down when it connected: its Docker joins by itself once dockerd starts, no key pressed. */
    @Test
    void aDockerStartedAfterItsHostConnectedJoinsByItself() throws Exception {
        Host h1 = hosts.host("h1");
        Map<String, String> env = Map.ofEntries(Map.entry("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString()),
                Map.entry("CLOUDTUI_SSH_CONFIG", dir.resolve("ssh/config").toString()), Map.entry("CLOUDTUI_SSH_CONNECT_TIMEOUT", "3"),
                Map.entry("DOCKER_CONTEXT", "ctui-no-such-context"), Map.entry("XDG_RUNTIME_DIR", dir.resolve("run").toString()),
                Map.entry("XDG_STATE_HOME", dir.resolve("state").toString()), Map.entry("DOCKER_CONFIG", dir.resolve("docker").toString()),
                Map.entry("TERM", "xterm-256color"), Map.entry("LANG", "C.UTF-8"));
        Path run = Tmux.launcher(dir, env);
        hosts.stopDocker(h1);
        try (Tmux tmux = new Tmux(PREFIX + "-late")) {
            tmux.start(run.toString(), 330, 40);
            tmux.await("the UI", t -> header(t).contains("cloudtui > workloads"), Duration.ofSeconds(60));
            filter(tmux, PREFIX);
            tmux.await("h1 connected without its docker, h2 and h3 served", t -> header(t).contains("h1 connected") && !up(t, "h1")
                    && !row(t, "h1") && othersServed(t), Duration.ofSeconds(90));
            hosts.startDocker(h1);
            String s = tmux.await("h1's docker joined by itself", t -> up(t, "h1") && row(t, "h1"), Duration.ofSeconds(120));
            assertTrue(othersServed(s), s);
            tmux.quitAndCheckTerminal();
        } finally {
            hosts.heal(h1);
        }
    }

    /**
     * The TCP connections from this UI's ssh processes (children of its java, PID) to HOST's sshd,
     * counted on this machine's side: other tests' connections to the same host are not this session's.
     */
    /** This UI's ssh processes with an established connection to HOST's sshd: each as "PID COMMAND LINE". */
    static List<String> sshOf(long pid, Host host) {
        TestHosts.Result r = TestHosts.run(List.of("ss", "-tnpH", "state", "established", "( dport = :22 )", "dst", host.address()));
        assertTrue(r.ok(), r.out());
        List<String> out = new java.util.ArrayList<>();
        java.util.regex.Matcher m = Pattern.compile("pid=([0-9]+)").matcher(r.out());
        while (m.find()) {
            long p = Long.parseLong(m.group(1));
            java.util.Optional<ProcessHandle> h = ProcessHandle.of(p);
            if (h.flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L) == pid) {
                out.add(p + " " + h.flatMap(x -> x.info().commandLine()).orElse("?"));
            }
        }
        return out;
    }

    /**
     * One connection to HOST from this UI: one that goes as another comes (a master replaced after a
     * keep-alive went unanswered on a loaded machine) settles within seconds; two that stay fail, naming them.
     */
    static void oneConnection(long pid, Host host, String what) throws InterruptedException {
        List<String> ssh = sshOf(pid, host);
        for (int i = 0; i < 50 && ssh.size() != 1; i++) {
            Thread.sleep(200);
            ssh = sshOf(pid, host);
        }
        assertEquals(1, ssh.size(), what + ": " + ssh);
    }

    @Test
    void oneConnectionToAHostForLogsStatsAndAShell() throws Exception {
        Host h2 = hosts.host("h2");
        Map<String, String> env = Map.of("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString(),
                "CLOUDTUI_SSH_CONFIG", dir.resolve("ssh/config").toString(), "CLOUDTUI_SSH_CONNECT_TIMEOUT", "3",
                "XDG_RUNTIME_DIR", dir.resolve("run").toString(), "XDG_STATE_HOME", dir.resolve("state").toString(),
                "DOCKER_CONFIG", dir.resolve("docker").toString(), "TERM", "xterm-256color", "LANG", "C.UTF-8");
        Path run = Tmux.launcher(dir, "one.sh", env, List.of());
        try (Tmux tmux = new Tmux(PREFIX)) {
            tmux.start(run.toString(), 330, 40);
            tmux.await("the UI", t -> up(t, "h2"), Duration.ofSeconds(60));
            long java = tmux.childPid();
            filter(tmux, PREFIX + "-h2");
            tmux.await("h2's row alone", t -> rows(t).size() == 1 && row(t, "h2"), Duration.ofSeconds(30));
            oneConnection(java, h2, "listed");
            tmux.keys("l");
            tmux.await("hello-from-h2");
            oneConnection(java, h2, "logs open");
            back(tmux);
            tmux.keys("S");
            tmux.await("the stats view", t -> header(t).contains("/ stats"), Duration.ofSeconds(30));
            oneConnection(java, h2, "stats open");
            back(tmux);
            tmux.keys("e");
            tmux.await("a shell prompt", t -> t.contains("/ #"), Duration.ofSeconds(60));
            tmux.type("echo on-$(hostname)");
            tmux.keys("Enter");
            tmux.await("on-");
            oneConnection(java, h2, "a shell open");
            tmux.type("exit 0");
            tmux.keys("Enter");
            tmux.await("back at the table", t -> header(t).contains("> workloads") && row(t, "h2"), Duration.ofSeconds(60));
            oneConnection(java, h2, "listed");
            tmux.quitAndCheckTerminal();
        }
    }
}
