package io.cloudtui.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The root command. With no subcommand it opens the full-screen UI. (Not final: a test annotates a subclass with the whole tree.) */
@Command(
        name = "cloudtui",
        mixinStandardHelpOptions = true,
        versionProvider = Versions.class,
        description = "Containers and virtual machines, in one terminal UI and CLI.%n"
                + "With no command, opens the full-screen UI.")
public class CloudtuiCommand implements Callable<Integer> {
    /**
     * The subcommands by name, in the order help lists them. Registered by {@link io.cloudtui.Main}:
     * all of them, or only the one a command line names (building picocli's model of every command
     * costs more start-up time than the command itself). The names are the ones in each class's
     * {@code @Command} (a test checks).
     */
    public static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

    private static Map<String, Class<?>> subcommands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("ps", PsCommand.class);
        m.put("start", TargetVerb.Start.class);
        m.put("stop", TargetVerb.Stop.class);
        m.put("restart", TargetVerb.Restart.class);
        m.put("kill", TargetVerb.Kill.class);
        m.put("pause", TargetVerb.Pause.class);
        m.put("unpause", TargetVerb.Unpause.class);
        m.put("rm", TargetVerb.Rm.class);
        m.put("logs", LogsCommand.class);
        m.put("exec", ExecCommand.class);
        m.put("attach", AttachCommand.class);
        m.put("run", RunCommand.class);
        m.put("inspect", InspectCommand.class);
        m.put("stats", StatsCommand.class);
        m.put("images", ImagesCommand.class);
        m.put("rmi", RmiCommand.class);
        m.put("image", ImageCommand.class);
        m.put("pull", ImageCommand.Pull.class);
        m.put("push", ImageCommand.Push.class);
        m.put("build", BuildCommand.class);
        m.put("volumes", VolumesCommand.class);
        m.put("networks", NetworksCommand.class);
        m.put("network", NetworkCommand.class);
        m.put("completion", CompletionCommand.class);
        m.put("runtime", io.cloudtui.runtime.RuntimeCommand.class);
        m.put("console", ConsoleCommand.class);
        m.put("vm", VmCommand.class);
        m.put("compose", ComposeCommand.class);
        m.put("service", ServiceCommand.class);
        m.put("node", NodeCommand.class);
        return java.util.Collections.unmodifiableMap(m);
    }

    private final Context ctx;

    /** Read by Main before picocli runs (it decides where logs go); declared here for --help. */
    @Option(names = "--config", paramLabel = "FILE", description = "Config file (default: $CLOUDTUI_CONFIG, then $XDG_CONFIG_HOME/cloudtui/config.yaml)")
    Path config;

    /** Read by Main before picocli runs (the backends open from it); declared here for --help. */
    @Option(names = {"-H", "--host"}, paramLabel = "HOST",
            description = "Only this host's engines: a host of the config, an ~/.ssh/config alias, [user@]host[:port] or ssh://[user@]host[:port]")
    String host;

    public CloudtuiCommand(Context ctx) {
        this.ctx = ctx;
    }

    /** The session context, for subcommands. */
    Context context() {
        return ctx;
    }

    @Override
    public Integer call() {
        ctx.ui();
        return io.cloudtui.tui.TuiApp.run(ctx);
    }
}
