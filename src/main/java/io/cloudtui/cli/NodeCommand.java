package io.cloudtui.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.SwarmSupport;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui node ...}: the nodes of a Docker Swarm, through a backend that is its manager. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Docker Swarm nodes (on an engine that is a swarm manager)",
        subcommands = {NodeCommand.Ls.class, NodeCommand.Ps.class, NodeCommand.Update.class, NodeCommand.Promote.class,
            NodeCommand.Demote.class, NodeCommand.Rm.class})
final class NodeCommand extends Base {
    @Override
    public Integer call() {
        throw CloudtuiException.usage("node: say ls, ps, update, promote, demote or rm (cloudtui node --help)");
    }

    /** A node verb: the shared plumbing, and acting on each node named. */
    abstract static class Sub extends SwarmCli.Sub {
        /** Runs VERB on each node, docker's way: an error per node that failed, exit 1 if any did. */
        int each(List<String> nodes, java.util.function.BiConsumer<SwarmSupport, String> verb, String done) {
            SwarmSupport s = SwarmCli.one(ctx(), backend, null).swarm();
            int failed = 0;
            for (String n : nodes) {
                try {
                    verb.accept(s, n);
                    out().println(done.replace("%s", n));
                } catch (CloudtuiException e) {
                    ctx().err().println("cloudtui: " + e.getMessage());
                    failed++;
                }
            }
            return failed == 0 ? 0 : 1;
        }
    }

    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List the swarm's nodes",
            footerHeading = Examples.HEADING, footer = {"  cloudtui node ls", "  cloudtui -H h1 node ls --format json"})
    static final class Ls extends Sub {
        @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: ${DEFAULT-VALUE})")
        ServiceCommand.Format format;

        @Option(names = {"-q", "--quiet"}, description = "Only display ids")
        boolean quiet;

        @Override
        public Integer call() {
            List<SwarmSupport.Node> all = new ArrayList<>();
            for (SwarmCli.Manager m : SwarmCli.managers(ctx(), backend)) all.addAll(m.swarm().nodes());
            if (quiet) {
                all.forEach(n -> out().println(n.id()));
            } else if (format == ServiceCommand.Format.json) {
                ArrayNode arr = Json.MAPPER.createArrayNode();
                for (SwarmSupport.Node n : all) {
                    ObjectNode o = arr.addObject();
                    o.put("backend", n.backend());
                    o.put("id", n.id());
                    o.put("hostname", n.hostname());
                    o.put("role", n.role());
                    o.put("status", n.status());
                    o.put("availability", n.availability());
                    o.put("managerStatus", n.managerStatus());
                    o.put("engineVersion", n.engineVersion());
                    o.put("cpus", n.nanoCpus() / 1e9);
                    o.put("memory", n.memoryBytes());
                    o.put("address", n.address());
                    o.put("self", n.self());
                }
                out().println(Json.pretty(arr));
            } else {
                Table t = new Table("ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION", "CPUS", "MEMORY");
                for (SwarmSupport.Node n : all) {
                    t.row(n.id() + (n.self() ? " *" : ""), n.hostname(), ServiceCommand.cap(n.status()), ServiceCommand.cap(n.availability()),
                            n.managerStatus(), n.engineVersion(), cpus(n.nanoCpus()), Fmt.binarySize(n.memoryBytes()));
                }
                t.print(out());
            }
            return 0;
        }

        static String cpus(long nano) {
            double c = nano / 1e9;
            return c == Math.rint(c) ? String.valueOf((long) c) : String.format(java.util.Locale.ROOT, "%.1f", c);
        }
    }

    @Command(name = "ps", mixinStandardHelpOptions = true, description = "List the tasks on a node",
            footerHeading = Examples.HEADING, footer = {"  cloudtui node ps h2"})
    static final class Ps extends Sub {
        @Parameters(index = "0", paramLabel = "NODE")
        String node;

        @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: ${DEFAULT-VALUE})")
        ServiceCommand.Format format;

        @Option(names = {"-q", "--quiet"}, description = "Only display task ids")
        boolean quiet;

        @Option(names = "--no-trunc", description = "Do not truncate ids and errors")
        boolean noTrunc;

        @Override
        public Integer call() {
            ServiceCommand.Ps.print(ctx(), SwarmCli.one(ctx(), backend, null).swarm().tasks(null, node), format, quiet, noTrunc);
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Update a node: its availability or role",
            footerHeading = Examples.HEADING, footer = {"  cloudtui node update --availability drain h2", "  cloudtui node update --role manager h3"})
    static final class Update extends Sub {
        @Option(names = "--availability", paramLabel = "STATE", description = "active, pause or drain")
        String availability;

        @Option(names = "--role", paramLabel = "ROLE", description = "worker or manager")
        String role;

        @Parameters(index = "0", paramLabel = "NODE")
        String node;

        @Override
        public Integer call() {
            if (availability == null && role == null) throw CloudtuiException.usage("node update: say --availability or --role");
            if (availability != null && !List.of("active", "pause", "drain").contains(availability)) {
                throw CloudtuiException.usage("invalid availability '" + availability + "': active, pause or drain");
            }
            if (role != null && !List.of("worker", "manager").contains(role)) {
                throw CloudtuiException.usage("invalid role '" + role + "': worker or manager");
            }
            return each(List.of(node), (s, n) -> s.updateNode(n, availability, role), "%s");
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Make nodes managers", footerHeading = Examples.HEADING,
            footer = {"  cloudtui node promote h2"})
    static final class Promote extends Sub {
        @Parameters(arity = "1..*", paramLabel = "NODE")
        List<String> nodes;

        @Override
        public Integer call() {
            return each(nodes, (s, n) -> s.updateNode(n, null, "manager"), "node %s promoted to a manager in the swarm");
        }
    }

    @Command(name = "demote", mixinStandardHelpOptions = true, description = "Make managers workers", footerHeading = Examples.HEADING,
            footer = {"  cloudtui node demote h2"})
    static final class Demote extends Sub {
        @Parameters(arity = "1..*", paramLabel = "NODE")
        List<String> nodes;

        @Override
        public Integer call() {
            return each(nodes, (s, n) -> s.updateNode(n, null, "worker"), "manager %s demoted in the swarm");
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true,
            description = "Remove nodes from the swarm (a node that is not down needs --force; no prompt, as docker)",
            footerHeading = Examples.HEADING, footer = {"  cloudtui node rm h3", "  cloudtui node rm --force h3"})
    static final class Rm extends Sub {
        @Option(names = {"-f", "--force"}, description = "Remove a node that is not down")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "NODE")
        List<String> nodes;

        @Override
        public Integer call() {
            return each(nodes, (s, n) -> s.removeNode(n, force), "%s");
        }
    }
}
