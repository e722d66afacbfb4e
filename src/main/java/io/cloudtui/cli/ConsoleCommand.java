package io.cloudtui.cli;

import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Workloads;
import io.cloudtui.libvirt.VmSupport;
import io.cloudtui.term.DetachKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui console VM}: the VM's serial console in this terminal; ctrl-] leaves, as in virsh. */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = {"Open a VM's serial console in this terminal (raw mode); ctrl-] leaves.",
            "A console another client holds is refused unless --force takes it over."},
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui console vm1", "  cloudtui console --force libvirt:vm1"})
final class ConsoleCommand extends Base {
    static final String ESCAPE = "ctrl-]";

    @Option(names = "--force", description = "Take the console over from another client")
    boolean force;

    @Parameters(index = "0", paramLabel = "VM", description = Examples.TARGETS)
    String target;

    @Override
    public Integer call() {
        Workloads.Target t = ctx().workloads().resolve(target);
        VmSupport vm = vmSupport(t);
        require(t.backend(), Capability.CONSOLE);
        err().println("Connected to the console of " + t.workload().name() + " (escape: ctrl-])");
        err().flush();
        int code = Interactive.session(ctx(), true, true, DetachKeys.parse(ESCAPE), stdio -> vm.console(t.ref(), stdio, force));
        return code;
    }

    static VmSupport vmSupport(Workloads.Target t) {
        if (!(t.backend() instanceof VmSupport vm)) {
            throw new CloudtuiException("'" + t.workload().name() + "' is not a VM (backend '" + t.backend().name() + "' has no VMs)");
        }
        return vm;
    }
}
