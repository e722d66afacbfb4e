package io.cloudtui.tui;

import io.cloudtui.testing.SocketRelay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Sshd;
import io.cloudtui.testing.Tmux;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real cloudtui jar in a real terminal (tmux) against the real dockerd. The engine going away is
 * simulated by cutting a socket proxy in front of docker.sock, so the daemon other tests use keeps
 * running.
 */
class TuiTmuxIT {
    static final String PREFIX = "ctui-it-tui-" + UUID.randomUUID().toString().substring(0, 6);
    static Path dir;
    static SocketRelay proxy;
    static final List<String> containers = new ArrayList<>();
    Tmux tmux;
    Sshd sshd;

    @BeforeAll
    static void setUpAll() throws Exception {
        Engines.requireDocker();
        dir = Files.createTempDirectory("ctui-tmux");
        proxy = new SocketRelay(dir.resolve("docker.sock"), Path.of("/var/run/docker.sock"));
        proxy.start();
        Files.writeString(dir.resolve("config.yaml"), "backends:\n  - name: docker\n    type: docker\n    host: unix://"
                + dir.resolve("docker.sock") + "\nui:\n  statsInterval: 1s\n");
        docker("run", "-d", "--name", PREFIX + "-printer", "local/busybox", "sh", "-c",
                "i=0; while true; do echo \"printed line $i\"; i=$((i+1)); sleep 0.3; done");
        docker("run", "-d", "--name", PREFIX + "-victim", "local/busybox", "sleep", "100000");
        docker("run", "-d", "--name", PREFIX + "-shell", "local/busybox", "sleep", "100000");
        containers.addAll(List.of(PREFIX + "-printer", PREFIX + "-victim", PREFIX + "-shell"));
        Tmux.launcher(dir, java.util.Map.of("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString(),
                "XDG_STATE_HOME", dir.resolve("state").toString()));
    }

