package io.cloudtui.tui;

import io.cloudtui.core.Workload;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The : command palette: parsing, completion and execution of commands. */
final class Palette {
    static final String[][] COMMANDS = {
        {"stop|start|restart NAME...", "lifecycle verbs (no NAME: marked rows or the selection)"},
        {"kill|pause|resume NAME...", "more verbs; destructive ones ask first"},
        {"remove|rm NAME...", "remove workloads"},
        {"logs|stats|inspect|env [NAME]", "open a drill-in view"},
        {"shell|attach [NAME]", "open a shell in / attach to a workload (a VM: its serial console)"},
        {"ssh [VM]", "ssh to a VM's address with its key and user"},
        {"snapshots [VM]", "a VM's snapshots"},
        {"snapshot create NAME [--no-memory] [TEXT]", "take a snapshot of the VM in view"},
        {"snapshot revert|delete NAME", "revert to or delete a snapshot (asks first)"},
        {"vm", "form to create a new VM"},
        {"compose VERB [SERVICE...]", "the selected Compose project (or services): stop|start|restart|down ask first; up|pull|build|down-v run the Compose CLI"},
        {"sort COLUMN [asc|desc]", "sort by host, backend, name, kind, image, state, cpu, mem, uptime, ports"},
        {"filter [TEXT]", "set or clear the row filter"},
        {"host [NAME|all]", "only the workloads of host NAME (local: this machine's); no NAME or all: every host"},
        {"only vms|containers|all", "show only one kind of workload"},
        {"stopped show|hide", "show or hide stopped workloads"},
        {"theme NAME", "switch colour theme"},
        {"workloads|images|volumes|networks", "switch list"},
        {"services|nodes", "the swarm's services or nodes (of each engine that is a swarm manager)"},
        {"scale [SERVICE] REPLICAS", "scale a swarm service (no SERVICE: the one selected)"},
        {"service-create [--replicas N|--global] [-p P:T] [-e K=V] [--constraint C] NAME IMAGE [ARG...]", "create a swarm service"},
        {"run [IMAGE]", "form to run a new container"},
        {"pull REF", "pull an image (progress streams)"},
        {"import FILE [REF]", "import a docker-save tar or OCI layout"},
        {"copy [BACKEND:]IMAGE [DEST[:REF]]", "copy an image into another backend, streamed (default: docker into runtime)"},
        {"build DIR [TAG]", "build from a directory with a Dockerfile"},
        {"rmi REF", "remove an image"},
        {"help", "this help"},
        {"q|quit", "quit cloudtui"},
    };

    static final List<String> NAMES = List.of("attach", "build", "compose", "copy", "env", "filter", "help", "host", "images", "import", "inspect", "kill", "logs",
            "networks", "nodes", "only", "pause", "pull", "q", "quit", "remove", "restart", "resume", "rm", "rmi", "run", "scale", "service-create", "services", "shell",
            "snapshot", "snapshots", "sort", "ssh", "start", "stats", "stop", "stopped", "theme", "vm", "volumes", "workloads");

    private Palette() {}

