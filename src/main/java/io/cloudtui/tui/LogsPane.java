package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.Backend;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.Workload;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A workload's log, followed live. A reader thread fills a {@link LogBuffer} a read at a time; the
 * UI draws only the rows on screen, at most one redraw per 50 ms however fast lines arrive.
 * Scrolling up pauses following; f or End resumes it.
 */
final class LogsPane {
    private static final DateTimeFormatter TS = DateTimeFormatter.ISO_INSTANT;
    private final PaneHost app;
    /** Where the lines come from: a workload's log, or a service's merged across its tasks. */
    interface Source {
        void read(LogOptions options, java.util.function.Consumer<LogLine> sink, Backend.Cancel cancel);
    }

    private final Source source;
    /** For the saved file's name and the reader thread's: BACKEND-NAME. */
    private final String backendName;
    private final String name;
    private final Path stateDir;
    private final Runnable wake;
    final LogBuffer buffer;
    private final Backend.Cancel cancel = new Backend.Cancel();
    private Thread reader;
    private volatile String ended;
    boolean follow = true;
    boolean wrap;
    boolean timestamps;
    long top;
    int hoff;
    TextMatcher search;
    long matchSeq = -1;
    private int page = 10;
    private long seenVersion = -1;
    private String seenEnded;

    /** {@code wake} is called from the reader thread when lines arrive or the stream ends; saved logs go under {@code stateDir}. */
    LogsPane(PaneHost app, Backend backend, Path stateDir, Runnable wake, Workload w, int capacity) {
        this(app, backend == null ? null : (o, sink, c) -> backend.logs(w.nativeId(), o, sink, c), w.backend(), w.name(), stateDir, wake, capacity);
    }

    LogsPane(PaneHost app, Source source, String backendName, String name, Path stateDir, Runnable wake, int capacity) {
        this.app = app;
        this.source = source;
        this.backendName = backendName;
        this.name = name;
        this.stateDir = stateDir;
        this.wake = wake;
        this.buffer = new LogBuffer(capacity);
        buffer.onChange = wake;
    }

