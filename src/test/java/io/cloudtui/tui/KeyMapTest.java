package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyMapTest {
    @TempDir
    Path tmp;

    @Test
    void parsesKeyStrings() {
        assertEquals("l", KeyMap.normalize("l"));
        assertEquals("K", KeyMap.normalize("K"));
        assertEquals("ctrl-l", KeyMap.normalize("ctrl-l"));
        assertEquals("ctrl-l", KeyMap.normalize("Ctrl+L"));
        assertEquals("f5", KeyMap.normalize("F5"));
        assertEquals("enter", KeyMap.normalize("Return"));
        assertEquals("space", KeyMap.normalize(" "));
        assertEquals("alt-x", KeyMap.normalize("alt-x"));
        assertEquals("pgdn", KeyMap.normalize("PageDown"));
        for (String bad : List.of("", "ctrl-", "foo", "F13", "ctrl-foo", "\u0001")) {
            assertThrows(IllegalArgumentException.class, () -> KeyMap.normalize(bad), bad);
        }
    }

    @Test
    void mapsKeyStrokesBack() {
        assertEquals("ctrl-l", KeyMap.name(new KeyStroke('l', true, false)));
        assertEquals("f5", KeyMap.name(new KeyStroke(KeyType.F5)));
        assertEquals("space", KeyMap.name(new KeyStroke(' ', false, false)));
        assertEquals("K", KeyMap.name(new KeyStroke('K', false, false)));
    }

    @Test
    void overridesReplaceDefaults() {
        KeyMap m = KeyMap.of(Map.of("logs", "L", "redraw", "F5"));
        assertEquals(Action.LOGS, m.lookup(new KeyStroke('L', false, false), Action.Scope.TABLE));
        assertNull(m.lookup(new KeyStroke('l', false, false), Action.Scope.TABLE));
        assertEquals(Action.REDRAW, m.lookup(new KeyStroke(KeyType.F5), Action.Scope.TABLE));
        // arrows always work
        assertEquals(Action.DOWN, m.lookup(new KeyStroke(KeyType.ArrowDown), Action.Scope.TABLE));
        assertTrue(m.markdown().contains("| `L` | logs of the selected workload | `logs` |"), m.markdown());
    }

    @Test
    void badConfigIsRejectedWithAClearMessage() {
        var e = assertThrows(CloudtuiException.class, () -> KeyMap.of(Map.of("lgos", "l")));
        assertTrue(e.getMessage().startsWith("config keys: unknown action 'lgos' (known: quit, help"), e.getMessage());
        assertEquals(2, e.exitCode());
        e = assertThrows(CloudtuiException.class, () -> KeyMap.of(Map.of("logs", "ctrl-shift-meta")));
        assertTrue(e.getMessage().contains("logs: bad key 'ctrl-shift-meta'"), e.getMessage());
        e = assertThrows(CloudtuiException.class, () -> KeyMap.of(Map.of("logs", "s")));
        assertTrue(e.getMessage().contains("'s' is bound to both logs and stop-start"), e.getMessage());
        e = assertThrows(CloudtuiException.class, () -> KeyMap.of(Map.of("logs", "q")));
        assertTrue(e.getMessage().contains("quit and logs"), e.getMessage());
        e = assertThrows(CloudtuiException.class, () -> KeyMap.of(Map.of("quit", "ctrl-c")));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
    }

    @Test
    void sameKeyInDifferentViewsIsFine() {
        // s saves in the log view and stops in the table
        KeyMap m = KeyMap.defaults();
        assertEquals(Action.SAVE, m.lookup(new KeyStroke('s', false, false), Action.Scope.LOGS, Action.Scope.TEXT));
        assertEquals(Action.STOP_START, m.lookup(new KeyStroke('s', false, false), Action.Scope.TABLE));
    }

    @Test
    void remappedKeysDriveTheUiAndItsHelp() throws Exception {
        FakeBackend b = new FakeBackend("docker").add("c1", "app", WorkloadKind.CONTAINER, State.RUNNING);
        try (Harness h = new Harness(List.of(b), Harness.config(null, Map.of("inspect", "I", "help", "F1")), tmp,
                Map.of("TERM", "xterm", "LANG", "C.UTF-8"), 100, 30)) {
            h.await("app");
            assertTrue(h.line(29).contains("F1 help"), h.line(29));
            h.press('I');
            h.await("\"Name\": \"app\"");
            h.press(KeyType.Escape);
            h.press(KeyType.F1);
            String s = h.await("Workload table");
            assertTrue(s.contains("  I          inspect"), s);
        }
    }

    @Test
    void markdownKeyTableCoversEveryAction() throws Exception {
        String md = KeyMap.defaults().markdown();
        for (Action a : Action.values()) assertTrue(md.contains("`" + a.configName() + "`"), a.configName());
        // README's key table is this text: target/keys.md after a test run
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "keys.md"), md);
    }
}
