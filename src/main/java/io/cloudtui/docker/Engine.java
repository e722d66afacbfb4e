package io.cloudtui.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The connection to one Docker engine: a docker-java client built on first use (so creating a
 * backend never touches the network), raw HTTP for the few calls whose JSON docker-java reshapes,
 * and translation of transport failures into one-line user messages.
 */
final class Engine implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Endpoint endpoint;
    private DockerHttpClient http;
    private DockerClient client;
    private com.github.dockerjava.transport.SSLConfig ssl;
    private boolean closed;

    Engine(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    synchronized DockerClient client() {
        connect();
        return client;
    }

    synchronized DockerHttpClient http() {
        connect();
        return http;
    }

    private void connect() {
        if (closed) throw new CloudtuiException("the docker backend is closed");
        if (client != null) return;
        try {
            DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder()
                    .withDockerHost(endpoint.host())
                    .withDockerTlsVerify(endpoint.tlsVerify());
            if (endpoint.certPath() != null) b.withDockerCertPath(endpoint.certPath());
            DefaultDockerClientConfig config = b.build();
            // No response timeout: logs, events, attach and builds are long-lived streams.
            http = new ZerodepDockerHttpClient.Builder()
                    .dockerHost(URI.create(endpoint.host()))
                    .sslConfig(config.getSSLConfig())
                    .connectionTimeout(CONNECT_TIMEOUT)
                    .maxConnections(64)
                    .build();
            client = DockerClientImpl.getInstance(config, http);
            ssl = config.getSSLConfig();
        } catch (RuntimeException e) {
            throw new CloudtuiException("cannot set up the Docker connection to " + endpoint.host() + ": " + rootMessage(e), e);
        }
    }

    /** Opens a hijacked attach/exec stream; engine refusals come back as docker-java exceptions. */
    Hijack hijack(String path, String jsonBody, boolean tty) throws java.io.IOException {
        javax.net.ssl.SSLContext context = null;
        synchronized (this) {
            connect();
            if (ssl != null && !endpoint.isUnixSocket()) {
                try {
                    context = ssl.getSSLContext();
                } catch (Exception e) {
                    throw new CloudtuiException("cannot load the TLS certificates in " + endpoint.certPath() + ": " + rootMessage(e), e);
                }
            }
        }
        return Hijack.open(endpoint, context, "POST", path, jsonBody, tty);
    }

    /**
     * A GET answered as JSON straight over the unix socket, skipping docker-java; null for other
     * endpoints (the caller then goes through docker-java). Errors come back as docker-java's types.
     */
    <T> T quickGet(String path, com.fasterxml.jackson.core.type.TypeReference<T> type) throws IOException {
        if (!endpoint.isUnixSocket()) return null;
        if (closed) throw new CloudtuiException("the docker backend is closed");
        Hijack.Response r = Hijack.get(endpoint, path);
        if (r.status() >= 400) throw statusError(new String(r.body(), StandardCharsets.UTF_8), r.status());
        return LENIENT.readValue(r.body(), type);
    }

    private static final ObjectMapper LENIENT = new ObjectMapper()
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** A raw API call; returns the body as JSON, throws the engine's message on an error status. */
    JsonNode rawJson(String method, String path, InputStream body, String contentType) {
        DockerHttpClient.Request.Builder rb = DockerHttpClient.Request.builder().method(method).path(path);
        if (body != null) rb.body(body).putHeader("Content-Type", contentType);
        try (DockerHttpClient.Response r = http().execute(rb.build())) {
            byte[] bytes = r.getBody().readAllBytes();
            if (r.getStatusCode() >= 400) throw statusError(new String(bytes, StandardCharsets.UTF_8), r.getStatusCode());
            return bytes.length == 0 ? JSON.nullNode() : JSON.readTree(bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Raw call returning the body as text (used for streams of JSON messages). */
    String rawText(String method, String path, InputStream body, String contentType) {
        DockerHttpClient.Request.Builder rb = DockerHttpClient.Request.builder().method(method).path(path);
        if (body != null) rb.body(body).putHeader("Content-Type", contentType);
        try (DockerHttpClient.Response r = http().execute(rb.build())) {
            String text = new String(r.getBody().readAllBytes(), StandardCharsets.UTF_8);
            if (r.getStatusCode() >= 400) throw statusError(text, r.getStatusCode());
            return text;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The docker-java exception type for an HTTP status, so raw calls are handled like the others. */
    static DockerException statusError(String body, int status) {
        return switch (status) {
            case 404 -> new com.github.dockerjava.api.exception.NotFoundException(body);
            case 409 -> new com.github.dockerjava.api.exception.ConflictException(body);
            case 400 -> new com.github.dockerjava.api.exception.BadRequestException(body);
            default -> new DockerException(body, status);
        };
    }

    /** Turns any failure of a docker call into a user-facing, one-line exception. */
    CloudtuiException translate(Throwable e) {
        if (e instanceof CloudtuiException ce) return ce;
        CloudtuiException conn = connectionProblem(e);
        if (conn != null) return conn;
        if (e instanceof DockerException de) {
            return new CloudtuiException(engineMessage(de), e);
        }
        CloudtuiException cut = cutOff(e);
        if (cut != null) return cut;
        return new CloudtuiException("docker (" + endpoint.host() + "): " + rootMessage(e), e);
    }

    /**
     * A stream (logs -f, events, an exec's output) that the engine's connection ended in the middle of
     * (a chunked body without its last chunk): for a remote host its ssh connection was lost, which
     * the host layer re-makes by itself; for a local engine, the engine went away. Else null.
     */
    CloudtuiException cutOff(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (t.getClass().getSimpleName().equals("ConnectionClosedException") || m.contains("premature end of chunk")
                    || m.contains("closing chunk expected")) {
                return streamLost(e);
            }
        }
        return null;
    }

    /** The line for a stream that ended because the connection to the engine (for a remote host: its ssh) went away. */
    CloudtuiException streamLost(Throwable e) {
        if (endpoint.remoteHost() != null) {
            String h = endpoint.remoteHost();
            return new CloudtuiException(h + ": the connection to " + h + " (ssh) was lost in the middle of the stream; cloudtui"
                    + " reconnects by itself: run the command again", e);
        }
        return new CloudtuiException("the Docker engine at " + endpoint.host() + " closed the connection in the middle of the stream:"
                + " did dockerd stop?", e);
    }

    /** A one-line diagnosis when {@code e} means the engine could not be reached at all, else null. */
    CloudtuiException connectionProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // an HTTP error status means the engine answered; its text may still say "no such file"
            if (t instanceof DockerException) return null;
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            String cls = t.getClass().getSimpleName();
            if (m.contains("permission denied") || m.contains("access denied") || t instanceof java.nio.file.AccessDeniedException) {
                return new CloudtuiException("permission denied on the Docker socket " + endpoint.host()
                        + ": run as root or add your user to the 'docker' group (sudo usermod -aG docker $USER, then log in again)", e);
            }
            if (m.contains("no such file") || m.contains("connection refused") || t instanceof java.net.ConnectException
                    || t instanceof java.nio.file.NoSuchFileException || cls.contains("ConnectTimeout")
                    || t instanceof java.net.SocketTimeoutException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException || m.contains("connection reset")
                    || t instanceof java.net.SocketException) {
                return unreachable();
            }
        }
        return null;
    }

    CloudtuiException unreachable() {
        if (endpoint.remoteHost() != null) {
            String h = endpoint.remoteHost();
            return new CloudtuiException("cannot connect to the Docker engine on " + h + " (through ssh): is "
                    + (endpoint.source().contains("podman") ? "podman's socket service" : "dockerd") + " running on " + h + "?");
        }
        String where = "cannot connect to the Docker engine at " + endpoint.host() + " (" + endpoint.source() + ")";
        if (endpoint.isUnixSocket()) {
            boolean podman = endpoint.host().contains("podman");
            return new CloudtuiException(where + ": is " + (podman ? "podman's socket service" : "dockerd") + " running? (start it with "
                    + (podman ? "'systemctl --user start podman.socket' or 'sudo systemctl start podman.socket'"
                    : "'sudo systemctl start docker' or 'sudo dockerd'") + ")");
        }
        return new CloudtuiException(where + ": nothing answers there; is dockerd listening on that address? (check DOCKER_HOST or the backend's 'host' setting)");
    }

    /** The engine's own error message ({"message": "..."}), lower-cased at the start like the docker CLI prints it. */
    static String engineMessage(DockerException e) {
        String raw = e.getMessage() == null ? "" : e.getMessage().trim();
        // docker-java prefixes "Status 404: "
        while (raw.matches("(?s)Status \\d+: .*")) raw = raw.substring(raw.indexOf(": ") + 2).trim();
        String msg = raw;
        if (raw.startsWith("{")) {
            try {
                msg = JSON.readTree(raw).path("message").asText(raw);
            } catch (IOException ignored) {
                // not JSON after all: keep the raw text
            }
        }
        msg = msg.replace('\n', ' ').trim();
        // swarm errors come as gRPC's: "rpc error: code = NotFound desc = ..."; the description is the message
        msg = msg.replaceFirst("^rpc error: code = \\w+ desc = ", "");
        if (msg.isEmpty()) msg = "docker engine error (HTTP " + e.getHttpStatus() + ")";
        return Character.toLowerCase(msg.charAt(0)) + msg.substring(1);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            if (client != null) client.close();
            if (http != null) http.close();
        } catch (IOException | RuntimeException ignored) {
            // closing is best effort
        }
    }
}
