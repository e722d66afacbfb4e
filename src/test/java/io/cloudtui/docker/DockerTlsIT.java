package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Stdio;
import io.cloudtui.testing.Engines;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tcp + TLS endpoints: socat terminates TLS (client certificates required) in front of the real
 * dockerd's socket, with the CA and certificates that scripts/provision/11-docker-tls.sh makes.
 */
class DockerTlsIT extends DockerItSupport {
    static final Path TLS = Path.of("/var/lib/cloudtui-test/tls");
    static Process socat;
    static int port;

    @BeforeAll
    static void startTlsFront() throws Exception {
        Engines.requireDocker();
        Engines.require(Files.exists(TLS.resolve("client/key.pem")) && Engines.run("socat", "-V") == 0, "socat and test TLS certificates");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path srv = TLS.resolve("server");
        socat = new ProcessBuilder("socat", "OPENSSL-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork,cert=" + srv.resolve("cert.pem")
                + ",key=" + srv.resolve("key.pem") + ",cafile=" + srv.resolve("ca.pem") + ",verify=1", "UNIX-CONNECT:/var/run/docker.sock")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; i < 100; i++) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("socat did not listen on " + port);
    }

    @AfterAll
    static void stopTlsFront() {
        if (socat != null) socat.destroyForcibly();
    }

    static DockerBackend tlsBackend(Path certPath) {
        return (DockerBackend) new DockerProvider().create(new BackendConfig("tls", "docker", true, "tcp://127.0.0.1:" + port,
                true, certPath.toString(), null, null, null, null, null));
    }

    @Test
    void listsAndExecsOverTlsWithClientCertificates() {
        String n = name("tls");
        runDetached(n, "echo over-tls; sleep 300");
        try (DockerBackend tls = tlsBackend(TLS.resolve("client"))) {
            tls.ping();
            assertTrue(tls.list(false).stream().anyMatch(w -> w.name().equals(n)));
            assertEquals("tcp://127.0.0.1:" + port, tls.endpoint());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = tls.exec(n, List.of("sh", "-c", "echo hello-tls; exit 5"), new Stdio(null, out, new ByteArrayOutputStream(), false, null, null));
            assertEquals(5, code);
            assertEquals("hello-tls\n", out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void withoutAClientCertificateTheEngineRefusesInOneLine(@TempDir Path onlyCa) throws Exception {
        Files.copy(TLS.resolve("client/ca.pem"), onlyCa.resolve("ca.pem"));
        try (DockerBackend tls = tlsBackend(onlyCa)) {
            CloudtuiException e = assertThrows(CloudtuiException.class, tls::ping);
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    @Test
    void cliFollowsDockerHostTlsVariables(@TempDir Path home) throws Exception {
        String n = name("tlscli");
        runDetached(n, "sleep 300");
        String jar = System.getProperty("cloudtui.jar", "target/cloudtui.jar");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar, "ps", "--format", "json");
        pb.environment().put("HOME", home.toString());
        pb.environment().put("XDG_CONFIG_HOME", home.resolve("cfg").toString());
        pb.environment().put("XDG_STATE_HOME", home.resolve("state").toString());
        pb.environment().put("DOCKER_HOST", "tcp://127.0.0.1:" + port);
        pb.environment().put("DOCKER_TLS_VERIFY", "1");
        pb.environment().put("DOCKER_CERT_PATH", TLS.resolve("client").toString());
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("\"" + n + "\""), out);
    }

    @Test
    void theComposeCliOfAProjectOnATlsEngineUsesItsCertificates(@TempDir Path dir) throws Exception {
        Engines.require(Engines.run("docker", "compose", "version") == 0 || Engines.run("docker-compose", "version") == 0, "a Compose CLI");
        String project = "ctui-tls-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        String n = name("tlscompose");
        Files.writeString(dir.resolve("compose.yaml"), "services:\n  app:\n    image: " + IMAGE + "\n    command: sleep 300\n");
        // a container as Compose labels it, made through the plain socket
        assertEquals(0, cli("run", "-d", "--name", n, "--label", io.cloudtui.core.Compose.PROJECT + "=" + project,
                "--label", io.cloudtui.core.Compose.SERVICE + "=app", "--label", "com.docker.compose.container-number=1",
                "--label", "com.docker.compose.oneoff=False",
                "--label", io.cloudtui.core.Compose.WORKING_DIR + "=" + dir, "--label", io.cloudtui.core.Compose.CONFIG_FILES + "=" + dir.resolve("compose.yaml"),
                IMAGE, "sleep", "300").code());
        try (DockerBackend tls = tlsBackend(TLS.resolve("client"))) {
            io.cloudtui.core.Compose.Project p = io.cloudtui.core.Compose.find(tls.list(true), project);
            List<String> lines = new java.util.ArrayList<>();
            // the caller's own variables point elsewhere: the project's engine wins
            java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
            env.put("DOCKER_HOST", "unix:///nonexistent/docker.sock");
            env.remove("DOCKER_TLS_VERIFY");
            env.remove("DOCKER_CERT_PATH");
            int code = io.cloudtui.core.ComposeCli.run(tls, p, io.cloudtui.core.ComposeCli.Verb.DOWN_VOLUMES, List.of(), env, lines::add, null);
            assertEquals(0, code, String.join("\n", lines));
            assertTrue(cli("inspect", n).code() != 0, "down -v through the TLS endpoint removed the project's container");
        }
    }
}
