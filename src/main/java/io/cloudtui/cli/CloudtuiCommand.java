package io.cloudtui.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The root command. With no subcommand it opens the full-screen UI. */
@Command(
        name = "cloudtui",
        mixinStandardHelpOptions = true,
        versionProvider = Versions.class,
        description = "Containers and virtual machines, in one terminal UI and CLI.%n"
                + "With no command, opens the full-screen UI.",
        subcommands = {
            PsCommand.class,
            TargetVerb.Start.class,
            TargetVerb.Stop.class,
            TargetVerb.Restart.class,
            TargetVerb.Kill.class,
            TargetVerb.Pause.class,
            TargetVerb.Unpause.class,
            TargetVerb.Rm.class,
            LogsCommand.class,
            ExecCommand.class,
            RunCommand.class,
            InspectCommand.class,
            StatsCommand.class,
            ImagesCommand.class,
            RmiCommand.class,
            ImageCommand.class,
            ImageCommand.Pull.class,
            BuildCommand.class,
            VolumesCommand.class,
            NetworksCommand.class,
            CompletionCommand.class,
            io.cloudtui.runtime.RuntimeCommand.class,
            ConsoleCommand.class,
            VmCommand.class,
        })
public final class CloudtuiCommand implements Callable<Integer> {
    private final Context ctx;

    /** Read by Main before picocli runs (it decides where logs go); declared here for --help. */
    @Option(names = "--config", paramLabel = "FILE", description = "Config file (default: $CLOUDTUI_CONFIG, then $XDG_CONFIG_HOME/cloudtui/config.yaml)")
    Path config;

    public CloudtuiCommand(Context ctx) {
        this.ctx = ctx;
    }

    /** The session context, for subcommands. */
    Context context() {
        return ctx;
    }

    @Override
    public Integer call() {
        return io.cloudtui.tui.TuiApp.run(ctx);
    }
}
