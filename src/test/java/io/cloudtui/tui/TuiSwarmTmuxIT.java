package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import io.cloudtui.testing.TestHosts.Host;
import io.cloudtui.testing.Tmux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The swarm in the UI, the real jar under tmux, with the test hosts h1..h3 (scripts/provision/52-swarm.sh:
 * h1 the manager) as the session's hosts: the services view (key 5) finds the manager among them, a
 * service's tasks on their nodes (enter), a task's container on its worker through that node's host (its logs, a
 * shell), scaling from the UI (c, the palette's scale filled in) seen
 * live, removal asking first (n keeps it, y removes it), and the nodes view (key 6).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TuiSwarmTmuxIT {
    static final String PREFIX = "ctui-it-swui-" + UUID.randomUUID().toString().substring(0, 6);
    static final String SERVICE = PREFIX + "-web";
    /** The service the UI creates. */
    static final String MADE = PREFIX + "-made";
    static TestHosts hosts;
    static Host manager;
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        hosts = TestHosts.require();
        manager = hosts.host("h1");
        TestHosts.Result info = hosts.docker(manager, "info", "--format", "{{.Swarm.ControlAvailable}}");
        Engines.require(info.ok() && info.out().trim().equals("true"), "the test hosts' swarm (sudo scripts/provision/52-swarm.sh)");
        dir = Files.createTempDirectory("ctui-swui");
        Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("config.yaml"), "hosts:\n  - {name: h1, ssh: h1}\n  - {name: h2, ssh: h2}\n  - {name: h3, ssh: h3}\n");
        TestHosts.Result r = hosts.docker(manager, "service", "create", "-d", "--name", SERVICE, "--replicas", "2",
                "--constraint", "node.role==worker", "local/busybox", "sh", "-c", "trap 'exit 0' TERM; echo swui-hello; while :; do sleep 1; done");
        assertTrue(r.ok(), r.out());
    }

    @AfterAll
    static void tearDown() {
        if (hosts != null) hosts.docker(manager, "service", "rm", SERVICE);
        if (hosts != null) hosts.docker(manager, "service", "rm", MADE);
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    /** Rows of the list on screen that name our service or its tasks. */
    static List<String> rows(String screen) {
        return screen.lines().filter(l -> l.contains(SERVICE)).toList();
    }

    /** Selects the row naming our service (the list is sorted by name; others' services may be there too). */
    static void select(Tmux tmux, String screen) {
        List<String> lines = screen.lines().toList();
        int header = -1;
        int at = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (header < 0 && lines.get(i).contains("NAME") && lines.get(i).contains("REPLICAS")) header = i;
            if (header >= 0 && at < 0 && lines.get(i).contains(SERVICE)) at = i;
        }
        assertTrue(header >= 0 && at > header, screen);
        tmux.keys("g");
        for (int i = 0; i < at - header - 1; i++) tmux.keys("j");
    }

    @Test
    void servicesTasksScaleAndRemoveAskingFirst() throws Exception {
        Map<String, String> env = Map.of("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString(),
                "CLOUDTUI_SSH_CONFIG", TestHosts.sshConfig().toString(), "CLOUDTUI_SSH_CONNECT_TIMEOUT", "5",
                "XDG_RUNTIME_DIR", dir.resolve("run").toString(), "XDG_STATE_HOME", dir.resolve("state").toString(),
                "DOCKER_CONFIG", dir.resolve("docker").toString(), "TERM", "xterm-256color", "LANG", "C.UTF-8");
        Path run = Tmux.launcher(dir, env);
        try (Tmux tmux = new Tmux(PREFIX)) {
            tmux.start(run.toString(), 200, 40);
            tmux.await("the hosts connected", t -> t.contains("h1 connected") && t.contains("h2 connected") && t.contains("h3 connected"),
                    Duration.ofSeconds(90));
            // the services view: the manager (h1) found among the three hosts
            tmux.keys("5");
            String s = tmux.await("our service, 2/2", t -> rows(t).stream().anyMatch(l -> l.contains("replicated") && l.contains("2/2")
                    && l.contains("h1/docker")), Duration.ofSeconds(60));
            // its tasks, on their nodes
            select(tmux, s);
            tmux.keys("Enter");
            s = tmux.await("two running tasks", t -> t.contains("tasks of service " + SERVICE)
                    && rows(t).stream().filter(l -> l.matches(".*" + SERVICE + "\\.[12] +h[23] +running +running.*")).count() == 2,
                    Duration.ofSeconds(60));
            // a task's container on its worker node, through that node's host: its logs (enter), a shell (e)
            tmux.keys("g");
            tmux.keys("Enter");
            tmux.await("the task's output", t -> t.contains("swui-hello") && t.contains("following"), Duration.ofSeconds(60));
            tmux.keys("Escape");
            tmux.await("the tasks again", t -> t.contains("tasks of service " + SERVICE), Duration.ofSeconds(30));
            tmux.keys("e");
            tmux.await("the task's shell", t -> t.contains("shell sh in " + SERVICE + ".1.") && t.contains("/ #"), Duration.ofSeconds(60));
            tmux.type("echo shell-$((6*7))-on-$(cat /etc/hostname)");
            tmux.keys("Enter");
            tmux.await("the shell's answer", t -> t.contains("shell-42-on-"), Duration.ofSeconds(60));
            tmux.type("exit");
            tmux.keys("Enter");
            tmux.await("the tasks after the shell", t -> t.contains("tasks of service " + SERVICE), Duration.ofSeconds(30));
            tmux.keys("Escape");
            // scale from the UI: c opens the palette with the service filled in; the list follows by itself
            s = tmux.await("the services again", t -> t.contains("NAME") && t.contains("REPLICAS") && !rows(t).isEmpty(), Duration.ofSeconds(30));
            select(tmux, s);
            tmux.keys("c");
            tmux.await("the scale prompt", t -> t.contains(":scale " + SERVICE), Duration.ofSeconds(30));
            tmux.type("3");
            tmux.keys("Enter");
            tmux.await("3/3", t -> rows(t).stream().anyMatch(l -> l.contains("3/3")), Duration.ofSeconds(90));
            TestHosts.Result replicas = hosts.docker(manager, "service", "inspect", "--format", "{{.Spec.Mode.Replicated.Replicas}}", SERVICE);
            assertEquals("3", replicas.out().trim(), replicas.out());
            // remove asks first: n keeps it
            tmux.keys("d");
            tmux.await("the question", t -> t.contains("Remove service " + SERVICE + "?"), Duration.ofSeconds(30));
            tmux.keys("n");
            tmux.await("the question gone", t -> !t.contains("Remove service " + SERVICE + "?"), Duration.ofSeconds(30));
            assertTrue(hosts.docker(manager, "service", "inspect", SERVICE).ok(), "the service went without a yes");
            // y removes it, and the row goes
            tmux.keys("d");
            tmux.await("the question", t -> t.contains("Remove service " + SERVICE + "?"), Duration.ofSeconds(30));
            tmux.keys("y");
            tmux.await("the row gone", t -> t.contains("REPLICAS") && rows(t).stream().noneMatch(l -> l.contains("replicated")),
                    Duration.ofSeconds(60));
            assertTrue(!hosts.docker(manager, "service", "inspect", SERVICE).ok(), "the service is still there");
            // the nodes view
            tmux.keys("6");
            s = tmux.await("three nodes", t -> t.lines().anyMatch(l -> l.contains("h1 *") && l.contains("manager") && l.contains("Leader"))
                    && t.lines().anyMatch(l -> l.trim().startsWith("h2 ") && l.contains("worker") && l.contains("ready"))
                    && t.lines().anyMatch(l -> l.trim().startsWith("h3 ") && l.contains("worker")), Duration.ofSeconds(60));
            tmux.quitAndCheckTerminal();
        }
    }

    /**
     * With the manager alone in the session (-H h1): a service created from the UI (n, the palette's
     * :service-create) shows up live, the same name again is one line in the status, and A attaches to
     * its task's container on a worker, which is not a host of the session: the node is reached through
     * the ssh config by its name, as an ad-hoc host. The services view is opened before h1 connected.
     */
    @Test
    void aServiceCreatedFromTheUiAndATaskOnAWorkerAttachedThroughSsh() throws Exception {
        Map<String, String> env = Map.of("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString(),
                "CLOUDTUI_SSH_CONFIG", TestHosts.sshConfig().toString(), "CLOUDTUI_SSH_CONNECT_TIMEOUT", "5",
                "XDG_RUNTIME_DIR", dir.resolve("run").toString(), "XDG_STATE_HOME", dir.resolve("state").toString(),
                "DOCKER_CONFIG", dir.resolve("docker").toString(), "TERM", "xterm-256color", "LANG", "C.UTF-8");
        Path run = Tmux.launcher(dir, "run-h1", env, List.of("-H", "h1"));
        try (Tmux tmux = new Tmux(PREFIX + "-mk")) {
            tmux.start(run.toString(), 200, 40);
            // the services view opened at once, before the manager's host connected: it finds the manager when it joins
            tmux.keys("5");
            tmux.await("h1 connected", t -> t.contains("h1 connected") && t.contains("REPLICAS"), Duration.ofSeconds(90));
            tmux.keys("n");
            tmux.await("the create prompt", t -> t.contains(":service-create"), Duration.ofSeconds(30));
            tmux.type("--replicas 1 --constraint node.role==worker -e SAY=made-by-ui " + MADE + " local/busybox ping -i 1 127.0.0.1");
            tmux.keys("Enter");
            String s = tmux.await("the created service, 1/1", t -> t.lines().anyMatch(l -> l.contains(MADE) && l.contains("replicated") && l.contains("1/1")),
                    Duration.ofSeconds(90));
            TestHosts.Result spec = hosts.docker(manager, "service", "inspect", "--format",
                    "{{.Spec.TaskTemplate.ContainerSpec.Env}} {{.Spec.TaskTemplate.Placement.Constraints}}", MADE);
            assertTrue(spec.out().contains("SAY=made-by-ui") && spec.out().contains("node.role==worker"), spec.out());
            // the same name again: one line in the status
            tmux.keys("n");
            tmux.await("the create prompt", t -> t.contains(":service-create"), Duration.ofSeconds(30));
            tmux.type(MADE + " local/busybox");
            tmux.keys("Enter");
            s = tmux.await("the error line", t -> t.contains("service-create " + MADE + ":") && t.contains("already exists"), Duration.ofSeconds(60));
            // its task, on a worker
            List<String> lines = s.lines().toList();
            int header = -1;
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (header < 0 && lines.get(i).contains("NAME") && lines.get(i).contains("REPLICAS")) header = i;
                if (header >= 0 && at < 0 && lines.get(i).contains(MADE)) at = i;
            }
            assertTrue(header >= 0 && at > header, s);
            tmux.keys("g");
            for (int i = 0; i < at - header - 1; i++) tmux.keys("j");
            tmux.keys("Enter");
            tmux.await("its running task on a worker", t -> t.contains("tasks of service " + MADE)
                    && t.lines().anyMatch(l -> l.matches(".*" + MADE + "\\.1 +h[23] +running +running.*")), Duration.ofSeconds(60));
            tmux.keys("g");
            tmux.keys("A");
            tmux.await("attached to the task's container", t -> t.contains("attached to " + MADE + ".1.") && t.contains("bytes from 127.0.0.1"),
                    Duration.ofSeconds(60));
            tmux.keys("C-p", "C-q");
            tmux.await("the tasks after detaching", t -> t.contains("tasks of service " + MADE), Duration.ofSeconds(30));
            tmux.quitAndCheckTerminal();
        }
    }
}
