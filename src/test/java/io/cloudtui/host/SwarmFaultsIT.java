package io.cloudtui.host;

import static io.cloudtui.host.RemoteHostsIT.cloudtui;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import io.cloudtui.testing.TestHosts.Host;
import io.cloudtui.testing.Tmux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * A swarm's faults, for real: a swarm of this class's own on three extra test hosts (scripts/provision/50-hosts.sh
 * extra; the shared swarm of h1..h3 is left alone), three managers, reached through an ssh config of this class.
 * With three managers, the dockerd of the manager cloudtui reads the swarm through is killed (SIGKILL): the nodes
 * view and {@code service ls} carry on through another manager of the same swarm among the session's hosts (the
 * BACKEND column says which), and go back to the first once it answers again; a manager not in use killed shows
 * Unreachable. Then one node is demoted to a worker and its dockerd killed: the node goes down, its tasks are
 * rescheduled on the other nodes, and it comes back (CLI and UI). Heartbeats of 1 s make "down" quick.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmFaultsIT {
    /** Three consecutive extra hosts (the last at most h150, after AgentHostsIT's 120..144). */
    static final int FIRST = 145 + (int) (ProcessHandle.current().pid() % 4);
    static final String PREFIX = "ctui-it-swf-" + UUID.randomUUID().toString().substring(0, 6);
    static final String SERVICE = PREFIX + "-web";
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<Host> NODES = new ArrayList<>();
    static TestHosts hosts;
    static Path dir;
    static boolean made;

    static Host a() {
        return NODES.get(0);
    }

    static Host b() {
        return NODES.get(1);
    }

    static Host c() {
        return NODES.get(2);
    }

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.isRegularFile(TestHosts.DIR.resolve("COUNT")) && Files.isRegularFile(TestHosts.clientKey()),
                "the test hosts (sudo scripts/provision/50-hosts.sh)");
        Engines.require(Files.isRegularFile(Path.of("target/cloudtui.jar")), "the packaged jar");
        made = true;
        TestHosts.Result r = TestHosts.run(List.of("bash", "scripts/provision/50-hosts.sh", "extra", "" + FIRST, "" + (FIRST + 2),
                Long.toString(ProcessHandle.current().pid())));
        assertTrue(r.ok(), r.out());
        for (int i = 0; i < 3; i++) NODES.add(new Host("h" + (FIRST + i), "10.213.0." + (100 + FIRST + i)));
        hosts = TestHosts.of(a());
        dir = Files.createTempDirectory(Path.of("/tmp"), "ctui-swf-");
        Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        StringBuilder known = new StringBuilder();
        StringBuilder ssh = new StringBuilder();
        StringBuilder config = new StringBuilder("backends:\n  - {name: docker, type: docker, enabled: false}\nhosts:\n");
        for (Host h : NODES) {
            String[] pub = Files.readString(h.dir().resolve("ssh_host_ed25519_key.pub")).trim().split(" ");
            known.append(h.name()).append(' ').append(pub[0]).append(' ').append(pub[1]).append('\n');
            ssh.append("Host ").append(h.name()).append("\n  HostName ").append(h.address()).append("\n  HostKeyAlias ").append(h.name())
                    .append("\n  User ").append(TestHosts.DOCKER_USER).append("\n  IdentityFile ").append(TestHosts.clientKey())
                    .append("\n  IdentitiesOnly yes\n  UserKnownHostsFile ").append(dir.resolve("known_hosts"))
                    .append("\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n\n");
            config.append("  - {name: ").append(h.name()).append(", ssh: ").append(h.name()).append("}\n");
        }
        Files.writeString(dir.resolve("known_hosts"), known);
        Files.writeString(dir.resolve("ssh_config"), ssh);
        Files.writeString(dir.resolve("config.yaml"), config);
        // the swarm: three managers, heartbeats of 1 s (a node is down after a few missed ones)
        ok(docker(a(), "swarm", "init", "--advertise-addr", a().address(), "--listen-addr", a().address() + ":2377",
                "--dispatcher-heartbeat", "1s"));
        String token = docker(a(), "swarm", "join-token", "-q", "manager").out().trim();
        for (Host h : List.of(b(), c())) {
            ok(docker(h, "swarm", "join", "--token", token, "--advertise-addr", h.address(), "--listen-addr", h.address() + ":2377",
                    a().address() + ":2377"));
        }
        ok(docker(a(), "service", "create", "-d", "--no-resolve-image", "--name", SERVICE, "--replicas", "3", "local/busybox",
                "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"));
    }

    @AfterEach
    void heal() {
        for (Host h : NODES) hosts.heal(h);
    }

    @AfterAll
    static void tearDown() {
        if (made) {
            for (Host h : NODES) {
                hosts.heal(h);
                docker(h, "swarm", "leave", "--force");
            }
            TestHosts.run(List.of("bash", "scripts/provision/50-hosts.sh", "extra-down", "" + FIRST, "" + (FIRST + 2)));
        }
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    static TestHosts.Result docker(Host h, String... args) {
        return hosts.docker(h, args);
    }

    static void ok(TestHosts.Result r) {
        assertTrue(r.ok(), r.out());
    }

    /** SIGKILL to the host's dockerd (no clean stop: the swarm sees it vanish), and waits until it is gone. */
    static void killDocker(Host h) throws Exception {
        long pid = Long.parseLong(Files.readString(h.dir().resolve("run/docker.pid")).trim());
        ProcessHandle p = ProcessHandle.of(pid).orElseThrow();
        assertTrue(p.destroyForcibly(), "SIGKILL to dockerd of " + h.name());
        p.onExit().get(60, TimeUnit.SECONDS);
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString());
        env.put("CLOUDTUI_SSH_CONFIG", dir.resolve("ssh_config").toString());
        env.put("CLOUDTUI_SSH_CONNECT_TIMEOUT", "5");
        env.put("XDG_RUNTIME_DIR", dir.resolve("run").toString());
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("DOCKER_CONFIG", dir.resolve("docker").toString());
        env.put("TERM", "xterm-256color");
        env.put("LANG", "C.UTF-8");
        return env;
    }

    static List<JsonNode> json(String... args) throws Exception {
        var r = cloudtui(env(), args);
        assertEquals(0, r.code(), r.toString());
        return StreamSupport.stream(JSON.readTree(r.out()).spliterator(), false).toList();
    }

    /** Polls `cloudtui ARGS --format json` until WANT holds (the swarm takes seconds, not a fixed time). */
    static List<JsonNode> await(String what, Predicate<List<JsonNode>> want, String... args) throws Exception {
        List<JsonNode> last = null;
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--format", "json"))
                .toArray(String[]::new);
        for (int i = 0; i < 240; i++) {
            last = json(all);
            if (want.test(last)) return last;
            Thread.sleep(500);
        }
        throw new AssertionError(what + " never came; last: " + last);
    }

    static JsonNode node(List<JsonNode> nodes, Host h) {
        return nodes.stream().filter(n -> n.path("hostname").asText().equals(h.name())).findFirst().orElse(null);
    }

    /** The nodes view's row of host H (HOSTNAME first, "*" after the manager's own). */
    static String row(String screen, Host h) {
        return screen.lines().filter(l -> l.trim().startsWith(h.name() + " ")).findFirst().orElse("");
    }

    static Tmux ui() throws Exception {
        Path run = Tmux.launcher(dir, env());
        Tmux tmux = new Tmux(PREFIX);
        tmux.start(run.toString(), 200, 40);
        tmux.await("the hosts connected", t -> NODES.stream().allMatch(h -> t.contains(h.name() + " connected")), Duration.ofSeconds(120));
        tmux.keys("6");
        return tmux;
    }

    /** The BACKEND (last column) of host H's row in the nodes view: the manager the view reads the swarm through. */
    static String via(String screen, Host h) {
        String[] cells = row(screen, h).trim().split("\\s+");
        return cells.length == 0 ? "" : cells[cells.length - 1];
    }

    static Host hostOf(String backend) {
        return NODES.stream().filter(h -> backend.equals(h.name() + "/docker")).findFirst().orElseThrow(() -> new AssertionError(backend));
    }

    @Test
    @Order(1)
    void withThreeManagersTheViewsStayUpThroughAnotherManager() throws Exception {
        try (Tmux tmux = ui()) {
            String s = tmux.await("three managers, read through one of them", t -> NODES.stream().allMatch(h -> row(t, h).contains("manager")
                    && row(t, h).contains("ready") && via(t, h).equals(via(t, a())) && via(t, h).endsWith("/docker")), Duration.ofSeconds(120));
            // the manager in use killed: the same swarm through another manager among the hosts, the dead one Unreachable
            String used = via(s, a());
            Host x = hostOf(used);
            killDocker(x);
            s = tmux.await("the nodes through another manager, " + x.name() + " unreachable", t -> row(t, x).contains("Unreachable")
                    && !via(t, x).equals(used) && NODES.stream().allMatch(h -> via(t, h).equals(via(t, x)) && via(t, h).endsWith("/docker")),
                    Duration.ofSeconds(180));
            String other = via(s, x);
            List<JsonNode> services = json("service", "ls", "--format", "json");
            assertTrue(services.stream().anyMatch(v -> v.path("name").asText().equals(SERVICE) && !v.path("backend").asText().equals(used)),
                    services.toString());
            await(x.name() + " unreachable in node ls", ns -> node(ns, x) != null && node(ns, x).path("managerStatus").asText().equals("Unreachable"),
                    "node", "ls");
            // back: the first manager used again once it answers
            hosts.startDocker(x);
            tmux.await("the nodes through " + used + " again, " + x.name() + " reachable", t -> NODES.stream().allMatch(h -> via(t, h).equals(used))
                    && row(t, x).contains("ready") && !row(t, x).contains("Unreachable"), Duration.ofSeconds(180));
            // a manager not in use killed: it shows Unreachable, the view stays on the first
            Host z = NODES.stream().filter(h -> h != x && !other.equals(h.name() + "/docker")).findFirst().orElseThrow();
            killDocker(z);
            tmux.await(z.name() + " unreachable", t -> row(t, z).contains("Unreachable") && via(t, z).equals(used), Duration.ofSeconds(180));
            hosts.startDocker(z);
            tmux.await(z.name() + " back", t -> row(t, z).contains("ready") && row(t, z).contains("Reachable")
                    && !row(t, z).contains("Unreachable") && via(t, z).equals(used), Duration.ofSeconds(180));
            tmux.quitAndCheckTerminal();
        }
    }

    @Test
    @Order(2)
    void aKilledWorkersNodeGoesDownItsTasksMoveAndItComesBack() throws Exception {
        // a node not the leader's made a worker (asked of a manager that answers: the killed ones of the test before came back)
        Host w = NODES.stream().filter(h -> !docker(h, "node", "inspect", "self", "--format", "{{.ManagerStatus.Leader}}").out().trim().equals("true"))
                .reduce((p, q) -> q).orElseThrow();
        Host m = NODES.stream().filter(h -> h != w).findFirst().orElseThrow();
        ok(docker(m, "node", "demote", w.name()));
        // spread again over the three nodes (tasks that moved off a node killed before do not come back by themselves)
        ok(docker(m, "service", "update", "-d", "--force", SERVICE));
        await("a task of " + SERVICE + " running on " + w.name() + ", three running", ts -> running(ts).size() == 3
                && running(ts).stream().anyMatch(t -> t.path("node").asText().equals(w.name())), "service", "ps", SERVICE);
        try (Tmux tmux = ui()) {
            tmux.await(w.name() + " a ready worker", t -> row(t, w).contains("worker") && row(t, w).contains("ready"), Duration.ofSeconds(120));
            killDocker(w);
            tmux.await(w.name() + " down", t -> row(t, w).contains("worker") && row(t, w).contains("down"), Duration.ofSeconds(180));
            await(w.name() + " down in node ls", ns -> node(ns, w) != null && node(ns, w).path("status").asText().equals("down"), "node", "ls");
            await("three tasks running on the other nodes", ts -> running(ts).size() == 3
                    && running(ts).stream().noneMatch(t -> t.path("node").asText().equals(w.name())), "service", "ps", SERVICE);
            hosts.startDocker(w);
            tmux.await(w.name() + " ready again", t -> row(t, w).contains("worker") && row(t, w).contains("ready"), Duration.ofSeconds(180));
            await(w.name() + " ready in node ls", ns -> node(ns, w) != null && node(ns, w).path("status").asText().equals("ready"), "node", "ls");
            tmux.quitAndCheckTerminal();
        }
    }

    static List<JsonNode> running(List<JsonNode> tasks) {
        return tasks.stream().filter(t -> t.path("desiredState").asText().equals("running") && t.path("state").asText().equals("running")).toList();
    }
}
