package io.cloudtui.tui;

import io.cloudtui.core.ChunkedLogSink;
import io.cloudtui.core.LogLine;
import java.time.Instant;

/**
 * A bounded ring of sanitised log lines, so memory stays flat however much a workload prints.
 * Lines are addressed by sequence number (0 = first line ever appended); the oldest fall off when
 * the ring is full, or when the lines held would take more than {@link #MAX_BYTES} of heap (long
 * lines; each is cut at {@link Sanitizer#DEFAULT_MAX_CHARS}), and are counted in {@link #dropped()}.
 * The UI's JVM runs with a small heap (the launcher's -Xmx), which these bounds keep it within. Written by the reader thread through a {@link Writer},
 * which sanitises lines outside the lock and puts each read's lines in at once; read by the UI thread.
 */
final class LogBuffer {
    record Entry(long seq, Instant at, LogLine.Stream stream, StyledText text) {}

    /** Heap the lines of one buffer may take, as {@link #cost} counts it. */
    static final long MAX_BYTES = 4L << 20;
    /** Objects of one line besides its characters (the entry, its instant, styled text, string, array headers). */
    static final int LINE_OVERHEAD = 128;

    private final Entry[] ring;
    private final long maxBytes;
    private long next;
    private long firstKept;
    private long cleared;
    /** What the lines from firstKept to next cost (see {@link #cost}). */
    private long bytes;
    private volatile long version;

    LogBuffer(int capacity) {
        this(capacity, MAX_BYTES);
    }

    LogBuffer(int capacity, long maxBytes) {
        ring = new Entry[Math.max(1, capacity)];
        this.maxBytes = maxBytes;
    }

    /** Heap a line takes, roughly: its characters (two bytes each, as the worst case) and its objects. */
    static long cost(StyledText t) {
        return LINE_OVERHEAD + 2L * t.length() + 8L * t.starts().length;
    }

    /** What the lines held cost, as {@link #cost} counts. */
    synchronized long bytes() {
        return bytes;
    }

    int capacity() {
        return ring.length;
    }

    /** Called when lines arrive after the UI last drew this buffer, from the reader's thread (the UI wakes up). */
    volatile Runnable onChange = () -> {};
    /** Set by an append, cleared when the UI draws: a flood wakes the UI once per frame, not once per read. */
    private final java.util.concurrent.atomic.AtomicBoolean unseen = new java.util.concurrent.atomic.AtomicBoolean();

    private void changed() {
        if (!unseen.getAndSet(true)) onChange.run();
    }

    /** The UI is about to draw what is there now. */
    void seen() {
        unseen.set(false);
    }

    void append(LogLine line) {
        StyledText t = Sanitizer.sanitize(line.text());
        synchronized (this) {
            put(line, t);
            version++;
        }
        changed();
    }

    /**
     * One line of a merged stream: {@code prefix} (the container's name) in {@code style}, then the
     * line sanitised as any other (the prefix is ours; nothing of the container's output is trusted).
     */
    void appendPrefixed(LogLine line, String prefix, Style style) {
        StyledText t = StyledText.prefixed(prefix, style, Sanitizer.sanitize(line.text()));
        synchronized (this) {
            put(line, t);
            version++;
        }
        changed();
    }

    private void put(LogLine line, StyledText t) {
        if (next - firstKept >= ring.length) dropOldest();
        ring[(int) (next % ring.length)] = new Entry(next, line.timestamp(), line.stream(), t);
        next++;
        bytes += cost(t);
        while (bytes > maxBytes && next - firstKept > 1) dropOldest();
    }

    private void dropOldest() {
        int i = (int) (firstKept % ring.length);
        Entry e = ring[i];
        if (e != null) bytes -= cost(e.text());
        ring[i] = null;
        firstKept++;
    }

    /** Puts {@code n} sanitised lines in under one lock, with one version change for the UI to see. */
    void appendAll(LogLine[] lines, StyledText[] texts, int n) {
        synchronized (this) {
            for (int i = 0; i < n; i++) put(lines[i], texts[i]);
            if (n > 0) version++;
        }
        if (n > 0) changed();
    }

    /** A sink for the reader thread. */
    Writer writer() {
        return new Writer();
    }

    /**
     * The reader thread's side. Lines are sanitised as they arrive and staged; a backend that marks
     * the end of each read ({@link ChunkedLogSink}) gets them published once per read (or every
     * {@link #BATCH} lines), any other backend line by line.
     */
    final class Writer implements ChunkedLogSink {
        static final int BATCH = 512;
        private final LogLine[] lines = new LogLine[BATCH];
        private final StyledText[] texts = new StyledText[BATCH];
        private int n;
        private boolean chunked;

        @Override
        public void accept(LogLine line) {
            lines[n] = line;
            texts[n] = Sanitizer.sanitize(line.text());
            n++;
            if (!chunked || n == BATCH) publish();
        }

        @Override
        public void endChunk() {
            chunked = true;
            publish();
        }

        private void publish() {
            appendAll(lines, texts, n);
            java.util.Arrays.fill(lines, 0, n, null);
            java.util.Arrays.fill(texts, 0, n, null);
            n = 0;
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

    /** What the UI draws from, taken under one lock: the counters and up to {@code max} lines from {@code from}. */
    record Window(long first, long end, long dropped, Entry[] entries) {
        int size() {
            return (int) (end - first);
        }

        /** The line with sequence {@code seq} if this window holds it, else null. */
        Entry get(long seq) {
            if (entries.length == 0) return null;
            long i = seq - entries[0].seq();
            return i >= 0 && i < entries.length ? entries[(int) i] : null;
        }
    }

    /**
     * Up to {@code max} lines starting at {@code from} (clamped to the lines held), or with
     * {@code tail} the newest {@code max} lines; the UI's one lock per frame however fast lines come.
     */
    synchronized Window window(long from, int max, boolean tail) {
        long a = tail ? Math.max(firstKept, next - max) : Math.max(from, firstKept);
        long b = Math.min(next, a + Math.max(0, max));
        Entry[] out = new Entry[(int) Math.max(0, b - a)];
        for (int i = 0; i < out.length; i++) out[i] = ring[(int) ((a + i) % ring.length)];
        return new Window(firstKept, next, firstKept - cleared, out);
    }

    synchronized void clear() {
        cleared += next - firstKept;
        // the cleared lines go now, not when the ring comes round to them
        while (firstKept < next) dropOldest();
        version++;
    }

    long version() {
        return version;
    }
}
