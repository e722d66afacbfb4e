package io.cloudtui.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.engine.EngineBackend;
import io.cloudtui.engine.Networks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui network create|ls|rm|inspect}: the bundled engine's networks (as root). */
@Command(name = "network", mixinStandardHelpOptions = true, description = "Create, list, inspect and remove networks of the bundled engine",
        subcommands = {NetworkCommand.Create.class, NetworkCommand.Ls.class, NetworkCommand.Rm.class, NetworkCommand.Inspect.class})
final class NetworkCommand extends Base {
    @Override
    public Integer call() {
        throw CloudtuiException.usage("network: say create, ls, rm or inspect (cloudtui network --help)");
    }

    /** --backend, resolved to a backend of type runtime. */
    abstract static class Sub extends Base {
        @Option(names = "--backend", paramLabel = "NAME", description = "The runtime backend (default: defaultBackend, else the first runtime backend)")
        String backend;

        EngineBackend engine() {
            Backend b = null;
            if (backend != null) b = ctx().backends().get(backend);
            else {
                for (Backend x : ctx().backends().all()) {
                    if (x instanceof EngineBackend) {
                        b = x;
                        break;
                    }
                }
                if (b == null) b = ctx().backends().get("runtime");
            }
            if (!(b instanceof EngineBackend e)) throw CloudtuiException.usage("network: " + b.name() + " is not a runtime backend (cloudtui networks lists the others' networks)");
            return e;
        }

        Networks networks() {
            return engine().networkStore();
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a network (a Linux bridge)",
            footerHeading = Examples.HEADING, footer = {"  cloudtui network create --backend runtime appnet", "  cloudtui network create --subnet 10.220.5.0/24 appnet"})
    static final class Create extends Sub {
        @Option(names = "--subnet", paramLabel = "CIDR", description = "IPv4 subnet (default: a free /24 of 10.219.0.0/16)")
        String subnet;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            out().println(networks().create(name, subnet).id());
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List the networks")
    static final class Ls extends Sub {
        @Option(names = {"-q", "--quiet"}, description = "Only display network names")
        boolean quiet;

        @Override
        public Integer call() {
            var list = networks().list();
            if (quiet) {
                list.forEach(n -> out().println(n.name()));
                return 0;
            }
            Table t = new Table("NETWORK ID", "NAME", "SUBNET", "BRIDGE", "CONTAINERS");
            for (Networks.Net n : list) t.row(Fmt.shortId(n.id()), n.name(), n.subnet(), n.bridge(), String.valueOf(n.record().path("containers").size()));
            t.print(out());
            return 0;
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Remove networks (refused while a container is on one)")
    static final class Rm extends Sub {
        @Parameters(arity = "1..*", paramLabel = "NAME")
        java.util.List<String> names;

        @Override
        public Integer call() {
            EngineBackend e = engine();
            int rc = 0;
            for (String name : names) {
                try {
                    e.removeNetwork(name);
                    out().println(name);
                } catch (CloudtuiException x) {
                    error(x.getMessage());
                    rc = 1;
                }
            }
            return rc;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show networks as JSON: subnet, gateway, bridge, containers")
    static final class Inspect extends Sub {
        @Parameters(arity = "1..*", paramLabel = "NAME")
        java.util.List<String> names;

        @Override
        public Integer call() {
            Networks n = networks();
            ArrayNode arr = Json.MAPPER.createArrayNode();
            for (String name : names) {
                ObjectNode r = n.get(name).record().deepCopy();
                arr.add(r);
            }
            out().println(Json.pretty(arr));
            return 0;
        }
    }
}