    static List<String> complete(String before, TuiApp app) {
        String[] parts = before.split(" ", -1);
        String word = parts[parts.length - 1];
        List<String> pool;
        if (parts.length == 1) {
            pool = NAMES;
        } else {
            String cmd = parts[0];
            pool = switch (cmd) {
                case "compose" -> parts.length == 2 ? ComposeActions.VERBS : app.composeActions.serviceNames();
                case "sort" -> parts.length == 2 ? Arrays.stream(TableView.Column.values()).map(TableView.Column::key).toList()
                        : List.of("asc", "desc");
                case "only" -> List.of("all", "containers", "vms");
                case "stopped" -> List.of("hide", "show");
                case "theme" -> app.themes.names();
                case "host" -> {
                    List<String> hosts = new ArrayList<>(app.hostNames());
                    hosts.add("all");
                    yield parts.length == 2 ? hosts : List.of();
                }
                case "filter", "help", "q", "quit", "pull", "images", "volumes", "networks", "workloads", "vm", "copy", "services", "nodes", "service-create" -> List.of();
                case "scale" -> parts.length == 2 && app.top() instanceof SwarmView sv && sv.kind == SwarmView.Kind.SERVICES
                        ? sv.items().stream().map(i -> ((io.cloudtui.core.SwarmSupport.Service) i.value()).name()).toList() : List.of();
                case "snapshot" -> parts.length == 2 ? List.of("create", "delete", "revert") : snapshotNames(app);
                case "build", "import" -> paths(word);
                case "run", "rmi" -> imageNames(app);
                default -> workloadNames(app, cmd);
            };
        }
        List<String> out = new ArrayList<>();
        for (String p : pool) {
            if (p.startsWith(word)) out.add(p);
        }
        return out;
    }

    private static List<String> snapshotNames(TuiApp app) {
        List<String> out = new ArrayList<>();
        if (app.top() instanceof SnapshotView sv) for (var s : sv.snapshots()) out.add(s.name());
        return out;
    }

    private static List<String> imageNames(TuiApp app) {
        List<String> out = new ArrayList<>();
        if (app.top() instanceof ResourceView rv && rv.kind == ResourceView.Kind.IMAGES) {
            for (ResourceView.Item i : rv.items()) out.add(i.ref());
        }
        return out;
    }

    /** File-name completion for build and import. */
    static List<String> paths(String word) {
        java.nio.file.Path p = java.nio.file.Path.of(word.isEmpty() ? "." : word);
        java.nio.file.Path dir = word.endsWith("/") ? p : p.getParent();
        String base = word.endsWith("/") ? "" : p.getFileName() == null ? "" : p.getFileName().toString();
        String prefix = word.endsWith("/") ? word : word.substring(0, word.length() - base.length());
        List<String> out = new ArrayList<>();
        try (var s = java.nio.file.Files.list(dir == null ? java.nio.file.Path.of(".") : dir)) {
            s.forEach(f -> {
                String n = f.getFileName().toString();
                if (n.startsWith(base)) out.add(prefix + n + (java.nio.file.Files.isDirectory(f) ? "/" : ""));
            });
        } catch (java.io.IOException | RuntimeException e) {
            return List.of();
        }
        java.util.Collections.sort(out);
        return out;
    }

    /** Names of the workloads {@code cmd} can be done to: a verb is not offered for those whose backend would refuse it. */
    private static List<String> workloadNames(TuiApp app, String cmd) {
        Verb verb = Verb.of(cmd);
        io.cloudtui.core.Capability need = verb != null ? verb.capability : switch (cmd) {
            case "logs" -> io.cloudtui.core.Capability.LOGS;
            case "stats" -> io.cloudtui.core.Capability.STATS;
            case "inspect", "env" -> io.cloudtui.core.Capability.INSPECT;
            default -> null;
        };
        TreeSet<String> s = new TreeSet<>();
        for (WorkloadTable.Row r : app.model.rows()) {
            if (need != null && app.refusal(need, r.w) != null) continue;
            s.add(r.w.name());
            s.add(r.w.backend() + ":" + r.w.name());
        }
        return new ArrayList<>(s);
    }

