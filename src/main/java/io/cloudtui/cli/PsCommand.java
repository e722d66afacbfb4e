package io.cloudtui.cli;

import io.cloudtui.core.Workload;
import io.cloudtui.core.Workloads;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code cloudtui ps}: like {@code docker ps}, across every backend. */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "List containers and VMs")
final class PsCommand implements Callable<Integer> {
    @ParentCommand
    CloudtuiCommand parent;

    @Option(names = {"-a", "--all"}, description = "Show all workloads (default shows just running)")
    boolean all;

    @Option(names = "--format", defaultValue = "table", description = "table or json")
    String format;

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("ps: placeholder, see the CLI work");
    }
}
