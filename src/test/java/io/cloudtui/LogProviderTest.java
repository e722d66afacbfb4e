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
    void levelNamesAsSlf4jSimpleHadThem() {
        assertEquals(org.slf4j.event.Level.DEBUG.toInt(), LogProvider.level("DEBUG"));
        assertEquals(org.slf4j.event.Level.INFO.toInt(), LogProvider.level("nonsense"));
        assertEquals(Integer.MAX_VALUE, LogProvider.level("off"));
    }
}
