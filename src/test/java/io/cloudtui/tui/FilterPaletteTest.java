package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class FilterPaletteTest {
    @TempDir
    Path tmp;
    FakeBackend docker;
    FakeBackend kvm;
    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        docker = new FakeBackend("docker");
        docker.add("c1", "web-1", WorkloadKind.CONTAINER, State.RUNNING)
                .add("c2", "web-2", WorkloadKind.CONTAINER, State.RUNNING)
                .add("c3", "db", WorkloadKind.CONTAINER, State.RUNNING);
        kvm = new FakeBackend("kvm");
        kvm.add("v1", "builder", WorkloadKind.VM, State.RUNNING);
        h = new Harness(List.of(docker, kvm), tmp);
        // the backends are listed on threads of their own: wait for both
        h.await("builder");
        h.await("web-2");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void filterIsLiveAndEnterKeepsIt() {
        h.press('/');
        h.type("we");
        String s = h.text();
        assertTrue(s.contains("web-1") && s.contains("web-2"), s);
        assertFalse(s.contains(" db "), s);
        assertFalse(s.contains("builder"), s);
        assertTrue(h.line(28).startsWith("/we"), h.line(28));
        h.press(KeyType.Enter);
        assertTrue(h.line(0).contains("filter: we"), h.line(0));
        assertFalse(h.text().contains("builder"));
        // esc in the table clears a kept filter
        h.press(KeyType.Escape);
        h.await("builder");
    }

    @Test
    void escapeWhileTypingClearsTheFilter() {
        h.press('/');
        h.type("db");
        h.awaitGone("web-1");
        h.press(KeyType.Escape);
        h.await("web-1");
        assertFalse(h.line(0).contains("filter"));
    }

    @Test
    void regexAndInversion() {
        h.press('/');
        h.type("re:^web-\\d$");
        // the haystack starts with the backend name, so anchor on the name field instead
        h.press(KeyType.Escape);
        h.press('/');
        h.type("re:web-[2-9]");
        String s = h.text();
        assertTrue(s.contains("web-2") && !s.contains("web-1"), s);
        h.press(KeyType.Escape);
        h.press('/');
        h.type("!web");
        s = h.text();
        assertTrue(s.contains(" db ") && s.contains("builder") && !s.contains("web-"), s);
        h.press(KeyType.Escape);
        h.press('/');
        h.type("re:([");
        assertTrue(h.line(28).contains("bad regex"), h.line(28));
        assertTrue(h.text().contains("web-1"), "a bad regex hides nothing");
    }

    @Test
    void paletteSortsFiltersAndSwitchesTheme() {
        h.press(':');
        h.type("sort kind desc");
        h.press(KeyType.Enter);
        assertTrue(h.line(1).contains("KIND▼"), h.line(1));
        assertTrue(h.rowOf("builder") < h.rowOf("web-1"));
        h.press(':');
        h.type("only vms");
        h.press(KeyType.Enter);
        h.awaitGone("web-1");
        assertTrue(h.text().contains("builder"));
        h.press(':');
        h.type("only containers");
        h.press(KeyType.Enter);
        h.awaitGone("builder");
        h.press(':');
        h.type("only all");
        h.press(KeyType.Enter);
        h.await("builder");
        h.press(':');
        h.type("theme light");
        h.press(KeyType.Enter);
        h.await("theme light");
        Theme light = new Themes(List.of(Path.of("themes"))).load("light").degrade(ColorDepth.INDEXED256);
        assertEquals(light.style(Role.HEADER).bg(), h.at(3, 0).getBackgroundColor());
        h.press(':');
        h.type("theme nope");
        h.press(KeyType.Enter);
        h.await("unknown theme 'nope'");
    }

    @Test
    void paletteStopAsksForConfirmation() {
        h.press(':');
        h.type("stop db");
        h.press(KeyType.Enter);
        h.await("Stop docker:db?");
        h.press('y');
        h.await("stopped db");
        assertTrue(docker.calls.contains("stop c3"));
        h.press(':');
        h.type("stop nosuch");
        h.press(KeyType.Enter);
        h.await("no such workload 'nosuch'");
    }

    @Test
    void tabCompletesCommandsAndNames() {
        h.press(':');
        h.type("sto");
        h.press(KeyType.Tab);
        assertEquals("stop", h.app.prompt().value(), "common prefix of stop and stopped");
        h.type(" bu");
        h.press(KeyType.Tab);
        assertEquals("stop builder ", h.app.prompt().value());
        h.press(KeyType.Escape);
        h.press(':');
        h.type("sort c");
        h.press(KeyType.Tab);
        assertEquals("sort cpu ", h.app.prompt().value());
        h.press(KeyType.Escape);
        h.press(':');
        h.type("theme so");
        h.press(KeyType.Tab);
        assertEquals("theme solarized ", h.app.prompt().value());
    }

    @Test
    void historyRecallsEarlierCommands() {
        h.press(':');
        h.type("sort cpu");
        h.press(KeyType.Enter);
        h.press(':');
        h.type("only vms");
        h.press(KeyType.Enter);
        h.press(':');
        h.press(KeyType.ArrowUp);
        assertEquals("only vms", h.app.prompt().value());
        h.press(KeyType.ArrowUp);
        assertEquals("sort cpu", h.app.prompt().value());
        h.press(KeyType.ArrowDown);
        assertEquals("only vms", h.app.prompt().value());
    }

    @Test
    void paletteOpensViewsAndQuits() {
        h.press(':');
        h.type("inspect db");
        h.press(KeyType.Enter);
        h.await("\"Name\": \"db\"");
        h.press(KeyType.Escape);
        h.await("builder");
        h.press(':');
        h.type("bogus");
        h.press(KeyType.Enter);
        h.await("unknown command 'bogus'");
        h.press(':');
        h.type("q");
        h.press(KeyType.Enter);
        assertTrue(h.app.isQuit());
    }
}
