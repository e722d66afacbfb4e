package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Tmux;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code cloudtui attach} on Docker, in a real terminal (tmux) with the real jar, as {@code docker attach}. */
class CliAttachTmuxIT {
    static final String PREFIX = "ctui-it-attach-" + UUID.randomUUID().toString().substring(0, 6);
    static Path dir;
    static Map<String, String> env;
    static final List<String> containers = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireDocker();
        dir = Files.createTempDirectory("ctui-attach");
        Files.writeString(dir.resolve("config.yaml"), "backends:\n  - {name: docker, type: docker}\n");
        env = Map.of("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString(), "XDG_STATE_HOME", dir.resolve("state").toString());
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (String c : containers) Engines.run("docker", "rm", "-f", c);
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    static String docker(String... args) throws Exception {
        return Engines.docker(args);
    }

    static String container(String suffix, String... runArgs) throws Exception {
        String name = PREFIX + "-" + suffix;
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name));
        args.addAll(List.of(runArgs));
        docker(args.toArray(String[]::new));
        containers.add(name);
        return name;
    }

    static Tmux attach(String script, String... args) throws Exception {
        Path run = Tmux.launcher(dir, script, env, List.of(args));
        Tmux tmux = new Tmux(PREFIX);
        tmux.start(run.toString(), 100, 30);
        return tmux;
    }

    @Test
    void attachToATerminalTakesKeysDetachesWithCtrlPCtrlQAndEndsWithTheContainersExitCode() throws Exception {
        String c = container("tty", "-it", "local/busybox", "sh");
        try (Tmux tmux = attach("tty1.sh", "attach", c)) {
            // the shell printed its prompt before we came: an empty line brings another
            tmux.keys("Enter");
            tmux.await("/ #");
            tmux.type("echo hi-$((6*7))");
            tmux.keys("Enter");
            tmux.await("hi-42");
            tmux.keys("C-p", "C-q");
            assertTrue(tmux.await("CLOUDTUI-EXIT").contains("CLOUDTUI-EXIT code=0 stty=same"), tmux.capture());
        }
        assertEquals("true", docker("inspect", "-f", "{{.State.Running}}", c), "detached: the container runs on");
        try (Tmux tmux = attach("tty2.sh", "attach", "--detach-keys", "ctrl-x,x", "docker:" + c)) {
            tmux.type("echo again-$((6*7))");
            tmux.keys("Enter");
            tmux.await("again-42");
            tmux.keys("C-p", "C-q"); // not the keys now: they go to the shell
            tmux.keys("C-x", "x");
            assertTrue(tmux.await("CLOUDTUI-EXIT").contains("CLOUDTUI-EXIT code=0 stty=same"), tmux.capture());
        }
        assertEquals("true", docker("inspect", "-f", "{{.State.Running}}", c));
        try (Tmux tmux = attach("tty3.sh", "attach", c)) {
            tmux.type("echo bye");
            tmux.keys("Enter");
            tmux.await("bye");
            tmux.type("exit 3");
            tmux.keys("Enter");
            assertTrue(tmux.await("CLOUDTUI-EXIT").contains("CLOUDTUI-EXIT code=3 stty=same"), tmux.capture());
        }
    }

    @Test
    void attachWithoutStdinToAContainerWithoutATerminalShowsItsOutputLineByLine() throws Exception {
        String c = container("ticker", "local/busybox", "sh", "-c", "i=0; while [ $i -lt 20 ]; do echo tick $i; i=$((i+1)); sleep 0.5; done; exit 5");
        try (Tmux tmux = attach("ticker.sh", "attach", "--no-stdin", c)) {
            String s = tmux.await("CLOUDTUI-EXIT");
            assertTrue(s.contains("CLOUDTUI-EXIT code=5 stty=same"), s);
            List<String> ticks = s.lines().filter(l -> l.contains("tick")).toList();
            assertTrue(ticks.size() >= 3, s);
            for (String l : ticks) assertTrue(l.matches("tick \\d+"), "each line at the left edge:\n" + s);
        }
    }

    @Test
    void attachRefusesWhatItCannotDo() throws Exception {
        String c = container("stopped", "local/busybox", "true");
        docker("wait", c);
        try (Tmux tmux = attach("stopped.sh", "attach", c)) {
            String s = tmux.await("CLOUDTUI-EXIT");
            assertTrue(s.contains("cloudtui: container " ) && s.contains("is not running"), s);
            assertTrue(s.contains("CLOUDTUI-EXIT code=1 stty=same"), s);
        }
        try (Tmux tmux = attach("badkeys.sh", "attach", "--detach-keys", "ctrl-pq", c)) {
            String s = tmux.await("CLOUDTUI-EXIT");
            assertTrue(s.contains("cloudtui: invalid detach keys 'ctrl-pq'"), s);
            assertTrue(s.contains("CLOUDTUI-EXIT code=2 stty=same"), s);
        }
    }
}
