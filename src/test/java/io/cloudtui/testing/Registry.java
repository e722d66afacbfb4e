package io.cloudtui.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/** Debian's docker-registry, serving on 127.0.0.1 with the given storage until closed (its log in WORK/NAME.log). */
public final class Registry implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    public final int port;
    private final Process process;

    private Registry(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Skips the test when docker-registry is not installed (scripts/provision/40-registry.sh installs it). */
    public static void require() {
        Engines.require(Engines.run("docker-registry", "--version") == 0, "docker-registry (scripts/provision/40-registry.sh)");
    }

    /** Starts it on PORT and waits until /v2/ answers; AUTH is YAML for its http section (indented two spaces), or "". */
    public static Registry start(Path work, String name, int port, Path storage, String auth) throws Exception {
        Path cfg = work.resolve(name + ".yml");
        Files.writeString(cfg, """
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: false
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                %s
                """.formatted(storage, port, auth));
        Process p = new ProcessBuilder("docker-registry", "serve", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile()).start();
        Registry r = new Registry(port, p);
        for (int i = 0; i < 200; i++) {
            try {
                int code = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (code == 200 || code == 401) return r;
            } catch (IOException e) {
                // not listening yet
            }
            if (!p.isAlive()) break;
            Thread.sleep(100);
        }
        r.close();
        throw new AssertionError("registry " + name + " did not start: " + Files.readString(work.resolve(name + ".log")));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
