package io.cloudtui.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A three-service Compose project (web, app, db: busybox loops printing a numbered line each
 * 0.3 s, stopping at once on SIGTERM) under a unique name, made and removed with Debian's
 * docker-compose against the real dockerd. {@link #close} removes its containers and network.
 */
public final class ComposeProject implements AutoCloseable {
    public static final List<String> SERVICES = List.of("web", "app", "db");
    public final String name;
    public final Path dir;
    public final Path file;

    private ComposeProject(String name, Path dir) throws IOException {
        this.name = name;
        this.dir = dir;
        this.file = dir.resolve("docker-compose.yml");
        StringBuilder y = new StringBuilder("version: \"3\"\nservices:\n");
        for (String s : SERVICES) {
            y.append("  ").append(s).append(":\n    image: local/busybox:latest\n")
                    .append("    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; i=0; while true; do echo ").append(s)
                    .append(" line $$i; i=$$((i+1)); sleep 0.3; done\"]\n");
        }
        Files.writeString(file, y.toString());
    }

    /** Requires dockerd with local/busybox and docker-compose; brings the project up (up -d). */
    public static ComposeProject up(String prefix) throws IOException {
        Engines.requireDocker();
        Engines.require(Engines.run("docker-compose", "version") == 0, "docker-compose (scripts/provision/16-compose.sh)");
        String name = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        Path dir = Files.createTempDirectory("ctui-compose-");
        ComposeProject p = new ComposeProject(name, dir);
        String out = p.compose("up", "-d");
        if (p.containers(false).size() != SERVICES.size()) throw new AssertionError("docker-compose up: " + out);
        return p;
    }

    /** Runs docker-compose for this project; fails unless it exits 0. Returns its output. */
    public String compose(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker-compose", "-p", name, "-f", file.toString()));
        cmd.addAll(List.of(args));
        return run(cmd, true);
    }

    /** The project's container names (running ones, or all), by the docker CLI. */
    public List<String> containers(boolean all) {
        List<String> cmd = new ArrayList<>(List.of("docker", "ps", "--format", "{{.Names}}", "--filter", "label=com.docker.compose.project=" + name));
        if (all) cmd.add("-a");
        String out = run(cmd, true);
        List<String> names = new ArrayList<>();
        for (String l : out.split("\n")) if (!l.isBlank()) names.add(l.trim());
        java.util.Collections.sort(names);
        return names;
    }

    /** Its networks, by the docker CLI. */
    public List<String> networks() {
        String out = run(List.of("docker", "network", "ls", "--format", "{{.Name}}", "--filter", "label=com.docker.compose.project=" + name), true);
        return out.isBlank() ? List.of() : List.of(out.trim().split("\n"));
    }

    private static String run(List<String> cmd, boolean check) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + ": timed out");
            }
            if (check && p.exitValue() != 0) throw new AssertionError(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out);
            return out;
        } catch (IOException e) {
            throw new AssertionError(String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(String.join(" ", cmd), e);
        }
    }

    /** Removes whatever is left of the project: containers, network, the directory. */
    @Override
    public void close() {
        if (Files.isRegularFile(file)) run(List.of("docker-compose", "-p", name, "-f", file.toString(), "down", "-v", "-t", "1"), false);
        for (String c : containers(true)) run(List.of("docker", "rm", "-f", c), false);
        for (String n : networks()) run(List.of("docker", "network", "rm", n), false);
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp directory
        }
    }
}
