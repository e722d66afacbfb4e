package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.terminal.ansi.ANSITerminal;
import io.cloudtui.config.Config;
import io.cloudtui.core.Backends;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What actually goes over the wire to a real ANSI terminal. */
class TerminalBytesTest {
    @TempDir
    Path tmp;

    static final class Wire extends ANSITerminal {
        Wire(PipedInputStream in, ByteArrayOutputStream out) {
            super(in, out, StandardCharsets.UTF_8);
        }

        @Override
        protected TerminalSize findTerminalSize() {
            return new TerminalSize(100, 30);
        }
    }

    @Test
    void onlyTheUisOwnSequencesReachTheTerminal() throws Exception {
        FakeBackend b = new FakeBackend("docker").add("c1", "app", WorkloadKind.CONTAINER, State.RUNNING);
        b.addLog("c1", new LogLine(LogLine.Stream.STDOUT, Instant.now(), "x\u001b]0;PWNED\u0007\u001bP1$qm\u001b\\\u001b[6n\u009b2J\u001b[31mred\u001b[0m"));
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Wire wire = new Wire(in, out);
        TuiApp.Options opts = new TuiApp.Options(Duration.ZERO, Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(6),
                () -> System.nanoTime() / 1_000_000, Clock.systemUTC(), Map.of("TERM", "xterm-256color"), tmp,
                new Themes(List.of()), (x, y, z) -> 0);
        TuiApp app = new TuiApp(wire, Backends.of(List.of(b), null), Config.defaults(), opts);
        try {
            app.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!out.toString(StandardCharsets.UTF_8).contains("app") && System.nanoTime() < deadline) {
                app.step();
                Thread.sleep(5);
            }
            keys.write('l');
            keys.flush();
            while (!out.toString(StandardCharsets.UTF_8).contains("red") && System.nanoTime() < deadline) {
                app.step();
                Thread.sleep(5);
            }
            String wireText = out.toString(StandardCharsets.UTF_8);
            assertTrue(wireText.contains("red"), "log line drawn");
            assertFalse(wireText.contains("PWNED"), "OSC payload never written");
            assertFalse(wireText.contains("\u0007"), "no BEL");
            assertFalse(wireText.contains("\u001bP"), "no DCS");
            assertFalse(wireText.contains("\u001b]"), "no OSC");
            assertFalse(wireText.contains("[6n"), "no device status request");
            for (char c : wireText.toCharArray()) assertFalse(c >= 0x80 && c <= 0x9f, "no C1 control");
            // every escape sequence is a CSI the screen itself uses: cursor moves, colours, modes, erase
            Matcher m = Pattern.compile("\u001b(.)").matcher(wireText);
            while (m.find()) assertTrue(m.group(1).equals("["), "only CSI sequences, found ESC " + m.group(1));
            Matcher csi = Pattern.compile("\u001b\\[[0-9;?]*([A-Za-z])").matcher(wireText);
            while (csi.find()) assertTrue("HmJKlhfr".contains(csi.group(1)), "unexpected CSI final " + csi.group(0).substring(1));
            // an idle UI writes nothing: differential refresh and the dirty flag
            app.step();
            int before = out.size();
            for (int i = 0; i < 20; i++) app.step();
            assertTrue(out.size() - before == 0, "idle steps wrote " + (out.size() - before) + " bytes");
            keys.write('q');
            keys.flush();
            for (int i = 0; i < 200 && !app.isQuit(); i++) {
                app.step();
                Thread.sleep(5);
            }
            assertTrue(app.isQuit());
        } finally {
            app.close();
        }
        String all = out.toString(StandardCharsets.UTF_8);
        assertTrue(all.contains("\u001b[?1049l"), "left the alternate screen on exit");
    }

    static KeyStroke k(char c) {
        return new KeyStroke(c, false, false);
    }

    static void unused() throws IOException {}
}
