package io.cloudtui.agent;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the warm process runs itself, and what it hands back to a JVM of its own. */
class AllowListTest {
    private static final Map<String, String> ENV = Map.of("HOME", "/root", "PATH", "/usr/bin");

    private static String refuse(String... args) {
        return AllowList.refuse(List.of(args), ENV);
    }

    @Test
    void namesAndFlagsOnlyCommandsRunWarm() {
        for (String[] a : new String[][] {
            {"ps"}, {"ps", "-a", "-q"}, {"inspect", "x"}, {"stop", "-t", "0", "x"}, {"start", "x"}, {"logs", "-f", "x"}, {"rm", "-f", "x"},
            {"images"}, {"stats", "--no-stream"}, {"--version"}, {"exec", "x", "ls"}, {"exec", "-u", "1", "-w", "/tmp", "x", "ls", "-i"}, {"build", "."}, {"build", "-f", "d/Dockerfile", "--build-arg", "V", "ctx"},
            {"--config", "/etc/c.yaml", "ps"}, {"--config=/etc/c.yaml", "ps"}, {"vm", "addresses", "v"}, {"vm", "snapshot", "list", "v"},
            // remote hosts: the agent keeps their ssh connections
            {"-H", "web1", "ps"}, {"-Hweb1", "ps", "-a"}, {"--host=web1", "ps"}, {"--host", "ssh://u@web1:22", "logs", "x"},
            {"-H", "web1", "--config", "/etc/c.yaml", "stop", "x"}, {"-H", "web1", "exec", "x", "ls"}, {"-H", "web1", "inspect", "x"},
            // the swarm's lists
            {"service", "ls"}, {"service", "list", "--format", "json"}, {"service", "ps", "web", "api"}, {"-H", "h1", "service", "ps", "--no-trunc", "web"},
            {"node", "ls", "-q"}, {"node", "ps", "h2"},
        }) {
            assertNull(refuse(a), String.join(" ", a));
        }
    }

    @Test
    void terminalsStdinAndCwdFallBack() {
        for (String[] a : new String[][] {
            {}, {"--config", "/etc/c.yaml"}, {"run", "--rm", "x"}, {"attach", "x"}, {"exec", "-it", "x", "sh"},
            {"exec", "-i", "x", "cat"}, {"exec", "-t", "x", "sh"}, {"exec", "-e", "TERM", "x", "env"}, {"exec", "--env=A=b", "x", "env"},
            {"stats"}, {"--config", "c.yaml", "ps"}, {"--config=./c.yaml", "ps"}, {"-H", "web1", "exec", "-it", "x", "sh"},
            {"-H", "web1"}, {"--host=web1"}, {"-H", "web1", "--config", "c.yaml", "ps"}, {"ps", "@args"}, {"image", "import", "f.tar"}, {"vm", "create", "v"}, {"vm", "ssh", "v"},
            {"console", "v"}, {"completion", "bash"}, {"runtime", "state", "x"}, {"pull", "x"}, {"--bogus", "ps"},
            {"service"}, {"service", "logs", "-f", "web"}, {"service", "create", "--name", "w", "nginx"}, {"service", "scale", "web=2"},
            {"node"}, {"node", "update", "--availability", "drain", "h2"}, {"service", "ps", "@args"},
        }) {
            assertNotNull(refuse(a), String.join(" ", a));
        }
    }

    @Test
    void relativePathsInTheEnvironmentFallBackAndSshDockerHostsRunWarm() {
        assertNotNull(AllowList.refuse(List.of("ps"), Map.of("HOME", "home/me")));
        assertNotNull(AllowList.refuse(List.of("ps"), Map.of("CLOUDTUI_CONFIG", "c.yaml")));
        assertNotNull(AllowList.refuse(List.of("ps"), Map.of("CLOUDTUI_SSH_CONFIG", "ssh/config")));
        assertNull(AllowList.refuse(List.of("ps"), Map.of("DOCKER_HOST", "ssh://web1")));
        assertNull(AllowList.refuse(List.of("ps"), Map.of("DOCKER_HOST", "unix:///run/docker.sock", "XDG_CONFIG_HOME", "/x")));
    }
}
