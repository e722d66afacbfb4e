package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Container;
import io.cloudtui.core.State;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkloadMapperTest {
    /** The engine's own JSON for one entry of GET /containers/json, read the way docker-java reads it. */
    private static Container container(String json) throws Exception {
        return new ObjectMapper().readValue(json, Container.class);
    }

    @Test
    void mapsAListEntry() throws Exception {
        String id = "4f66ad9a0b2e8f2b6c0d0d2b2ef6c1b1b4a1f1c8b2a7f0f8c9a0e2b6c7d8e9f0";
        Container c = container("""
                {"Id":"%s","Names":["/web/db-alias","/web"],"Image":"local/busybox","Command":"sh -c 'httpd -f'",
                 "Created":1700000000,"State":"running","Status":"Up 3 minutes",
                 "Ports":[{"IP":"::","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},
                          {"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},
                          {"PrivatePort":443,"Type":"tcp"}],
                 "Labels":{"app":"web"}}""".formatted(id));
        Instant started = Instant.parse("2024-01-01T00:00:00Z");
        Workload w = WorkloadMapper.map("docker", "unix:///var/run/docker.sock", c, started);
        assertEquals("docker:" + id, w.id().toString());
        assertEquals("web", w.name());
        assertEquals(WorkloadKind.CONTAINER, w.kind());
        assertEquals(State.RUNNING, w.state());
        assertEquals("Up 3 minutes", w.status());
        assertEquals(Instant.ofEpochSecond(1700000000), w.created());
        assertEquals(started, w.started());
        assertEquals(List.of("0.0.0.0:8080->80/tcp", ":::8080->80/tcp", "443/tcp"), w.ports());
        assertEquals(Map.of("app", "web"), w.labels());
        assertEquals("sh -c 'httpd -f'", w.command());
        assertEquals("unix:///var/run/docker.sock", w.host());
    }

    @Test
    void stoppedContainerHasNoStartTime() throws Exception {
        Container c = container("{\"Id\":\"abc\",\"Names\":[\"/x\"],\"State\":\"exited\",\"Status\":\"Exited (0) 2 minutes ago\"}");
        Workload w = WorkloadMapper.map("d", "", c, Instant.now());
        assertEquals(State.STOPPED, w.state());
        assertNull(w.started());
        assertEquals("Exited (0) 2 minutes ago", w.status());
    }

    @Test
    void states() {
        assertEquals(State.CREATED, WorkloadMapper.state("created"));
        assertEquals(State.PAUSED, WorkloadMapper.state("paused"));
        assertEquals(State.RESTARTING, WorkloadMapper.state("restarting"));
        assertEquals(State.DEAD, WorkloadMapper.state("dead"));
        assertEquals(State.REMOVING, WorkloadMapper.state("removing"));
        assertEquals(State.UNKNOWN, WorkloadMapper.state("weird"));
        assertEquals(State.UNKNOWN, WorkloadMapper.state(null));
    }
}
