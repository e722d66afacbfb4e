package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.State;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Workload;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerLifecycleIT extends DockerItSupport {

    @Test
    void pingAndEndpoint() {
        docker.ping();
        assertTrue(docker.endpoint().startsWith("unix://") || docker.endpoint().startsWith("tcp://"));
        assertEquals("docker", docker.type());
        // the socket exists here, so autodetection offers a backend named after its type
        try (var detected = new DockerProvider().autodetect().orElseThrow()) {
            assertEquals("docker", detected.name());
            detected.ping();
        }
    }

    @Test
    void everyVerb() {
        String n = name("verbs");
        String id = docker.create(spec(n, true, "sh", "-c", "trap 'echo hup' HUP; while true; do sleep 0.2; done"));
        assertState("created", n);
        docker.start(n);
        assertState("running", n);
        docker.start(n); // already running: fine, like docker start

        docker.pause(n);
        assertState("paused", n);
        assertEquals(State.PAUSED, docker.get(n).state());
        docker.unpause(n);
        assertState("running", n);

        docker.kill(n, "HUP");
        eventually(() -> cli("logs", n).out().contains("hup"), "HUP trap output");
        assertState("running", n);

        docker.stop(n, Duration.ofSeconds(1));
        assertState("exited", n);
        docker.stop(n, Duration.ofSeconds(1)); // already stopped: fine, like docker stop

        docker.restart(n, Duration.ofSeconds(1));
        assertState("running", n);
        String startedBefore = cli("inspect", "-f", "{{.State.StartedAt}}", n).out();
        docker.restart(n, Duration.ofSeconds(1));
        assertTrue(!startedBefore.equals(cli("inspect", "-f", "{{.State.StartedAt}}", n).out()), "restart restarted it");

        docker.kill(n, "SIGKILL");
        awaitState(n, "exited");
        assertEquals("137", cli("inspect", "-f", "{{.State.ExitCode}}", n).out());

        docker.remove(id, false);
        assertEquals("gone", cliState(n));
    }

    @Test
    void verbsOnStoppedOrMissingContainersFailLikeTheDockerCli() {
        String n = name("stopped");
        docker.create(spec(n, true, "true"));
        CloudtuiException kill = assertThrows(CloudtuiException.class, () -> docker.kill(n, "KILL"));
        assertEquals("container " + n + " is not running", kill.getMessage());
        CloudtuiException pause = assertThrows(CloudtuiException.class, () -> docker.pause(n));
        assertEquals("container " + n + " is not running", pause.getMessage());
        CloudtuiException missing = assertThrows(CloudtuiException.class, () -> docker.start("ctui-it-no-such-container"));
        assertEquals("no such container: ctui-it-no-such-container", missing.getMessage());
        assertEquals("no such container: ctui-it-no-such-container",
                assertThrows(CloudtuiException.class, () -> docker.get("ctui-it-no-such-container")).getMessage());
    }

    @Test
    void removeRunningNeedsForce() {
        String n = name("rm");
        runDetached(n, "sleep 300");
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> docker.remove(n, false));
        assertTrue(e.getMessage().contains("cannot remove a running container"), e.getMessage());
        assertState("running", n);
        docker.remove(n, true);
        assertEquals("gone", cliState(n));
    }

    @Test
    void listAllVersusRunningAndGetByNameIdPrefix() {
        String running = name("run");
        String stopped = name("stop");
        String runId = runDetached(running, "sleep 300");
        String stopId = docker.create(spec(stopped, true, "true"));

        List<Workload> active = docker.list(false);
        List<Workload> all = docker.list(true);
        assertTrue(active.stream().anyMatch(w -> w.name().equals(running)));
        assertTrue(active.stream().noneMatch(w -> w.name().equals(stopped)));
        assertTrue(all.stream().anyMatch(w -> w.name().equals(stopped)));

        Workload w = all.stream().filter(x -> x.name().equals(running)).findFirst().orElseThrow();
        assertEquals("docker:" + runId, w.id().toString());
        assertEquals(IMAGE, w.image());
        assertEquals(State.RUNNING, w.state());
        assertTrue(w.status().startsWith("Up"), w.status());
        assertTrue(w.command().contains("sleep 300"), w.command());
        assertNotNull(w.created());

        Workload byName = docker.get(running);
        assertEquals(runId, byName.nativeId());
        assertNotNull(byName.started());
        assertEquals(runId, docker.get(runId).nativeId());
        assertEquals(runId, docker.get(runId.substring(0, 12)).nativeId());
        Workload st = docker.get(stopId.substring(0, 10));
        assertEquals(stopped, st.name());
        assertEquals(State.CREATED, st.state());
        assertNull(st.started());
    }

    @Test
    void inspectIsTheEnginesJson() throws Exception {
        String n = name("inspect");
        String id = runDetached(n, "sleep 300");
        String json = docker.inspect(n);
        JsonNode node = new ObjectMapper().readTree(json);
        assertEquals(id, node.path("Id").asText());
        assertEquals("/" + n, node.path("Name").asText());
        assertTrue(json.contains("\n  \"Id\""), "pretty-printed");
    }

    /** The cgroup files of a local container give what the API gives: a busy loop's CPU, its memory, pids, network. */
    @Test
    void statsFromTheCgroupFilesOfALocalContainer() throws Exception {
        String n = name("cgstats");
        String id = runDetached(n, "while true; do :; done");
        org.junit.jupiter.api.Assumptions.assumeTrue(CgroupStats.visible(id), "this host's cgroups do not show docker's containers");
        int pid = new ObjectMapper().readTree(docker.inspect(id)).path("State").path("Pid").asInt();
        CgroupStats cg = new CgroupStats();
        assertEquals(null, cg.read(id, () -> pid), "the first reading only starts the CPU delta");
        Thread.sleep(1000);
        Stats s = cg.read(id, () -> pid);
        assertTrue(s.cpuPercent() > 5 && s.cpuPercent() <= 100.0 * Runtime.getRuntime().availableProcessors() + 5, "cpu " + s.cpuPercent());
        assertTrue(s.memoryUsage() > 0 && s.memoryLimit() > s.memoryUsage(), s.toString());
        assertTrue(s.pids() >= 1, s.toString());
        assertTrue(s.netRx() >= 0 && s.netTx() >= 0, "the container's own network namespace: " + s);
        Stats api = docker.stats(n); // by name: the API
        assertEquals(api.pids(), s.pids(), "pids as the engine counts them");
        // through the backend with the full id: after the first reading, the cgroup files answer
        docker.stats(id);
        Stats viaBackend = docker.stats(id);
        assertTrue(viaBackend.cpuPercent() > 5, viaBackend.toString());
    }

    @Test
    void statsOfARunningContainer() {
        String n = name("stats");
        runDetached(n, "while true; do :; done");
        Stats s = docker.stats(n);
        assertTrue(s.memoryUsage() > 0, "memory " + s.memoryUsage());
        assertTrue(s.memoryLimit() > 0, "limit " + s.memoryLimit());
        assertTrue(s.pids() >= 1, "pids " + s.pids());
        assertTrue(Double.isFinite(s.cpuPercent()) && s.cpuPercent() >= 0, "cpu " + s.cpuPercent());
        // a busy loop uses CPU; 2 host CPUs bound it by 200% in docker's per-CPU scale
        assertTrue(s.cpuPercent() > 0 && s.cpuPercent() <= 100.0 * Runtime.getRuntime().availableProcessors() + 5, "cpu " + s.cpuPercent());
        assertEquals(Stats.CpuScale.PER_CPU, s.cpuScale());
        assertTrue(s.netRx() >= 0, "net rx " + s.netRx());
        // the next samples are one-shot against our previous one: still the busy loop's CPU
        for (int i = 0; i < 3; i++) {
            Stats q = docker.stats(n);
            assertTrue(q.cpuPercent() > 5 && q.cpuPercent() <= 100.0 * Runtime.getRuntime().availableProcessors() + 5, "cpu " + q.cpuPercent());
            assertTrue(q.memoryUsage() > 0);
        }
    }
}
