package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.Compose;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compose projects in the table: their line, folding, marks, filter, verbs asked first, merged logs. */
class ComposeViewTest {
    @TempDir
    Path tmp;
    FakeBackend docker;
    Harness h;

    private static Map<String, String> labels(String service, String n) {
        return Map.of(Compose.PROJECT, "shop", Compose.SERVICE, service, Compose.NUMBER, n,
                Compose.WORKING_DIR, "/nonexistent/shop", Compose.CONFIG_FILES, "compose.yaml");
    }

    private static LogLine at(int s, String text) {
        return new LogLine(LogLine.Stream.STDOUT, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(s), text);
    }

    @BeforeEach
    void setUp() throws Exception {
        docker = new FakeBackend("docker");
        docker.add("c1", "shop_web_1", WorkloadKind.CONTAINER, State.RUNNING)
                .add("c2", "shop_app_1", WorkloadKind.CONTAINER, State.RUNNING)
                .add("c3", "shop_db_1", WorkloadKind.CONTAINER, State.STOPPED)
                .add("c4", "lonely", WorkloadKind.CONTAINER, State.RUNNING)
                .labels("c1", labels("web", "1")).labels("c2", labels("app", "1")).labels("c3", labels("db", "1"))
                .addLog("c1", at(1, "web one")).addLog("c1", at(4, "web four\u001b]0;pwned\u0007\u001b[2J"))
                .addLog("c2", at(2, "app two")).addLog("c2", at(5, "app five"))
                .addLog("c3", at(3, "db three"))
                .addLog("c4", at(0, "lonely zero")).addLog("c4", at(6, "lonely six"));
        h = new Harness(List.of(docker), tmp);
        h.await("every row", t -> t.contains("shop_db_1") && t.contains("lonely"));
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void aProjectLineWithItsContainersUnderItByService() {
        String s = h.text();
        int project = h.rowOf("- shop");
        assertTrue(project > 0, s);
        String line = h.line(project);
        assertTrue(line.contains("running 2/3"), line);
        assertTrue(line.contains("app,db,web"), line);
        // members indented under it, by service
        assertEquals(project + 1, h.rowOf("  shop_app_1"), s);
        assertEquals(project + 2, h.rowOf("  shop_db_1"), s);
        assertEquals(project + 3, h.rowOf("  shop_web_1"), s);
        // by name, the project sorts among the rows by its own name: lonely, then shop
        assertTrue(h.rowOf("lonely") < project, s);
    }

    @Test
    void foldAndUnfold() {
        h.press('j'); // from lonely to the project's line
        h.press('c');
        String s = h.awaitGone("shop_web_1");
        assertTrue(h.line(h.rowOf("+ shop")).contains("running 2/3"), s);
        assertFalse(s.contains("shop_app_1"), s);
        h.press('c');
        h.await("shop_web_1");
        assertTrue(h.rowOf("- shop") > 0);
    }

    @Test
    void markingAProjectMarksItsContainersAndTheFilterKeepsProjects() {
        h.press('j');
        h.press(' ');
        String header = h.await("3 marked");
        assertTrue(header.contains("3 marked"), header);
        assertEquals(3, h.app.table.marks.size());
        h.press('u');
        h.press('/');
        h.type("shop");
        h.press(KeyType.Enter);
        String s = h.awaitGone("lonely");
        assertTrue(s.contains("- shop") && s.contains("shop_db_1") && s.contains("shop_web_1"), s);
    }

    @Test
    void stoppingAProjectAsksFirstThenStopsItsRunningContainers() {
        h.press('j');
        h.press('s');
        String s = h.await("Stop project shop (2 containers)?");
        assertTrue(docker.calls.stream().noneMatch(c -> c.startsWith("stop")), docker.calls.toString());
        h.press('y');
        h.await("project line stopped", t -> h.line(h.rowOf("- shop")).contains("running 0/3"));
        assertTrue(docker.calls.containsAll(List.of("stop c1", "stop c2")), docker.calls.toString());
        assertFalse(docker.calls.contains("stop c4"), docker.calls.toString());
    }

    @Test
    void mergedLogsOfAProjectInTimeOrderPrefixedAndSanitised() {
        h.press('j');
        h.press(KeyType.Enter);
        String s = h.await("app five");
        int one = h.rowOf("web one");
        assertTrue(one > 0, s);
        assertTrue(h.line(one).startsWith("shop_web_1 | web one"), h.line(one));
        assertTrue(h.line(one + 1).startsWith("shop_app_1 | app two"), s);
        assertTrue(h.line(one + 2).startsWith("shop_db_1  | db three"), s);
        assertTrue(h.line(one + 3).startsWith("shop_web_1 | web four"), s);
        assertTrue(h.line(one + 4).startsWith("shop_app_1 | app five"), s);
        // the title escape and the erase were dropped, not drawn and not passed on
        assertFalse(s.contains("pwned"), s);
        assertTrue(h.line(0).contains("logs shop (merged)"), h.line(0));
        // each container's prefix in its own colour
        assertFalse(h.at(0, one).getForegroundColor().equals(h.at(0, one + 1).getForegroundColor()));
    }

    @Test
    void markedRowsLogsMerged() {
        h.press(' '); // lonely
        h.press('j'); // past the project's line: shop_app_1
        h.press(' ');
        assertEquals(2, h.app.table.marks.size());
        h.press('l');
        String s = h.await("lonely six");
        assertTrue(h.line(0).contains("logs 2 containers (merged)"), h.line(0));
        int zero = h.rowOf("lonely zero");
        assertTrue(h.line(zero).startsWith("lonely     | lonely zero"), s);
        assertTrue(h.line(zero + 1).startsWith("shop_app_1 | app two"), s);
        assertTrue(h.line(zero + 2).startsWith("shop_app_1 | app five"), s);
        assertTrue(h.line(zero + 3).startsWith("lonely     | lonely six"), s);
    }
}
