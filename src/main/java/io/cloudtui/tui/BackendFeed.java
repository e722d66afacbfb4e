package io.cloudtui.tui;

import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.core.WorkloadId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the model in step with the backends, off the UI thread: one full list per backend on
 * (re)connect, then one {@code get} per event; a slow resync in case events were lost; reconnects
 * with backoff (1 s doubling to 30 s) when a list fails. Stats are read only for the rows the UI
 * says are visible, once per interval, never two at a time for the same row. (A local docker's
 * containers are read from their cgroup files, so a full screen of rows costs the engine nothing.)
 */
final class BackendFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackendFeed.class);
    static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final List<Backend> backends;
    private volatile boolean started;
    private final WorkloadTable model;
    private final Duration resync;
    private final Duration statsInterval;
    private final Supplier<Set<WorkloadId>> watched;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("cloudtui-feed"));
    private final ExecutorService io = Executors.newFixedThreadPool(4, daemon("cloudtui-io"));
    private final ExecutorService statsPool = Executors.newFixedThreadPool(4, daemon("cloudtui-stats"));
    private final Map<String, Supervisor> supervisors = new ConcurrentHashMap<>();
    private final Set<WorkloadId> refreshing = ConcurrentHashMap.newKeySet();
    private final Set<WorkloadId> sampling = ConcurrentHashMap.newKeySet();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private volatile boolean closed;

    BackendFeed(List<Backend> backends, WorkloadTable model, Duration resync, Duration statsInterval,
            Supplier<Set<WorkloadId>> watched) {
        this.backends = new java.util.concurrent.CopyOnWriteArrayList<>(backends);
        this.model = model;
        this.resync = resync;
        this.statsInterval = statsInterval;
        this.watched = watched;
    }

    static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    synchronized void start() {
        started = true;
        for (Backend b : backends) supervise(b);
        long ms = statsInterval.toMillis();
        timer.scheduleWithFixedDelay(this::sampleStats, Math.min(ms, 300), ms, TimeUnit.MILLISECONDS);
    }

    private void supervise(Backend b) {
        Supervisor s = new Supervisor(b);
        supervisors.put(b.name(), s);
        try {
            synchronized (subscriptions) {
                subscriptions.add(b.events(this::onEvent));
            }
        } catch (RuntimeException e) {
            LOG.warn("events of {} unavailable; relying on resync", b.name(), e);
        }
        s.schedule(Duration.ZERO);
    }

    /** A backend that joined the session later (a remote host that connected): listed and followed as the others. */
    synchronized void add(Backend b) {
        if (closed || supervisors.containsKey(b.name()) || backends.stream().anyMatch(x -> x.name().equals(b.name()))) return;
        backends.add(b);
        if (started) supervise(b);
    }

    /** Lists the backend again now (after an action, or when the user asks). */
    void relist(String backend) {
        Supervisor s = supervisors.get(backend);
        if (s != null) s.schedule(Duration.ZERO);
    }

    private void onEvent(WorkloadEvent e) {
        if (closed) return;
        Supervisor s = supervisors.get(e.backend());
        if (s == null) return;
        switch (e.type()) {
            case CONNECTED -> s.schedule(Duration.ZERO);
            case DISCONNECTED -> {
                s.connected = false;
                model.post(new WorkloadTable.Connection(e.backend(), WorkloadTable.Conn.DISCONNECTED, "engine went away"));
                s.schedule(s.backoff);
            }
            case WORKLOAD -> {
                if (e.id() == null) return;
                if ("destroy".equals(e.action()) || "remove".equals(e.action())) {
                    model.post(new WorkloadTable.Removed(e.id()));
                    return;
                }
                refresh(s.backend, e.id());
            }
        }
    }

    /** Re-reads one workload; a burst of events for the same one costs a single read. */
    void refresh(Backend b, WorkloadId id) {
        if (!refreshing.add(id)) return;
        submit(io, () -> {
            refreshing.remove(id);
            try {
                Workload w = b.get(id.ref());
                model.post(new WorkloadTable.Changed(w));
            } catch (RuntimeException ex) {
                try {
                    b.ping();
                    model.post(new WorkloadTable.Removed(id));
                } catch (RuntimeException down) {
                    Supervisor s = supervisors.get(b.name());
                    if (s != null) s.failed(down);
                }
            }
        });
    }

    void sampleStats() {
        if (closed) return;
        Set<WorkloadId> ids;
        try {
            ids = watched.get();
        } catch (RuntimeException e) {
            return;
        }
        for (WorkloadId id : ids) sample(id);
    }

    /** Rows on screen that got their first sample since they came into view. */
    private final Set<WorkloadId> seen = ConcurrentHashMap.newKeySet();

    /**
     * The UI shows other rows now: those that just came into view (a new frame, a started container,
     * a scroll) are sampled at once instead of at the next tick, so CPU and MEM come with the first
     * frames (backends return CPU% from their first call, taking a second reading shortly after).
     */
    void watchedChanged(Set<WorkloadId> ids) {
        if (closed) return;
        seen.retainAll(ids);
        for (WorkloadId id : ids) {
            if (seen.add(id)) sample(id);
        }
    }

    private void sample(WorkloadId id) {
        Supervisor s = supervisors.get(id.backend());
        if (s == null || !s.connected || !sampling.add(id)) return;
        try {
            statsPool.execute(() -> {
                try {
                    Stats st = s.backend.stats(id.ref());
                    model.post(new WorkloadTable.Sampled(id, st));
                } catch (RuntimeException e) {
                    LOG.debug("stats of {} failed", id, e);
                } finally {
                    sampling.remove(id);
                }
            });
        } catch (RejectedExecutionException e) {
            sampling.remove(id); // shutting down
        }
    }

    private void submit(ExecutorService ex, Runnable r) {
        if (closed) return;
        try {
            ex.execute(r);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    /** One backend's connection loop: list, and on failure retry with growing delays. */
    private final class Supervisor {
        final Backend backend;
        volatile boolean connected;
        volatile Duration backoff = MIN_BACKOFF;
        private ScheduledFuture<?> next;

        Supervisor(Backend backend) {
            this.backend = backend;
        }

        synchronized void schedule(Duration delay) {
            if (closed) return;
            if (next != null && !next.isDone()) {
                if (next.getDelay(TimeUnit.MILLISECONDS) <= delay.toMillis()) return;
                next.cancel(false);
            }
            try {
                next = timer.schedule(() -> submit(io, this::list), delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // shutting down
            }
        }

        private void list() {
            try {
                List<Workload> all = backend.list(true);
                connected = true;
                backoff = MIN_BACKOFF;
                model.post(new WorkloadTable.Listed(backend.name(), all));
                schedule(resync);
            } catch (RuntimeException e) {
                failed(e);
            }
        }

        void failed(RuntimeException e) {
            connected = false;
            String msg = e instanceof CloudtuiException ? e.getMessage() : String.valueOf(e.getMessage());
            LOG.debug("backend {} unavailable", backend.name(), e);
            model.post(new WorkloadTable.Connection(backend.name(), WorkloadTable.Conn.DISCONNECTED, msg));
            Duration d = backoff;
            Duration n = d.multipliedBy(2);
            backoff = n.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : n;
            synchronized (this) {
                if (next != null && !next.isDone()) next.cancel(false);
                next = null;
            }
            schedule(d);
        }
    }

    @Override
    public void close() {
        closed = true;
        List<AutoCloseable> subs;
        synchronized (subscriptions) {
            subs = List.copyOf(subscriptions);
        }
        for (AutoCloseable c : subs) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing event stream", e);
            }
        }
        timer.shutdownNow();
        io.shutdownNow();
        statsPool.shutdownNow();
    }
}
