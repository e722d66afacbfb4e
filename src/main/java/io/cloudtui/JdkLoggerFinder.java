package io.cloudtui;

import java.text.MessageFormat;
import java.util.ResourceBundle;

/**
 * The JDK's own System.Logger calls go to cloudtui's log file through its SLF4J backend ({@link
 * LogProvider}): warnings and errors, which were what passed java.util.logging's root level before.
 * Since JDK 25 every ProcessBuilder.start asks its System.Logger whether to log the start, and
 * without a finder of our own that first question set up java.util.logging in every command that
 * starts a process. Registered in META-INF/services/java.lang.System$LoggerFinder.
 */
public final class JdkLoggerFinder extends System.LoggerFinder {
    @Override
    public System.Logger getLogger(String name, Module module) {
        return new JdkLogger(name);
    }

    static final class JdkLogger implements System.Logger {
        private final String name;
        private volatile org.slf4j.Logger target;

        JdkLogger(String name) {
            this.name = name;
        }

        private org.slf4j.Logger target() {
            org.slf4j.Logger t = target;
            if (t == null) {
                t = org.slf4j.LoggerFactory.getLogger(name);
                target = t;
            }
            return t;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            if (level == Level.OFF || level.getSeverity() < Level.WARNING.getSeverity()) return false;
            return level == Level.ERROR ? target().isErrorEnabled() : target().isWarnEnabled();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (!isLoggable(level)) return;
            emit(level, localized(bundle, msg), thrown);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (!isLoggable(level)) return;
            String text = localized(bundle, format);
            if (params != null && params.length > 0) text = MessageFormat.format(text, params);
            emit(level, text, null);
        }

        private static String localized(ResourceBundle bundle, String msg) {
            if (bundle == null || msg == null) return msg;
            try {
                return bundle.getString(msg);
            } catch (RuntimeException e) {
                return msg;
            }
        }

        private void emit(Level level, String text, Throwable thrown) {
            if (level == Level.ERROR) target().error(text, thrown);
            else target().warn(text, thrown);
        }
    }
}
