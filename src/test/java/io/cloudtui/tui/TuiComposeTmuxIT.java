package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.ComposeProject;
import io.cloudtui.testing.Tmux;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real jar under tmux with a Compose project docker-compose made on the real dockerd: the
 * project's line (running n/m), folding, its merged logs, and stopping it, asked first.
 */
class TuiComposeTmuxIT {
    static ComposeProject p;
    Tmux tmux;

    @BeforeAll
    static void setUp() throws Exception {
        p = ComposeProject.up("ctuitmx");
        Files.writeString(p.dir.resolve("config.yaml"), "backends:\n  - name: docker\n    type: docker\nui:\n  statsInterval: 1s\n");
        Tmux.launcher(p.dir, Map.of("CLOUDTUI_CONFIG", p.dir.resolve("config.yaml").toString(),
                "XDG_STATE_HOME", p.dir.resolve("state").toString()));
    }

    @AfterAll
    static void tearDown() {
        if (p != null) p.close();
    }

    @AfterEach
    void closeSession() {
        if (tmux != null) tmux.close();
    }

    static boolean line(String screen, String... parts) {
        return screen.lines().anyMatch(l -> {
            for (String s : parts) if (!l.contains(s)) return false;
            return true;
        });
    }

    @Test
    void projectLineFoldMergedLogsAndStopAskingFirst() throws Exception {
        tmux = new Tmux("ctui-it-compose");
        tmux.start(p.dir.resolve("run.sh").toString(), 130, 35);
        tmux.await("docker connected", s -> s.contains("● docker"), Duration.ofSeconds(90));
        tmux.keys("/");
        tmux.type(p.name);
        tmux.keys("Enter");
        String web = p.name + "_web_1";
        String s = tmux.await("the project and its containers", x -> line(x, "- " + p.name, "running 3/3") && x.contains("  " + web)
                && x.contains("  " + p.name + "_app_1") && x.contains("  " + p.name + "_db_1"), Duration.ofSeconds(60));
        assertTrue(line(s, "- " + p.name, "proj", "app,db,web"), s);

        tmux.keys("g", "c");
        s = tmux.await("folded", x -> line(x, "+ " + p.name, "running 3/3") && !x.contains(web), Duration.ofSeconds(30));
        tmux.keys("c");
        tmux.await("unfolded", x -> line(x, "- " + p.name) && x.contains(web), Duration.ofSeconds(30));

        // enter on the project: one stream, every container's lines prefixed with its name
        tmux.keys("Enter");
        s = tmux.await("merged logs", x -> x.contains("(merged)") && line(x, p.name + "_web_1 | web line")
                && line(x, p.name + "_app_1 | app line") && line(x, p.name + "_db_1  | db line"), Duration.ofSeconds(60));
        assertTrue(s.contains("following"), s);
        tmux.keys("Escape");
        tmux.await("the table again", x -> line(x, "- " + p.name, "running 3/3"), Duration.ofSeconds(30));

        tmux.keys("s");
        s = tmux.await("Stop project " + p.name + " (3 containers)?");
        assertEquals(3, p.containers(false).size(), "nothing happens before y");
        tmux.keys("y");
        tmux.await("stopped", x -> line(x, "- " + p.name, "running 0/3"), Duration.ofSeconds(90));
        assertEquals(List.of(), p.containers(false));
        assertEquals(3, p.containers(true).size());
        assertFalse(s.contains("Exception"), s);
        tmux.quitAndCheckTerminal();
    }
}
