package io.cloudtui.cli;

import io.cloudtui.config.Config;
import io.cloudtui.core.Backends;
import io.cloudtui.core.Workloads;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.function.Function;

/**
 * What every command needs: config, lazily opened backends, and the streams to write to (so tests
 * can capture them). Backends open on first use, so {@code --help} never touches an engine.
 */
public final class Context implements AutoCloseable {
    private final Config config;
    private final Function<Config, Backends> opener;
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private Backends backends;
    /** The command line (not the UI): backends that could not be opened are said on stderr. */
    private boolean cli = true;
    /** The lines said on stderr when the backends opened: a command failing with one of them need not say it again. */
    private final java.util.Set<String> said = new java.util.HashSet<>();

    public Context(Config config, Function<Config, Backends> opener, InputStream in, PrintStream out, PrintStream err) {
        this.config = config;
        this.opener = opener;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    public Config config() {
        return config;
    }

    /**
     * The session's backends, opened on first call. On the command line, each backend that the
     * environment, the config or -H named and that could not be opened (a host that does not
     * answer, a missing docker context) is one line on stderr, whatever the command.
     */
    public synchronized Backends backends() {
        if (backends == null) {
            backends = opener.apply(config);
            if (cli) {
                for (String line : backends.failed().values()) {
                    err.println("cloudtui: " + line);
                    said.add(line);
                }
            }
        }
        return backends;
    }

    /** Whether MESSAGE is on stderr already (a backend that could not be opened, said when the backends opened). */
    public synchronized boolean said(String message) {
        return said.contains(message);
    }

    /** Run when the full-screen UI takes this context, before its backends open (remote hosts then connect in the background). */
    private Runnable onUi = () -> {};

    /** R runs when the full-screen UI takes this context, before the backends open. */
    public synchronized void onUi(Runnable r) {
        onUi = r;
    }

    /** The full-screen UI runs in this context: failures are its to show, not lines on stderr. */
    public synchronized void ui() {
        cli = false;
        onUi.run();
    }

    public Workloads workloads() {
        return new Workloads(backends());
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    public InputStream in() {
        return in;
    }

    /** The command's working directory: the client's in the warm agent, else this process's. */
    private java.nio.file.Path cwd;
    /** The command's environment: the client's in the warm agent, else this process's. */
    private java.util.Map<String, String> env = System.getenv();

    /** The command runs in directory CWD (absolute) with environment ENV, not this process's (the warm agent's client's). */
    public synchronized void client(java.nio.file.Path cwd, java.util.Map<String, String> env) {
        if (cwd != null && !cwd.isAbsolute()) throw new IllegalArgumentException("working directory " + cwd + " is not absolute");
        this.cwd = cwd;
        this.env = env;
    }

    /** P as the command's user means it: a relative path is taken from the command's working directory. */
    public synchronized java.nio.file.Path resolve(java.nio.file.Path p) {
        return (cwd != null ? cwd.resolve(p) : p.toAbsolutePath()).normalize();
    }

    /** The command's environment variable NAME, or null. */
    public synchronized String getenv(String name) {
        return env.get(name);
    }

    /** What is done with the backends when the context closes (the warm agent keeps them): by default they close. */
    private java.util.function.Consumer<Backends> closer = Backends::close;

    /** C takes the backends (if they were opened) when this context closes, instead of closing them. */
    public synchronized void closeWith(java.util.function.Consumer<Backends> c) {
        closer = c;
    }

    @Override
    public synchronized void close() {
        if (backends != null) closer.accept(backends);
    }
}
