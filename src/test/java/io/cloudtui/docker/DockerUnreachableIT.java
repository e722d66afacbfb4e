package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.LogOptions;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** No engine at the configured address: every call fails with one line naming it and a remedy, and never hangs. */
class DockerUnreachableIT {
    /** A hang guard, not a timing assertion: a refused connection must not wait for any timeout. */
    private static final Duration HANG = Duration.ofSeconds(30);

    private static Backend backend(String host) {
        return new DockerProvider().create(new BackendConfig("dead", "docker", true, host, null, null, null, null, null, null, null));
    }

    private static void assertOneLine(CloudtuiException e, String host) {
        assertTrue(e.getMessage().startsWith("cannot connect to the Docker engine at " + host), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void missingSocket() {
        String host = "unix:///tmp/nonexistent.sock";
        try (Backend b = backend(host)) {
            assertTimeoutPreemptively(HANG, () -> {
                CloudtuiException ping = assertThrows(CloudtuiException.class, b::ping);
                assertOneLine(ping, host);
                assertTrue(ping.getMessage().contains("is dockerd running?"), ping.getMessage());
                assertTrue(ping.getMessage().contains("sudo systemctl start docker"), ping.getMessage());
                assertOneLine(assertThrows(CloudtuiException.class, () -> b.list(true)), host);
                assertOneLine(assertThrows(CloudtuiException.class, () -> b.logs("x", LogOptions.all(), l -> {}, new Backend.Cancel())), host);
                assertOneLine(assertThrows(CloudtuiException.class, () -> b.exec("x", java.util.List.of("true"), null)), host);
            });
        }
    }

    @Test
    void tcpPortNobodyListensOn() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String host = "tcp://127.0.0.1:" + port;
        try (Backend b = backend(host)) {
            assertTimeoutPreemptively(HANG, () -> {
                CloudtuiException ping = assertThrows(CloudtuiException.class, b::ping);
                assertOneLine(ping, host);
                assertTrue(ping.getMessage().contains("DOCKER_HOST"), ping.getMessage());
                assertOneLine(assertThrows(CloudtuiException.class, () -> b.list(false)), host);
            });
        }
    }
}
