package io.cloudtui;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.time.LocalDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * cloudtui's SLF4J backend: every library's logging into one file, never the terminal. It replaces
 * slf4j-simple, whose set-up (date format, calendar and locale providers) cost each command tens of
 * milliseconds before anything was logged, which a normal command never is: here nothing is set up
 * and no file is opened until a message passes its level. The lines are slf4j-simple's as cloudtui
 * configured it: {@code 2025-01-31T12:00:00.000 [thread] LEVEL logger.name - message}, a stack trace
 * after it; the file is truncated by the first message of a process, as slf4j-simple truncated it on
 * start.
 *
 * <p>Configured by {@link LogSetup} through system properties: {@code cloudtui.log.file} (absent: stderr,
 * without the date, as slf4j-simple's default), {@code cloudtui.log.level} (trace, debug, info, warn,
 * error, off; default info) and {@code cloudtui.log.level.PREFIX} for loggers whose name starts with
 * PREFIX.
 */
public final class LogProvider implements SLF4JServiceProvider {
    static final String FILE = "cloudtui.log.file";
    static final String LEVEL = "cloudtui.log.level";
    /** "true": append to the file instead of starting it afresh (the CLI's warm process, which others' commands truncate meanwhile). */
    static final String APPEND = "cloudtui.log.append";

    private final Factory factory = new Factory();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override public ILoggerFactory getLoggerFactory() { return factory; }
    @Override public IMarkerFactory getMarkerFactory() { return markers; }
    @Override public MDCAdapter getMDCAdapter() { return mdc; }
    @Override public String getRequestedApiVersion() { return "2.0.99"; }
    @Override public void initialize() {}

    private static final int OFF = Integer.MAX_VALUE;

    /** slf4j-simple's names; anything else is info. */
    static int level(String s) {
        if (s == null) return Level.INFO.toInt();
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.TRACE.toInt();
            case "debug" -> Level.DEBUG.toInt();
            case "warn" -> Level.WARN.toInt();
            case "error" -> Level.ERROR.toInt();
            case "off" -> OFF;
            default -> Level.INFO.toInt();
        };
    }

    /** The threshold for logger NAME: the longest configured prefix's, else the default. */
    static int threshold(String name) {
        String found = null;
        for (String key : System.getProperties().stringPropertyNames()) {
            if (!key.startsWith(LEVEL + ".")) continue;
            String prefix = key.substring(LEVEL.length() + 1);
            if ((name.equals(prefix) || name.startsWith(prefix + ".")) && (found == null || prefix.length() > found.length())) found = prefix;
        }
        return level(System.getProperty(found == null ? LEVEL : LEVEL + "." + found));
    }

    private static final class Factory implements ILoggerFactory {
        private final Map<String, Logger> loggers = new ConcurrentHashMap<>();

        @Override
        public Logger getLogger(String name) {
            return loggers.computeIfAbsent(name, FileLogger::new);
        }
    }

    /**
     * Where the lines go, opened by the first one (and again if the configured file changes); JUL's
     * records come here too ({@link LogSetup.JulHandler}), so one process truncates the file once.
     */
    static final class Sink {
        private static PrintStream out;
        private static String openedFor;
        private static boolean dated;

        static synchronized void write(String line, Throwable t) {
            open();
            if (dated) out.print(timestamp() + " ");
            out.println(line);
            if (t != null) t.printStackTrace(out);
            out.flush();
        }

        /** TEXT as it is, to the configured file only (never stderr). */
        static synchronized void raw(String text) {
            String file = System.getProperty(FILE);
            if (file == null || file.equals("/dev/null")) return;
            open();
            out.print(text);
            out.flush();
        }

        private static void open() {
            String file = System.getProperty(FILE);
            if (out == null || !java.util.Objects.equals(file, openedFor)) {
                if (out != null && out != System.err) out.close();
                openedFor = file;
                dated = file != null;
                try {
                    out = file == null ? System.err : new PrintStream(new FileOutputStream(file, Boolean.getBoolean(APPEND)), false, java.nio.charset.StandardCharsets.UTF_8);
                } catch (IOException e) {
                    out = new PrintStream(java.io.OutputStream.nullOutputStream());
                }
            }
        }

        /** yyyy-MM-dd'T'HH:mm:ss.SSS in the local time zone. */
        private static String timestamp() {
            LocalDateTime n = LocalDateTime.now();
            return String.format(Locale.ROOT, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", n.getYear(), n.getMonthValue(), n.getDayOfMonth(),
                    n.getHour(), n.getMinute(), n.getSecond(), n.getNano() / 1_000_000);
        }
    }

    static final class FileLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        private final int threshold;

        FileLogger(String name) {
            this.name = name;
            this.threshold = threshold(name);
        }

        private boolean on(Level l) {
            return l.toInt() >= threshold;
        }

        @Override public boolean isTraceEnabled() { return on(Level.TRACE); }
        @Override public boolean isDebugEnabled() { return on(Level.DEBUG); }
        @Override public boolean isInfoEnabled() { return on(Level.INFO); }
        @Override public boolean isWarnEnabled() { return on(Level.WARN); }
        @Override public boolean isErrorEnabled() { return on(Level.ERROR); }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            if (!on(level)) return;
            String message = MessageFormatter.basicArrayFormat(pattern, args);
            Sink.write("[" + Thread.currentThread().getName() + "] " + level + " " + name + " - " + message, t);
        }
    }
}
