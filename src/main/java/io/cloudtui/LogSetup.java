package io.cloudtui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.logging.FileHandler;
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
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "state");
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
        LogManager.getLogManager().reset();
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        if (!"/dev/null".equals(target)) {
            try {
                Handler h = new FileHandler(target, true);
                h.setFormatter(new SimpleFormatter());
                root.addHandler(h);
            } catch (IOException e) {
                // keep JUL silent
            }
        }
        root.setLevel(java.util.logging.Level.WARNING);
        return file;
    }
}
