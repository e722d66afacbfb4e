package io.cloudtui.core;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The Compose CLI this machine has ({@code docker compose}, else {@code docker-compose}, found on
 * PATH), run for one project from its working directory with the files its labels record
 * ({@code -p PROJECT -f FILE...}), against the project's engine (DOCKER_HOST set to it, with its TLS variables).
 */
public final class ComposeCli {
    /** What only the Compose CLI can do (it reads the Compose files). */
    public enum Verb {
        UP("up", List.of("up", "-d")), PULL("pull", List.of("pull")), BUILD("build", List.of("build")),
        DOWN_VOLUMES("down -v", List.of("down", "-v"));

        public final String label;
        final List<String> args;

        Verb(String label, List<String> args) {
            this.label = label;
            this.args = args;
        }

        public static Verb of(String s) {
            for (Verb v : values()) if (v.label.equals(s) || v.name().equalsIgnoreCase(s.replace('-', '_'))) return v;
            return null;
        }
    }

    private ComposeCli() {}

    /** The Compose CLI's command prefix, or a one-line error naming what to install. */
    public static List<String> find(Map<String, String> env) {
        Path docker = onPath("docker", env);
        if (docker != null && answers(List.of(docker.toString(), "compose", "version"))) return List.of(docker.toString(), "compose");
        Path v1 = onPath("docker-compose", env);
        if (v1 != null) return List.of(v1.toString());
        throw new CloudtuiException("no Compose CLI on PATH: install docker-compose (apt-get install docker-compose) or the docker compose plugin");
    }

    static Path onPath(String exe, Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static boolean answers(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Why the Compose CLI cannot be run for this project's backend, or null when it can. */
    public static String refusal(Backend b, Compose.Project p) {
        if (b == null) return "no backend " + p.backend();
        if (!Backends.hostOf(b.name()).equals("local")) {
            return p.name() + " is on host " + Backends.hostOf(b.name()) + ": running the Compose CLI on a remote host is not supported yet";
        }
        if (!b.type().equals("docker")) return p.name() + ": the Compose CLI runs against Docker engines only (" + b.name() + " is " + b.type() + ")";
        if (p.workingDir() == null) return p.name() + ": its containers do not record a working directory (label " + Compose.WORKING_DIR + ")";
        if (!Files.isDirectory(p.workingDir())) return p.name() + ": its working directory " + p.workingDir() + " is not there";
        return null;
    }

    /** The command line for {@code verb} on {@code p} (services: only those; none: the whole project). */
    public static List<String> command(List<String> prefix, Compose.Project p, Verb verb, List<String> services) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add("-p");
        cmd.add(p.name());
        for (Path f : p.configFiles()) {
            cmd.add("-f");
            cmd.add(f.toString());
        }
        cmd.addAll(verb.args);
        if (verb != Verb.DOWN_VOLUMES) cmd.addAll(services);
        return cmd;
    }

    /**
     * Runs {@code verb} and passes each line it prints (stdout and stderr) to {@code lines}; returns
     * its exit code. Refusals and a missing CLI are one-line CloudtuiExceptions.
     */
    public static int run(Backend b, Compose.Project p, Verb verb, List<String> services, Map<String, String> env,
            Consumer<String> lines, Backend.Cancel cancel) {
        String why = refusal(b, p);
        if (why != null) throw new CloudtuiException(why);
        if (verb == Verb.DOWN_VOLUMES && !services.isEmpty()) throw CloudtuiException.usage("down -v is for a whole project, not a service");
        List<String> cmd = command(find(env), p, verb, services);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(p.workingDir().toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        // the engine's own endpoint (and its TLS), never the caller's context or certificates for another one
        for (String v : List.of("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH")) pb.environment().remove(v);
        pb.environment().putAll(b.clientEnvironment());
        if (pb.environment().containsKey("DOCKER_CERT_PATH")) {
            // docker-compose v1 (python requests) would verify the engine with these bundles instead of its ca.pem
            pb.environment().remove("REQUESTS_CA_BUNDLE");
            pb.environment().remove("CURL_CA_BUNDLE");
        }
        // no colours and no cursor games in what the progress view shows
        pb.environment().put("COMPOSE_ANSI", "never");
        pb.environment().put("NO_COLOR", "1");
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process proc;
        try {
            proc = pb.start();
        } catch (IOException e) {
            throw new CloudtuiException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        }
        if (cancel != null) cancel.onCancel(proc::destroy);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) lines.accept(line);
        } catch (IOException e) {
            // the process went away: its exit code says how
        }
        try {
            return proc.waitFor();
        } catch (InterruptedException e) {
            proc.destroy();
            Thread.currentThread().interrupt();
            return 130;
        }
    }
}
