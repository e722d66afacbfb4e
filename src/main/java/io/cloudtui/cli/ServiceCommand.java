package io.cloudtui.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.SwarmSupport;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui service ...}: Docker Swarm services of the backends that are swarm managers. */
@Command(name = "service", mixinStandardHelpOptions = true, description = "Docker Swarm services (on an engine that is a swarm manager)",
        subcommands = {ServiceCommand.Ls.class, ServiceCommand.Ps.class, ServiceCommand.Create.class, ServiceCommand.Scale.class,
            ServiceCommand.Update.class, ServiceCommand.Rollback.class, ServiceCommand.Rm.class, ServiceCommand.Logs.class})
final class ServiceCommand extends Base {
    enum Format { table, json }

    @Override
    public Integer call() {
        throw CloudtuiException.usage("service: say ls, ps, create, scale, update, rollback, rm or logs (cloudtui service --help)");
    }

    /** Verbs that, as docker's, wait until the service converged unless --detach. */
    abstract static class Waiting extends SwarmCli.Sub {
        @Option(names = {"-d", "--detach"}, description = "Exit at once instead of waiting for the service to converge")
        boolean detach;

        /**
         * Until every wanted task of SERVICE runs and a rolling update (when WAS_UPDATE is the update
         * status seen before it) has finished; a task's error is said once on stderr meanwhile.
         */
        void converge(SwarmSupport s, String service, String wasUpdate) {
            if (detach) return;
            Set<String> said = new HashSet<>();
            while (true) {
                SwarmSupport.Service sv = find(s.services(), service);
                boolean updated = wasUpdate == null || (!sv.updateState().equals("updating") && !sv.updateState().equals("rollback_started")
                        && !updateMark(sv).equals(wasUpdate));
                if (updated && sv.running() == sv.desired()
                        && s.tasks(sv.id(), null).stream().filter(t -> t.desiredState().equals("running")).allMatch(t -> t.state().equals("running"))) {
                    ctx().err().println(sv.name() + ": converged, " + sv.replicasText() + " running"
                            + (sv.updateState().isEmpty() || wasUpdate == null ? "" : " (" + sv.updateState() + ")"));
                    return;
                }
                if (wasUpdate != null && !updateMark(sv).equals(wasUpdate)
                        && (sv.updateState().equals("paused") || sv.updateState().equals("rollback_paused"))) {
                    throw new CloudtuiException("service " + sv.name() + ": update " + sv.updateState() + ": " + sv.updateMessage());
                }
                for (SwarmSupport.Task t : s.tasks(sv.id(), null)) {
                    if (!t.error().isEmpty() && said.add(t.id())) ctx().err().println("cloudtui: task " + t.name() + " on " + t.node() + ": " + t.error());
                }
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CloudtuiException("interrupted");
                }
            }
        }

