package io.cloudtui.docker;

import io.cloudtui.core.LogLine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.Consumer;

/**
 * Turns docker's log frames into lines. stdout and stderr are buffered apart, so a line split across
 * frames is joined and the two streams never mix; a TTY container's raw stream counts as stdout.
 * Lines are decoded as UTF-8 only when complete, so a character split across frames survives.
 * When the engine was asked for timestamps, each line starts with one (RFC3339Nano): it is parsed,
 * used for the exact {@code since} filter, and kept in {@link LogLine#timestamp()} only if wanted.
 */
final class LogDecoder {
    private final boolean engineTimestamps;
    private final boolean keepTimestamps;
    private final Instant since;
    private final Consumer<LogLine> sink;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    LogDecoder(boolean engineTimestamps, boolean keepTimestamps, Instant since, Consumer<LogLine> sink) {
        this.engineTimestamps = engineTimestamps;
        this.keepTimestamps = keepTimestamps;
        this.since = since;
        this.sink = sink;
    }

    synchronized void accept(LogLine.Stream stream, byte[] data) {
        ByteArrayOutputStream buf = stream == LogLine.Stream.STDERR ? err : out;
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                buf.write(data, start, i - start);
                emit(stream, buf);
                start = i + 1;
            }
        }
        buf.write(data, start, data.length - start);
    }

    /** Emits what is left of unterminated lines (at end of stream). */
    synchronized void flush() {
        if (out.size() > 0) emit(LogLine.Stream.STDOUT, out);
        if (err.size() > 0) emit(LogLine.Stream.STDERR, err);
    }

    private void emit(LogLine.Stream stream, ByteArrayOutputStream buf) {
        String text = buf.toString(StandardCharsets.UTF_8);
        buf.reset();
        if (text.endsWith("\r")) text = text.substring(0, text.length() - 1);
        Instant ts = null;
        if (engineTimestamps) {
            int sp = text.indexOf(' ');
            String head = sp < 0 ? text : text.substring(0, sp);
            ts = parseTimestamp(head);
            if (ts != null) text = sp < 0 ? "" : text.substring(sp + 1);
            if (text.endsWith("\r")) text = text.substring(0, text.length() - 1);
        }
        if (since != null && ts != null && ts.isBefore(since)) return;
        sink.accept(new LogLine(stream, keepTimestamps ? ts : null, text));
    }

    static Instant parseTimestamp(String s) {
        if (s.length() < 20 || s.charAt(4) != '-' || s.charAt(10) != 'T') return null;
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }
}
