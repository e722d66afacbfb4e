package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.fail;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import io.cloudtui.config.Config;
import io.cloudtui.config.UiConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.Backends;
import io.cloudtui.core.Stdio;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/** Drives a TuiApp on lanterna's virtual terminal: keys in, screen text out. */
final class Harness implements AutoCloseable {
    final DefaultVirtualTerminal term;
    final TuiApp app;
    final AtomicLong millis = new AtomicLong(1_000_000);
    final List<String> sessions = new ArrayList<>();
    volatile int sessionExit;

    Harness(List<Backend> backends, Config config, Path stateDir, Map<String, String> env, int w, int h) throws IOException {
        term = new DefaultVirtualTerminal(new TerminalSize(w, h));
        Sessions fake = new Sessions() {
            @Override
            public int run(String banner, String detach, ToIntFunction<Stdio> body) {
                sessions.add(banner + " [" + detach + "]");
                int code = body.applyAsInt(new Stdio(java.io.InputStream.nullInputStream(), java.io.OutputStream.nullOutputStream(),
                        java.io.OutputStream.nullOutputStream(), true, new Stdio.TermSize(w, h), null));
                return sessionExit != 0 ? sessionExit : code;
            }

            @Override
            public int process(String banner, List<String> command) {
                sessions.add(banner + " " + command);
                return sessionExit;
            }
        };
        TuiApp.Options opts = new TuiApp.Options(Duration.ZERO, Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(6),
                millis::get, Clock.fixed(Instant.parse("2026-01-01T02:00:01Z"), ZoneOffset.UTC), env, stateDir,
                new Themes(List.of(Path.of("themes"))), fake);
        app = new TuiApp(term, Backends.of(backends, null), config, opts);
        app.start();
    }

    Harness(List<Backend> backends, Path stateDir) throws IOException {
        this(backends, Config.defaults(), stateDir, Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8"), 100, 30);
    }

    static Config config(UiConfig ui, Map<String, String> keys) {
        return new Config(null, null, ui, keys, null, null);
    }

    void step() {
        try {
            app.step();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    void key(KeyStroke k) {
        term.addInput(k);
        step();
    }

    void press(char c) {
        key(new KeyStroke(c, false, false));
    }

    void ctrl(char c) {
        key(new KeyStroke(c, true, false));
    }

    void press(KeyType t) {
        key(new KeyStroke(t));
    }

    void type(String s) {
        for (char c : s.toCharArray()) term.addInput(new KeyStroke(c, false, false));
        step();
    }

    String line(int y) {
        if (y < 0) return "";
        StringBuilder sb = new StringBuilder();
        TerminalSize s = term.getTerminalSize();
        for (int x = 0; x < s.getColumns(); x++) {
            TextCharacter c = term.getCharacter(x, y);
            sb.append(c == null ? ' ' : c.getCharacterString());
        }
        return sb.toString();
    }

    String text() {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < term.getTerminalSize().getRows(); y++) sb.append(line(y)).append('\n');
        return sb.toString();
    }

    TextCharacter at(int x, int y) {
        return term.getCharacter(x, y);
    }

    /** Row number of the first line containing {@code s}, or -1. */
    int rowOf(String s) {
        for (int y = 0; y < term.getTerminalSize().getRows(); y++) if (line(y).contains(s)) return y;
        return -1;
    }

    /** Steps the UI until the screen satisfies {@code p}; generous timeout, no timing assertions. */
    String await(String what, Predicate<String> p) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String t = "";
        while (System.nanoTime() < deadline) {
            step();
            t = text();
            if (p.test(t)) return t;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        }
        fail("screen never showed " + what + "; last screen:\n" + t);
        return t;
    }

    String await(String contains) {
        return await("'" + contains + "'", t -> t.contains(contains));
    }

    String awaitGone(String s) {
        return await("no '" + s + "'", t -> !t.contains(s));
    }

    void advance(Duration d) {
        millis.addAndGet(d.toMillis());
    }

    @Override
    public void close() {
        app.close();
    }

    static ToIntFunction<Stdio> unused() {
        return s -> 0;
    }
}
