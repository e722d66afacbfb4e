package io.cloudtui.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Compose;
import io.cloudtui.core.Workload;
import io.cloudtui.core.Workloads;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cloudtui ps}: like {@code docker ps}, across every backend. */
@Command(name = "ps", mixinStandardHelpOptions = true,
        description = {"List containers and VMs of every backend.",
            "A backend that cannot be reached is reported on stderr and the others are still listed;",
            "the exit code is 1 only when no backend could be listed."},
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui ps                   running workloads",
            "  cloudtui ps -a                all workloads, stopped ones too",
            "  cloudtui ps -aq               ids only (for scripts)",
            "  cloudtui ps --format json     JSON array; id is BACKEND:FULL-ID",
            "  cloudtui ps -a --project shop the containers of Compose project shop"})
final class PsCommand extends Base {
    enum Format { table, json }

    @Option(names = {"-a", "--all"}, description = "Show all workloads (default shows just running)")
    boolean all;

    @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = {"-q", "--quiet"}, description = "Only display short ids")
    boolean quiet;

    @Option(names = "--no-trunc", description = "Show full ids and commands")
    boolean noTrunc;

    @Option(names = "--project", paramLabel = "PROJECT", description = "Only the containers of this Compose project (BACKEND:PROJECT when on several)")
    String project;

    @Override
    public Integer call() {
        Workloads ws = ctx().workloads();
        int backends = ws.backends().all().size();
        // what was named and could not be opened is said already (Context): nothing answered
        if (backends == 0 && !ws.backends().failed().isEmpty()) return 1;
        if (backends == 0) throw new CloudtuiException("no backend is enabled: start a container engine or configure one (see config.example.yaml)");
        Workloads.Listing l = ws.listAll(all);
        if (l.failures().size() == backends) {
            for (CloudtuiException e : l.failures().values()) error(e.getMessage());
            return 1;
        }
        for (Map.Entry<String, CloudtuiException> f : l.failures().entrySet()) {
            error("warning: backend '" + f.getKey() + "' not listed: " + f.getValue().getMessage());
        }
        warnUnusable();
        List<Workload> listed = l.workloads();
        if (project != null) {
            // named among all the workloads (a stopped project is still one), then as -a says
            Compose.Project p = Compose.find(all ? listed : ws.listAll(true).workloads(), project);
            listed = listed.stream().filter(w -> w.backend().equals(p.backend()) && p.name().equals(Compose.project(w))).toList();
        }
        List<Workload> list = grouped(listed.stream()
                .sorted(Comparator.comparing(Workload::created, Comparator.nullsLast(Comparator.reverseOrder()))
                        .thenComparing(Workload::name))
                .toList());
        if (quiet) {
            for (Workload w : list) out().println(noTrunc ? w.nativeId() : Fmt.shortId(w.nativeId()));
        } else if (format == Format.json) {
            out().println(Json.pretty(json(list)));
        } else {
            table(list, Instant.now(), noTrunc, ws.backends().hasRemote()).print(out());
        }
        return 0;
    }

    /**
     * {@code sorted} with each Compose project's containers together, by service then number, where
     * the project's first container was (per backend: a host's project is its own).
     */
    static List<Workload> grouped(List<Workload> sorted) {
        java.util.Map<String, Compose.Project> projects = new java.util.HashMap<>();
        for (Compose.Project p : Compose.projects(sorted)) projects.put(p.key(), p);
        List<Workload> out = new java.util.ArrayList<>();
        java.util.Set<String> done = new java.util.HashSet<>();
        for (Workload w : sorted) {
            String p = Compose.project(w);
            if (p == null) {
                out.add(w);
            } else if (done.add(w.backend() + ":" + p)) {
                out.addAll(projects.get(w.backend() + ":" + p).members());
            }
        }
        return out;
    }

    static Table table(List<Workload> list, Instant now, boolean noTrunc) {
        return table(list, now, noTrunc, false);
    }

    /**
     * The table; HOSTS: a HOST column (local rows: local), when any remote host is in the session; a
     * PROJECT column (its Compose project, or empty) when any row belongs to one.
     */
    static Table table(List<Workload> list, Instant now, boolean noTrunc, boolean hosts) {
        boolean projects = list.stream().anyMatch(w -> Compose.project(w) != null);
        List<String> head = new java.util.ArrayList<>(List.of("ID", "NAME", "BACKEND", "KIND", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS"));
        if (projects) head.add(2, "PROJECT");
        if (hosts) head.add(0, "HOST");
        Table t = new Table(head.toArray(String[]::new));
        for (Workload w : list) {
            List<String> row = new java.util.ArrayList<>(List.of(noTrunc ? w.nativeId() : Fmt.shortId(w.nativeId()), w.name(), w.backend(),
                    w.kind().label(), w.image(),
                    w.command().isEmpty() ? "" : "\"" + (noTrunc ? w.command() : Fmt.truncate(w.command(), 20)) + "\"",
                    Fmt.ago(w.created(), now), w.status(), String.join(", ", w.ports())));
            if (projects) row.add(2, Compose.project(w) == null ? "" : Compose.project(w));
            if (hosts) row.add(0, io.cloudtui.core.Backends.hostOf(w.backend()));
            t.row(row.toArray(String[]::new));
        }
        return t;
    }

    static ArrayNode json(List<Workload> list) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (Workload w : list) {
            ObjectNode o = arr.addObject();
            o.put("id", w.id().toString());
            o.put("name", w.name());
            o.put("host", io.cloudtui.core.Backends.hostOf(w.backend()));
            o.put("backend", w.backend());
            o.put("kind", w.kind().label());
            // its Compose project and service, null when it has none
            o.put("project", Compose.project(w));
            o.put("service", Compose.project(w) == null ? null : Compose.service(w));
            o.put("image", w.image());
            o.put("command", w.command());
            o.put("state", w.state().label());
            o.put("status", w.status());
            o.put("created", Json.time(w.created()));
            o.put("started", Json.time(w.started()));
            ArrayNode ports = o.putArray("ports");
            w.ports().forEach(ports::add);
            ObjectNode labels = o.putObject("labels");
            w.labels().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> labels.put(e.getKey(), e.getValue()));
        }
        return arr;
    }
}
