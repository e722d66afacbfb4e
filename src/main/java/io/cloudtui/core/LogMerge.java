package io.cloudtui.core;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.LongSupplier;

/**
 * Several workloads' logs as one stream in time order, by the engines' timestamps. Readers
 * {@link #add} lines as they come (each source in its own time order); {@link #drain} releases, in
 * timestamp order, every line no other source can still precede: a line is safe once each source
 * still open has shown a line at least as late (or it waited {@code windowMillis}: a quiet source
 * must not hold a followed stream back). A line that comes more than the window late is released
 * at once, after later ones (the price of following). Lines without a timestamp get their arrival
 * time. Thread-safe.
 */
public final class LogMerge {
    /** Where released lines go, in order: the source's index and the line. */
    public interface Out {
        void accept(int source, LogLine line);
    }

    private record Held(int source, long seq, Instant at, long arrived, LogLine line) {}

    private static final Comparator<Held> ORDER = Comparator.comparing(Held::at).thenComparingInt(Held::source).thenComparingLong(Held::seq);

    private final PriorityQueue<Held> held = new PriorityQueue<>(ORDER);
    private final Instant[] latest;
    private final boolean[] ended;
    private final long windowMillis;
    private final LongSupplier millis;
    private final Clock wall;
    private long seq;

    public LogMerge(int sources, long windowMillis, LongSupplier millis, Clock wall) {
        this.latest = new Instant[sources];
        this.ended = new boolean[sources];
        this.windowMillis = windowMillis;
        this.millis = millis;
        this.wall = wall;
    }

    public synchronized void add(int source, LogLine line) {
        Instant at = line.timestamp() != null ? line.timestamp() : wall.instant();
        if (latest[source] == null || at.isAfter(latest[source])) latest[source] = at;
        held.add(new Held(source, seq++, at, millis.getAsLong(), line));
        notifyAll();
    }

    /** The source's stream ended: it holds nothing back any more. */
    public synchronized void end(int source) {
        ended[source] = true;
        notifyAll();
    }

    public synchronized boolean allEnded() {
        for (boolean e : ended) if (!e) return false;
        return true;
    }

    public synchronized int held() {
        return held.size();
    }

    /** Releases every line that is safe now, in order, to {@code out} (called outside the lock). */
    public void drain(Out out) {
        List<Held> ready = new ArrayList<>();
        synchronized (this) {
            long now = millis.getAsLong();
            while (!held.isEmpty()) {
                Held h = held.peek();
                if (!safe(h) && now - h.arrived() < windowMillis) break;
                ready.add(held.poll());
            }
        }
        for (Held h : ready) out.accept(h.source(), h.line());
    }

    private boolean safe(Held h) {
        for (int s = 0; s < latest.length; s++) {
            if (s == h.source() || ended[s]) continue;
            if (latest[s] == null || latest[s].isBefore(h.at())) return false;
        }
        return true;
    }

    /** Waits until something is added or ends, at most {@code millis}. */
    public synchronized void await(long maxMillis) throws InterruptedException {
        if (maxMillis > 0) wait(maxMillis);
    }

    /** One source of a merged stream: a workload on its backend. */
    public record Source(Backend backend, Workload workload) {}

    /**
     * Reads every source (each on a thread of its own) and releases their lines merged to {@code out}
     * until all streams end or {@code cancel} closes; a source that fails is told to {@code failed}
     * (its index and the message) and the others go on. Timestamps are always asked for.
     */
    public static void run(List<Source> sources, LogOptions options, long windowMillis, Out out,
            java.util.function.BiConsumer<Integer, String> failed, Backend.Cancel cancel) {
        LogMerge m = new LogMerge(sources.size(), windowMillis, () -> System.nanoTime() / 1_000_000, Clock.systemUTC());
        LogOptions opts = new LogOptions(options.follow(), options.tail(), options.since(), true);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            int idx = i;
            Source s = sources.get(i);
            Thread t = new Thread(() -> {
                try {
                    s.backend().logs(s.workload().nativeId(), opts, line -> m.add(idx, line), cancel);
                } catch (RuntimeException e) {
                    if (!cancel.isCancelled()) failed.accept(idx, e.getMessage() != null ? e.getMessage() : e.toString());
                } finally {
                    m.end(idx);
                }
            }, "cloudtui-logs-" + s.workload().name());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        cancel.onCancel(() -> {
            for (int i = 0; i < sources.size(); i++) m.end(i);
        });
        try {
            while (!m.allEnded()) {
                m.drain(out);
                m.await(Math.max(10, windowMillis / 4));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!cancel.isCancelled()) m.drain(out);
    }
}
