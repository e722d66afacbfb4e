package io.cloudtui.cli;

import io.cloudtui.core.Capability;
import io.cloudtui.core.NetworkSupport;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cloudtui networks}: networks of every backend that has them. */
@Command(name = "networks", mixinStandardHelpOptions = true, description = "List networks",
        footerHeading = Examples.HEADING, footer = {"  cloudtui networks", "  cloudtui networks --backend docker"})
final class NetworksCommand extends Base {
    @Option(names = "--backend", paramLabel = "NAME", description = "Only this backend")
    String backend;

    @Option(names = {"-q", "--quiet"}, description = "Only display network names")
    boolean quiet;

    @Override
    public Integer call() {
        List<NetworkSupport.Network> list = across(backend, Capability.NETWORKS, NetworkSupport.class, NetworkSupport::networks).stream()
                .sorted(Comparator.comparing(NetworkSupport.Network::backend).thenComparing(NetworkSupport.Network::name)).toList();
        if (quiet) {
            list.forEach(n -> out().println(n.name()));
            return 0;
        }
        Table t = new Table("NETWORK ID", "NAME", "BACKEND", "DRIVER", "SCOPE");
        for (NetworkSupport.Network n : list) t.row(Fmt.shortId(n.id()), n.name(), n.backend(), n.driver(), n.scope());
        t.print(out());
        return 0;
    }
}
