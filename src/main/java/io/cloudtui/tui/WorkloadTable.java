package io.cloudtui.tui;

import io.cloudtui.core.State;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The UI's model: every workload of every backend, each backend's connection state, and recent
 * stats. Backend threads {@link #post} updates; the UI thread {@link #apply}s them in batches and
 * reads the result. Only the UI thread touches the maps.
 */
final class WorkloadTable {
    static final int CPU_HISTORY = 30;

    enum Conn { CONNECTING, CONNECTED, DISCONNECTED }

    /** One backend as the header shows it. */
    static final class BackendState {
        final String name;
        final String type;
        Conn conn = Conn.CONNECTING;
        String error;

        BackendState(String name, String type) {
            this.name = name;
            this.type = type;
        }
    }

    /** One row: the workload and what the UI has learned about it. */
    static final class Row {
        Workload w;
        Stats stats;
        /** A verb under way ("stopping"), shown instead of the state until the state moves on or the verb ends. */
        String transit;
        private State transitFrom;
        final double[] cpu = new double[CPU_HISTORY];
        int cpuCount;

        Row(Workload w) {
            this.w = w;
        }

        void addCpu(double v) {
            System.arraycopy(cpu, 1, cpu, 0, CPU_HISTORY - 1);
            cpu[CPU_HISTORY - 1] = v;
            if (cpuCount < CPU_HISTORY) cpuCount++;
        }

        /** The newest {@code n} CPU samples, oldest first. */
        double[] cpuHistory(int n) {
            int k = Math.min(n, cpuCount);
            double[] out = new double[k];
            System.arraycopy(cpu, CPU_HISTORY - k, out, 0, k);
            return out;
        }
    }

    /** A change from a backend thread, applied on the UI thread. */
    sealed interface Update {}

    record Listed(String backend, List<Workload> workloads) implements Update {}

    record Changed(Workload workload) implements Update {}

    record Removed(WorkloadId id) implements Update {}

    record Connection(String backend, Conn conn, String error) implements Update {}

    record Sampled(WorkloadId id, Stats stats) implements Update {}

    /** A verb was issued ({@code label} "stopping") or has ended ({@code label} null). */
    record Transit(WorkloadId id, String label) implements Update {}

    private final Map<String, BackendState> backends = new LinkedHashMap<>();
    private final Map<WorkloadId, Row> rows = new LinkedHashMap<>();
    private final ConcurrentLinkedQueue<Update> pending = new ConcurrentLinkedQueue<>();
    private long version;

    void addBackend(String name, String type) {
        backends.put(name, new BackendState(name, type));
    }

    /** Thread-safe: queues an update for the next batch. */
    private volatile Runnable onPost = () -> {};

    /** Set from a post until the next apply: one wake-up per batch, not one per update. */
    private final java.util.concurrent.atomic.AtomicBoolean posted = new java.util.concurrent.atomic.AtomicBoolean();

    /** Called after the first {@link #post} since the last {@link #apply}, from the posting thread (the UI wakes up). */
    void onPost(Runnable r) {
        onPost = r;
    }

    void post(Update u) {
        pending.add(u);
        if (!posted.getAndSet(true)) onPost.run();
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Applies every queued update; returns whether anything visible changed. UI thread only. */
    boolean apply() {
        posted.set(false); // before draining: a post after this wakes the UI again
        boolean changed = false;
        Update u;
        while ((u = pending.poll()) != null) {
            changed |= applyOne(u);
        }
        if (changed) version++;
        return changed;
    }

    private boolean applyOne(Update u) {
        switch (u) {
            case Listed l -> {
                Map<WorkloadId, Workload> fresh = new LinkedHashMap<>();
                for (Workload w : l.workloads()) fresh.put(w.id(), w);
                rows.keySet().removeIf(id -> id.backend().equals(l.backend()) && !fresh.containsKey(id));
                for (Workload w : fresh.values()) upsert(w);
                BackendState b = backends.get(l.backend());
                if (b != null) {
                    b.conn = Conn.CONNECTED;
                    b.error = null;
                }
                return true;
            }
            case Changed c -> {
                upsert(c.workload());
                return true;
            }
            case Removed r -> {
                return rows.remove(r.id()) != null;
            }
            case Connection c -> {
                BackendState b = backends.get(c.backend());
                if (b == null) return false;
                boolean diff = b.conn != c.conn() || !java.util.Objects.equals(b.error, c.error());
                b.conn = c.conn();
                b.error = c.error();
                return diff;
            }
            case Transit t -> {
                Row row = rows.get(t.id());
                if (row == null || java.util.Objects.equals(row.transit, t.label())) return false;
                row.transit = t.label();
                row.transitFrom = row.w.state();
                return true;
            }
            case Sampled s -> {
                Row row = rows.get(s.id());
                if (row == null) return false;
                row.stats = s.stats();
                row.addCpu(s.stats().cpuPercent());
                return true;
            }
        }
    }

    private void upsert(Workload w) {
        if (w.started() == null && w.state().isActive()) {
            // lists without start times (docker's) still say "Up 5 minutes": estimate the start once
            java.time.Duration up = Fmt.upFromStatus(w.status());
            Row old = rows.get(w.id());
            java.time.Instant est = old != null && old.w.started() != null && old.w.state().isActive() ? old.w.started()
                    : up == null ? null : java.time.Instant.now().minus(up);
            if (est != null) {
                w = new Workload(w.id(), w.name(), w.kind(), w.image(), w.command(), w.state(), w.status(), w.created(), est,
                        w.ports(), w.labels(), w.host());
            }
        }
        Row r = rows.get(w.id());
        if (r == null) {
            rows.put(w.id(), new Row(w));
        } else {
            if (!w.state().isActive()) {
                r.stats = null;
            }
            // the engine says the verb took effect (stopped, paused): its "-ing" has done its job
            if (r.transit != null && w.state() != r.transitFrom) r.transit = null;
            r.w = w;
        }
    }

    long version() {
        return version;
    }

    Collection<Row> rows() {
        return rows.values();
    }

    Row row(WorkloadId id) {
        return rows.get(id);
    }

    Collection<BackendState> backends() {
        return backends.values();
    }

    BackendState backend(String name) {
        return backends.get(name);
    }

    boolean connected(String backend) {
        BackendState b = backends.get(backend);
        return b == null || b.conn == Conn.CONNECTED;
    }

    /** Count of rows per backend: [total, running]. */
    Map<String, int[]> counts() {
        Map<String, int[]> out = new HashMap<>();
        for (BackendState b : backends.values()) out.put(b.name, new int[2]);
        for (Row r : rows.values()) {
            int[] c = out.computeIfAbsent(r.w.backend(), k -> new int[2]);
            c[0]++;
            if (r.w.state().isActive()) c[1]++;
        }
        return out;
    }

    List<Row> snapshot() {
        return new ArrayList<>(rows.values());
    }
}
