package io.cloudtui.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Chooses the Docker endpoint the way the docker CLI does: explicit config, then DOCKER_HOST,
 * then the docker context (DOCKER_CONTEXT or currentContext in config.json), then local sockets.
 * Only reads the environment and files, never the network.
 */
final class EndpointResolver {
    static final String DEFAULT_SOCKET = "/var/run/docker.sock";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> env;
    private final Path home;
    private final Predicate<Path> socketExists;

    EndpointResolver(Map<String, String> env, Path home, Predicate<Path> socketExists) {
        this.env = env;
        this.home = home;
        this.socketExists = socketExists;
    }

    /** A socket counts only if we may connect to it (write access): else a user outside the docker group would get docker, not the embedded engine. */
    static EndpointResolver system() {
        return new EndpointResolver(System.getenv(), io.cloudtui.core.Dirs.home(), p -> Files.exists(p) && Files.isWritable(p));
    }

    /** The endpoint for a configured (or default) backend; falls back to the default socket. */
    Endpoint resolve(BackendConfig config) {
        if (config != null && config.host() != null && !config.host().isBlank()) {
            String host = checkScheme(config.host().trim(), "config");
            boolean tls = Boolean.TRUE.equals(config.tlsVerify());
            String certs = config.certPath() != null ? config.certPath() : tls ? configDir().toString() : null;
            return new Endpoint(host, tls, tls ? certs : null, "config");
        }
        return fromEnvironment()
                .or(this::localSocket)
                .orElse(new Endpoint("unix://" + DEFAULT_SOCKET, false, null, "default socket"));
    }

    /** An endpoint only when something points at an engine: DOCKER_HOST, a context, or an existing socket; not an ssh:// one (see {@link #sshEndpoint}). */
    Optional<Endpoint> autodetect() {
        if (sshEndpoint().isPresent()) return Optional.empty();
        return fromEnvironment().or(this::localSocket);
    }

    /**
     * The ssh:// endpoint DOCKER_HOST or the current docker context names (the host layer reaches
     * it), its {@link Endpoint#source} saying which; empty for any other endpoint.
     */
    Optional<Endpoint> sshEndpoint() {
        String host = env.get("DOCKER_HOST");
        if (host != null && !host.isBlank()) {
            return host.trim().startsWith("ssh://") ? Optional.of(new Endpoint(host.trim(), false, null, "DOCKER_HOST")) : Optional.empty();
        }
        return fromContext(true).filter(e -> e.host().startsWith("ssh://"));
    }

    /**
     * With nothing configured (no DOCKER_HOST, no context), a local socket that exists but this
     * user may not open (write access): docker's own socket outside the 'docker' group. Null when
     * there is none, or when something else points at an engine.
     */
    Path unopenableSocket(Predicate<Path> exists) {
        if (env.get("DOCKER_HOST") != null && !env.get("DOCKER_HOST").isBlank()) return null;
        try {
            if (fromContext().isPresent()) return null;
        } catch (CloudtuiException e) {
            return null;
        }
        if (localSocket().isPresent()) return null;
        for (Path p : candidateSockets()) {
            if (exists.test(p)) return p;
        }
        return null;
    }

    private Optional<Endpoint> fromEnvironment() {
        String host = env.get("DOCKER_HOST");
        if (host != null && !host.isBlank()) {
            boolean tls = isTrue(env.get("DOCKER_TLS_VERIFY"));
            String certs = env.get("DOCKER_CERT_PATH");
            if (certs == null || certs.isBlank()) certs = configDir().toString();
            return Optional.of(new Endpoint(checkScheme(host.trim(), "DOCKER_HOST"), tls, tls ? certs : null, "DOCKER_HOST"));
        }
        return fromContext();
    }

    /** The current docker context's endpoint, unless it is "default" (which means DOCKER_HOST or the socket). */
    Optional<Endpoint> fromContext() {
        return fromContext(false);
    }

    /** As {@link #fromContext()}; SSH: an ssh:// endpoint is returned, not refused. */
    private Optional<Endpoint> fromContext(boolean ssh) {
        String name = env.get("DOCKER_CONTEXT");
        if (name == null || name.isBlank()) name = currentContext();
        if (name == null || name.isBlank() || name.equals("default")) return Optional.empty();
        String hash = sha256(name);
        Path meta = configDir().resolve("contexts").resolve("meta").resolve(hash).resolve("meta.json");
        JsonNode docker;
        try {
            docker = JSON.readTree(meta.toFile()).path("Endpoints").path("docker");
        } catch (IOException e) {
            throw new CloudtuiException("docker context '" + name + "' not found (no " + meta
                    + "); run 'docker context use default' or unset DOCKER_CONTEXT");
        }
        String host = docker.path("Host").asText("");
        if (host.isEmpty()) return Optional.empty();
        String source = "context '" + name + "'";
        Path tlsDir = configDir().resolve("contexts").resolve("tls").resolve(hash).resolve("docker");
        boolean hasCerts = Files.isRegularFile(tlsDir.resolve("ca.pem"));
        boolean tls = hasCerts && !docker.path("SkipTLSVerify").asBoolean(false);
        if (ssh && host.startsWith("ssh://")) return Optional.of(new Endpoint(host, false, null, source));
        return Optional.of(new Endpoint(checkScheme(host, source), tls, tls ? tlsDir.toString() : null, source));
    }

    private String currentContext() {
        Path file = configDir().resolve("config.json");
        if (!Files.isRegularFile(file)) return null;
        try {
            return JSON.readTree(file.toFile()).path("currentContext").asText(null);
        } catch (IOException e) {
            // docker ignores an unreadable config for endpoint purposes as well
            return null;
        }
    }

    private Optional<Endpoint> localSocket() {
        for (Path p : candidateSockets()) {
            if (socketExists.test(p)) {
                String source = p.toString().contains("podman") ? "Podman socket" : "local socket";
                return Optional.of(new Endpoint("unix://" + p, false, null, source));
            }
        }
        return Optional.empty();
    }

    /** Docker's socket, rootless Docker, Docker Desktop, then Podman's Docker-compatible sockets. */
    List<Path> candidateSockets() {
        List<Path> out = new ArrayList<>();
        out.add(Path.of(DEFAULT_SOCKET));
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank()) out.add(Path.of(xdg, "docker.sock"));
        out.add(home.resolve(".docker").resolve("run").resolve("docker.sock"));
        out.add(Path.of("/run/podman/podman.sock"));
        if (xdg != null && !xdg.isBlank()) out.add(Path.of(xdg, "podman", "podman.sock"));
        return out;
    }

    Path configDir() {
        String dir = env.get("DOCKER_CONFIG");
        return dir != null && !dir.isBlank() ? Path.of(dir) : home.resolve(".docker");
    }

    private static String checkScheme(String host, String source) {
        if (host.startsWith("unix://") || host.startsWith("tcp://")) return host;
        if (host.startsWith("ssh://")) {
            throw new CloudtuiException("an ssh:// docker endpoint (" + source + ": " + host
                    + ") is reached through 'hosts:' in the config, not a backend's host (see README, Remote hosts)");
        }
        throw new CloudtuiException("unsupported docker endpoint '" + host + "' (" + source + "): use unix:///path or tcp://host:port");
    }

    private static boolean isTrue(String v) {
        return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