        static String updateMark(SwarmSupport.Service s) {
            return String.valueOf(s.updateStarted());
        }
    }

    static SwarmSupport.Service find(List<SwarmSupport.Service> list, String ref) {
        for (SwarmSupport.Service s : list) if (s.name().equals(ref) || s.id().equals(ref)) return s;
        List<SwarmSupport.Service> prefix = list.stream().filter(s -> s.id().startsWith(ref)).toList();
        if (prefix.size() == 1) return prefix.get(0);
        throw new CloudtuiException("service " + ref + " not found");
    }

    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List services",
            footerHeading = Examples.HEADING, footer = {"  cloudtui service ls", "  cloudtui -H h1 service ls --format json"})
    static final class Ls extends SwarmCli.Sub {
        @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: ${DEFAULT-VALUE})")
        Format format;

        @Option(names = {"-q", "--quiet"}, description = "Only display ids")
        boolean quiet;

        @Override
        public Integer call() {
            List<SwarmSupport.Service> all = new ArrayList<>();
            for (SwarmCli.Manager m : SwarmCli.managers(ctx(), backend)) all.addAll(m.swarm().services());
            if (quiet) {
                all.forEach(s -> out().println(s.id()));
            } else if (format == Format.json) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (SwarmSupport.Service s : all) {
                    ObjectNode o = arr.addObject();
                    o.put("backend", s.backend());
                    o.put("id", s.id());
                    o.put("name", s.name());
                    o.put("mode", s.mode());
                    if (s.replicas() != null) o.put("replicas", s.replicas()); else o.putNull("replicas");
                    o.put("running", s.running());
                    o.put("desired", s.desired());
                    o.put("image", s.image());
                    ArrayNode p = o.putArray("ports");
                    s.ports().forEach(p::add);
                    o.put("updateState", s.updateState());
                    o.put("updateMessage", s.updateMessage());
                    o.put("created", Json.time(s.created()));
                    o.put("updated", Json.time(s.updated()));
                }
                out().println(Json.pretty(arr));
            } else {
                Table t = new Table("ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS", "UPDATE");
                for (SwarmSupport.Service s : all) {
                    t.row(Fmt.shortId(s.id()), s.name(), s.mode(), s.replicasText(), s.image(), String.join(",", s.ports()), s.updateState());
                }
                t.print(out());
            }
            return 0;
        }
    }

    @Command(name = "ps", mixinStandardHelpOptions = true, description = "List the tasks of one or more services",
            footerHeading = Examples.HEADING, footer = {"  cloudtui service ps web", "  cloudtui service ps --format json web api"})
    static final class Ps extends SwarmCli.Sub {
        @Parameters(arity = "1..*", paramLabel = "SERVICE")
        List<String> services;

        @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: ${DEFAULT-VALUE})")
        Format format;

        @Option(names = {"-q", "--quiet"}, description = "Only display task ids")
        boolean quiet;

        @Option(names = "--no-trunc", description = "Do not truncate ids and errors")
        boolean noTrunc;

        @Override
        public Integer call() {
            List<SwarmSupport.Task> tasks = new ArrayList<>();
            for (String sv : services) tasks.addAll(SwarmCli.one(ctx(), backend, sv).swarm().tasks(sv, null));
            print(ctx(), tasks, format, quiet, noTrunc);
            return 0;
        }

        static void print(Context ctx, List<SwarmSupport.Task> tasks, Format format, boolean quiet, boolean noTrunc) {
            PrintStream out = ctx.out();
            if (quiet) {
                tasks.forEach(t -> out.println(t.id()));
            } else if (format == Format.json) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (SwarmSupport.Task t : tasks) {
                    ObjectNode o = arr.addObject();
                    o.put("backend", t.backend());
                    o.put("id", t.id());
                    o.put("name", t.name());
                    o.put("service", t.serviceName());
                    if (t.slot() != null) o.put("slot", t.slot()); else o.putNull("slot");
                    o.put("node", t.node());
                    o.put("nodeId", t.nodeId());
                    o.put("image", t.image());
                    o.put("desiredState", t.desiredState());
                    o.put("state", t.state());
                    o.put("since", Json.time(t.since()));
                    o.put("error", t.error());
                    o.put("container", t.containerId());
                }
                out.println(Json.pretty(arr));
            } else {
                Instant now = Instant.now();
                Table table = new Table("ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR");
                String last = null;
                for (SwarmSupport.Task t : tasks) {
                    // as docker: a slot's earlier tasks under its current one, marked \_
                    String name = t.name().equals(last) ? " \\_ " + t.name() : t.name();
                    last = t.name();
                    String err = t.error().isEmpty() ? "" : noTrunc ? t.error() : "\"" + Fmt.truncate(t.error(), 40) + "\"";
                    table.row(noTrunc ? t.id() : Fmt.shortId(t.id()), name, t.image(), t.node(), cap(t.desiredState()),
                            cap(t.state()) + (t.since() == null ? "" : " " + Fmt.ago(t.since(), now)), err);
                }
                table.print(out);
            }
        }
    }

    static String cap(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    @Command(name = "create", mixinStandardHelpOptions = true, modelTransformer = StopAtPositional.class, description = "Create a service",
            footerHeading = Examples.HEADING,
            footer = {"  cloudtui service create --name web --replicas 3 -p 8080:80 nginx",
                "  cloudtui service create --name agent --mode global -e LEVEL=debug local/busybox sleep 1d"})
    static final class Create extends Waiting {
        @Option(names = "--name", paramLabel = "NAME", description = "Service name")
        String name;

        @Option(names = "--replicas", paramLabel = "N", description = "Number of tasks (replicated mode; default 1)")
        Long replicas;

        @Option(names = "--mode", defaultValue = "replicated", paramLabel = "MODE", description = "replicated or global (default: ${DEFAULT-VALUE})")
        String mode;

        @Option(names = {"-p", "--publish"}, paramLabel = "PORT", description = "Publish a port: PUBLISHED:TARGET[/PROTOCOL]")
        List<String> ports = new ArrayList<>();

        @Option(names = {"-e", "--env"}, paramLabel = "VAR=VALUE", description = "Set an environment variable")
        List<String> env = new ArrayList<>();

        @Option(names = "--constraint", paramLabel = "EXPR", description = "Placement constraint, e.g. node.role==worker")
        List<String> constraints = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "IMAGE")
        String image;

        @Parameters(index = "1..*", paramLabel = "ARG", description = "Command and arguments")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            boolean global = switch (mode) {
                case "replicated" -> false;
                case "global" -> true;
                default -> throw CloudtuiException.usage("invalid mode '" + mode + "': replicated or global");
            };
            if (global && replicas != null) throw CloudtuiException.usage("--replicas can only be used with replicated mode");
            if (replicas != null && replicas < 0) throw CloudtuiException.usage("invalid replicas value " + replicas + ": it must be 0 or more");
            for (String e : env) if (e.isEmpty() || e.startsWith("=")) throw CloudtuiException.usage("invalid environment variable '" + e + "'");
            SwarmCli.Manager m = SwarmCli.one(ctx(), backend, null);
            String id = m.swarm().createService(new SwarmSupport.ServiceSpec(name, image, args, replicas, global, ports, env, constraints));
            out().println(id);
            out().flush();
            converge(m.swarm(), id, null);
            return 0;
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true, description = "Scale one or more replicated services",
            footerHeading = Examples.HEADING, footer = {"  cloudtui service scale web=5", "  cloudtui service scale -d web=0 api=2"})
    static final class Scale extends Waiting {
        @Parameters(arity = "1..*", paramLabel = "SERVICE=REPLICAS")
        List<String> pairs;

        @Override
        public Integer call() {
            List<String[]> parsed = new ArrayList<>();
            for (String p : pairs) {
                int eq = p.indexOf('=');
                if (eq <= 0) throw CloudtuiException.usage("invalid scale specifier '" + p + "': say SERVICE=REPLICAS");
                try {
                    long n = Long.parseLong(p.substring(eq + 1));
                    if (n < 0) throw new NumberFormatException();
                } catch (NumberFormatException e) {
                    throw CloudtuiException.usage("invalid replicas value '" + p.substring(eq + 1) + "' in '" + p + "': a number, 0 or more");
                }
                parsed.add(new String[] {p.substring(0, eq), p.substring(eq + 1)});
            }
            int failed = 0;
            List<Runnable> waits = new ArrayList<>();
            for (String[] p : parsed) {
                try {
                    SwarmCli.Manager m = SwarmCli.one(ctx(), backend, p[0]);
                    m.swarm().scaleService(p[0], Long.parseLong(p[1]));
                    out().println(p[0] + " scaled to " + p[1]);
                    waits.add(() -> converge(m.swarm(), p[0], null));
                } catch (CloudtuiException e) {
                    ctx().err().println("cloudtui: " + e.getMessage());
                    failed++;
                }
            }
            out().flush();
            waits.forEach(Runnable::run);
            return failed == 0 ? 0 : 1;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Update a service (here: a forced rolling update)",
            footerHeading = Examples.HEADING, footer = {"  cloudtui service update --force web"})
    static final class Update extends Waiting {
        @Option(names = "--force", description = "Replace every task even when nothing changed")
        boolean force;

        @Parameters(index = "0", paramLabel = "SERVICE")
        String service;

        @Override
        public Integer call() {
            if (!force) throw CloudtuiException.usage("service update: only --force is supported (a rolling update of every task)");
            SwarmCli.Manager m = SwarmCli.one(ctx(), backend, service);
            String was = updateMark(find(m.swarm().services(), service));
            m.swarm().forceUpdate(service);
            out().println(service);
            out().flush();
            converge(m.swarm(), service, was);
            return 0;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Roll a service back to its previous spec",
            footerHeading = Examples.HEADING, footer = {"  cloudtui service rollback web"})
    static final class Rollback extends Waiting {
        @Parameters(index = "0", paramLabel = "SERVICE")
        String service;

        @Override
        public Integer call() {
            SwarmCli.Manager m = SwarmCli.one(ctx(), backend, service);
            String was = updateMark(find(m.swarm().services(), service));
            m.swarm().rollbackService(service);
            out().println(service);
            out().flush();
            converge(m.swarm(), service, was);
            return 0;
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Remove one or more services (no prompt, as docker)",
            footerHeading = Examples.HEADING, footer = {"  cloudtui service rm web api"})
    static final class Rm extends SwarmCli.Sub {
        @Parameters(arity = "1..*", paramLabel = "SERVICE")
        List<String> services;

        @Override
        public Integer call() {
            int failed = 0;
            for (String s : services) {
                try {
                    SwarmCli.one(ctx(), backend, s).swarm().removeService(s);
                    out().println(s);
                } catch (CloudtuiException e) {
                    ctx().err().println("cloudtui: " + e.getMessage());
                    failed++;
                }
            }
            return failed == 0 ? 0 : 1;
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true,
            description = {"Logs of a service, merged across its tasks, each line prefixed with its task and node as docker does.",
                "With -f, ctrl-c ends the command."},
            footerHeading = Examples.HEADING, footer = {"  cloudtui service logs web", "  cloudtui service logs -f --tail 10 web"})
    static final class Logs extends SwarmCli.Sub {
        private static final DateTimeFormatter NANOS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

        @Option(names = {"-f", "--follow"}, description = "Follow log output")
        boolean follow;

        @Option(names = {"-n", "--tail"}, defaultValue = "all", paramLabel = "N", converter = LogsCommand.TailConverter.class,
                description = "Number of lines from the end of each task's log, or 'all' (default: ${DEFAULT-VALUE})")
        int tail;

        @Option(names = "--since", paramLabel = "TIME", converter = Parsers.SinceConverter.class,
                description = "Only lines after TIME: RFC 3339, unix seconds, or relative (42s, 10m)")
        Instant since;

        @Option(names = {"-t", "--timestamps"}, description = "Show timestamps")
        boolean timestamps;

        @Parameters(index = "0", paramLabel = "SERVICE")
        String service;

        @Override
        public Integer call() {
            SwarmCli.Manager m = SwarmCli.one(ctx(), backend, service);
            PrintStream out = out();
            PrintStream err = ctx().err();
            try (Backend.Cancel cancel = new Backend.Cancel()) {
                m.swarm().serviceLogs(service, new LogOptions(follow, tail, since, timestamps), line -> {
                    PrintStream to = line.stream() == LogLine.Stream.STDERR ? err : out;
                    to.println(timestamps && line.timestamp() != null ? NANOS.format(line.timestamp()) + " " + line.text() : line.text());
                    if (follow) to.flush();
                }, cancel);
            }
            out.flush();
            err.flush();
            return 0;
        }
    }
}
