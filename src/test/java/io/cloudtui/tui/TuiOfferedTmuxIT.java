package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Tmux;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real jar under tmux: what the UI offers and says while actions run. A stop that takes the
 * engine's whole timeout shows "stopping"; CPU and MEM come with the first frames; an interactive run
 * from the form whose command does not exist says why in the UI; a rootless bundled engine's
 * container is not offered pause, and p is refused before any question.
 */
class TuiOfferedTmuxIT {
    static final String PREFIX = "ctui-it-offer-" + UUID.randomUUID().toString().substring(0, 6);
    static final String RL_USER = "ctui-ui-rl";
    static Path dir;
    static final List<String> containers = new ArrayList<>();
    Tmux tmux;

    record Out(int code, String text) {}

    @BeforeAll
    static void setUpAll() throws Exception {
        dir = Files.createTempDirectory("ctui-offer");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void tearDownAll() throws Exception {
        for (String c : containers) Engines.run("docker", "rm", "-f", c);
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    @AfterEach
    void killSession() {
        if (tmux != null) tmux.close();
    }

    static Out host(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd));
        return new Out(p.exitValue(), out);
    }

    static String ok(String... cmd) throws Exception {
        Out o = host(List.of(cmd));
        assertEquals(0, o.code, String.join(" ", cmd) + ": " + o.text);
        return o.text.trim();
    }

