package io.cloudtui.tui;

import io.cloudtui.core.LogLine;
import java.time.Instant;

/**
 * A bounded ring of sanitised log lines, so memory stays flat however much a workload prints.
 * Lines are addressed by sequence number (0 = first line ever appended); the oldest fall off when
 * full and are counted in {@link #dropped()}. Written by the reader thread, read by the UI thread.
 */
final class LogBuffer {
    /**
     * One line. Its sanitised form is made when it is first drawn or searched (UI thread), not when
     * it arrives: a flood of lines mostly falls off the ring unseen, and the reader thread then only
     * stores strings.
     */
    static final class Entry {
        private final long seq;
        private final Instant at;
        private final LogLine.Stream stream;
        private String raw;
        private StyledText text;

        Entry(long seq, Instant at, LogLine.Stream stream, String raw) {
            this.seq = seq;
            this.at = at;
            this.stream = stream;
            this.raw = raw;
        }

        long seq() {
            return seq;
        }

        Instant at() {
            return at;
        }

        LogLine.Stream stream() {
            return stream;
        }

        synchronized StyledText text() {
            if (text == null) {
                text = Sanitizer.sanitize(raw);
                raw = null;
            }
            return text;
        }
    }

    private final Entry[] ring;
    private long next;
    private long firstKept;
    private long cleared;
    private volatile long version;

    LogBuffer(int capacity) {
        ring = new Entry[Math.max(1, capacity)];
    }

    int capacity() {
        return ring.length;
    }

    void append(LogLine line) {
        synchronized (this) {
            ring[(int) (next % ring.length)] = new Entry(next, line.timestamp(), line.stream(), line.text());
            next++;
            if (next - firstKept > ring.length) firstKept = next - ring.length;
            version++;
        }
    }

    /** Sequence number of the oldest line still held. */
    synchronized long first() {
        return firstKept;
    }

    /** One past the newest line's sequence number. */
    synchronized long end() {
        return next;
    }

    synchronized int size() {
        return (int) (next - firstKept);
    }

    /** Lines that fell off the ring (not counting ones the user cleared). */
    synchronized long dropped() {
        return firstKept - cleared;
    }

    /** The line with sequence {@code seq}, or null if it is gone or not yet written. */
    synchronized Entry get(long seq) {
        if (seq < firstKept || seq >= next) return null;
        return ring[(int) (seq % ring.length)];
    }

    synchronized void clear() {
        cleared += next - firstKept;
        firstKept = next;
        version++;
    }

    long version() {
        return version;
    }
}
