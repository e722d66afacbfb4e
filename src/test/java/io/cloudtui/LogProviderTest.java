package io.cloudtui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LogProviderTest {
    @AfterEach
    void reset() {
        System.clearProperty(LogProvider.FILE);
        System.clearProperty(LogProvider.LEVEL);
        System.clearProperty(LogProvider.LEVEL + ".test.quiet");
    }

    @Test
    void slf4jUsesIt() {
        assertTrue(LoggerFactory.getLogger("test.any") instanceof LogProvider.FileLogger);
    }

    @Test
    void writesLevelsAboveTheThresholdToTheFileOnlyWhenSomethingIsLogged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cloudtui.log");
        System.setProperty(LogProvider.FILE, file.toString());
        System.setProperty(LogProvider.LEVEL, "info");
        System.setProperty(LogProvider.LEVEL + ".test.quiet", "error");
        Logger log = new LogProvider.FileLogger("test.app.Thing");
        Logger quiet = new LogProvider.FileLogger("test.quiet.Lib");
        log.debug("not shown");
        quiet.warn("not shown either");
        assertFalse(Files.exists(file), "nothing logged, nothing opened");
        log.info("hello {} and {}", "a", 42);
        quiet.error("bad", new IllegalStateException("boom"));
        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.get(0).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[main\\] INFO test\\.app\\.Thing - hello a and 42"), lines.get(0));
        assertTrue(lines.get(1).endsWith(" [main] ERROR test.quiet.Lib - bad"), lines.get(1));
        assertEquals("java.lang.IllegalStateException: boom", lines.get(2));
        assertFalse(log.isDebugEnabled());
        assertTrue(log.isInfoEnabled());
        assertFalse(quiet.isWarnEnabled());
    }

    @Test
    void julWarningsGoToTheLogFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jul.log");
        LogSetup.init(file);
        java.util.logging.Logger.getLogger("test.jul").info("not shown");
        java.util.logging.Logger.getLogger("test.jul").warning("jul says hi");
        for (java.util.logging.Handler h : java.util.logging.Logger.getLogger("").getHandlers()) h.flush();
        String text = Files.readString(file);
        assertTrue(text.contains("jul says hi"), text);
        assertFalse(text.contains("not shown"), text);
        Path other = dir.resolve("other.log");
        LogSetup.init(other); // a second session in this JVM: JUL follows
        java.util.logging.Logger.getLogger("test.jul").severe("second");
        for (java.util.logging.Handler h : java.util.logging.Logger.getLogger("").getHandlers()) h.flush();
        assertTrue(Files.readString(other).contains("second"));
        // the configuration JUL reads when cloudtui's own process starts it lazily
        Path lazy = dir.resolve("lazy.log");
        System.setProperty(LogProvider.FILE, lazy.toString());
        new LogSetup.JulConfig();
        java.util.logging.Logger.getLogger("test.jul").warning("lazily");
        for (java.util.logging.Handler h : java.util.logging.Logger.getLogger("").getHandlers()) h.flush();
        assertTrue(Files.readString(lazy).contains("lazily"));
        System.clearProperty("slf4j.provider");
        System.clearProperty("slf4j.internal.verbosity");
        System.clearProperty(LogProvider.LEVEL + ".com.github.dockerjava");
    }

    @Test
    void levelNamesAsSlf4jSimpleHadThem() {
        assertEquals(org.slf4j.event.Level.DEBUG.toInt(), LogProvider.level("DEBUG"));
        assertEquals(org.slf4j.event.Level.INFO.toInt(), LogProvider.level("nonsense"));
        assertEquals(Integer.MAX_VALUE, LogProvider.level("off"));
    }
}