    @AfterAll
    static void tearDownAll() throws Exception {
        for (String c : containers) Engines.run("docker", "rm", "-f", c);
        if (proxy != null) proxy.close();
        if (dir != null) {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @BeforeEach
    void newSession() {
        tmux = new Tmux(PREFIX);
    }

    @AfterEach
    void killSession() {
        tmux.close();
        if (sshd != null) sshd.close();
    }

    static String docker(String... args) throws Exception {
        return Engines.docker(args);
    }

    void startUi() throws Exception {
        tmux.start(dir.resolve("run.sh").toString(), 120, 35);
        onlyOurs();
    }

    /**
     * Once docker is listed, filters the table to this test's containers (the engine may run many
     * others, off screen); tests narrow it further by typing a suffix onto this filter.
     */
    void onlyOurs() throws Exception {
        tmux.await("docker connected", s -> s.contains("● docker"), Duration.ofSeconds(90));
        tmux.keys("/");
        tmux.type(PREFIX);
        tmux.keys("Enter");
        tmux.await("the table", s -> s.contains(PREFIX + "-printer") && s.contains("filter: " + PREFIX), Duration.ofSeconds(60));
    }

    @Test
    void listsFiltersAndStopsOneWithConfirmation() throws Exception {
        startUi();
        tmux.keys("/");
        tmux.type("-vic");
        tmux.keys("Enter");
        String s = tmux.await("only the victim", x -> x.contains(PREFIX + "-victim") && !x.contains(PREFIX + "-printer"), Duration.ofSeconds(20));
        assertTrue(s.contains("filter: " + PREFIX + "-vic"), s);
        tmux.keys("s");
        s = tmux.await("Stop docker:" + PREFIX + "-victim?");
        assertTrue(s.contains("SIGTERM"), s);
        assertEquals("true", docker("inspect", "-f", "{{.State.Running}}", PREFIX + "-victim"), "nothing happens before y");
        tmux.keys("y");
        tmux.await("victim stopped", x -> x.lines().anyMatch(l -> l.contains(PREFIX + "-victim") && l.contains("stopped")), Duration.ofSeconds(60));
        assertEquals("false", docker("inspect", "-f", "{{.State.Running}}", PREFIX + "-victim"));
        tmux.quitAndCheckTerminal();
    }

    /**
     * Idle, the UI's loop sleeps until a key, a backend's news or a deadline: it used to look at the
     * terminal every 15 ms (over 300 wake-ups in 5 s); now only the stats refresh (every second here,
     * three rows) and the minute tick wake it.
     */
    @Test
    void anIdleUiDoesNotPollTheTerminal() throws Exception {
        startUi();
        long pid = tmux.childPid();
        Thread.sleep(3000);
        long before = loopWakeups(pid);
        Thread.sleep(5000);
        long woke = loopWakeups(pid) - before;
        assertTrue(woke < 100, "the UI loop woke " + woke + " times in 5 s");
        tmux.keys("j");
        tmux.keys("q");
        tmux.await("the exit line", s -> s.contains("CLOUDTUI-EXIT code=0 stty=same"), Duration.ofSeconds(30));
    }

    /** Voluntary context switches of the JVM's main thread (named like the launcher: java), which runs the UI loop. */
    static long loopWakeups(long pid) throws Exception {
        long n = 0;
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : tasks.toList()) {
                if (!Files.readString(t.resolve("comm")).trim().equals("java")) continue;
                for (String line : Files.readAllLines(t.resolve("status"))) {
                    if (line.startsWith("voluntary_ctxt_switches:")) n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        }
        return n;
    }

    @Test
    void followsTheLogsOfAContainerThatPrints() throws Exception {
        startUi();
        tmux.keys("/");
        tmux.type("-pri");
        tmux.keys("Enter");
        tmux.await("only the printer", x -> !x.contains(PREFIX + "-shell"), Duration.ofSeconds(20));
        tmux.keys("l");
        String s = tmux.await("printed line");
        int first = lastLineNumber(s);
        tmux.await("newer lines", x -> lastLineNumber(x) > first + 3, Duration.ofSeconds(60));
        assertTrue(tmux.capture().contains("following"));
        tmux.keys("Escape");
        tmux.await("the table again", x -> x.contains("NAME"), Duration.ofSeconds(20));
        tmux.quitAndCheckTerminal();
    }

    static int lastLineNumber(String screen) {
        int n = -1;
        for (String l : screen.split("\n")) {
            int i = l.indexOf("printed line ");
            if (i >= 0) {
                try {
                    n = Math.max(n, Integer.parseInt(l.substring(i + 13).trim()));
                } catch (NumberFormatException e) {
                    // a line cut at the edge
                }
            }
        }
        return n;
    }

    @Test
    void opensAShellRunsEchoAndExitsBackToTheTable() throws Exception {
        startUi();
        tmux.keys("/");
        tmux.type("-shell");
        tmux.keys("Enter");
        tmux.await("only the shell container", x -> !x.contains(PREFIX + "-printer"), Duration.ofSeconds(20));
        tmux.keys("e");
        tmux.await("a shell prompt", x -> x.contains("/ #"), Duration.ofSeconds(60));
        tmux.type("echo hello-$((6*7))");
        tmux.keys("Enter");
        tmux.await("hello-42");
        tmux.type("exit 0");
        tmux.keys("Enter");
        String s = tmux.await("exited with status 0");
        assertTrue(s.contains(PREFIX + "-shell"), "back at the table as it was (filter kept):\n" + s);
        assertTrue(s.contains("filter: " + PREFIX + "-shell"), s);
        tmux.quitAndCheckTerminal();
    }

    /** A container without a TTY writes bare LF: in the raw terminal of an attach each line still starts at the left edge. */
    @Test
    void attachToAContainerWithoutATerminalShowsItsLinesAtTheLeftEdge() throws Exception {
        startUi();
        tmux.keys("/");
        tmux.type("-printer");
        tmux.keys("Enter");
        tmux.await("only the printer", x -> !x.contains(PREFIX + "-victim") && !x.contains(PREFIX + "-shell"), Duration.ofSeconds(20));
        tmux.keys("a");
        String s = tmux.await("three lines printed while attached", x -> x.contains("attached to " + PREFIX + "-printer")
                && x.substring(x.indexOf("attached to ")).split("printed line", -1).length > 4, Duration.ofSeconds(60));
        List<String> printed = s.substring(s.indexOf("attached to ")).lines().filter(l -> l.contains("printed line")).toList();
        assertTrue(printed.size() >= 3, s);
        for (String l : printed) assertTrue(l.matches("printed line \\d+"), "not at the left edge (a staircase):\n" + s);
        tmux.keys("C-p", "C-q");
        tmux.await("detached from " + PREFIX + "-printer");
        tmux.quitAndCheckTerminal();
    }

    @Test
    void imagesTabListsTheEnginesImages() throws Exception {
        startUi();
        tmux.keys("2");
        // the workload table shows local/busybox too: wait for the images tab itself
        String s = tmux.await("images tab", x -> x.contains("REPOSITORY:TAG") && x.contains("local/busybox"), Duration.ofSeconds(20));
        tmux.keys("1");
        tmux.await("the table again", x -> x.contains(PREFIX + "-printer"), Duration.ofSeconds(20));
        tmux.quitAndCheckTerminal();
    }

    @Test
    void survivesTheEngineGoingAwayAndComingBack() throws Exception {
        startUi();
        try {
            proxy.stop();
            String s = tmux.await("docker disconnected");
            assertTrue(s.contains(PREFIX + "-printer"), "rows stay (greyed) while disconnected:\n" + s);
            // the UI still answers keys while the engine is away
            tmux.keys("?");
            tmux.await("Workload table");
            tmux.keys("Escape");
        } finally {
            proxy.start();
        }
        tmux.await("reconnected", x -> x.contains("● docker") && !x.contains("docker disconnected"), Duration.ofSeconds(90));
        // and it is live again: a change made now shows up
        docker("pause", PREFIX + "-printer");
        try {
            tmux.await("printer paused", x -> x.lines().anyMatch(l -> l.contains(PREFIX + "-printer") && l.contains("paused")), Duration.ofSeconds(60));
        } finally {
            docker("unpause", PREFIX + "-printer");
        }
        tmux.quitAndCheckTerminal();
    }

    @Test
    void worksOverSshToo() throws Exception {
        sshd = Sshd.start(dir.resolve("ssh-" + tmux.session));
        String user = System.getProperty("user.name");
        String cmd = "ssh -t " + sshd.clientOptions() + " " + user + "@127.0.0.1 " + dir.resolve("run.sh") + "; echo SSH-DONE; sleep 600";
        tmux.start(cmd, 120, 35);
        onlyOurs();
        tmux.keys("/");
        tmux.type("-pri");
        tmux.keys("Enter");
        tmux.await("filtered over ssh", x -> !x.contains(PREFIX + "-shell"), Duration.ofSeconds(20));
        tmux.keys("q");
        String s = tmux.await("CLOUDTUI-EXIT");
        assertTrue(s.contains("CLOUDTUI-EXIT code=0 stty=same"), s);
    }

}
