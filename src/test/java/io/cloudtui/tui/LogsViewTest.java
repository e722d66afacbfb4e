package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.config.UiConfig;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogsViewTest {
    @TempDir
    Path tmp;
    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) h.close();
    }

    static LogLine out(String s, int second) {
        return new LogLine(LogLine.Stream.STDOUT, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(second), s);
    }

    private Harness open(FakeBackend b, UiConfig ui) throws Exception {
        h = new Harness(List.of(b), Harness.config(ui, Map.of()), tmp, Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8"), 100, 30);
        h.await("app");
        h.press('l');
        return h;
    }

    @Test
    void hostileEscapeSequencesNeverReachTheScreen() throws Exception {
        FakeBackend b = new FakeBackend("docker").add("c1", "app", WorkloadKind.CONTAINER, State.RUNNING);
        b.addLog("c1", out("before\u001b]0;pwned-title\u0007after", 1));
        b.addLog("c1", out("move\u001b[2J\u001b[H\u001b[10;10Hcursor", 2));
        b.addLog("c1", out("dcs\u001bP1$r0m\u001b\\done", 3));
        b.addLog("c1", out("c1-csi\u009b31mstill-plain\u009d8;;http://x\u009c", 4));
        b.addLog("c1", out("bell\u0007back\bspace\rcr\u0000nul\u007fdel", 5));
        b.addLog("c1", out("\u001b[31mred\u001b[0m plain \u001b[1;38;2;1;2;3mrgb\u001b[m", 6));
        b.addLog("c1", out("osc8 \u001b]8;;http://evil\u001b\\link\u001b]8;;\u001b\\ end", 7));
        b.addLog("c1", out("tab\tx", 8));
        open(b, UiConfig.DEFAULTS);
        String s = h.await("tab     x");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            assertFalse(c != '\n' && (c < 0x20 || (c >= 0x7f && c <= 0x9f)), "control char " + (int) c + " on screen:\n" + s);
        }
        assertTrue(s.contains("beforeafter"), s);
        assertFalse(s.contains("pwned-title"), s);
        assertTrue(s.contains("movecursor"), s);
        assertTrue(s.contains("dcsdone"), s);
        assertTrue(s.contains("c1-csistill-plain"), s);
        assertTrue(s.contains("bellbackspacecrnuldel"), s);
        assertTrue(s.contains("osc8 link end"), s);
        assertFalse(s.contains("evil"), s);
        assertTrue(s.contains("tab     x"), s);
        // SGR colours are rendered as colours, not as text
        int row = h.rowOf("red plain rgb");
        String line = h.line(row);
        TextCharacter red = h.at(line.indexOf("red"), row);
        assertEquals(TextColor.ANSI.RED, red.getForegroundColor());
        TextCharacter plain = h.at(line.indexOf("plain"), row);
        assertFalse(plain.getForegroundColor() == TextColor.ANSI.RED);
        TextCharacter rgb = h.at(line.indexOf("rgb"), row);
        assertTrue(rgb.getModifiers().contains(SGR.BOLD));
        // 256-colour terminal: the RGB colour is mapped to the palette
        assertTrue(rgb.getForegroundColor() instanceof TextColor.Indexed, rgb.getForegroundColor().toString());
    }

    /** A backend whose log never ends: it prints as fast as it can until cancelled. */
    static final class Flooding extends FakeBackend {
        final AtomicLong sent = new AtomicLong();
        final CountDownLatch cancelled = new CountDownLatch(1);
        final String huge = "x".repeat(100_000);

        Flooding() {
            super("docker");
            add("c1", "app", WorkloadKind.CONTAINER, State.RUNNING);
        }

        @Override
        public void logs(String ref, LogOptions o, Consumer<LogLine> sink, Cancel cancel) {
            sink.accept(out("start " + huge, 0));
            long i = 0;
            while (!cancel.isCancelled()) {
                sink.accept(out("line " + i++ + (i % 1000 == 0 ? huge : ""), 1));
                sent.incrementAndGet();
            }
            cancelled.countDown();
        }
    }

    @Test
    void aFloodAndHugeLinesKeepTheUiResponsiveAndMemoryBounded() throws Exception {
        Flooding b = new Flooding();
        open(b, new UiConfig(null, null, 1000, null, null, null).withDefaults());
        h.await("lines dropped");
        h.await("flood past 200k lines", t -> b.sent.get() > 200_000);
        // keys are still handled while the flood goes on
        h.press('w');
        h.await("wrap on");
        h.press('k');
        h.await("paused");
        LogsPane pane = ((DetailView) h.app.top()).logs;
        assertEquals(1000, pane.buffer.size(), "ring buffer bounded by ui.logBufferLines");
        assertTrue(pane.buffer.dropped() > 100_000, "dropped " + pane.buffer.dropped());
        // no stored line exceeds the cap, even the 100,000-character ones
        for (long s = pane.buffer.first(); s < pane.buffer.end(); s++) {
            LogBuffer.Entry e = pane.buffer.get(s);
            if (e != null) assertTrue(e.text().length() < Sanitizer.DEFAULT_MAX_CHARS + 40);
        }
        h.press(KeyType.Escape);
        assertTrue(b.cancelled.await(10, java.util.concurrent.TimeUnit.SECONDS), "leaving the view stops the reader");
    }

    @Test
    void scrollingUpPausesAndFResumes() throws Exception {
        FakeBackend b = new FakeBackend("docker").add("c1", "app", WorkloadKind.CONTAINER, State.RUNNING);
        for (int i = 0; i < 100; i++) b.addLog("c1", out("msg-" + i + "-end", i));
        open(b, UiConfig.DEFAULTS);
        h.await("msg-99-end");
        assertTrue(h.text().contains("following"));
        h.press('k');
        h.press('k');
        String s = h.await("paused");
        assertFalse(s.contains("msg-99-end"), s);
        h.press('g');
        h.await("msg-0-end");
        h.press('f');
        h.await("msg-99-end");
        h.press('k');
        h.await("paused");
        h.press(KeyType.End);
        h.await("following");
    }

    @Test
    void searchHighlightsAndJumps() throws Exception {
        FakeBackend b = new FakeBackend("docker").add("c1", "app", WorkloadKind.CONTAINER, State.RUNNING);
        for (int i = 0; i < 100; i++) b.addLog("c1", out(i == 10 ? "the NEEDLE is here" : i == 90 ? "another needle" : "hay " + i, i));
        open(b, UiConfig.DEFAULTS);
        h.await("hay 99");
        h.press('/');
        h.type("needle");
        h.press(KeyType.Enter);
        String s = h.await("another needle");
        int row = h.rowOf("another needle");
        int col = h.line(row).indexOf("needle");
        Theme t = new Themes(List.of(Path.of("themes"))).load("default").degrade(ColorDepth.INDEXED256);
        assertEquals(t.style(Role.MATCH).bg(), h.at(col, row).getBackgroundColor(), "match highlighted");
        assertTrue(s.contains("/needle"), s);
        h.press('N');
        h.await("the NEEDLE is here");
        row = h.rowOf("the NEEDLE");
        assertEquals(t.style(Role.MATCH).bg(), h.at(h.line(row).indexOf("NEEDLE"), row).getBackgroundColor());
        h.press('n');
        h.await("another needle");
    }

    @Test
    void timestampsWrapSaveAndClear() throws Exception {
        FakeBackend b = new FakeBackend("docker").add("c1", "app", WorkloadKind.CONTAINER, State.RUNNING);
        b.addLog("c1", out("short line", 5));
        b.addLog("c1", out("L".repeat(150) + "TAIL", 6));
        open(b, UiConfig.DEFAULTS);
        h.await("short line");
        assertFalse(h.text().contains("TAIL"), "long line is cut at the screen edge");
        h.press('t');
        h.await("2026-01-01T00:00:05Z");
        h.press('t');
        h.awaitGone("2026-01-01T00:00:05Z");
        h.press('w');
        h.await("TAIL");
        h.press('s');
        String s = h.await("saved 2 lines to");
        Path dir = tmp.resolve("logs");
        try (Stream<Path> files = Files.list(dir)) {
            Path f = files.findFirst().orElseThrow();
            assertTrue(s.contains(f.getFileName().toString().substring(0, 10)), s);
            assertEquals(List.of("short line", "L".repeat(150) + "TAIL"), Files.readAllLines(f));
        }
        h.press('c');
        h.await("log view cleared");
        h.awaitGone("short line");
        assertTrue(h.text().contains("0 lines"));
        h.advance(Duration.ofSeconds(10));
        h.press(KeyType.Escape);
        h.await("app");
    }

    @Test
    void wideCharactersKeepTheirCellsAcrossRedraws() throws Exception {
        FakeBackend b = new FakeBackend("docker").add("c1", "app", WorkloadKind.CONTAINER, State.RUNNING);
        b.addLog("c1", out("wide \u65e5\u672c end", 1));
        b.addLog("c1", out("plain line", 2));
        open(b, UiConfig.DEFAULTS);
        h.await("plain line");
        int row = h.rowOf("wide ");
        String before = h.line(row);
        // redraws that change other rows leave the wide characters and what follows them in place
        h.press('t');
        h.await("2026-01-01T00:00:02Z");
        h.press('t');
        h.awaitGone("2026-01-01T00:00:02Z");
        assertEquals(before, h.line(row));
        int x = before.indexOf('\u65e5');
        assertTrue(x > 0, before);
        assertEquals("\u65e5", h.at(x, row).getCharacterString());
        assertEquals("\u672c", h.at(x + 2, row).getCharacterString());
        assertEquals("e", h.at(x + 5, row).getCharacterString(), before);
    }
}