    void start() {
        Source b = source;
        if (b == null) return;
        reader = new Thread(() -> {
            try {
                b.read(new LogOptions(true, buffer.capacity(), null, true), buffer.writer(), cancel);
                if (!cancel.isCancelled()) ended = "log stream ended";
            } catch (RuntimeException e) {
                if (!cancel.isCancelled()) ended = "log stream failed: " + e.getMessage();
            }
            wake.run();
        }, "cloudtui-logs-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    void close() {
        cancel.close();
        if (reader != null) reader.interrupt();
    }

    boolean poll() {
        long v = buffer.version();
        String e = ended;
        if (v != seenVersion || e != seenEnded) {
            seenVersion = v;
            seenEnded = e;
            return true;
        }
        return false;
    }

    String status() {
        return status(buffer.window(0, 0, true));
    }

    private String status(LogBuffer.Window win) {
        StringBuilder sb = new StringBuilder();
        sb.append(follow ? "following" : "paused (" + KeyMap.display(app.keys().key(Action.FOLLOW)) + " follows)");
        sb.append(" | ").append(win.size()).append(" lines");
        long dropped = win.dropped();
        if (dropped > 0) sb.append(" | ").append(dropped).append(" lines dropped");
        sb.append(" | wrap ").append(wrap ? "on" : "off");
        sb.append(" | time ").append(timestamps ? "on" : "off");
        if (search != null) sb.append(" | /").append(search.source);
        if (ended != null) sb.append(" | ").append(ended);
        return sb.toString();
    }

    void render(Canvas c, int y0, int bottom) {
        int first = y0 + 1;
        int h = bottom - first;
        buffer.seen();
        // every line this frame can show (each takes at least a row) and the counters, under one lock
        LogBuffer.Window win = follow ? buffer.window(0, Math.max(0, h), true) : buffer.window(top, Math.max(0, h), false);
        c.fillRow(y0, Role.DIM);
        c.put(1, y0, status(win), win.dropped() > 0 ? Role.WARNING : Role.DIM);
        if (h <= 0) return;
        page = Math.max(1, h - 1);
        long start = win.first();
        long end = win.end();
        for (int y = first; y < bottom; y++) c.fillRow(y, Role.NORMAL);
        if (end == start) {
            c.put(1, first, ended != null ? ended : "waiting for output...", Role.DIM);
            return;
        }
        if (!follow) {
            long clamped = Math.max(start, Math.min(top, end - 1));
            if (clamped != top) {
                top = clamped;
                win = buffer.window(top, h, false);
            }
        }
        int tsw = timestamps ? 25 : 0;
        int textWidth = Math.max(1, c.width - tsw);
        if (follow) {
            // fill from the bottom up
            int y = bottom - 1;
            long seq = end - 1;
            while (y >= first && seq >= start) {
                LogBuffer.Entry e = win.get(seq);
                if (e == null) break;
                int rowsNeeded = wrap ? Math.max(1, (e.text().length() - 1) / textWidth + 1) : 1;
                rowsNeeded = Math.min(rowsNeeded, bottom - first);
                int ystart = y - rowsNeeded + 1;
                drawEntry(c, e, Math.max(first, ystart), y + 1, ystart < first ? first - ystart : 0, textWidth, tsw);
                y = ystart - 1;
                top = seq;
                seq--;
            }
        } else {
            int y = first;
            long seq = top;
            while (y < bottom && seq < end) {
                LogBuffer.Entry e = win.get(seq);
                if (e == null) break;
                int rowsNeeded = wrap ? Math.max(1, (e.text().length() - 1) / textWidth + 1) : 1;
                int yend = Math.min(bottom, y + rowsNeeded);
                drawEntry(c, e, y, yend, 0, textWidth, tsw);
                y = yend;
                seq++;
            }
        }
    }

    /** Draws one log line on rows [y, yend), skipping {@code skipRows} wrapped rows at its start. */
    private void drawEntry(Canvas c, LogBuffer.Entry e, int y, int yend, int skipRows, int textWidth, int tsw) {
        Style normal = e.stream() == LogLine.Stream.STDERR ? c.style(Role.WARNING) : c.style(Role.NORMAL);
        Style hl = c.style(Role.MATCH);
        StyledText t = e.text();
        int[] ranges = search == null ? null : search.ranges(t.text());
        if (e.seq() == matchSeq) normal = c.style(Role.ACCENT);
        for (int row = y; row < yend; row++) {
            if (tsw > 0 && row == y && skipRows == 0) {
                c.put(0, row, e.at() == null ? "-" : TS.format(e.at()), Role.DIM, tsw - 1);
            }
            int from = wrap ? (row - y + skipRows) * textWidth : hoff;
            if (from < t.length()) c.putStyled(tsw, row, t, from, normal, tsw + textWidth, ranges, hl);
            if (!wrap) break;
        }
    }

    boolean key(KeyStroke k, Action a) {
        if (k.getKeyType() == KeyType.End) {
            follow = true;
            return true;
        }
        if (k.getKeyType() == KeyType.ArrowLeft) {
            hoff = Math.max(0, hoff - 8);
            return true;
        }
        if (k.getKeyType() == KeyType.ArrowRight) {
            hoff += 8;
            return true;
        }
        if (a == null) return false;
        switch (a) {
            case UP -> scroll(-1);
            case DOWN -> scroll(1);
            case PAGE_UP -> scroll(-page);
            case PAGE_DOWN -> scroll(page);
            case TOP -> {
                follow = false;
                top = buffer.first();
            }
            case BOTTOM, FOLLOW -> follow = true;
            case WRAP -> wrap = !wrap;
            case TIMESTAMPS -> timestamps = !timestamps;
            case CLEAR -> {
                buffer.clear();
                follow = true;
                app.info("log view cleared");
            }
            case SAVE -> save();
            case SEARCH -> app.openSearch(this::search);
            case NEXT_MATCH -> next(1);
            case PREV_MATCH -> next(-1);
            default -> {
                return false;
            }
        }
        return true;
    }

    private void scroll(int delta) {
        if (follow) {
            if (delta > 0) return;
            follow = false;
        }
        top = Math.max(buffer.first(), top + delta);
        if (top >= buffer.end() - 1 && delta > 0) follow = true;
    }

    void search(TextMatcher m) {
        search = m.isEmpty() ? null : m;
        matchSeq = (follow ? buffer.end() : top);
        if (search != null) next(-1);
    }

    private void next(int dir) {
        if (search == null) {
            app.info("no search: press " + KeyMap.display(app.keys().key(Action.SEARCH)) + " first");
            return;
        }
        long start = buffer.first();
        long end = buffer.end();
        long from = matchSeq < 0 ? (follow ? end : top) : matchSeq;
        for (long s = from + dir; s >= start && s < end; s += dir) {
            LogBuffer.Entry e = buffer.get(s);
            if (e != null && search.find(e.text().text())) {
                matchSeq = s;
                follow = false;
                top = Math.max(start, s - 2);
                return;
            }
        }
        app.info("no " + (dir > 0 ? "later" : "earlier") + " match for '" + search.source + "'");
    }

    private void save() {
        Path dir = stateDir.resolve("logs");
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path file = dir.resolve(backendName + "-" + name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + stamp + ".log");
        long n = 0;
        try {
            Files.createDirectories(dir);
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (long s = buffer.first(); s < buffer.end(); s++) {
                    LogBuffer.Entry e = buffer.get(s);
                    if (e == null) continue;
                    if (timestamps && e.at() != null) out.write(TS.format(e.at()) + " ");
                    out.write(e.text().text());
                    out.write('\n');
                    n++;
                }
            }
            app.info("saved " + n + " lines to " + file);
        } catch (IOException e) {
            app.error("cannot save log to " + file + ": " + e.getMessage());
        }
    }
}
