package io.cloudtui.host;

import static io.cloudtui.host.RemoteHostsIT.cloudtui;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.host.RemoteHostsIT.Result;
import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import io.cloudtui.testing.TestHosts.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code cloudtui service} and {@code cloudtui node} through the real jar against the real 3-node swarm
 * of scripts/provision/52-swarm.sh (h1 the manager, h2 and h3 workers, each host's dockerd reached over
 * ssh): a replicated service's tasks on their nodes, scale, a forced rolling update, a rollback, logs
 * merged across nodes with docker's task prefixes, a drained node's tasks moving and coming back, and
 * bad input (one line, docker's exit codes). Every service made here is removed, every node left active.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SwarmIT {
    static final String PREFIX = "ctui-it-sw-" + UUID.randomUUID().toString().substring(0, 6);
    static final ObjectMapper JSON = new ObjectMapper();
    /** A task that stops at once on SIGTERM (busybox sleep would wait for the 10 s grace period), saying hello first. */
    static final List<String> COMMAND = List.of("local/busybox", "sh", "-c", "trap 'exit 0' TERM; echo hello from a task; while :; do sleep 1; done");

    static TestHosts hosts;
    static Host manager;
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        hosts = TestHosts.require();
        manager = hosts.host("h1");
        TestHosts.Result info = hosts.docker(manager, "info", "--format", "{{.Swarm.ControlAvailable}}");
        Engines.require(info.ok() && info.out().trim().equals("true"), "the test hosts' swarm (sudo scripts/provision/52-swarm.sh)");
        dir = Files.createTempDirectory("ctui-sw");
        Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("hosts.yaml"), "hosts:\n  - {name: h1, ssh: h1}\n  - {name: h2, ssh: h2}\n  - {name: h3, ssh: h3}\n");
    }

    @AfterEach
    void cleanUp() {
        if (hosts == null) return;
        TestHosts.Result ls = hosts.docker(manager, "service", "ls", "-q", "--filter", "name=" + PREFIX);
        for (String id : ls.out().split("\\s+")) if (!id.isBlank()) hosts.docker(manager, "service", "rm", id);
        for (String n : List.of("h2", "h3")) hosts.docker(manager, "node", "update", "--availability", "active", n);
    }

    @AfterAll
    static void tearDown() {
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("CLOUDTUI_CONFIG", dir.resolve("hosts.yaml").toString());
        env.put("CLOUDTUI_SSH_CONFIG", TestHosts.sshConfig().toString());
        env.put("CLOUDTUI_SSH_CONNECT_TIMEOUT", "5");
        env.put("XDG_RUNTIME_DIR", dir.resolve("run").toString());
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("DOCKER_CONFIG", dir.resolve("docker").toString());
        return env;
    }

    /** cloudtui on the manager's host alone (-H h1), as a user aims a command at one host. */
    static Result onManager(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "-H";
        all[1] = "h1";
        System.arraycopy(args, 0, all, 2, args.length);
        return cloudtui(env(), all);
    }

    static List<JsonNode> json(Result r) throws Exception {
        assertEquals(0, r.code(), r.toString());
        return StreamSupport.stream(JSON.readTree(r.out()).spliterator(), false).toList();
    }

    static JsonNode service(String name) throws Exception {
        return json(onManager("service", "ls", "--format", "json")).stream().filter(n -> n.path("name").asText().equals(name))
                .findFirst().orElse(null);
    }

    static List<JsonNode> tasks(String name) throws Exception {
        return json(onManager("service", "ps", "--format", "json", name));
    }

    static List<JsonNode> running(List<JsonNode> tasks) {
        return tasks.stream().filter(t -> t.path("desiredState").asText().equals("running") && t.path("state").asText().equals("running")).toList();
    }

    /** Polls the service's tasks until WANT holds (scheduling takes the engine seconds, not a fixed time). */
    static List<JsonNode> awaitTasks(String name, String what, Predicate<List<JsonNode>> want) throws Exception {
        List<JsonNode> last = null;
        for (int i = 0; i < 120; i++) {
            last = tasks(name);
            if (want.test(last)) return last;
            Thread.sleep(500);
        }
        throw new AssertionError(what + " never came; last tasks: " + last);
    }

    static String[] create(String... head) {
        String[] out = new String[head.length + COMMAND.size()];
        System.arraycopy(head, 0, out, 0, head.length);
        for (int i = 0; i < COMMAND.size(); i++) out[head.length + i] = COMMAND.get(i);
        return out;
    }

    @Test
    void aReplicatedServiceScaledUpdatedRolledBackLoggedAndRemoved() throws Exception {
        String web = PREFIX + "-web";
        // the manager found among the three hosts of the config (h2 and h3 are workers)
        Result created = cloudtui(env(), create("service", "create", "--name", web, "--replicas", "3"));
        assertEquals(0, created.code(), created.toString());
        assertTrue(created.err().contains(web + ": converged, 3/3 running"), created.toString());

        JsonNode s = service(web);
        assertEquals("replicated", s.path("mode").asText(), s.toString());
        assertEquals(3, s.path("replicas").asInt(), s.toString());
        assertEquals(3, s.path("running").asInt(), s.toString());
        assertEquals("local/busybox", s.path("image").asText(), s.toString());
        assertEquals("h1/docker", s.path("backend").asText(), s.toString());

        // each task on its node: the container the task names runs in that node's own dockerd
        List<JsonNode> ts = running(tasks(web));
        assertEquals(3, ts.size(), ts.toString());
        Set<Integer> slots = new TreeSet<>();
        for (JsonNode t : ts) {
            slots.add(t.path("slot").asInt());
            Host on = hosts.host(t.path("node").asText());
            TestHosts.Result ps = hosts.docker(on, "ps", "-q", "--no-trunc", "--filter", "id=" + t.path("container").asText());
            assertTrue(ps.out().contains(t.path("container").asText()), "task " + t + " not on " + on.name() + ": " + ps.out());
        }
        assertEquals(Set.of(1, 2, 3), slots);
        Result psTable = onManager("service", "ps", web);
        assertEquals(4, psTable.out().lines().count(), psTable.toString());

        // logs merged across the tasks, each line named docker's way: service.slot.task@node
        Set<String> nodesLogged = new TreeSet<>();
        Result logs = onManager("service", "logs", web);
        assertEquals(0, logs.code(), logs.toString());
        for (String l : logs.out().lines().toList()) {
            assertTrue(l.matches(java.util.regex.Pattern.quote(web) + "\\.[123]\\.[a-z0-9]{12}@h[123] \\| hello from a task"), l);
            nodesLogged.add(l.substring(l.indexOf('@') + 1, l.indexOf(' ')));
        }
        Set<String> nodesRunning = new TreeSet<>(ts.stream().map(t -> t.path("node").asText()).toList());
        assertEquals(nodesRunning, nodesLogged, logs.toString());
        assertTrue(nodesLogged.size() >= 2, "the tasks ran on one node only: " + ts);

        // scale down: one task left running
        Result scaled = onManager("service", "scale", web + "=1");
        assertEquals(0, scaled.code(), scaled.toString());
        assertEquals(1, running(tasks(web)).size());
        JsonNode one = service(web);
        assertEquals("1/1", one.path("running").asText() + "/" + one.path("desired").asText());

        // a forced rolling update replaces the task; the old one stays as history under it
        String before = running(tasks(web)).get(0).path("id").asText();
        Result updated = onManager("service", "update", "--force", web);
        assertEquals(0, updated.code(), updated.toString());
        assertEquals("completed", service(web).path("updateState").asText());
        List<JsonNode> after = tasks(web);
        assertEquals(1, running(after).size(), after.toString());
        assertFalse(running(after).get(0).path("id").asText().equals(before), after.toString());
        assertTrue(after.stream().anyMatch(t -> t.path("id").asText().equals(before) && t.path("desiredState").asText().equals("shutdown")), after.toString());

        // and a rollback
        Result rolled = onManager("service", "rollback", web);
        assertEquals(0, rolled.code(), rolled.toString());
        assertEquals("rollback_completed", service(web).path("updateState").asText());

        // the table says the same as the JSON
        Result table = onManager("service", "ls");
        assertTrue(table.out().lines().anyMatch(l -> l.contains(web) && l.contains("replicated") && l.contains("1/1")
                && l.contains("rollback_completed")), table.toString());

        // removed with no prompt, as docker
        Result rm = onManager("service", "rm", web);
        assertEquals(0, rm.code(), rm.toString());
        assertEquals(web, rm.out().trim());
        assertTrue(hosts.docker(manager, "service", "ls", "-q", "--filter", "name=" + web).out().isBlank(), "the service is still there");
    }

    @Test
    void aDrainedNodesTasksMoveAndTheNodeComesBack() throws Exception {
        String svc = PREFIX + "-drain";
        Result created = onManager(create("service", "create", "--name", svc, "--replicas", "2", "--constraint", "node.role==worker"));
        assertEquals(0, created.code(), created.toString());
        List<JsonNode> ts = running(tasks(svc));
        assertEquals(Set.of("h2", "h3"), new TreeSet<>(ts.stream().map(t -> t.path("node").asText()).toList()), ts.toString());

        Result nodes = onManager("node", "ls", "--format", "json");
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode n : json(nodes)) byName.put(n.path("hostname").asText(), n);
        assertEquals("Leader", byName.get("h1").path("managerStatus").asText(), nodes.toString());
        assertEquals("worker", byName.get("h3").path("role").asText(), nodes.toString());
        assertEquals("ready", byName.get("h3").path("status").asText(), nodes.toString());
        assertTrue(byName.get("h3").path("cpus").asDouble() > 0 && byName.get("h3").path("memory").asLong() > 0, nodes.toString());

        Result drain = onManager("node", "update", "--availability", "drain", "h3");
        assertEquals(0, drain.code(), drain.toString());
        awaitTasks(svc, "both tasks on h2", t -> running(t).size() == 2 && running(t).stream().allMatch(x -> x.path("node").asText().equals("h2")));
        Result onH3 = onManager("node", "ps", "--format", "json", "h3");
        assertTrue(json(onH3).stream().filter(t -> t.path("service").asText().equals(svc))
                .allMatch(t -> t.path("desiredState").asText().equals("shutdown")), onH3.toString());
        assertEquals("drain", nodeAvailability("h3"));

        Result active = onManager("node", "update", "--availability", "active", "h3");
        assertEquals(0, active.code(), active.toString());
        assertEquals("active", nodeAvailability("h3"));
        // and the scheduler may use it again: scaled up, a task lands on h3
        Result scaled = onManager("service", "scale", svc + "=4");
        assertEquals(0, scaled.code(), scaled.toString());
        assertTrue(running(tasks(svc)).stream().anyMatch(t -> t.path("node").asText().equals("h3")), tasks(svc).toString());
    }

    /**
     * exec into a task on a worker, named as {@code service ps} names it or by an id prefix: through the
     * worker as a host of the session (the config's hosts), through the user's own ssh alone (-H names
     * only the manager; as the local user whose ~/.ssh/config reaches the hosts, and with the tests'
     * ssh config), and, with no way in, one line naming the node to add.
     */
    @Test
    void execIntoATaskOnAWorkerThroughItsHostOrTheUsersSsh() throws Exception {
        String svc = PREFIX + "-exec";
        Result created = onManager(create("service", "create", "--name", svc, "--replicas", "2", "--constraint", "node.role==worker"));
        assertEquals(0, created.code(), created.toString());
        JsonNode onH2 = running(tasks(svc)).stream().filter(t -> t.path("node").asText().equals("h2")).findFirst()
                .orElseThrow(() -> new AssertionError("no task on h2"));
        String task = svc + "." + onH2.path("slot").asInt();
        String container = onH2.path("container").asText();
        // a container's hostname is its id's first 12 characters: the command ran in the task's own container
        String hostname = container.substring(0, 12);

        // h2 is a host of the session (the config's three); the command's exit code is the process's
        Result viaHost = cloudtui(env(), "exec", task, "sh", "-c", "cat /etc/hostname; exit 7");
        assertEquals(7, viaHost.code(), viaHost.toString());
        assertEquals(hostname, viaHost.out().trim(), viaHost.toString());

        // -H h1 alone: h2 is reached by the ssh config by its node name, as an ad-hoc host
        Result viaSsh = onManager("exec", onH2.path("id").asText().substring(0, 8), "cat", "/etc/hostname");
        assertEquals(0, viaSsh.code(), viaSsh.toString());
        assertEquals(hostname, viaSsh.out().trim(), viaSsh.toString());

        // as a user runs it: their own ~/.ssh/config (no CLOUDTUI_SSH_CONFIG) reaches h1 for -H and h2 for the task
        Path jar = Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")).toAbsolutePath();
        List<String> cmd = new java.util.ArrayList<>(TestHosts.asCliUser(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "-H", "h1", "exec", task, "cat", "/etc/hostname"));
        TestHosts.Result asUser = TestHosts.run(cmd);
        assertTrue(asUser.ok(), asUser.out());
        assertTrue(asUser.out().contains(hostname), asUser.out());

        // an ssh config that knows h1 alone: no way to h2 (its name does not resolve, its address's key is unknown)
        Path onlyH1 = dir.resolve("ssh_config_h1");
        String config = Files.readString(TestHosts.sshConfig());
        int h2 = config.indexOf("Host h2");
        Files.writeString(onlyH1, h2 > 0 ? config.substring(0, h2) : config);
        Map<String, String> env = env();
        env.put("CLOUDTUI_SSH_CONFIG", onlyH1.toString());
        Result noWay = cloudtui(env, "-H", "h1", "exec", task, "true");
        oneLine(noWay, 1, "task " + task + " runs on node h2, which is not a host of this session");
        assertTrue(noWay.err().contains("-H h2"), noWay.toString());

        // not a task nor a workload: the usual line
        oneLine(onManager("exec", svc + ".99", "true"), 1, "no such workload '" + svc + ".99'");
    }

    static String nodeAvailability(String host) throws Exception {
        return json(onManager("node", "ls", "--format", "json")).stream().filter(n -> n.path("hostname").asText().equals(host))
                .findFirst().orElseThrow().path("availability").asText();
    }

    @Test
    void badInputIsOneLineWithDockersExitCodes() throws Exception {
        String web = PREFIX + "-dup";
        String global = PREFIX + "-global";
        assertEquals(0, onManager(create("service", "create", "-d", "--name", web)).code());
        assertEquals(0, onManager(create("service", "create", "-d", "--name", global, "--mode", "global")).code());

        oneLine(onManager(create("service", "create", "-d", "--name", web)), 1, "service " + web + " already exists");
        oneLine(onManager("service", "scale", global + "=2"), 1, "scale can only be used with replicated mode");
        oneLine(onManager("service", "scale", web + "=lots"), 2, "invalid replicas value 'lots'");
        oneLine(onManager("service", "scale", web), 2, "invalid scale specifier");
        oneLine(onManager("service", "ps", PREFIX + "-nosuch"), 1, "service " + PREFIX + "-nosuch not found");
        oneLine(onManager("service", "rollback", web), 1, "has no previous spec");
        oneLine(onManager("node", "update", "--availability", "sideways", "h2"), 2, "invalid availability 'sideways'");
        oneLine(onManager("node", "rm", "h3"), 1, "is not down and can't be removed");
        // a worker's engine cannot answer for the swarm
        oneLine(cloudtui(env(), "service", "ls", "--backend", "h2/docker"), 1, "'h2/docker' is not a swarm manager");

        // a bad image: the task's error is shown
        String bad = PREFIX + "-bad";
        assertEquals(0, onManager("service", "create", "-d", "--name", bad, "local/no-such-image:1").code());
        List<JsonNode> ts = awaitTasks(bad, "the task's error", t -> t.stream().anyMatch(x -> !x.path("error").asText().isEmpty()));
        assertTrue(ts.stream().anyMatch(t -> t.path("error").asText().contains("No such image")), ts.toString());
    }

    static void oneLine(Result r, int code, String text) {
        assertEquals(code, r.code(), r.toString());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.toString());
        assertTrue(lines.get(0).startsWith("cloudtui: ") && lines.get(0).contains(text), r.toString());
    }
}
