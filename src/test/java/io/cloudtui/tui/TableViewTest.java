package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableViewTest {
    @TempDir
    Path tmp;
    FakeBackend docker;
    FakeBackend kvm;
    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        docker = new FakeBackend("docker");
        docker.add("c1", "web", WorkloadKind.CONTAINER, State.RUNNING)
                .add("c2", "db", WorkloadKind.CONTAINER, State.RUNNING)
                .add("c3", "old-job", WorkloadKind.CONTAINER, State.STOPPED);
        kvm = new FakeBackend("kvm");
        kvm.add("v1", "vm-alpha", WorkloadKind.VM, State.RUNNING).add("v2", "vm-paused", WorkloadKind.VM, State.PAUSED);
        h = new Harness(List.of(docker, kvm), tmp);
        // both backends listed (they connect independently; under load one may come later)
        h.await("every row", t -> t.contains(" web ") && t.contains(" db ") && t.contains("old-job") && t.contains("vm-alpha")
                && t.contains("vm-paused"));
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void showsEveryWorkloadOfEveryBackendWithHeaderAndFooter() {
        String s = h.await("vm-paused");
        for (String n : List.of("web", "db", "old-job", "vm-alpha")) assertTrue(s.contains(n), n + " in\n" + s);
        String header = h.line(0);
        assertTrue(header.contains("docker 2/3"), header);
        assertTrue(header.contains("kvm 2/2"), header);
        String cols = h.line(1);
        for (String c : List.of("BACKEND", "NAME", "KIND", "IMAGE/OS", "STATE", "CPU%", "MEM", "UPTIME", "PORTS/IPS")) {
            assertTrue(cols.contains(c), c + " in " + cols);
        }
        String footer = h.line(29);
        assertTrue(footer.contains("l logs") && footer.contains("s stop/start") && footer.contains("? help"), footer);
        // a VM shows its OS; a container its image
        assertTrue(h.line(h.rowOf("vm-alpha")).contains("debian"));
        assertTrue(h.line(h.rowOf("web")).contains("local/busybox"));
        assertTrue(h.line(h.rowOf("vm-alpha")).contains("vm"));
    }

    @Test
    void statesAreColouredByThemeRole() {
        h.await("every row", t -> t.contains("vm-paused") && t.contains("old-job") && t.contains(" db "));
        h.press('G'); // selection on the last row (web), so the others show their own colours
        Theme t = new Themes(List.of(Path.of("themes"))).load("default").degrade(ColorDepth.INDEXED256);
        int row = h.rowOf("old-job");
        assertEquals(t.style(Role.STOPPED).fg(), h.at(h.line(row).indexOf("stopped"), row).getForegroundColor());
        row = h.rowOf(" db ");
        assertEquals(t.style(Role.RUNNING).fg(), h.at(h.line(row).indexOf("running"), row).getForegroundColor());
        row = h.rowOf("vm-paused");
        assertEquals(t.style(Role.PAUSED).fg(), h.at(h.line(row).lastIndexOf("paused"), row).getForegroundColor());
        assertNotEquals(t.style(Role.RUNNING).fg(), t.style(Role.STOPPED).fg());
    }

    @Test
    void cpuAndMemoryOfVisibleRunningRowsWithSparkline() {
        h.await("web sampled", t -> h.line(h.rowOf(" web ")).contains("12.5") && h.line(h.rowOf(" web ")).contains("64M"));
        String row = h.line(h.rowOf(" web "));
        assertTrue(row.contains("12.5"), row);
        assertTrue(row.contains("64M"), row);
        assertTrue(row.contains("▁") || row.contains("▂"), "sparkline in " + row);
        // stopped rows have no stats
        assertTrue(h.line(h.rowOf("old-job")).contains(" - "), h.line(h.rowOf("old-job")));
    }

    @Test
    void navigationMovesTheSelection() {
        h.await("vm-paused");
        Theme t = new Themes(List.of(Path.of("themes"))).load("default").degrade(ColorDepth.INDEXED256);
        int first = 2;
        assertEquals(t.style(Role.SELECTION).bg(), h.at(5, first).getBackgroundColor());
        h.press('j');
        assertEquals(t.style(Role.SELECTION).bg(), h.at(5, first + 1).getBackgroundColor());
        assertNotEquals(t.style(Role.SELECTION).bg(), h.at(5, first).getBackgroundColor());
        h.press(KeyType.ArrowDown);
        assertEquals(t.style(Role.SELECTION).bg(), h.at(5, first + 2).getBackgroundColor());
        h.press('k');
        assertEquals(t.style(Role.SELECTION).bg(), h.at(5, first + 1).getBackgroundColor());
        h.press('G');
        assertEquals(t.style(Role.SELECTION).bg(), h.at(5, first + 4).getBackgroundColor());
        h.press('g');
        assertEquals(t.style(Role.SELECTION).bg(), h.at(5, first).getBackgroundColor());
        h.press(KeyType.PageDown);
        assertEquals(t.style(Role.SELECTION).bg(), h.at(5, first + 4).getBackgroundColor());
    }

    @Test
    void sortsByAnyColumnAndReverses() {
        h.await("vm-paused");
        // default: by name ascending
        assertTrue(h.rowOf(" db ") < h.rowOf(" web "));
        h.press('O');
        assertTrue(h.rowOf(" db ") > h.rowOf(" web "), h.text());
        h.press('>'); // kind
        String cols = h.line(1);
        assertTrue(cols.contains("KIND▲"), cols);
        assertTrue(h.rowOf("vm-alpha") > h.rowOf(" web "));
        h.press('<');
        assertTrue(h.line(1).contains("NAME▲"), h.line(1));
    }

    @Test
    void hidesAndShowsStoppedWorkloads() {
        h.await("old-job");
        h.press('H');
        h.awaitGone("old-job");
        assertTrue(h.line(0).contains("stopped hidden"));
        h.press('H');
        h.await("old-job");
    }

    @Test
    void resizeRedrawsAndTinySizesSayTooSmall() {
        h.await("vm-paused");
        h.term.setTerminalSize(new TerminalSize(30, 6));
        h.await("terminal too small");
        assertFalse(h.text().contains("vm-paused"));
        h.term.setTerminalSize(new TerminalSize(1, 1));
        h.step();
        h.term.setTerminalSize(new TerminalSize(80, 24));
        String s = h.await("vm-paused");
        assertFalse(s.contains("too small"));
        assertTrue(h.line(23).contains("q quit") || h.line(23).contains("help"), h.line(23));
        h.term.setTerminalSize(new TerminalSize(200, 60));
        h.await("s", t -> h.line(59).contains("help"));
    }

    @Test
    void redrawKeyAndQuit() {
        h.await("web");
        h.ctrl('l');
        h.await("web");
        h.press('q');
        assertTrue(h.app.isQuit());
    }

    @Test
    void ctrlCQuits() {
        h.await("web");
        h.ctrl('c');
        assertTrue(h.app.isQuit());
    }

    @Test
    void noBackendAtAllSaysWhatToDo() throws Exception {
        try (Harness empty = new Harness(List.of(), tmp)) {
            empty.await("no backend is enabled");
        }
    }

    @Test
    void at80ColumnsNamesGetTheRoom() throws Exception {
        FakeBackend b = new FakeBackend("docker").add("x1", "a-rather-long-name", WorkloadKind.CONTAINER, State.RUNNING);
        try (Harness small = new Harness(List.of(b), io.cloudtui.config.Config.defaults(), tmp,
                java.util.Map.of("TERM", "xterm", "LANG", "C.UTF-8"), 80, 24)) {
            small.await("a-rather-long-name");
        }
    }
}
