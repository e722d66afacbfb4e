package io.cloudtui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.SimpleFormatter;

/**
 * Sends every library's logging (SLF4J, java.util.logging) to a private log file, never to the
 * terminal. Must run before any library class creates a logger.
 */
public final class LogSetup {
    private LogSetup() {}

    /** $XDG_STATE_HOME/cloudtui/cloudtui.log, or ~/.local/state/cloudtui/cloudtui.log. */
    public static Path defaultLogFile(Map<String, String> env) {
        String xdg = env.get("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : io.cloudtui.core.Dirs.home(env).resolve(".local").resolve("state");
        return base.resolve("cloudtui").resolve("cloudtui.log");
    }

    public static Path init(Path logFile) {
        Path file = logFile != null ? logFile : defaultLogFile(System.getenv());
        String target = file.toString();
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Nowhere private to write: drop diagnostics rather than print them on the user's screen.
            target = "/dev/null";
        }
        // SLF4J: cloudtui's own backend, named so SLF4J need not search the class path for one (and
        // without SLF4J's note on stderr that it was named: its own warnings and errors still show)
        System.setProperty("slf4j.internal.verbosity", "WARN");
        System.setProperty("slf4j.provider", LogProvider.class.getName());
        System.setProperty(LogProvider.FILE, target);
        System.setProperty(LogProvider.LEVEL, System.getenv().getOrDefault("CLOUDTUI_LOG_LEVEL", "info").toLowerCase(java.util.Locale.ROOT));
        System.setProperty(LogProvider.LEVEL + ".com.github.dockerjava", "warn");
        if (!julDeferred || julStarted) {
            // JUL may run already (embedded, or an earlier session in this JVM): point it at this file now
            LogManager.getLogManager().reset();
            java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
            root.addHandler(new JulHandler());
            root.setLevel(java.util.logging.Level.WARNING);
        }
        return file;
    }

    private static volatile boolean julDeferred;
    private static volatile boolean julStarted;

    /**
     * For the cloudtui process itself, first thing in main (nothing has started JUL yet): JUL is set
     * up only when something first uses it, most commands never do (its start scans the class path
     * and opens the log file); {@link JulConfig} is then its configuration, so it never starts with
     * its default, a handler on stderr. Embedded callers of {@link #init} get JUL configured at once.
     */
    public static void deferJul() {
        if (System.getProperty("java.util.logging.config.class") == null) {
            System.setProperty("java.util.logging.config.class", JulConfig.class.getName());
            julDeferred = true;
        }
    }

    /** JUL's configuration (java.util.logging.config.class): warnings and worse to {@link JulHandler}. */
    public static final class JulConfig {
        public JulConfig() throws IOException {
            julStarted = true;
            // written out by hand: Properties.store dates its comment, which loads time zone names
            String config = ".level=WARNING\nhandlers=" + JulHandler.class.getName() + "\n";
            LogManager.getLogManager().readConfiguration(new java.io.ByteArrayInputStream(config.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
        }
    }

    /**
     * JUL's root handler: its records, as SimpleFormatter writes them, into the log file cloudtui's
     * SLF4J backend writes (the same open file); dropped while there is no log file; never the terminal.
     */
    public static final class JulHandler extends Handler {
        public JulHandler() {
            setFormatter(new SimpleFormatter());
        }

        @Override
        public void publish(java.util.logging.LogRecord r) {
            if (!isLoggable(r)) return;
            String text;
            try {
                text = getFormatter().format(r);
            } catch (RuntimeException e) {
                return;
            }
            LogProvider.Sink.raw(text);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
