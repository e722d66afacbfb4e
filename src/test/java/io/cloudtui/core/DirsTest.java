package io.cloudtui.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DirsTest {
    @Test
    void homeIsHomeWhenSetElseThePasswdEntrys() {
        assertEquals(Path.of("/tmp/h"), Dirs.home(Map.of("HOME", "/tmp/h")));
        assertEquals(Path.of(System.getProperty("user.home")), Dirs.home(Map.of()));
        // a relative or empty HOME is no home
        assertEquals(Path.of(System.getProperty("user.home")), Dirs.home(Map.of("HOME", "")));
        assertEquals(Path.of(System.getProperty("user.home")), Dirs.home(Map.of("HOME", "rel")));
    }
}
