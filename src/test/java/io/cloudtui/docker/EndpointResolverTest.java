package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointResolverTest {
    @TempDir
    Path home;

    private EndpointResolver resolver(Map<String, String> env, Set<Path> sockets) {
        return new EndpointResolver(env, home, sockets::contains);
    }

    private static BackendConfig config(String host, Boolean tls, String certs) {
        return new BackendConfig("d", "docker", true, host, tls, certs, null, null, null, null, null);
    }

    @Test
    void aSocketThatExistsButMayNotBeOpenedIsNamedOnlyWhenNothingElsePointsAtAnEngine() {
        Path sock = Path.of("/var/run/docker.sock");
        // exists, but the resolver (write access) does not count it
        assertEquals(sock, resolver(Map.of(), Set.of()).unopenableSocket(Set.of(sock)::contains));
        assertNull(resolver(Map.of(), Set.of()).unopenableSocket(p -> false));
        assertNull(resolver(Map.of("DOCKER_HOST", "tcp://h:2375"), Set.of()).unopenableSocket(Set.of(sock)::contains));
        Path podman = Path.of("/run/podman/podman.sock");
        assertNull(resolver(Map.of(), Set.of(podman)).unopenableSocket(Set.of(sock, podman)::contains), "podman's socket is used");
        {
            var u = DockerProvider.unusable(sock, "docker", "ann");
            assertEquals("permission denied on /var/run/docker.sock (this user is not in the 'docker' group: "
                    + "'sudo usermod -aG docker ann' and log in again, or use the bundled engine)", u.message());
            assertEquals("permission denied on /var/run/docker.sock", u.what());
        }
    }

    @Test
    void configWinsOverEnvironment() {
        Endpoint e = resolver(Map.of("DOCKER_HOST", "tcp://env:2375"), Set.of())
                .resolve(config("tcp://cfg:2376", true, "/certs"));
        assertEquals("tcp://cfg:2376", e.host());
        assertTrue(e.tlsVerify());
        assertEquals("/certs", e.certPath());
        assertEquals("config", e.source());
    }

    @Test
    void configTlsWithoutCertPathUsesDockerConfigDir() {
        Endpoint e = resolver(Map.of(), Set.of()).resolve(config("tcp://cfg:2376", true, null));
        assertEquals(home.resolve(".docker").toString(), e.certPath());
    }

    @Test
    void dockerHostWithTlsFromEnvironment() {
        Map<String, String> env = Map.of("DOCKER_HOST", "tcp://10.0.0.1:2376", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", "/my/certs");
        Endpoint e = resolver(env, Set.of()).resolve(BackendConfig.of("docker", "docker"));
        assertEquals("tcp://10.0.0.1:2376", e.host());
        assertTrue(e.tlsVerify());
        assertEquals("/my/certs", e.certPath());
        assertEquals("DOCKER_HOST", e.source());
    }

    @Test
    void tlsVerifyZeroMeansOff() {
        Endpoint e = resolver(Map.of("DOCKER_HOST", "tcp://h:2375", "DOCKER_TLS_VERIFY", "0"), Set.of()).resolve(null);
        assertFalse(e.tlsVerify());
        assertNull(e.certPath());
    }

    @Test
    void currentContextFromConfigJson() throws IOException {
        writeContext(home.resolve(".docker"), "remote", "tcp://ctx:2376", false, true);
        Files.writeString(home.resolve(".docker/config.json"), "{\"currentContext\":\"remote\"}");
        Endpoint e = resolver(Map.of(), Set.of()).resolve(null);
        assertEquals("tcp://ctx:2376", e.host());
        assertTrue(e.tlsVerify());
        assertEquals(home.resolve(".docker/contexts/tls").resolve(EndpointResolver.sha256("remote")).resolve("docker").toString(), e.certPath());
        assertEquals("context 'remote'", e.source());
    }

    @Test
    void dockerContextEnvOverridesConfigJsonAndSkipTlsVerify() throws IOException {
        Path cfg = home.resolve("elsewhere");
        writeContext(cfg, "other", "tcp://other:2376", true, true);
        writeContext(cfg, "remote", "tcp://ctx:2376", false, false);
        Files.writeString(cfg.resolve("config.json"), "{\"currentContext\":\"remote\"}");
        Endpoint e = resolver(Map.of("DOCKER_CONFIG", cfg.toString(), "DOCKER_CONTEXT", "other"), Set.of()).resolve(null);
        assertEquals("tcp://other:2376", e.host());
        assertFalse(e.tlsVerify());
    }

    @Test
    void dockerHostWinsOverContext() throws IOException {
        writeContext(home.resolve(".docker"), "remote", "tcp://ctx:2376", false, false);
        Endpoint e = resolver(Map.of("DOCKER_HOST", "unix:///x.sock", "DOCKER_CONTEXT", "remote"), Set.of()).resolve(null);
        assertEquals("unix:///x.sock", e.host());
    }

    @Test
    void defaultContextMeansLocalSocket() throws IOException {
        Files.createDirectories(home.resolve(".docker"));
        Files.writeString(home.resolve(".docker/config.json"), "{\"currentContext\":\"default\"}");
        Endpoint e = resolver(Map.of(), Set.of()).resolve(null);
        assertEquals("unix:///var/run/docker.sock", e.host());
    }

    @Test
    void missingContextIsAClearError() {
        CloudtuiException ex = assertThrows(CloudtuiException.class,
                () -> resolver(Map.of("DOCKER_CONTEXT", "gone"), Set.of()).resolve(null));
        assertTrue(ex.getMessage().contains("docker context 'gone' not found"), ex.getMessage());
    }

    @Test
    void sshEndpointsAreRejectedWithAHint() {
        CloudtuiException ex = assertThrows(CloudtuiException.class,
                () -> resolver(Map.of("DOCKER_HOST", "ssh://me@host"), Set.of()).resolve(null));
        assertTrue(ex.getMessage().contains("is reached through 'hosts:'"), ex.getMessage());
        ex = assertThrows(CloudtuiException.class, () -> resolver(Map.of(), Set.of()).resolve(config("ssh://me@host", null, null)));
        assertTrue(ex.getMessage().contains("(config: ssh://me@host) is reached through 'hosts:'"), ex.getMessage());
    }

    @Test
    void sshEndpointsOfTheEnvironmentGoToTheHostLayer() throws IOException {
        // DOCKER_HOST=ssh://...: not the local socket, not refused: the host layer reaches it
        EndpointResolver r = resolver(Map.of("DOCKER_HOST", "ssh://me@host"), Set.of(Path.of("/var/run/docker.sock")));
        assertTrue(r.autodetect().isEmpty());
        assertEquals("ssh://me@host", r.sshEndpoint().orElseThrow().host());
        assertEquals("DOCKER_HOST", r.sshEndpoint().orElseThrow().source());
        assertTrue(resolver(Map.of("DOCKER_HOST", "tcp://h:2375"), Set.of()).sshEndpoint().isEmpty());
        // so does a context whose endpoint is ssh://
        writeContext(home.resolve(".docker"), "remote", "ssh://ops@web1", false, false);
        r = resolver(Map.of("DOCKER_CONTEXT", "remote"), Set.of(Path.of("/var/run/docker.sock")));
        assertTrue(r.autodetect().isEmpty());
        assertEquals("ssh://ops@web1", r.sshEndpoint().orElseThrow().host());
        assertEquals("context 'remote'", r.sshEndpoint().orElseThrow().source());
    }

    @Test
    void autodetectFindsNothingWithoutSocketOrEnvironment() {
        assertTrue(resolver(Map.of(), Set.of()).autodetect().isEmpty());
    }

    @Test
    void autodetectPrefersDockerSocketThenPodman() {
        Map<String, String> env = new HashMap<>(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"));
        Path userPodman = Path.of("/run/user/1000/podman/podman.sock");
        assertEquals("unix://" + userPodman, resolver(env, Set.of(userPodman)).autodetect().orElseThrow().host());
        assertEquals("unix:///run/podman/podman.sock",
                resolver(env, Set.of(userPodman, Path.of("/run/podman/podman.sock"))).autodetect().orElseThrow().host());
        assertEquals("unix:///var/run/docker.sock",
                resolver(env, Set.of(userPodman, Path.of("/var/run/docker.sock"))).autodetect().orElseThrow().host());
    }

    @Test
    void autodetectTakesDockerHostEvenWithoutSocket() {
        assertEquals("tcp://h:2375", resolver(Map.of("DOCKER_HOST", "tcp://h:2375"), Set.of()).autodetect().orElseThrow().host());
    }

    @Test
    void resolveFallsBackToAnExistingPodmanSocket() {
        Endpoint e = resolver(Map.of(), Set.of(Path.of("/run/podman/podman.sock"))).resolve(null);
        assertEquals("unix:///run/podman/podman.sock", e.host());
    }

    private static void writeContext(Path configDir, String name, String host, boolean skipTls, boolean certs) throws IOException {
        String hash = EndpointResolver.sha256(name);
        Path meta = configDir.resolve("contexts/meta").resolve(hash);
        Files.createDirectories(meta);
        Files.writeString(meta.resolve("meta.json"), "{\"Name\":\"" + name + "\",\"Metadata\":{},\"Endpoints\":{\"docker\":{\"Host\":\""
                + host + "\",\"SkipTLSVerify\":" + skipTls + "}}}");
        if (certs) {
            Path tls = configDir.resolve("contexts/tls").resolve(hash).resolve("docker");
            Files.createDirectories(tls);
            for (String f : new String[] {"ca.pem", "cert.pem", "key.pem"}) Files.writeString(tls.resolve(f), "x");
        }
    }
}
