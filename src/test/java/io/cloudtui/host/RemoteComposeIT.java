package io.cloudtui.host;

import static io.cloudtui.host.RemoteHostsIT.cloudtui;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.core.Compose;
import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import io.cloudtui.testing.TestHosts.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Compose project on a remote test host (h2: its containers carry Compose's labels, as
 * docker-compose on that host would make them): it groups under the host's backend, its verbs work
 * through the host's engine, its logs merge, and running the Compose CLI there is refused in one line.
 */
class RemoteComposeIT {
    static final String PROJECT = "ctuirc" + UUID.randomUUID().toString().replace("-", "").substring(0, 6);
    static TestHosts hosts;
    static Host h2;
    static Path dir;

    static String name(String service) {
        return PROJECT + "_" + service + "_1";
    }

    @BeforeAll
    static void setUp() throws Exception {
        hosts = TestHosts.requireHost("h2");
        h2 = hosts.host("h2");
        dir = Files.createTempDirectory("ctui-rc");
        Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("hosts.yaml"), "hosts:\n  - {name: h2, ssh: h2}\n");
        for (String s : List.of("web", "app")) {
            TestHosts.Result r = hosts.docker(h2, "run", "-d", "--name", name(s), "--label", Compose.PROJECT + "=" + PROJECT,
                    "--label", Compose.SERVICE + "=" + s, "--label", Compose.NUMBER + "=1", "--label", Compose.WORKING_DIR + "=/srv/" + PROJECT,
                    "--label", Compose.CONFIG_FILES + "=/srv/" + PROJECT + "/compose.yaml",
                    "local/busybox", "sh", "-c", "trap 'exit 0' TERM; echo " + s + " says hello; while true; do sleep 0.3; done");
            assertTrue(r.ok(), r.out());
        }
    }

    @AfterAll
    static void tearDown() {
        if (hosts != null) {
            hosts.heal(h2);
            for (String s : List.of("web", "app")) hosts.docker(h2, "rm", "-f", name(s));
        }
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("CLOUDTUI_CONFIG", dir.resolve("hosts.yaml").toString());
        env.put("CLOUDTUI_SSH_CONFIG", TestHosts.sshConfig().toString());
        env.put("XDG_RUNTIME_DIR", dir.resolve("run").toString());
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("DOCKER_CONFIG", dir.resolve("docker").toString());
        return env;
    }

    @Test
    void aHostsProjectGroupsUnderItsBackendAndIsDrivenThroughIt() throws Exception {
        RemoteHostsIT.Result ps = cloudtui(env(), "ps", "--project", PROJECT, "--format", "json");
        assertEquals(0, ps.code(), ps.toString());
        List<String> names = new ArrayList<>();
        for (JsonNode n : new ObjectMapper().readTree(ps.out())) {
            assertEquals("h2/docker", n.path("backend").asText(), n.toString());
            assertEquals(PROJECT, n.path("project").asText(), n.toString());
            names.add(n.path("name").asText() + "=" + n.path("service").asText());
        }
        // by service: app before web
        assertEquals(List.of(name("app") + "=app", name("web") + "=web"), names);

        RemoteHostsIT.Result logs = cloudtui(env(), "logs", "--project", "h2/docker:" + PROJECT);
        assertEquals(0, logs.code(), logs.toString());
        assertTrue(logs.out().contains(name("web") + " | web says hello\n") && logs.out().contains(name("app") + " | app says hello\n"), logs.toString());

        RemoteHostsIT.Result up = cloudtui(env(), "compose", "up", PROJECT);
        assertEquals(1, up.code(), up.toString());
        assertEquals("cloudtui: " + PROJECT + " is on host h2: running the Compose CLI on a remote host is not supported yet\n", up.err());

        RemoteHostsIT.Result stop = cloudtui(env(), "compose", "stop", PROJECT);
        assertEquals(0, stop.code(), stop.toString());
        for (String s : List.of("web", "app")) {
            assertEquals("false", hosts.docker(h2, "inspect", "-f", "{{.State.Running}}", name(s)).out().trim());
        }
    }
}
