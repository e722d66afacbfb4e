package io.cloudtui.host;

import static io.cloudtui.host.RemoteHostsIT.builder;
import static io.cloudtui.host.RemoteHostsIT.cloudtui;
import static io.cloudtui.host.RemoteHostsIT.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.host.RemoteHostsIT.Result;
import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import io.cloudtui.testing.TestHosts.Host;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Remote hosts through the real jar against the three test hosts of scripts/provision/50-hosts.sh
 * ({@link TestHosts}: network namespaces h1..h3, each with its own sshd and dockerd), with a
 * {@code hosts:} config naming them and their ssh_config ({@code CLOUDTUI_SSH_CONFIG}, ssh -F): a
 * table over three hosts, the verbs on a remote container, and the faults (link down, sshd killed,
 * dockerd stopped, host key changed, a user without Docker), each with the other hosts still served;
 * a long-lived {@code stats} that comes back by itself after its host's sshd was killed and restarted;
 * one TCP connection per host. The hosts are healed after every test.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RemoteTestHostsIT {
    static final String PREFIX = "ctui-it-th-" + UUID.randomUUID().toString().substring(0, 6);
    static final ObjectMapper JSON = new ObjectMapper();

    static TestHosts hosts;
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        hosts = TestHosts.require();
        dir = Files.createTempDirectory("ctui-th");
        Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("hosts.yaml"), "hosts:\n  - {name: h1, ssh: h1}\n  - {name: h2, ssh: h2}\n  - {name: h3, ssh: h3}\n");
        Files.writeString(dir.resolve("plain.yaml"), "hosts:\n  - {name: h1, ssh: h1}\n  - {name: p3, ssh: '" + TestHosts.PLAIN_USER + "@h3'}\n");
        for (Host h : hosts.hosts()) {
            TestHosts.Result r = hosts.docker(h, "run", "-d", "--name", name(h), "local/busybox", "sh", "-c",
                    "echo hello-from-" + h.name() + "; sleep 100000");
            assertTrue(r.ok(), r.out());
        }
    }

    static String name(Host h) {
        return PREFIX + "-" + h.name();
    }

    @AfterEach
    void heal() {
        if (hosts != null) for (Host h : hosts.hosts()) hosts.heal(h);
    }

    @AfterAll
    static void tearDown() {
        if (hosts != null) {
            for (Host h : hosts.hosts()) {
                hosts.heal(h);
                hosts.docker(h, "rm", "-f", name(h), name(h) + "-x");
            }
        }
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    static Map<String, String> env(String config) {
        Map<String, String> env = new HashMap<>();
        env.put("CLOUDTUI_CONFIG", dir.resolve(config).toString());
        env.put("CLOUDTUI_SSH_CONFIG", TestHosts.sshConfig().toString());
        env.put("CLOUDTUI_SSH_CONNECT_TIMEOUT", "3");
        env.put("XDG_RUNTIME_DIR", dir.resolve("run").toString());
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("DOCKER_CONFIG", dir.resolve("docker").toString());
        return env;
    }

    static List<JsonNode> rows(Result r) throws IOException {
        return StreamSupport.stream(JSON.readTree(r.out()).spliterator(), false).toList();
    }

    /** The hosts whose own container the JSON listing carries (each on its own host only). */
    static List<String> listed(Result r) throws IOException {
        List<String> out = new ArrayList<>();
        for (Host h : hosts.hosts()) {
            for (JsonNode n : rows(r)) {
                if (n.path("name").asText().equals(name(h))) {
                    assertEquals(h.name(), n.path("host").asText(), n.toString());
                    assertEquals(h.name() + "/docker", n.path("backend").asText(), n.toString());
                    out.add(h.name());
                }
            }
        }
        return out;
    }

    static Result ps() throws Exception {
        return cloudtui(env("hosts.yaml"), "ps", "-a", "--format", "json");
    }

    @Test
    void threeHostsInOneTableAndTheVerbsOnARemoteContainer() throws Exception {
        Result json = ps();
        assertEquals(0, json.code(), json.toString());
        assertEquals(List.of("h1", "h2", "h3"), listed(json), json.toString());
        assertEquals("", json.err(), json.toString());
        Result table = cloudtui(env("hosts.yaml"), "ps", "-a");
        assertEquals(0, table.code(), table.toString());
        assertTrue(table.out().startsWith("HOST "), table.toString());
        for (Host h : hosts.hosts()) {
            assertTrue(table.out().lines().anyMatch(l -> l.startsWith(h.name() + " ") && l.contains(name(h))), table.toString());
        }

        Host h2 = hosts.host("h2");
        String c = name(h2) + "-x";
        assertTrue(hosts.docker(h2, "run", "-d", "--name", c, "local/busybox", "sh", "-c", "echo line-from-x; sleep 100000").ok());
        Map<String, String> env = env("hosts.yaml");
        Result logs = cloudtui(env, "logs", "h2/docker:" + c);
        assertEquals(0, logs.code(), logs.toString());
        assertEquals("line-from-x\n", logs.out(), logs.toString());
        Result exec = cloudtui(env, "exec", c, "sh", "-c", "echo on-$(hostname); exit 3");
        assertEquals(3, exec.code(), exec.toString());
        // a container's hostname is its short id, as h2's docker has it
        assertEquals("on-" + hosts.docker(h2, "inspect", "-f", "{{.Config.Hostname}}", c).out().trim() + "\n", exec.out(), exec.toString());
        Result stop = cloudtui(env, "stop", "-t", "1", "h2/docker:" + c);
        assertEquals(0, stop.code(), stop.toString());
        assertEquals("false", hosts.docker(h2, "inspect", "-f", "{{.State.Running}}", c).out().trim());
        Result rm = cloudtui(env, "rm", "h2/docker:" + c);
        assertEquals(0, rm.code(), rm.toString());
        assertEquals("", hosts.docker(h2, "ps", "-aq", "--filter", "name=^" + c + "$").out().trim());
    }

    /** h1 faulted, h2 and h3 listed, one line for h1 on stderr, exit 0 (a single unreachable backend is a warning). */
    static void onlyH1Fails(Result r, String line) throws Exception {
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("h2", "h3"), listed(r), r.toString());
        assertEquals(line + "\n", r.err(), r.toString());
    }

    static void allBack() throws Exception {
        Result r = ps();
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("h1", "h2", "h3"), listed(r), r.toString());
        assertEquals("", r.err(), r.toString());
    }

    @Test
    void linkDownIsOneLineWithinTheConnectTimeout() throws Exception {
        Host h1 = hosts.host("h1");
        hosts.linkDown(h1);
        Result down = ps();
        assertEquals(0, down.code(), down.toString());
        assertEquals(List.of("h2", "h3"), listed(down), down.toString());
        // a timeout, or "no route" once the neighbour entry has failed
        String line = "cloudtui: h1: (connection timed out \\(no answer from its sshd\\)|unreachable \\(.*\\))\n";
        assertTrue(down.err().matches(line), down.toString());
        // named alone: exit 1
        Result alone = cloudtui(env("hosts.yaml"), "-H", "h1", "ps");
        assertEquals(1, alone.code(), alone.toString());
        assertTrue(alone.err().matches(line), alone.toString());
        hosts.linkUp(h1);
        allBack();
    }

    @Test
    void sshdKilledIsOneLineAndBackWhenRestarted() throws Exception {
        Host h1 = hosts.host("h1");
        hosts.killSshd(h1);
        onlyH1Fails(ps(), "cloudtui: h1: connection refused (is sshd running there, on that port?)");
        hosts.startSshd(h1);
        allBack();
    }

    @Test
    void dockerdStoppedIsOneLineNamingDockerOnTheHost() throws Exception {
        Host h1 = hosts.host("h1");
        hosts.stopDocker(h1);
        Result r = ps();
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("h2", "h3"), listed(r), r.toString());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.toString());
        assertTrue(lines.get(0).startsWith("cloudtui: h1: ") && lines.get(0).toLowerCase().contains("docker"), r.toString());
        hosts.startDocker(h1);
        allBack();
    }

    @Test
    void aCrashedDockerdThatLeftItsSocketIsDockerNotRunningNotRefusedForwarding() throws Exception {
        Host h1 = hosts.host("h1");
        hosts.crashDocker(h1);
        Result r = ps();
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("h2", "h3"), listed(r), r.toString());
        assertEquals(List.of("cloudtui: h1: cannot connect to the Docker engine on h1 (connection refused on /var/run/docker.sock):"
                + " is dockerd running on h1?"), r.err().lines().toList(), r.toString());
        hosts.startDocker(h1);
        allBack();
    }

    @Test
    void changedHostKeyIsRefusedWithItsLine() throws Exception {
        Host h1 = hosts.host("h1");
        hosts.changeHostKey(h1);
        onlyH1Fails(ps(), "cloudtui: h1: host key changed (possible attack); check it and fix known_hosts");
        hosts.restoreHostKey(h1);
        allBack();
    }

    @Test
    void aUserWithoutDockerIsToldTheGroup() throws Exception {
        Result r = cloudtui(env("plain.yaml"), "ps", "-a", "--format", "json");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("h1"), listed(r), r.toString());
        assertEquals("cloudtui: p3: permission denied on /var/run/docker.sock (" + TestHosts.PLAIN_USER + " is not in the '"
                + TestHosts.DOCKER_GROUP + "' group on p3)\n", r.err(), r.toString());
    }

    /**
     * A long-lived stats on an h2 container while h2's sshd is killed and restarted: the host layer
     * reconnects by itself, the forwards come back at the same paths, and the same process shows the
     * container's figures again. A logs -f and an exec on the container, open meanwhile, end with the
     * connection, each with one line and exit 1.
     */
    @Test
    void aLongLivedStatsComesBackAfterTheSshdWasKilled() throws Exception {
        Host h2 = hosts.host("h2");
        Process p = builder(env("hosts.yaml"), "stats", "h2/docker:" + name(h2)).redirectErrorStream(true).start();
        LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = in.readLine()) != null) frames.add(l.replaceAll("\033\\[[0-9;]*[A-Za-z]", ""));
            } catch (IOException e) {
                // ended
            }
        });
        // and two streams on the same container, which end with the connection: one line each, exit 1
        Process logs = builder(env("hosts.yaml"), "logs", "-f", "h2/docker:" + name(h2)).start();
        Process exec = builder(env("hosts.yaml"), "exec", "h2/docker:" + name(h2), "sh", "-c", "echo started; sleep 100000").start();
        try {
            assertEquals("hello-from-h2", new BufferedReader(new InputStreamReader(logs.getInputStream(), StandardCharsets.UTF_8)).readLine());
            assertEquals("started", new BufferedReader(new InputStreamReader(exec.getInputStream(), StandardCharsets.UTF_8)).readLine());
            awaitRow(frames, p, true);
            hosts.killSshd(h2);
            String lost = "cloudtui: h2: the connection to h2 (ssh) was lost in the middle of the stream; cloudtui reconnects by itself:"
                    + " run the command again\n";
            for (Process s : List.of(logs, exec)) {
                assertTrue(s.waitFor(120, TimeUnit.SECONDS));
                assertEquals(lost, read(s.getErrorStream()));
                assertEquals(1, s.exitValue());
            }
            awaitRow(frames, p, false);
            hosts.startSshd(h2);
            awaitRow(frames, p, true);
            assertTrue(p.isAlive(), "stats still runs");
        } finally {
            logs.destroyForcibly();
            exec.destroyForcibly();
            p.destroy();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        }
    }

    /** Waits for a row of the h2 container with figures (or with "--", none), as long as the process runs. */
    static void awaitRow(LinkedBlockingQueue<String> frames, Process p, boolean figures) throws Exception {
        String c = name(hosts.host("h2"));
        List<String> seen = new ArrayList<>();
        while (true) {
            String l = frames.poll(1, TimeUnit.SECONDS);
            if (l == null) {
                assertTrue(p.isAlive(), "stats ended:\n" + String.join("\n", seen));
                continue;
            }
            seen.add(l);
            if (l.startsWith(c + " ") && l.contains(" -- ") != figures) return;
        }
    }

    /** The listing that resolves the name, then logs -f, then (another process) an exec on h1: one TCP connection each. */
    @Test
    void oneTcpConnectionPerHost() throws Exception {
        Host h1 = hosts.host("h1");
        // running again after a test that stopped h1's dockerd (its containers stop with it)
        assertTrue(hosts.docker(h1, "start", name(h1)).ok());
        int before = hosts.sshConnections(h1);
        Process f = builder(env("hosts.yaml"), "logs", "-f", name(h1)).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(f.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("hello-from-h1", out.readLine());
            assertEquals(before + 1, hosts.sshConnections(h1), "TCP connections to h1's sshd during logs -f");
        } finally {
            f.destroy();
            assertTrue(f.waitFor(60, TimeUnit.SECONDS));
        }
        Process x = builder(env("hosts.yaml"), "exec", "-i", name(h1), "sh", "-c", "echo started; read x; echo got-$x").start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(x.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("started", out.readLine());
            assertEquals(before + 1, hosts.sshConnections(h1), "TCP connections to h1's sshd during exec");
            x.getOutputStream().write("yes\n".getBytes(StandardCharsets.UTF_8));
            x.getOutputStream().close();
            assertEquals("got-yes", out.readLine());
            assertTrue(x.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, x.exitValue(), read(x.getErrorStream()));
        } finally {
            x.destroyForcibly();
        }
    }

    /** A cloudtui killed with SIGKILL leaves its masters running (no shutdown hook runs): the next cloudtui ends them. */
    @Test
    void mastersOfAKilledCloudtuiAreEndedByTheNext() throws Exception {
        Host h3 = hosts.host("h3");
        int before = hosts.sshConnections(h3);
        Process f = builder(env("hosts.yaml"), "logs", "-f", "h3/docker:" + name(h3)).start();
        assertEquals("hello-from-h3", new BufferedReader(new InputStreamReader(f.getInputStream(), StandardCharsets.UTF_8)).readLine());
        f.destroyForcibly();
        assertTrue(f.waitFor(60, TimeUnit.SECONDS));
        assertEquals(before + 1, hosts.sshConnections(h3), "the killed cloudtui's master is still connected");
        allBack();
        assertEquals(before, hosts.sshConnections(h3), "the next cloudtui ended it");
    }
}
