package io.cloudtui;

import io.cloudtui.cli.CloudtuiCommand;
import io.cloudtui.cli.Context;
import io.cloudtui.config.Config;
import io.cloudtui.config.ConfigLoader;
import io.cloudtui.core.Backends;
import io.cloudtui.core.CloudtuiException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Entry point: no arguments opens the UI, a subcommand runs the CLI. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.in, System.out, System.err, System.getenv());
        System.out.flush();
        System.exit(code);
    }

    /** Runs cloudtui with the given streams; returns the exit code. Never throws. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        Config config;
        try {
            config = new ConfigLoader().load(configFlag(args), env);
        } catch (CloudtuiException e) {
            err.println("cloudtui: " + e.getMessage());
            return e.exitCode();
        }
        Path logFile = LogSetup.init(config.logFile() != null ? Path.of(config.logFile()) : null);
        // A library's background thread dying must not print a stack trace on the user's terminal.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> LoggerFactory.getLogger(Main.class).error("uncaught in thread {}", t.getName(), e));
        try (Context ctx = new Context(config, c -> Backends.open(c, Main.class.getClassLoader()), in, out, err)) {
            CommandLine cl = commandLine(ctx, logFile);
            return cl.execute(args);
        }
    }

    /** Builds the picocli command tree with cloudtui's error conventions. */
    public static CommandLine commandLine(Context ctx, Path logFile) {
        CommandLine cl = new CommandLine(new CloudtuiCommand(ctx));
        cl.setOut(new java.io.PrintWriter(ctx.out(), true));
        cl.setErr(new java.io.PrintWriter(ctx.err(), true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            ctx.err().println("cloudtui: " + ex.getMessage());
            CommandLine c = ex.getCommandLine();
            ctx.err().println("See '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof CloudtuiException ce) {
                LoggerFactory.getLogger(Main.class).debug("command failed", ex);
                ctx.err().println("cloudtui: " + ce.getMessage());
                return ce.exitCode();
            }
            LoggerFactory.getLogger(Main.class).error("internal error", ex);
            String msg = ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
            ctx.err().println("cloudtui: internal error: " + msg + " (details in " + logFile + ")");
            return 1;
        });
        return cl;
    }

    /** Finds {@code --config FILE} / {@code --config=FILE} (before the subcommand) before picocli runs. */
    static Path configFlag(String[] args) {
        for (int i = 0; i < args.length; i++) {
            // --config is a root option: after the subcommand name, "--config" belongs to it (e.g. a run COMMAND)
            if (args[i].equals("--") || !args[i].startsWith("-")) break;
            if (args[i].equals("--config") && i + 1 < args.length) return Path.of(args[i + 1]);
            if (args[i].startsWith("--config=")) return Path.of(args[i].substring("--config=".length()));
        }
        return null;
    }
}
