package io.cloudtui.cli;

import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Workload;
import io.cloudtui.core.Workloads;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui stats}: a live resource table, like {@code docker stats}. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Show CPU, memory, network, block I/O and process counts of running workloads.",
            "Containers: CPU %% is docker's, 100%% = one host CPU busy (so 4 busy CPUs show 400%%).",
            "VMs: CPU %% is virt-top's, 100%% = every host CPU busy.",
            "Without --no-stream the table refreshes every 2 seconds until ctrl-c."},
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui stats", "  cloudtui stats --no-stream web db"})
final class StatsCommand extends Base {
    @Option(names = "--no-stream", description = "Print one sample and exit")
    boolean noStream;

    @Parameters(arity = "0..*", paramLabel = "TARGET", description = "Workloads to show (default: every running one). " + Examples.TARGETS)
    List<String> targets = new ArrayList<>();

    record Row(Workload workload, Stats stats) {}

    @Override
    public Integer call() throws InterruptedException {
        Workloads ws = ctx().workloads();
        List<Workloads.Target> fixed = null;
        if (!targets.isEmpty()) {
            fixed = new ArrayList<>();
            for (String t : targets) fixed.add(ws.resolve(t));
        }
        PrintStream out = out();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            boolean first = true;
            while (true) {
                long began = System.nanoTime();
                List<Workloads.Target> now = fixed != null ? fixed : running(ws, first);
                List<Row> rows = sample(pool, now);
                Table t = table(rows);
                if (noStream) {
                    t.print(out);
                    out.flush();
                    return 0;
                }
                // Cursor home, then each line cleared to its end and the rest of the screen cleared.
                StringBuilder sb = new StringBuilder(first ? "\033[2J\033[H" : "\033[H");
                for (String l : t.lines()) sb.append(l).append("\033[K\n");
                sb.append("\033[J");
                out.print(sb);
                out.flush();
                first = false;
                long wait = 2000 - (System.nanoTime() - began) / 1_000_000;
                if (wait > 0) Thread.sleep(wait);
            }
        }
    }

    private List<Workloads.Target> running(Workloads ws, boolean first) {
        Workloads.Listing l = ws.listAll(false);
        if (!l.failures().isEmpty() && l.failures().size() == ws.backends().all().size()) {
            throw l.failures().values().iterator().next();
        }
        if (first) {
            l.failures().forEach((b, e) -> error("warning: backend '" + b + "' not listed: " + e.getMessage()));
        }
        return l.workloads().stream()
                .filter(w -> ws.backends().get(w.backend()).supports(Capability.STATS))
                .sorted(Comparator.comparing(Workload::backend).thenComparing(Workload::name))
                .map(w -> new Workloads.Target(ws.backends().get(w.backend()), w))
                .toList();
    }

    /** Samples every workload at once: a backend may take a second per sample (CPU% needs two reads). */
    static List<Row> sample(ExecutorService pool, List<Workloads.Target> targets) {
        List<Future<Stats>> futures = new ArrayList<>();
        for (Workloads.Target t : targets) {
            futures.add(pool.submit(() -> {
                if (!t.backend().supports(Capability.STATS)) throw CloudtuiException.unsupported(t.backend().name(), "stats");
                return t.backend().stats(t.ref());
            }));
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Stats s;
            try {
                s = futures.get(i).get();
            } catch (Exception e) {
                s = null;
            }
            rows.add(new Row(targets.get(i).workload(), s));
        }
        return rows;
    }

    static Table table(List<Row> rows) {
        Table t = new Table("NAME", "BACKEND", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS");
        for (Row r : rows) {
            Workload w = r.workload();
            Stats s = r.stats();
            if (s == null) {
                t.row(w.name(), w.backend(), "--", "-- / --", "--", "-- / --", "-- / --", "--");
                continue;
            }
            t.row(w.name(), w.backend(), Fmt.percent(s.cpuPercent()),
                    Fmt.binarySize(s.memoryUsage()) + " / " + Fmt.binarySize(s.memoryLimit()),
                    s.memoryLimit() > 0 ? Fmt.percent(s.memoryPercent()) : "--",
                    Fmt.size(s.netRx()) + " / " + Fmt.size(s.netTx()),
                    Fmt.size(s.blockRead()) + " / " + Fmt.size(s.blockWrite()),
                    s.pids() >= 0 ? Long.toString(s.pids()) : "--");
        }
        return t;
    }
}
