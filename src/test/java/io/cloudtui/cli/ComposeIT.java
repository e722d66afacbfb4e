package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.testing.ComposeProject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Compose projects through the CLI (in this JVM, and the shipped jar where a process is needed) against the real dockerd, with a project Debian's
 * docker-compose made; the docker CLI and docker-compose are the witnesses.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposeIT {
    static ComposeProject p;
    static Path config;

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @BeforeAll
    static void setUp() throws IOException {
        p = ComposeProject.up("ctuicmp");
        config = p.dir.resolve("config.yaml");
        // only the docker backend: other engines on the machine do not change what is listed
        Files.writeString(config, "backends:\n  - name: docker\n    type: docker\nlogFile: " + p.dir.resolve("cloudtui.log") + "\n");
    }

    @AfterAll
    static void tearDown() {
        if (p != null) p.close();
    }

    static List<String> cmd(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("cloudtui.jar", "target/cloudtui.jar"), "--config", config.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Result run(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd(args)).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process proc = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(proc.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(proc.getErrorStream()));
        if (!proc.waitFor(180, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            fail("cloudtui " + String.join(" ", args) + " did not end");
        }
        return new Result(proc.exitValue(), out.get(), err.get());
    }

    /** Runs cloudtui in this JVM (a JVM per command costs seconds on a busy machine). */
    static Result run(String... args) {
        List<String> all = new ArrayList<>(List.of("--config", config.toString()));
        all.addAll(List.of(args));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = io.cloudtui.Main.run(all.toArray(String[]::new), java.io.InputStream.nullInputStream(),
                new java.io.PrintStream(out, true, StandardCharsets.UTF_8), new java.io.PrintStream(err, true, StandardCharsets.UTF_8), System.getenv());
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static String container(String service) {
        return p.name + "_" + service + "_1";
    }

    @Test
    @Order(1)
    void psGroupsByProject() throws Exception {
        Result r = run("ps", "--project", p.name);
        assertEquals(0, r.code(), r.toString());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].matches("ID +NAME +PROJECT +BACKEND .*"), lines[0]);
        assertEquals(4, lines.length, r.toString());
        for (String s : ComposeProject.SERVICES) {
            assertTrue(java.util.regex.Pattern.compile("(?m)^\\w+ +" + container(s) + " +" + p.name + " +docker ").matcher(r.out()).find(), r.toString());
        }
        Result json = run("ps", "--project", p.name, "--format", "json");
        assertEquals(0, json.code(), json.toString());
        Map<String, String> services = new HashMap<>();
        for (JsonNode n : new ObjectMapper().readTree(json.out())) {
            assertEquals(p.name, n.get("project").asText(), n.toString());
            services.put(n.get("name").asText(), n.get("service").asText());
        }
        assertEquals(Map.of(container("web"), "web", container("app"), "app", container("db"), "db"), services);
        Result none = run("ps", "--project", p.name + "-nope");
        assertEquals(1, none.code(), none.toString());
        assertTrue(none.err().startsWith("cloudtui: no Compose project '" + p.name + "-nope'"), none.toString());
        assertEquals(1, none.err().split("\n").length, none.toString());
    }

    /** "NAME | TIMESTAMP text" lines: each container's and every timestamp in order. */
    static List<String[]> parse(String out) {
        List<String[]> lines = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (l.isBlank()) continue;
            String[] pre = l.split(" \\| ", 2);
            assertEquals(2, pre.length, l);
            String[] ts = pre[1].split(" ", 2);
            lines.add(new String[] {pre[0].trim(), ts[0], ts.length > 1 ? ts[1] : ""});
        }
        return lines;
    }

    @Test
    @Order(2)
    void mergedLogsOfTheProjectInTimeOrderWithThreePrefixes() throws Exception {
        // wait (by the docker CLI) until each service printed a few lines
        for (String s : ComposeProject.SERVICES) {
            for (int i = 0; i < 200 && io.cloudtui.testing.Engines.docker("logs", container(s)).split("\n").length < 4; i++) Thread.sleep(100);
        }
        Result r = run("logs", "-t", "--project", p.name);
        assertEquals(0, r.code(), r.toString());
        List<String[]> lines = parse(r.out());
        Set<String> prefixes = new HashSet<>();
        Instant last = Instant.MIN;
        int switches = 0;
        String prev = null;
        for (String[] l : lines) {
            prefixes.add(l[0]);
            // each line is its container's own
            assertTrue(l[2].startsWith(l[0].substring(p.name.length() + 1, l[0].length() - 2) + " line "), String.join(" ", l));
            Instant t = Instant.parse(l[1]);
            assertFalse(t.isBefore(last), "out of time order at " + String.join(" ", l) + "\n" + r.out());
            last = t;
            if (prev != null && !prev.equals(l[0])) switches++;
            prev = l[0];
        }
        assertEquals(Set.of(container("web"), container("app"), container("db")), prefixes, r.out());
        // interleaved, not one container after the other
        assertTrue(switches >= 6, r.out());
        // by names too
        Result named = run("logs", "--tail", "2", container("web"), container("db"));
        assertEquals(0, named.code(), named.toString());
        Set<String> two = new HashSet<>();
        for (String l : named.out().split("\n")) two.add(l.split(" \\| ", 2)[0].trim());
        assertEquals(Set.of(container("web"), container("db")), two, named.toString());
    }

    @Test
    @Order(3)
    void followedMergedLogsKeepComing() throws Exception {
        Process proc = new ProcessBuilder(cmd("logs", "-f", "--tail", "1", "--project", p.name)).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            Map<String, Integer> seen = new HashMap<>();
            List<String> got = new ArrayList<>();
            // the backlog is one line each: more than two of every container means the stream follows
            while (seen.size() < 3 || seen.values().stream().anyMatch(n -> n < 3)) {
                String l = r.readLine();
                if (l == null) fail("the followed stream ended:\n" + String.join("\n", got));
                got.add(l);
                seen.merge(l.split(" \\| ", 2)[0].trim(), 1, Integer::sum);
            }
            assertEquals(Set.of(container("web"), container("app"), container("db")), seen.keySet(), String.join("\n", got));
        } finally {
            proc.destroy();
            proc.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(4)
    void stopStartRestartOfTheProject() throws Exception {
        Result stop = run("compose", "stop", p.name);
        assertEquals(0, stop.code(), stop.toString());
        assertEquals(List.of(), p.containers(false));
        assertEquals(3, p.containers(true).size());
        Result start = run("compose", "start", p.name, "web");
        assertEquals(0, start.code(), start.toString());
        assertEquals(List.of(container("web")), p.containers(false));
        Result all = run("compose", "start", p.name);
        assertEquals(0, all.code(), all.toString());
        assertEquals(3, p.containers(false).size());
        Result bad = run("compose", "stop", p.name, "nosuch");
        assertEquals(1, bad.code(), bad.toString());
        assertEquals("cloudtui: project " + p.name + " has no service 'nosuch' (services: app, db, web)\n", bad.err());
    }

    @Test
    @Order(5)
    void upWithoutAComposeCliIsOneLine() throws Exception {
        Result r = run(Map.of("PATH", "/nonexistent"), "compose", "up", p.name);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("cloudtui: no Compose CLI on PATH"), r.toString());
        assertEquals(1, r.err().split("\n").length, r.toString());
    }

    @Test
    @Order(6)
    void downRemovesTheContainersAndUpThroughTheComposeCliBringsThemBack() throws Exception {
        Result down = run("compose", "down", p.name);
        assertEquals(0, down.code(), down.toString());
        assertEquals(List.of(), p.containers(true));
        // the project is gone with its containers: nothing records its files any more
        p.compose("up", "-d");
        assertEquals(3, p.containers(false).size());
        io.cloudtui.testing.Engines.docker("stop", "-t", "1", container("db"));
        assertEquals(2, p.containers(false).size());
        Result up = run("compose", "up", p.name);
        assertEquals(0, up.code(), up.toString());
        assertEquals(3, p.containers(false).size(), up.toString());
        Result downV = run("compose", "down", "-v", p.name);
        assertEquals(0, downV.code(), downV.toString());
        assertEquals(List.of(), p.containers(true));
        assertEquals(List.of(), p.networks(), downV.toString());
    }
}
