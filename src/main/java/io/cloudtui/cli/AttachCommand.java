package io.cloudtui.cli;

import io.cloudtui.core.Capability;
import io.cloudtui.core.Workloads;
import io.cloudtui.term.DetachKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui attach}: this terminal on a running container's main process, as {@code docker attach}. */
@Command(name = "attach", mixinStandardHelpOptions = true,
        description = {"Attach this terminal to a running workload's main process (a VM: its console).",
            "With a container TTY and a terminal on stdin, the terminal is in raw mode: every key goes to",
            "the container, and the detach keys (default ctrl-p,ctrl-q) leave it running and exit 0.",
            "Without a container TTY your terminal is left as it is (lines are sent on enter, ctrl-d",
            "closes the container's stdin, ctrl-c leaves; the container keeps running).",
            "The exit code is the container's when it ends while attached.",
            "TARGET may be a swarm task (web.2, a task id): attached on whichever node runs it."},
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui attach web",
            "  cloudtui attach --detach-keys ctrl-x,x runtime:app",
            "  cloudtui attach --no-stdin web       (output only)"})
final class AttachCommand extends Base {
    @Option(names = "--detach-keys", paramLabel = "KEYS", description = "Keys that detach, e.g. ctrl-p,ctrl-q (default: ui.detachKeys from config)")
    String detachKeys;

    @Option(names = "--no-stdin", description = "Do not attach stdin: output only")
    boolean noStdin;

    @Parameters(index = "0", paramLabel = "TARGET", description = Examples.TARGETS)
    String target;

    @Override
    public Integer call() {
        DetachKeys keys = Interactive.detachKeys(ctx(), detachKeys);
        Workloads.Target t = SwarmCli.workloadOrTask(ctx(), target);
        require(t.backend(), Capability.ATTACH);
        Boolean hasTty = t.backend().hasTty(t.ref());
        boolean tty = hasTty == null || hasTty; // unknown (a VM's console): a terminal
        boolean interactive = !noStdin;
        Interactive.checkTty(ctx(), interactive, tty);
        return Interactive.session(ctx(), interactive, tty, keys, stdio -> t.backend().attach(t.ref(), stdio));
    }
}
