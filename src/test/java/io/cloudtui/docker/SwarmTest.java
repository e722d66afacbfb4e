package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.SwarmSupport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's swarm JSON read into services, and docker's port syntax (SwarmIT drives the real swarm). */
class SwarmTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aReplicatedServiceWithItsStatusPortsAndUpdate() throws Exception {
        String json = """
                {"ID": "abc123", "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 3}},
                  "TaskTemplate": {"ContainerSpec": {"Image": "nginx:1.27@sha256:0123"}}},
                 "Endpoint": {"Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080}]},
                 "ServiceStatus": {"RunningTasks": 2, "DesiredTasks": 3},
                 "UpdateStatus": {"State": "rollback_completed", "StartedAt": "2026-01-02T03:04:05Z", "Message": "rollback completed"},
                 "CreatedAt": "2026-01-01T00:00:00Z"}
                """;
        SwarmSupport.Service s = new Swarm(null, "h1/docker").service(JSON.readTree(json));
        assertEquals("web", s.name());
        assertEquals("replicated", s.mode());
        assertEquals(3L, s.replicas());
        assertEquals("2/3", s.replicasText());
        assertEquals("nginx:1.27", s.image());
        assertEquals(List.of("*:8080->80/tcp"), s.ports());
        assertEquals("rollback_completed", s.updateState());
        assertEquals("2026-01-02T03:04:05Z", s.updateStarted().toString());
        assertFalse(s.global());
    }

    @Test
    void aGlobalServiceThatNeverUpdated() throws Exception {
        String json = """
                {"ID": "g1", "Spec": {"Name": "agent", "Mode": {"Global": {}},
                  "TaskTemplate": {"ContainerSpec": {"Image": "local/busybox"}}},
                 "ServiceStatus": {"RunningTasks": 3, "DesiredTasks": 3}}
                """;
        SwarmSupport.Service s = new Swarm(null, "docker").service(JSON.readTree(json));
        assertTrue(s.global());
        assertNull(s.replicas());
        assertEquals("3/3", s.replicasText());
        assertEquals("", s.updateState());
        assertNull(s.updateStarted());
        assertTrue(s.ports().isEmpty());
    }

    @Test
    void portsInDockersShortAndLongSyntax() {
        assertEquals("{\"PublishedPort\":8080,\"TargetPort\":80,\"Protocol\":\"tcp\"}", Swarm.port("8080:80").toString());
        assertEquals("{\"PublishedPort\":53,\"TargetPort\":53,\"Protocol\":\"udp\"}", Swarm.port("53:53/udp").toString());
        assertEquals("{\"TargetPort\":80,\"Protocol\":\"tcp\"}", Swarm.port("80").toString());
        assertEquals("{\"PublishedPort\":8443,\"TargetPort\":443,\"PublishMode\":\"host\",\"Protocol\":\"tcp\"}",
                Swarm.port("published=8443,target=443,mode=host").toString());
        for (String bad : List.of("web:80", "8080:", "published=1", "8080:80/icmp", "size=3,target=80")) {
            CloudtuiException e = assertThrows(CloudtuiException.class, () -> Swarm.port(bad), bad);
            assertEquals(2, e.exitCode(), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void grpcPrefixesAreNotPartOfTheLine() {
        var e = new com.github.dockerjava.api.exception.ConflictException(
                "{\"message\":\"rpc error: code = AlreadyExists desc = name conflicts with an existing object: service web already exists\"}");
        assertEquals("name conflicts with an existing object: service web already exists", Engine.engineMessage(e));
    }
}
