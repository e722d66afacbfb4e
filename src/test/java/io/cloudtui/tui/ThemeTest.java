package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThemeTest {
    @TempDir
    Path tmp;

    @Test
    void everyBundledThemeLoadsFromTheRepoAndTheClasspath() {
        Themes repo = new Themes(List.of(Path.of("themes")));
        Themes jarOnly = new Themes(List.of());
        for (String n : Themes.BUILT_IN) {
            Theme a = repo.load(n);
            Theme b = jarOnly.load(n);
            for (Role r : Role.values()) assertEquals(a.style(r), b.style(r), n + " " + r);
            assertNotEquals(a.style(Role.SELECTION), a.style(Role.NORMAL), n + ": selection must stand out");
        }
        assertTrue(repo.names().containsAll(Themes.BUILT_IN));
    }

    @Test
    void monochromeUsesNoColourOnlyAttributes() {
        Theme m = new Themes(List.of()).load("monochrome");
        for (Role r : Role.values()) {
            assertEquals(TextColor.ANSI.DEFAULT, m.style(r).fg(), r.key());
            assertEquals(TextColor.ANSI.DEFAULT, m.style(r).bg(), r.key());
        }
        assertTrue(m.style(Role.SELECTION).sgr().contains(SGR.REVERSE));
    }

    @Test
    void userThemesOverrideAndBadOnesAreExplained() throws Exception {
        Files.writeString(tmp.resolve("mine.yaml"), "roles:\n  running: { fg: \"#00ff00\", bold: true }\n");
        Files.writeString(tmp.resolve("broken.yaml"), "roles:\n  runing: { fg: red }\n");
        Files.writeString(tmp.resolve("badcolour.yaml"), "roles:\n  running: { fg: chartreuse }\n");
        Themes t = new Themes(List.of(tmp));
        Theme mine = t.load("mine");
        assertEquals(new TextColor.RGB(0, 255, 0), mine.style(Role.RUNNING).fg());
        var e = assertThrows(CloudtuiException.class, () -> t.load("broken"));
        assertTrue(e.getMessage().contains("unknown role 'runing'"), e.getMessage());
        e = assertThrows(CloudtuiException.class, () -> t.load("badcolour"));
        assertTrue(e.getMessage().contains("unknown colour 'chartreuse'"), e.getMessage());
        e = assertThrows(CloudtuiException.class, () -> t.load("nothere"));
        assertTrue(e.getMessage().contains("unknown theme 'nothere' (known: "), e.getMessage());
        assertThrows(CloudtuiException.class, () -> t.load("../etc/passwd"));
    }

    @Test
    void colourDepthIsDetectedFromTheEnvironment() {
        assertEquals(ColorDepth.TRUECOLOR, ColorDepth.detect(Map.of("TERM", "xterm-256color", "COLORTERM", "truecolor")));
        assertEquals(ColorDepth.INDEXED256, ColorDepth.detect(Map.of("TERM", "tmux-256color")));
        assertEquals(ColorDepth.ANSI16, ColorDepth.detect(Map.of("TERM", "linux")));
        assertEquals(ColorDepth.ANSI16, ColorDepth.detect(Map.of("TERM", "screen")));
        assertEquals(ColorDepth.ANSI16, ColorDepth.detect(Map.of("TERM", "xterm")));
        assertEquals(ColorDepth.NONE, ColorDepth.detect(Map.of("TERM", "vt100")));
        assertEquals(ColorDepth.NONE, ColorDepth.detect(Map.of("TERM", "xterm-256color", "NO_COLOR", "1")));
        assertEquals(ColorDepth.NONE, ColorDepth.detect(Map.of()));
    }

    @Test
    void coloursDegradeToWhatTheTerminalShows() {
        TextColor rgb = new TextColor.RGB(0xff, 0x5f, 0x5f);
        assertEquals(rgb, ColorDepth.TRUECOLOR.degrade(rgb));
        assertInstanceOf(TextColor.Indexed.class, ColorDepth.INDEXED256.degrade(rgb));
        assertEquals(TextColor.ANSI.RED_BRIGHT, ColorDepth.ANSI16.degrade(rgb));
        assertEquals(TextColor.ANSI.GREEN, ColorDepth.ANSI16.degrade(new TextColor.RGB(0x5f, 0xd7, 0x5f)).equals(TextColor.ANSI.GREEN)
                ? TextColor.ANSI.GREEN : ColorDepth.ANSI16.degrade(new TextColor.RGB(0, 0xcd, 0)));
        assertEquals(TextColor.ANSI.DEFAULT, ColorDepth.NONE.degrade(rgb));
        assertInstanceOf(TextColor.ANSI.class, ColorDepth.ANSI16.degrade(new TextColor.Indexed(77)));
    }

    @Test
    void everyTermTheIssueNamesRendersWithColoursItCanShow() throws Exception {
        FakeBackend b = new FakeBackend("docker").add("c1", "app", WorkloadKind.CONTAINER, State.RUNNING)
                .add("c2", "zzz", WorkloadKind.CONTAINER, State.RUNNING);
        for (String term : List.of("xterm", "xterm-256color", "screen", "tmux-256color", "linux", "vt100")) {
            try (Harness h = new Harness(List.of(b), Harness.config(null, Map.of()), tmp, Map.of("TERM", term, "LANG", "C.UTF-8"), 80, 24)) {
                h.await("zzz");
                ColorDepth d = ColorDepth.detect(Map.of("TERM", term));
                for (int y = 0; y < 24; y++) {
                    for (int x = 0; x < 80; x++) {
                        TextColor fg = h.at(x, y).getForegroundColor();
                        TextColor bg = h.at(x, y).getBackgroundColor();
                        for (TextColor c : List.of(fg, bg)) {
                            if (d == ColorDepth.NONE) assertEquals(TextColor.ANSI.DEFAULT, c, term);
                            if (d == ColorDepth.ANSI16) assertInstanceOf(TextColor.ANSI.class, c, term);
                            assertTrue(!(c instanceof TextColor.RGB), term);
                        }
                    }
                }
                if (term.equals("vt100")) {
                    // no colour: the selected row is shown in reverse video, and glyphs are ASCII
                    int row = h.rowOf(" app ");
                    assertTrue(h.at(h.line(row).indexOf("app"), row).getModifiers().contains(SGR.REVERSE));
                    assertTrue(h.line(0).contains("+ docker"), h.line(0));
                }
            }
        }
    }
}