    /** Runs one command line; problems become a message on the message line. */
    static void execute(String line, TuiApp app) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length == 0 || parts[0].isEmpty()) return;
        String cmd = parts[0].toLowerCase(Locale.ROOT);
        List<String> args = Arrays.asList(parts).subList(1, parts.length);
        Verb verb = Verb.of(cmd);
        if (verb != null) {
            List<Workload> targets = args.isEmpty() ? app.table.targets() : resolveAll(args, app);
            if (targets != null) app.workloadActions.request(verb, targets);
            return;
        }
        switch (cmd) {
            case "q", "quit", "exit" -> app.quit();
            case "help" -> app.openHelp();
            case "logs", "stats", "inspect", "env", "shell", "attach", "ssh", "snapshots" -> {
                Workload w;
                if (args.isEmpty()) {
                    WorkloadTable.Row r = app.table.selectedRow();
                    w = r == null ? null : r.w;
                    if (w == null) {
                        app.error(cmd + ": no workload selected");
                        return;
                    }
                } else {
                    w = resolve(args.get(0), app);
                    if (w == null) return;
                }
                switch (cmd) {
                    case "logs" -> app.openDetail(w, DetailView.Tab.LOGS);
                    case "stats" -> app.openDetail(w, DetailView.Tab.STATS);
                    case "inspect" -> app.openDetail(w, DetailView.Tab.INSPECT);
                    case "env" -> app.openDetail(w, DetailView.Tab.ENV);
                    case "shell" -> app.sessionActions.shell(w);
                    case "ssh" -> app.sessionActions.ssh(w);
                    case "snapshots" -> app.vmActions.openSnapshots(w);
                    default -> app.sessionActions.attach(w);
                }
            }
            case "sort" -> {
                if (args.isEmpty()) {
                    app.error("sort: which column? (" + String.join(", ", Arrays.stream(TableView.Column.values()).map(TableView.Column::key).toList()) + ")");
                    return;
                }
                String c = args.get(0);
                Boolean desc = null;
                if (c.startsWith("-")) {
                    desc = true;
                    c = c.substring(1);
                }
                TableView.Column col = TableView.Column.of(c);
                if (col == null) {
                    app.error("sort: unknown column '" + c + "' (" + String.join(", ", Arrays.stream(TableView.Column.values()).map(TableView.Column::key).toList()) + ")");
                    return;
                }
                if (args.size() > 1) {
                    switch (args.get(1)) {
                        case "asc" -> desc = false;
                        case "desc" -> desc = true;
                        default -> {
                            app.error("sort: say asc or desc, not '" + args.get(1) + "'");
                            return;
                        }
                    }
                }
                app.table.sortBy(col, desc);
                app.info("sorted by " + col.key() + (app.table.descending ? " (descending)" : ""));
            }
            case "filter" -> {
                app.table.setFilter(String.join(" ", args));
                if (app.table.filter.error != null) app.error(app.table.filter.error);
            }
            case "only" -> {
                String v = args.isEmpty() ? "" : args.get(0);
                TableView.Only o = switch (v) {
                    case "vms", "vm" -> TableView.Only.VMS;
                    case "containers", "container", "ctr" -> TableView.Only.CONTAINERS;
                    case "all" -> TableView.Only.ALL;
                    default -> null;
                };
                if (o == null) {
                    app.error("only: say vms, containers or all");
                    return;
                }
                app.table.only = o;
                app.table.invalidate();
                app.info("showing " + v);
            }
            case "host" -> {
                String h = args.isEmpty() || args.get(0).equals("all") ? null : args.get(0);
                if (h != null && !app.hostNames().contains(h)) {
                    app.error("host: no host '" + h + "' in this session (" + String.join(", ", app.hostNames()) + ")");
                    return;
                }
                app.table.host = h;
                app.table.invalidate();
                app.info(h == null ? "showing every host" : "showing host " + h);
            }
            case "stopped" -> {
                String v = args.isEmpty() ? "" : args.get(0);
                if (!v.equals("show") && !v.equals("hide")) {
                    app.error("stopped: say show or hide");
                    return;
                }
                app.table.showStopped = v.equals("show");
                app.table.invalidate();
            }
            case "theme" -> {
                if (args.isEmpty()) {
                    app.info("theme " + app.themeName() + "; available: " + String.join(", ", app.themes.names()));
                    return;
                }
                app.setTheme(args.get(0));
            }
            case "workloads" -> app.showWorkloads();
            case "images" -> app.openResources(ResourceView.Kind.IMAGES);
            case "volumes" -> app.openResources(ResourceView.Kind.VOLUMES);
            case "networks" -> app.openResources(ResourceView.Kind.NETWORKS);
            case "services" -> app.swarm.open(SwarmView.Kind.SERVICES);
            case "nodes" -> app.swarm.open(SwarmView.Kind.NODES);
            case "scale" -> app.swarm.scale(args);
            case "service-create" -> app.swarm.create(args);
            case "run" -> app.imageActions.openRunForm(args.isEmpty() ? null : args.get(0));
            case "vm" -> app.vmActions.openVmForm();
            case "compose" -> app.composeActions.command(args);
            case "snapshot" -> app.vmActions.snapshotCommand(args);
            case "pull", "import", "build", "rmi" -> imageCommand(cmd, args, app);
            case "copy" -> app.imageActions.copyImage(args);
            default -> app.error("unknown command '" + cmd + "' (tab completes; ? lists commands)");
        }
    }

    private static void imageCommand(String cmd, List<String> args, TuiApp app) {
        io.cloudtui.core.Backend b = app.backendFor(io.cloudtui.core.Capability.IMAGES);
        if (b == null || !(b instanceof io.cloudtui.core.ImageSupport is)) {
            app.error("no backend manages images");
            return;
        }
        if (args.isEmpty()) {
            app.error(cmd + ": what? (" + switch (cmd) {
                case "pull" -> "pull REF";
                case "import" -> "import FILE [REF]";
                case "build" -> "build DIR [TAG]";
                default -> "rmi REF";
            } + ")");
            return;
        }
        String a0 = args.get(0);
        String a1 = args.size() > 1 ? args.get(1) : null;
        switch (cmd) {
            case "pull" -> app.imageActions.imageJob("pull " + a0 + " on " + b.name(), p -> is.pull(a0, p));
            case "import" -> {
                java.nio.file.Path f = java.nio.file.Path.of(a0);
                if (!java.nio.file.Files.exists(f)) {
                    app.error("import: no such file " + f.toAbsolutePath());
                    return;
                }
                app.imageActions.imageJob("import " + a0 + " on " + b.name(), p -> is.importImage(f, a1, p));
            }
            case "build" -> {
                java.nio.file.Path d = java.nio.file.Path.of(a0);
                if (!java.nio.file.Files.isRegularFile(d.resolve("Dockerfile"))) {
                    app.error("build: " + d.toAbsolutePath() + " has no Dockerfile");
                    return;
                }
                app.imageActions.imageJob("build " + a0 + " on " + b.name(), p -> is.build(d, "Dockerfile", a1 == null ? List.of() : List.of(a1), p));
            }
            default -> app.imageActions.removeImage(b, a0);
        }
    }

    private static List<Workload> resolveAll(List<String> refs, TuiApp app) {
        List<Workload> out = new ArrayList<>();
        for (String r : refs) {
            Workload w = resolve(r, app);
            if (w == null) return null;
            out.add(w);
        }
        return out;
    }

    /** A name, backend:name, or unique id prefix among the rows the UI knows. */
    static Workload resolve(String ref, TuiApp app) {
        List<Workload> exact = new ArrayList<>();
        List<Workload> prefix = new ArrayList<>();
        for (WorkloadTable.Row r : app.model.rows()) {
            Workload w = r.w;
            String full = w.backend() + ":" + w.name();
            if (w.name().equals(ref) || full.equals(ref) || w.nativeId().equals(ref) || w.id().toString().equals(ref)) exact.add(w);
            else if (w.nativeId().startsWith(ref)) prefix.add(w);
        }
        List<Workload> m = exact.isEmpty() ? prefix : exact;
        if (m.size() == 1) return m.get(0);
        if (m.isEmpty()) {
            app.error("no such workload '" + ref + "'");
        } else {
            app.error("'" + ref + "' is ambiguous: " + String.join(", ", m.stream().map(w -> w.backend() + ":" + w.name()).toList()));
        }
        return null;
    }
}
