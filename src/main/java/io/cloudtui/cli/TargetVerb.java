package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.Workloads;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Verbs applied to several targets, like {@code docker stop a b c}: each target is printed as given
 * when done; a failure prints {@code cloudtui: ERROR} and the next target is tried; exit 1 if any failed.
 */
abstract class TargetVerb extends Base {
    @Parameters(arity = "1..*", paramLabel = "TARGET", description = Examples.TARGETS)
    List<String> targets;

    abstract Capability capability();

    abstract void apply(Backend backend, String ref);

    @Override
    public Integer call() {
        Workloads ws = ctx().workloads();
        int failed = 0;
        for (String t : targets) {
            try {
                Workloads.Target target = ws.resolve(t);
                require(target.backend(), capability());
                apply(target.backend(), target.ref());
                out().println(t);
            } catch (RuntimeException e) {
                error(messageOf(e));
                failed++;
            }
        }
        out().flush();
        return failed == 0 ? 0 : 1;
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start one or more stopped workloads",
            footerHeading = Examples.HEADING, footer = {"  cloudtui start web db", "  cloudtui start docker:web libvirt:vm1"})
    static final class Start extends TargetVerb {
        @Override Capability capability() { return Capability.START; }
        @Override void apply(Backend b, String ref) { b.start(ref); }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop one or more running workloads (SIGTERM, then SIGKILL after the timeout; VMs: ACPI shutdown)",
            footerHeading = Examples.HEADING, footer = {"  cloudtui stop web", "  cloudtui stop -t 0 web db"})
    static final class Stop extends TargetVerb {
        @Option(names = {"-t", "--time"}, defaultValue = "10", paramLabel = "SECONDS", description = "Seconds to wait before killing (default: ${DEFAULT-VALUE})")
        int seconds;

        @Override Capability capability() { return Capability.STOP; }
        @Override void apply(Backend b, String ref) { b.stop(ref, Duration.ofSeconds(Math.max(0, seconds))); }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = "Restart one or more workloads",
            footerHeading = Examples.HEADING, footer = {"  cloudtui restart web", "  cloudtui restart -t 2 web db"})
    static final class Restart extends TargetVerb {
        @Option(names = {"-t", "--time"}, defaultValue = "10", paramLabel = "SECONDS", description = "Seconds to wait before killing (default: ${DEFAULT-VALUE})")
        int seconds;

        @Override Capability capability() { return Capability.RESTART; }
        @Override void apply(Backend b, String ref) { b.restart(ref, Duration.ofSeconds(Math.max(0, seconds))); }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true, description = "Send a signal to one or more workloads (VMs: destroy)",
            footerHeading = Examples.HEADING, footer = {"  cloudtui kill web", "  cloudtui kill -s HUP web"})
    static final class Kill extends TargetVerb {
        @Option(names = {"-s", "--signal"}, defaultValue = "KILL", paramLabel = "SIGNAL", description = "Signal name or number (default: ${DEFAULT-VALUE})")
        String signal;

        @Override Capability capability() { return Capability.KILL; }
        @Override void apply(Backend b, String ref) { b.kill(ref, signal); }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause all processes of one or more workloads",
            footerHeading = Examples.HEADING, footer = {"  cloudtui pause web"})
    static final class Pause extends TargetVerb {
        @Override Capability capability() { return Capability.PAUSE; }
        @Override void apply(Backend b, String ref) { b.pause(ref); }
    }

    @Command(name = "unpause", mixinStandardHelpOptions = true, description = "Resume paused workloads",
            footerHeading = Examples.HEADING, footer = {"  cloudtui unpause web"})
    static final class Unpause extends TargetVerb {
        @Override Capability capability() { return Capability.UNPAUSE; }
        @Override void apply(Backend b, String ref) { b.unpause(ref); }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove one or more workloads",
            footerHeading = Examples.HEADING, footer = {"  cloudtui rm web", "  cloudtui rm -f web db    (stops them first)"})
    static final class Rm extends TargetVerb {
        @Option(names = {"-f", "--force"}, description = "Remove running workloads too")
        boolean force;

        @Override Capability capability() { return Capability.REMOVE; }
        @Override void apply(Backend b, String ref) { b.remove(ref, force); }
    }
}
