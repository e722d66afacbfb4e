package io.cloudtui.docker;

import io.cloudtui.testing.SocketRelay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.WorkloadEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerEventsIT extends DockerItSupport {
    @TempDir
    Path tmp;

    private static boolean has(List<WorkloadEvent> events, String id, String action) {
        return events.stream().anyMatch(e -> e.type() == WorkloadEvent.Type.WORKLOAD && e.id().ref().equals(id) && e.action().equals(action));
    }

    private static long count(List<WorkloadEvent> events, WorkloadEvent.Type type) {
        return events.stream().filter(e -> e.type() == type).count();
    }

    private static boolean pumpThreadAlive(String backend) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("docker-events-" + backend) && t.isAlive());
    }

    @Test
    void containerLifecycleShowsUpAsEvents() throws Exception {
        List<WorkloadEvent> events = new CopyOnWriteArrayList<>();
        AutoCloseable handle = docker.events(events::add);
        eventually(() -> count(events, WorkloadEvent.Type.CONNECTED) == 1, "CONNECTED");
        String n = name("events");
        String id = runDetached(n, "sleep 300");
        docker.stop(n, Duration.ofSeconds(1));
        eventually(() -> has(events, id, "create") && has(events, id, "start") && has(events, id, "die") && has(events, id, "stop"),
                "create/start/die/stop events for " + id + " (got " + events + ")");
        WorkloadEvent start = events.stream().filter(e -> e.id() != null && e.id().ref().equals(id) && e.action().equals("start")).findFirst().orElseThrow();
        assertEquals("docker", start.backend());
        assertEquals("docker:" + id, start.id().toString());
        assertTrue(start.at() != null);
        handle.close();
        eventually(() -> !pumpThreadAlive("docker"), "event thread to end");
        int before = events.size();
        docker.start(n);
        Thread.sleep(500);
        assertEquals(before, events.size(), "no events after close");
    }

    @Test
    void reconnectsAfterTheEngineComesBack() throws Exception {
        Path sock = tmp.resolve("docker-proxy.sock");
        try (SocketRelay proxy = new SocketRelay(sock, Path.of("/var/run/docker.sock"))) {
            proxy.start();
            BackendConfig cfg = new BackendConfig("flaky", "docker", true, "unix://" + sock, null, null, null, null, null, null, null);
            try (Backend flaky = new DockerProvider().create(cfg)) {
                List<WorkloadEvent> events = new CopyOnWriteArrayList<>();
                AutoCloseable handle = flaky.events(events::add);
                eventually(() -> count(events, WorkloadEvent.Type.CONNECTED) == 1, "first CONNECTED");

                proxy.stop();
                eventually(() -> count(events, WorkloadEvent.Type.DISCONNECTED) == 1, "DISCONNECTED");
                proxy.start();
                eventually(() -> count(events, WorkloadEvent.Type.CONNECTED) == 2, "CONNECTED again");
                assertEquals(1, count(events, WorkloadEvent.Type.DISCONNECTED));

                String n = name("reconn");
                String id = runDetached(n, "sleep 300");
                eventually(() -> has(events, id, "start"), "start event after reconnect");
                assertEquals("flaky", events.get(events.size() - 1).backend());

                handle.close();
                eventually(() -> !pumpThreadAlive("flaky"), "event thread to end");
            }
        }
    }

    @Test
    void eventsOfAnUnreachableEngineSayDisconnectedAndStopOnClose() throws Exception {
        BackendConfig cfg = new BackendConfig("gone", "docker", true, "unix://" + tmp.resolve("none.sock"), null, null, null, null, null, null, null);
        try (Backend gone = new DockerProvider().create(cfg)) {
            List<WorkloadEvent> events = new CopyOnWriteArrayList<>();
            AutoCloseable handle = gone.events(events::add);
            eventually(() -> count(events, WorkloadEvent.Type.DISCONNECTED) == 1, "DISCONNECTED");
            handle.close();
            eventually(() -> !pumpThreadAlive("gone"), "event thread to end");
            assertEquals(0, count(events, WorkloadEvent.Type.CONNECTED));
        }
    }
}
