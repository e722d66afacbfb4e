package io.cloudtui.docker;

import io.cloudtui.core.ChunkedLogSink;
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
 * A line longer than {@link #MAX_LINE} bytes (a container writing without newlines, a TTY's raw
 * stream) is cut into lines of at most that many, at a character boundary: memory stays bounded.
 */
final class LogDecoder {
    /** The longest line kept whole, in bytes (docker's json-file driver splits its entries at 16 KiB). */
    static final int MAX_LINE = 64 * 1024;
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
                if (buf.size() == 0) {
                    // the whole line is in this frame: decode it in place
                    emit(stream, data, start, i - start);
                } else {
                    buf.write(data, start, i - start);
                    emit(stream, buf);
                }
                start = i + 1;
            }
        }
        buf.write(data, start, data.length - start);
        if (buf.size() >= MAX_LINE) cut(stream, buf);
        if (sink instanceof ChunkedLogSink c) c.endChunk();
    }

    /** Emits the unterminated line in BUF as lines of at most {@link #MAX_LINE} bytes, keeping the rest (a part character too). */
    private void cut(LogLine.Stream stream, ByteArrayOutputStream buf) {
        byte[] b = buf.toByteArray();
        int at = 0;
        while (b.length - at >= MAX_LINE) {
            int end = boundary(b, at + MAX_LINE);
            emitOne(stream, b, at, end - at);
            at = end;
        }
        buf.reset();
        buf.write(b, at, b.length - at);
    }

    /** Emits what is left of unterminated lines (at end of stream). */
    synchronized void flush() {
        if (out.size() > 0) emit(LogLine.Stream.STDOUT, out);
        if (err.size() > 0) emit(LogLine.Stream.STDERR, err);
        if (sink instanceof ChunkedLogSink c) c.endChunk();
    }

    private void emit(LogLine.Stream stream, ByteArrayOutputStream buf) {
        byte[] b = buf.toByteArray();
        buf.reset();
        emit(stream, b, 0, b.length);
    }

    /** A whole line, as lines of at most {@link #MAX_LINE} bytes. */
    private void emit(LogLine.Stream stream, byte[] b, int off, int len) {
        int end = off + len;
        while (end - off > MAX_LINE) {
            int cut = boundary(b, off + MAX_LINE);
            emitOne(stream, b, off, cut - off);
            off = cut;
        }
        emitOne(stream, b, off, end - off);
    }

    /** AT, or the start of the UTF-8 sequence AT is inside of. */
    private static int boundary(byte[] b, int at) {
        int e = at;
        while (e > at - 3 && (b[e] & 0xC0) == 0x80) e--;
        return (b[e] & 0xC0) != 0x80 ? e : at;
    }

    private void emitOne(LogLine.Stream stream, byte[] b, int off, int len) {
        if (len > 0 && b[off + len - 1] == '\r') len--;
        Instant ts = null;
        if (engineTimestamps) {
            int sp = -1;
            for (int i = off; i < off + len; i++) {
                if (b[i] == ' ') {
                    sp = i;
                    break;
                }
            }
            ts = parseTimestamp(b, off, sp < 0 ? len : sp - off);
            if (ts != null) {
                int skip = sp < 0 ? len : sp + 1 - off;
                off += skip;
                len -= skip;
            }
            if (len > 0 && b[off + len - 1] == '\r') len--;
        }
        if (since != null && ts != null && ts.isBefore(since)) return;
        sink.accept(new LogLine(stream, keepTimestamps ? ts : null, new String(b, off, len, StandardCharsets.UTF_8)));
    }

    /**
     * The engine's RFC3339Nano UTC timestamp (2024-05-06T07:08:09.123456789Z) read straight from the
     * bytes, as a flood of lines would otherwise spend most of its time in the general date parser;
     * anything else (an offset, a leap second) goes to {@link #parseTimestamp(String)}.
     */
    static Instant parseTimestamp(byte[] b, int off, int len) {
        if (len < 20 || b[off + 4] != '-' || b[off + 10] != 'T') return null;
        if (b[off + len - 1] == 'Z' && b[off + 7] == '-' && b[off + 13] == ':' && b[off + 16] == ':') {
            int y = digits(b, off, 4), mo = digits(b, off + 5, 2), d = digits(b, off + 8, 2);
            int h = digits(b, off + 11, 2), mi = digits(b, off + 14, 2), s = digits(b, off + 17, 2);
            int nanos = 0;
            boolean ok = y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= monthLength(y, mo) && h >= 0 && h < 24
                    && mi >= 0 && mi < 60 && s >= 0 && s < 60;
            int p = off + 19;
            int end = off + len - 1;
            if (ok && p < end) {
                if (b[p] != '.' || end - p - 1 < 1 || end - p - 1 > 9) ok = false;
                for (int i = p + 1, scale = 100_000_000; ok && i < end; i++, scale /= 10) {
                    int v = b[i] - '0';
                    if (v < 0 || v > 9) ok = false;
                    else nanos += v * scale;
                }
            }
            if (ok) return Instant.ofEpochSecond(epochDay(y, mo, d) * 86_400L + h * 3600L + mi * 60L + s, nanos);
        }
        return parseTimestamp(new String(b, off, len, StandardCharsets.ISO_8859_1));
    }

    private static int digits(byte[] b, int off, int n) {
        int v = 0;
        for (int i = off; i < off + n; i++) {
            int c = b[i] - '0';
            if (c < 0 || c > 9) return -1;
            v = v * 10 + c;
        }
        return v;
    }

    private static int monthLength(int y, int m) {
        if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
        return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (as LocalDate.toEpochDay, without the object). */
    static long epochDay(int y, int m, int d) {
        long yy = m <= 2 ? y - 1 : y;
        long era = Math.floorDiv(yy, 400);
        long yoe = yy - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
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
