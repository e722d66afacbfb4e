package io.cloudtui.tui;

import io.cloudtui.core.Stats;
import io.cloudtui.core.WorkloadId;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/** CPU, memory, network and block I/O of one workload as sparklines over time. */
final class StatsPane {
    private static final int HISTORY = 240;
    private final WorkloadTable model;
    private final Duration interval;
    private final WorkloadId id;
    private final Deque<Stats> samples = new ArrayDeque<>();
    private Stats last;

    /** Samples come from {@code model}'s row of {@code id}, one every {@code interval}. */
    StatsPane(WorkloadTable model, Duration interval, WorkloadId id) {
        this.model = model;
        this.interval = interval;
        this.id = id;
    }

    /** Picks up a new sample from the model; true when there was one. */
    boolean poll() {
        WorkloadTable.Row r = model.row(id);
        if (r == null || r.stats == null || r.stats == last) return false;
        last = r.stats;
        samples.addLast(r.stats);
        while (samples.size() > HISTORY) samples.removeFirst();
        return true;
    }

    void render(Canvas c, int y0, int bottom) {
        for (int y = y0; y < bottom; y++) c.fillRow(y, Role.NORMAL);
        if (samples.isEmpty()) {
            WorkloadTable.Row r = model.row(id);
            String why = r == null ? "workload is gone" : !r.w.state().isActive() ? "not running: no stats" : "waiting for the first sample...";
            c.put(1, y0, why, Role.DIM);
            return;
        }
        Stats[] s = samples.toArray(new Stats[0]);
        int n = s.length;
        int graphW = Math.max(4, c.width - 34);
        double[] cpu = new double[n];
        double[] mem = new double[n];
        double[] rx = new double[n];
        double[] tx = new double[n];
        double[] br = new double[n];
        double[] bw = new double[n];
        for (int i = 0; i < n; i++) {
            cpu[i] = s[i].cpuPercent();
            mem[i] = s[i].memoryUsage();
            if (i == 0) {
                rx[i] = tx[i] = br[i] = bw[i] = -1;
                continue;
            }
            double secs = Math.max(0.001, Duration.between(s[i - 1].at(), s[i].at()).toMillis() / 1000.0);
            rx[i] = rate(s[i - 1].netRx(), s[i].netRx(), secs);
            tx[i] = rate(s[i - 1].netTx(), s[i].netTx(), secs);
            br[i] = rate(s[i - 1].blockRead(), s[i].blockRead(), secs);
            bw[i] = rate(s[i - 1].blockWrite(), s[i].blockWrite(), secs);
        }
        Stats cur = s[n - 1];
        int y = y0;
        String scale = cur.cpuScale() == Stats.CpuScale.PER_CPU ? "100% = one host CPU" : "100% = all host CPUs";
        y = line(c, y, bottom, "CPU " + Fmt.percent(cur.cpuPercent()) + "%", cpu, Math.max(100, max(cpu)), graphW);
        y = line(c, y, bottom, "MEM " + Fmt.bytes(cur.memoryUsage()) + (cur.memoryLimit() > 0 ? "/" + Fmt.bytes(cur.memoryLimit()) : ""), mem,
                cur.memoryLimit() > 0 ? cur.memoryLimit() : max(mem), graphW);
        y = line(c, y, bottom, "NET rx " + Fmt.rate(rx[n - 1]), rx, max(rx), graphW);
        y = line(c, y, bottom, "NET tx " + Fmt.rate(tx[n - 1]), tx, max(tx), graphW);
        y = line(c, y, bottom, "BLK rd " + Fmt.rate(br[n - 1]), br, max(br), graphW);
        y = line(c, y, bottom, "BLK wr " + Fmt.rate(bw[n - 1]), bw, max(bw), graphW);
        if (y < bottom) c.put(1, y++, "PIDS " + (cur.pids() < 0 ? "-" : cur.pids()), Role.NORMAL);
        if (y + 1 < bottom) c.put(1, y + 1, "CPU% " + scale + "; a sample every " + interval.toMillis() / 1000.0
                + " s; " + n + " samples", Role.DIM);
    }

    private static double rate(long a, long b, double secs) {
        if (a < 0 || b < 0 || b < a) return -1;
        return (b - a) / secs;
    }

    private static double max(double[] v) {
        double m = 0;
        for (double d : v) m = Math.max(m, d);
        return m;
    }

    private int line(Canvas c, int y, int bottom, String label, double[] values, double max, int w) {
        if (y + 1 >= bottom) return y + 1;
        c.put(1, y, Fmt.fit(label, 30), Role.TITLE, 32);
        c.put(32, y, c.glyphs.sparkline(values, max, w), Role.SPARKLINE, c.width);
        return y + 2;
    }
}
