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
import java.util.Set;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Entry point: no arguments opens the UI, a subcommand runs the CLI. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        LogSetup.deferJul();
        if (args.length == 1 && args[0].equals("agent") && System.getenv("CLOUDTUI_AGENT_SOCKET") != null) {
            // the warm process the native client starts (README, "Warm CLI")
            // appended to: a command run without the agent starts the file afresh meanwhile, and the agent's
            // next lines must follow it rather than land at its old offset after a hole
            System.setProperty(LogProvider.APPEND, "true");
            LogSetup.init(null);
            System.exit(io.cloudtui.agent.Agent.main(System.getenv(), System.err));
        }
        if (args.length >= 1 && args[0].equals("serve")) {
            // the remote end of a host's bundled engine, on stdin/stdout (README, "Remote hosts"): its log in the file, never on them
            LogSetup.init(null);
            // the channel is stdout itself: anything else that prints there goes to stderr instead
            java.io.PrintStream channel = System.out;
            System.setOut(System.err);
            System.exit(io.cloudtui.agent.Serve.main(args, System.in, channel, System.err));
        }
        int code = run(args, System.in, System.out, System.err, System.getenv());
        System.out.flush();
        System.exit(code);
    }

    /** Runs cloudtui with the given streams; returns the exit code. Never throws. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, in, out, err, env, null);
    }

    /**
     * Sessions (backends, remote hosts' connections) kept open between commands: the warm agent's.
     * A command takes the one of its effective configuration (KEY) and gives it back when done.
     */
    public interface Warm {
        /** A session for KEY: one an earlier command left that is still good, else FRESH's. */
        Backends take(String key, java.util.function.Supplier<Backends> fresh);

        /** The command is done with B, taken for KEY; KEEP false: close it rather than keep it. */
        void release(String key, Backends b, boolean keep);
    }

    /** As {@link #run(String[], InputStream, PrintStream, PrintStream, Map)}, with the sessions of WARM (null: each command opens its own). */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Warm warm) {
        return run(args, in, out, err, env, warm, null);
    }

    /** As {@link #run(String[], InputStream, PrintStream, PrintStream, Map, Warm)} in directory CWD (absolute; null: this process's). */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Warm warm, Path cwd) {
        Config config;
        try {
            config = loader(env).load(configFlag(args), env);
        } catch (CloudtuiException e) {
            err.println("cloudtui: " + e.getMessage());
            return e.exitCode();
        }
        io.cloudtui.host.Hosts hosts;
        try {
            hosts = io.cloudtui.host.Hosts.of(config, env, hostFlag(args));
        } catch (CloudtuiException e) {
            err.println("cloudtui: " + e.getMessage());
            return e.exitCode();
        }
        Path logFile = LogSetup.init(config.logFile() != null ? Path.of(config.logFile()) : null);
        // A library's background thread dying must not print a stack trace on the user's terminal.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> LoggerFactory.getLogger(Main.class).error("uncaught in thread {}", t.getName(), e));
        java.util.Set<String>[] scoped = newScope();
        java.util.concurrent.atomic.AtomicReference<java.util.function.Consumer<Backends>> release =
                new java.util.concurrent.atomic.AtomicReference<>(Backends::close);
        java.util.function.Function<Config, Backends> opener = c -> Backends.open(c, pluginLoader(), hosts);
        if (warm != null) {
            java.util.function.Function<Config, Backends> fresh = opener;
            opener = c -> {
                String key = warmKey(args, c, env, scoped[0]);
                Backends b = warm.take(key, () -> fresh.apply(c));
                // stats keeps each container's last CPU reading in its backend: the next one-shot would differ
                boolean keep = !"stats".equals(commandName(args));
                release.set(x -> warm.release(key, x, keep));
                return b;
            };
        }
        try (Context ctx = new Context(config, opener, in, out, err)) {
            ctx.client(cwd, env);
            if (warm != null) ctx.closeWith(x -> release.get().accept(x));
            // the UI: hosts connect in the background, its first frame waits for none of them
            ctx.onUi(hosts::live);
            // a command aimed at one host (an id HOST/TYPE:NAME, --backend HOST/TYPE) connects to that host alone
            // (the hosts of the config: a DOCKER_HOST=ssh:// host alone is always the one)
            java.util.Set<String> scope = config.hosts().isEmpty() ? null : scope(ctx, logFile, args);
            if (scope != null) hosts.narrow(scope);
            scoped[0] = scope;
            return execute(ctx, logFile, args);
        }
    }

    @SuppressWarnings("unchecked")
    private static java.util.Set<String>[] newScope() {
        return new java.util.Set[1];
    }

    /** The subcommand ARGS names (after the root options), or null. */
    static String commandName(String[] args) {
        Set<String> n = neededSubcommands(args);
        return n != null && n.size() == 1 ? n.iterator().next() : null;
    }

    /** Variables that change from shell to shell and that no command reads (as the native client leaves them out of its agent's key). */
    private static final Set<String> VOLATILE = Set.of("PWD", "OLDPWD", "_", "SHLVL", "TERM", "COLORTERM", "COLUMNS", "LINES", "TMUX",
            "TMUX_PANE", "WINDOWID", "SSH_TTY", "SSH_CLIENT", "SSH_CONNECTION", "STY", "TERM_PROGRAM", "TERM_PROGRAM_VERSION", "VTE_VERSION",
            "PS1", "PROMPT_COMMAND");

    /**
     * The effective configuration a session opened for ARGS stands for: the --config and -H given, the
     * config file (its path, modification time and content), the environment (but what changes from
     * shell to shell), the hosts the command is narrowed to, and what each backend type would detect
     * now (sockets there, docker context): two commands with the same key get the same backends.
     */
    static String warmKey(String[] args, Config config, Map<String, String> env, java.util.Set<String> scope) {
        StringBuilder b = new StringBuilder();
        b.append("config=").append(configFlag(args)).append('\n').append("host=").append(hostFlag(args)).append('\n');
        b.append("scope=").append(scope == null ? "*" : new java.util.TreeSet<>(scope)).append('\n');
        Path src = config.source();
        b.append("source=").append(src);
        if (src != null) {
            try {
                b.append(' ').append(java.nio.file.Files.getLastModifiedTime(src).toMillis()).append(' ')
                        .append(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(java.nio.file.Files.readAllBytes(src))));
            } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
                b.append(" unreadable ").append(System.nanoTime()); // never equal: opened afresh
            }
        }
        b.append('\n');
        new java.util.TreeMap<>(env).forEach((k, v) -> {
            if (!VOLATILE.contains(k)) b.append(k).append('=').append(v).append('\0');
        });
        b.append('\n').append(Backends.detectionKey(pluginLoader()));
        return b.toString();
    }

    /**
     * The config loader of every command: besides what the config package checks, backend types
     * (the providers found), the detach keys, the UI's theme and key bindings, each reported as
     * FILE:LINE:COL before the command runs, so no command runs with a config the UI would refuse.
     */
    public static ConfigLoader loader(Map<String, String> env) {
        return new ConfigLoader(java.util.List.of(
                c -> Backends.checkTypes(c, pluginLoader()),
                c -> {
                    try {
                        io.cloudtui.term.DetachKeys.parse(c.ui().detachKeys());
                    } catch (CloudtuiException e) {
                        throw new io.cloudtui.config.ConfigProblem("ui.detachKeys", false, "config ui.detachKeys: " + e.getMessage());
                    }
                },
                c -> io.cloudtui.tui.UiConfigCheck.check(c, env)));
    }

    /** Runs ARGS in CTX: a plain {@code run} without picocli (see FastRun), anything else through it. */
    public static int execute(Context ctx, Path logFile, String[] args) {
        Integer fast = io.cloudtui.cli.FastRun.run(args, ctx, ex -> executionError(ex, ctx, logFile));
        if (fast != null) return fast;
        return commandLine(ctx, logFile, args).execute(args);
    }

    /** Builds the whole picocli command tree with cloudtui's error conventions. */
    public static CommandLine commandLine(Context ctx, Path logFile) {
        return commandLine(ctx, logFile, null);
    }

    /**
     * As {@link #commandLine(Context, Path)}, with only the subcommands ARGS can reach: the one it
     * names, or none when it names no command and asks for no help (the UI, --version). Parsing,
     * help and errors are those of the whole tree; ARGS null: every subcommand.
     */
    public static CommandLine commandLine(Context ctx, Path logFile, String[] args) {
        CommandLine cl = new CommandLine(new CloudtuiCommand(ctx));
        Set<String> names = args == null ? null : neededSubcommands(args);
        for (Map.Entry<String, Class<?>> e : CloudtuiCommand.SUBCOMMANDS.entrySet()) {
            // built on its own, as picocli builds a subcommand named in an annotation (model transformers applied)
            if (names == null || names.contains(e.getKey())) cl.addSubcommand(e.getKey(), new CommandLine(e.getValue()));
        }
        return configure(cl, ctx, logFile);
    }

    /** cloudtui's streams and error conventions on CL and the subcommands it has now. */
    public static CommandLine configure(CommandLine cl, Context ctx, Path logFile) {
        cl.setOut(new java.io.PrintWriter(ctx.out(), true));
        cl.setErr(new java.io.PrintWriter(ctx.err(), true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            String unknown = unknownCommand(ex);
            if (unknown != null) {
                String prefix = c.getParent() == null ? "" : c.getCommandSpec().qualifiedName().substring("cloudtui ".length()) + " ";
                ctx.err().println("cloudtui: unknown command '" + prefix + unknown + "'");
                String near = nearest(unknown, c.getSubcommands().keySet());
                if (near != null) ctx.err().println("Did you mean '" + prefix + near + "'?");
            } else {
                ctx.err().println("cloudtui: " + ex.getMessage());
            }
            ctx.err().println("See '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> executionError(ex, ctx, logFile));
        return cl;
    }

    /**
     * The word a command group (the root, image, vm, ...) took for a subcommand it does not have,
     * or null: picocli calls that an unmatched argument.
     */
    static String unknownCommand(CommandLine.ParameterException ex) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException u)) return null;
        CommandLine c = u.getCommandLine();
        if (c.getSubcommands().isEmpty() && !(c.getCommand() instanceof CloudtuiCommand)) return null;
        if (!c.getCommandSpec().positionalParameters().isEmpty()) return null;
        java.util.List<String> rest = u.getUnmatched();
        if (rest.isEmpty() || rest.get(0).startsWith("-")) return null;
        return rest.get(0);
    }

    /** The command of NAMES nearest to WORD (optimal string alignment distance), only when close; else null. */
    static String nearest(String word, java.util.Collection<String> names) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String n : names) {
            int d = distance(word, n);
            if (d < bestD) {
                bestD = d;
                best = n;
            }
        }
        // close: one edit for short words, two for longer ones, and never most of the word
        int limit = word.length() <= 3 ? 1 : 2;
        return best != null && bestD <= limit && bestD < word.length() ? best : null;
    }

    /** Edits (insert, delete, substitute, swap two neighbours) between A and B. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** A command's failure: its one line (and exit code) for a CloudtuiException, else an internal error. */
    static int executionError(Exception ex, Context ctx, Path logFile) {
        if (ex instanceof CloudtuiException ce) {
            LoggerFactory.getLogger(Main.class).debug("command failed", ex);
            if (!ctx.said(ce.getMessage())) ctx.err().println("cloudtui: " + ce.getMessage());
            return ce.exitCode();
        }
        LoggerFactory.getLogger(Main.class).error("internal error", ex);
        String msg = ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
        ctx.err().println("cloudtui: internal error: " + msg + " (details in " + logFile + ")");
        return 1;
    }

    /**
     * The subcommands a command line needs: {} for root options alone ({@code --config F},
     * {@code --version}: the UI or the version), the named one, or null (all) for anything else:
     * help, an unknown option or command, and {@code completion}, which describes the whole tree.
     */
    public static Set<String> neededSubcommands(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if ((a.equals("--config") || a.equals("--host") || a.equals("-H")) && i + 1 < args.length) {
                i++;
            } else if (a.startsWith("--config=") || a.startsWith("--host=") || a.startsWith("-H") && a.length() > 2 || a.equals("--version") || a.equals("-V")) {
                continue;
            } else if (a.startsWith("-")) {
                return null;
            } else {
                return CloudtuiCommand.SUBCOMMANDS.containsKey(a) && !a.equals("completion") ? Set.of(a) : null;
            }
        }
        return Set.of();
    }

    /** The context class loader (plugins on the classpath, or a test's loader), else ours. */
    static ClassLoader pluginLoader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : Main.class.getClassLoader();
    }

    /**
     * Finds {@code -H HOST} / {@code --host HOST} / {@code --host=HOST} / {@code -HHOST} (before the
     * subcommand) before picocli runs: the backends open from it; null when not given.
     */
    static String hostFlag(String[] args) {
        String found = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--") || !a.startsWith("-")) break;
            if ((a.equals("--host") || a.equals("-H")) && i + 1 < args.length) found = args[++i];
            else if (a.startsWith("--host=")) found = a.substring("--host=".length());
            else if (a.startsWith("-H") && a.length() > 2) found = a.substring(2);
            else if (a.equals("--config") && i + 1 < args.length) i++;
        }
        return found;
    }

    /** The commands whose first parameters are workload ids. */
    static final java.util.Set<String> ID_COMMANDS = java.util.Set.of("start", "stop", "restart", "kill", "pause", "unpause", "rm",
            "logs", "exec", "attach", "inspect", "stats", "console");

    /**
     * The hosts a command needs, read from ARGS as picocli parses them: the host of {@code --backend
     * HOST/TYPE}, or those of its ids when each is {@code HOST/TYPE:NAME} or {@code TYPE:NAME} (this
     * machine, "local"); null when it needs every host (ps, a bare name to resolve across hosts, the UI).
     */
    static java.util.Set<String> scope(Context ctx, Path logFile, String[] args) {
        CommandLine.ParseResult root;
        try {
            root = commandLine(ctx, logFile, args).parseArgs(args);
        } catch (RuntimeException e) {
            return null; // the real run says what is wrong
        }
        CommandLine.ParseResult pr = root;
        while (pr.hasSubcommand()) pr = pr.subcommand();
        if (pr == root || pr.isUsageHelpRequested()) return null;
        java.util.Set<String> out = new java.util.HashSet<>();
        if (pr.hasMatchedOption("--backend")) {
            String b = pr.matchedOptionValue("--backend", "");
            if (b.isBlank()) return null;
            out.add(Backends.hostOf(b));
            return out;
        }
        if (!ID_COMMANDS.contains(pr.commandSpec().name()) || pr.commandSpec().parent() != root.commandSpec()) return null;
        java.util.List<String> ids = new java.util.ArrayList<>();
        for (CommandLine.Model.PositionalParamSpec p : pr.matchedPositionals()) {
            if (p.index().min() == 0) ids.addAll(p.stringValues());
        }
        if (ids.isEmpty()) return null;
        for (String id : ids) {
            int colon = id.indexOf(':');
            if (colon <= 0) return null; // a bare name or id prefix: resolved across every host
            out.add(Backends.hostOf(id.substring(0, colon)));
        }
        return out;
    }

    /** Finds {@code --config FILE} / {@code --config=FILE} (before the subcommand) before picocli runs. */
    static Path configFlag(String[] args) {
        for (int i = 0; i < args.length; i++) {
            // --config is a root option: after the subcommand name, "--config" belongs to it (e.g. a run COMMAND)
            if (args[i].equals("--") || !args[i].startsWith("-")) break;
            if (args[i].equals("--config") && i + 1 < args.length) return Path.of(args[i + 1]);
            if ((args[i].equals("--host") || args[i].equals("-H")) && i + 1 < args.length) i++;
            if (args[i].startsWith("--config=")) return Path.of(args[i].substring("--config=".length()));
        }
        return null;
    }
}