    static Path jar() {
        return Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")).toAbsolutePath();
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** local/busybox as a docker save tar, readable by everyone. */
    static Path busyboxTar() throws Exception {
        Path tar = dir.resolve("busybox.tar");
        if (!Files.exists(tar)) {
            ok("docker", "save", "-o", tar.toString(), "local/busybox");
            Files.setPosixFilePermissions(tar, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return tar;
    }

    @Test
    void aSlowStopShowsStoppingAndStatsComeWithTheFirstFrames() throws Exception {
        Engines.requireDocker();
        Files.writeString(dir.resolve("docker.yaml"), "backends:\n  - name: docker\n    type: docker\n");
        // sleep as pid 1 ignores SIGTERM: docker stop waits out its whole timeout, then kills
        String name = PREFIX + "-slow";
        containers.add(name);
        ok("docker", "run", "-d", "--name", name, "local/busybox", "sleep", "100000");
        Path run = Tmux.launcher(dir, "docker.sh", Map.of("CLOUDTUI_CONFIG", dir.resolve("docker.yaml").toString(),
                "XDG_STATE_HOME", dir.resolve("state").toString()), List.of());
        tmux = new Tmux(PREFIX);
        tmux.start(run.toString(), 140, 35);
        tmux.await("docker connected", s -> s.contains("● docker"), Duration.ofSeconds(90));
        tmux.keys("/");
        tmux.type(name);
        tmux.keys("Enter");
        // no timing here: the row's CPU and MEM fill in (they come from its first sample, not a later tick)
        tmux.await("its numbers", s -> row(s, name).matches(".*running\\s+\\d+\\.\\d.*\\d+(\\.\\d)?[KMG].*"), Duration.ofSeconds(60));
        tmux.keys("s");
        tmux.await("Stop docker:" + name + "?");
        tmux.keys("y");
        tmux.await("stopping", s -> row(s, name).contains("stopping"), Duration.ofSeconds(30));
        assertEquals("true", ok("docker", "inspect", "-f", "{{.State.Running}}", name), "the engine is still waiting out the timeout");
        tmux.await("stopped", s -> row(s, name).contains("stopped"), Duration.ofSeconds(60));
        // footers: short labels
        tmux.keys("2");
        // a capture may catch the frame half drawn (the header new, the footer still the table's): wait for the whole frame
        String s = tmux.await("the images with their footer", x -> x.contains("> images") && footer(x).contains("1 workloads"),
                Duration.ofSeconds(30));
        String footer = footer(s);
        assertTrue(footer.contains("1 workloads") && !footer.contains("show-workloads") && !footer.contains("run-image"), footer);
        tmux.quitAndCheckTerminal();
    }

    static String footer(String screen) {
        return screen.lines().filter(l -> l.contains("help") && l.contains("quit")).reduce((a, b) -> b).orElse("");
    }

    static String row(String screen, String name) {
        return screen.lines().filter(l -> l.contains(" " + name + " ")).findFirst().orElse("");
    }

    @Test
    void anInteractiveRunWhoseCommandIsMissingSaysWhyInTheUi() throws Exception {
        Engines.requireRoot();
        Engines.require(Engines.run("docker", "image", "inspect", "local/busybox") == 0, "local/busybox in docker (to import)");
        Path cfg = dir.resolve("runtime.yaml");
        Files.writeString(cfg, "backends:\n  - name: runtime\n    type: runtime\n    root: " + dir.resolve("rt-root") + "\n    store: "
                + dir.resolve("rt-store") + "\n");
        ok("env", "CLOUDTUI_CONFIG=" + cfg, java(), "-jar", jar().toString(), "image", "import", busyboxTar().toString());
        Path run = Tmux.launcher(dir, "runtime.sh", Map.of("CLOUDTUI_CONFIG", cfg.toString(), "XDG_STATE_HOME", dir.resolve("state").toString()),
                List.of());
        tmux = new Tmux(PREFIX);
        tmux.start(run.toString(), 120, 35);
        tmux.await("runtime connected", s -> s.contains("● runtime"), Duration.ofSeconds(90));
        tmux.keys("n");
        tmux.await("run a new container");
        tmux.type("local/busybox");
        tmux.keys("Down", "Down");
        tmux.type("nu-r3");
        tmux.keys("Enter");
        // a command that is not there: the create fails, with the runtime's reason, whole, in the UI
        String s = tmux.await("the reason in the UI", x -> x.contains("run local/busybox failed: exec: \"nu-r3\": executable file not found in $PATH"),
                Duration.ofSeconds(60));
        assertTrue(s.contains("cloudtui > workloads"), s);
        // interactive (the form's default): the terminal is handed over, the command fails at once printing why,
        // the screen comes back at once too, and what it printed is in the UI
        tmux.keys("n");
        tmux.await("run a new container");
        tmux.type("local/busybox");
        tmux.keys("Down", "Down");
        tmux.type("ls /nu-r4");
        tmux.keys("Enter");
        s = tmux.await("what the command printed, in the UI", x -> x.contains("run local/busybox: exited with status 1")
                && x.contains("/nu-r4: No such file or directory"), Duration.ofSeconds(60));
        assertTrue(s.contains("cloudtui > workloads"), s);
        tmux.quitAndCheckTerminal();
    }

    @Test
    void aRootlessContainerIsNotOfferedPauseAndPIsRefusedBeforeAsking() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.isExecutable(Path.of("/usr/sbin/useradd")) && Files.isExecutable(Path.of("/usr/sbin/runuser")), "useradd and runuser");
        Engines.require(Engines.run("docker", "image", "inspect", "local/busybox") == 0, "local/busybox in docker (to import)");
        Path maxNs = Path.of("/proc/sys/user/max_user_namespaces");
        Engines.require(Files.exists(maxNs) && Long.parseLong(Files.readString(maxNs).trim()) > 0, "user namespaces");
        if (Engines.run("id", "-u", RL_USER) != 0) {
            ok("useradd", "--create-home", "--user-group", "--shell", "/bin/sh", "--comment", "cloudtui UI IT", RL_USER);
        }
        Path home = Path.of(ok("getent", "passwd", RL_USER).split(":")[5]);
        Path w = dir.resolve("rl");
        Files.createDirectory(w);
        List<String> env = new ArrayList<>(List.of("HOME=" + home, "USER=" + RL_USER, "LOGNAME=" + RL_USER, "PATH=/usr/local/bin:/usr/bin:/bin",
                "LANG=C.UTF-8", "TERM=xterm-256color"));
        for (String d : List.of("run", "data", "state", "config", "cache")) {
            Path p = Files.createDirectory(w.resolve(d), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            ok("chown", RL_USER + ":", p.toString());
            env.add("XDG_" + switch (d) {
                case "run" -> "RUNTIME_DIR";
                default -> d.toUpperCase(java.util.Locale.ROOT) + "_HOME";
            } + "=" + p);
        }
        Path jar = w.resolve("cloudtui.jar");
        Files.copy(jar(), jar);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Path cfg = w.resolve("config.yaml");
        Files.writeString(cfg, "backends:\n  - name: runtime\n    type: runtime\n");
        Files.setPosixFilePermissions(cfg, PosixFilePermissions.fromString("rw-r--r--"));
        env.add("CLOUDTUI_CONFIG=" + cfg);
        List<String> as = new ArrayList<>(List.of("runuser", "-u", RL_USER, "--", "env", "-i"));
        as.addAll(env);
        as.addAll(List.of(java(), "-jar", jar.toString()));
        String name = PREFIX + "-rl";
        try {
            List<String> imp = new ArrayList<>(as);
            imp.addAll(List.of("image", "import", busyboxTar().toString()));
            assertEquals(0, host(imp).code);
            List<String> r = new ArrayList<>(as);
            r.addAll(List.of("run", "-d", "--name", name, "local/busybox", "sleep", "100000"));
            Out started = host(r);
            assertEquals(0, started.code, started.text);
            // the CLI: one line, nothing done
            List<String> pause = new ArrayList<>(as);
            pause.addAll(List.of("pause", name));
            Out refused = host(pause);
            assertEquals(1, refused.code, refused.text);
            assertEquals("cloudtui: pause: a rootless container on the runtime backend has no cgroup, so no freezer to pause it with",
                    refused.text.trim());
            // the UI, as the user
            StringBuilder script = new StringBuilder("#!/bin/sh\n");
            for (String a : as) script.append('\'').append(a.replace("'", "'\\''")).append("' ");
            script.append("\necho \"CLOUDTUI-EXIT code=$?\"\nsleep 600\n");
            Path run = w.resolve("rl.sh");
            Files.writeString(run, script.toString());
            Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
            tmux = new Tmux(PREFIX);
            tmux.start(run.toString(), 140, 35);
            String s = tmux.await("the container", x -> row(x, name).contains("running"), Duration.ofSeconds(90));
            String footer = footer(s);
            assertTrue(footer.contains("s stop/start") && footer.contains("K kill"), footer);
            assertFalse(footer.contains("p pause"), footer);
            tmux.keys("p");
            s = tmux.await("the refusal", x -> x.contains("cannot pause: " + name + " (a rootless container"), Duration.ofSeconds(30));
            assertFalse(s.contains("Confirm"), s);
            assertTrue(row(s, name).contains("running"), s);
            tmux.keys("q");
            tmux.await("CLOUDTUI-EXIT code=0");
        } finally {
            List<String> rm = new ArrayList<>(as);
            rm.addAll(List.of("rm", "-f", name));
            host(rm);
        }
    }
}
