package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.RunSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

class ParsersTest {
    static final Instant NOW = Instant.parse("2026-05-05T12:00:00Z");
    static final ZoneId UTC = ZoneOffset.UTC;

    @Test
    void sinceRelativeDurations() {
        assertEquals(NOW.minusSeconds(600), Parsers.since("10m", NOW, UTC));
        assertEquals(NOW.minusSeconds(5400), Parsers.since("1h30m", NOW, UTC));
        assertEquals(NOW.minusSeconds(42), Parsers.since("42s", NOW, UTC));
        assertEquals(NOW.minus(Duration.ofMinutes(90)), Parsers.since("1.5h", NOW, UTC));
        assertEquals(NOW.minusMillis(250), Parsers.since("250ms", NOW, UTC));
    }

    @Test
    void sinceAbsoluteTimes() {
        assertEquals(Instant.parse("2026-01-02T15:04:05Z"), Parsers.since("2026-01-02T15:04:05Z", NOW, UTC));
        assertEquals(Instant.parse("2026-01-02T13:04:05.5Z"), Parsers.since("2026-01-02T15:04:05.5+02:00", NOW, UTC));
        assertEquals(Instant.parse("2026-01-02T15:04:05Z"), Parsers.since("2026-01-02T15:04:05", NOW, UTC));
        assertEquals(Instant.parse("2026-01-02T00:00:00Z"), Parsers.since("2026-01-02", NOW, UTC));
        assertEquals(Instant.ofEpochSecond(1700000000), Parsers.since("1700000000", NOW, UTC));
        assertEquals(Instant.ofEpochSecond(1700000000, 250_000_000), Parsers.since("1700000000.25", NOW, UTC));
    }

    @Test
    void sinceRejectsGarbage() {
        for (String bad : new String[] {"", "yesterday", "10x", "1h-5m", "2026-13-01", "-5m"}) {
            assertThrows(TypeConversionException.class, () -> Parsers.since(bad, NOW, UTC), bad);
        }
    }

    @Test
    void goDurationOnlyForDurations() {
        assertEquals(Duration.ofHours(2).plusMinutes(3).plusSeconds(4), Parsers.goDuration("2h3m4s"));
        assertNull(Parsers.goDuration("12"));
    }

    @Test
    void sizes() {
        assertEquals(512L * 1024 * 1024, Parsers.size("512m"));
        assertEquals(1L << 30, Parsers.size("1g"));
        assertEquals(1L << 30, Parsers.size("1G"));
        assertEquals(1536L << 20, Parsers.size("1.5g"));
        assertEquals(100L * 1024, Parsers.size("100k"));
        assertEquals(100L * 1024, Parsers.size("100kb"));
        assertEquals(2048L, Parsers.size("2048"));
        assertEquals(2048L, Parsers.size("2048b"));
        assertEquals(1L << 40, Parsers.size("1t"));
        for (String bad : new String[] {"", "lots", "1x", "-1m", "1.m", "99999999999p"}) {
            assertThrows(TypeConversionException.class, () -> Parsers.size(bad), bad);
        }
    }

    @Test
    void mounts(@TempDir Path dir) throws Exception {
        Files.createDirectory(dir.resolve("src"));
        assertEquals(new RunSpec.Mount(dir.resolve("src").toString(), "/app", false), Parsers.mount("./src:/app", dir, "/root"));
        assertEquals(new RunSpec.Mount(dir.resolve("src").toString(), "/app", false), Parsers.mount("src/:/app:rw", dir, "/root"));
        assertEquals(new RunSpec.Mount(dir.toString(), "/app", true), Parsers.mount(dir + ":/app:ro", dir, "/root"));
        assertEquals(new RunSpec.Mount(dir.resolve("src").toString(), "/x", false), Parsers.mount("~/src:/x", Path.of("/"), dir.toString()));
        assertEquals(new RunSpec.Mount(dir.toString(), "/app", false), Parsers.mount(".:/app", dir, "/root"));
        assertEquals(new RunSpec.Mount("data", "/var/lib/data", false), Parsers.mount("data:/var/lib/data", dir, "/root"));
        var missing = assertThrows(TypeConversionException.class, () -> Parsers.mount("./nope:/app", dir, "/root"));
        assertTrue(missing.getMessage().contains(dir.resolve("nope") + "' does not exist"), missing.getMessage());
        for (String bad : new String[] {"/tmp", ":/x", "/tmp:", "/tmp:rel", "/tmp:/x:rx", "/tmp:/x:ro:z", "bad name:/x"}) {
            assertThrows(TypeConversionException.class, () -> Parsers.mount(bad, dir, "/root"), bad);
        }
    }

    @Test
    void apptainerBinds(@TempDir Path dir) throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("src"));
        String d = dir.toString();
        assertEquals(java.util.List.of(new RunSpec.Mount(d, d, false)), Parsers.binds(d, Path.of("/"), "/root"));
        assertEquals(java.util.List.of(new RunSpec.Mount(d + "/src", "/data", true), new RunSpec.Mount(d, "/x", false)),
                Parsers.binds("src:/data:ro," + d + ":/x:rw", dir, "/root"));
        assertEquals(java.util.List.of(new RunSpec.Mount(d + "/src", d + "/src", false)), Parsers.binds("~/src", Path.of("/"), d));
        assertTrue(assertThrows(TypeConversionException.class, () -> Parsers.binds("nope:/x", dir, "/root")).getMessage().contains("does not exist"));
        for (String bad : new String[] {"", ",", d + ":", d + ":/x:rx", d + ":rel", d + ":/x:ro:more", ":/x"}) {
            assertThrows(TypeConversionException.class, () -> Parsers.binds(bad, dir, "/root"), bad);
        }
    }

    @Test
    void ports() {
        assertEquals(new RunSpec.Port(null, 8080, 80, "tcp"), Parsers.port("8080:80"));
        assertEquals(new RunSpec.Port("127.0.0.1", 8080, 80, "tcp"), Parsers.port("127.0.0.1:8080:80"));
        assertEquals(new RunSpec.Port("127.0.0.1", 0, 80, "tcp"), Parsers.port("127.0.0.1::80"));
        assertEquals(new RunSpec.Port(null, 0, 53, "udp"), Parsers.port("53/udp"));
        assertEquals(new RunSpec.Port("::1", 8443, 443, "tcp"), Parsers.port("[::1]:8443:443/tcp"));
        assertEquals(new RunSpec.Port(null, 5000, 5000, "sctp"), Parsers.port("5000:5000/sctp"));
        for (String bad : new String[] {"", "http", "80:", "70000:80", "8080:0", "1-5:1-5", "8080:80/icmp", "a:1:2"}) {
            assertThrows(TypeConversionException.class, () -> Parsers.port(bad), bad);
        }
        assertTrue(assertThrows(TypeConversionException.class, () -> Parsers.port("8000-8001:80")).getMessage().contains("ranges"));
    }

    @Test
    void envEntries() {
        Map<String, String> into = new LinkedHashMap<>();
        Parsers.env("A=1", Map.of(), into);
        Parsers.env("B=", Map.of(), into);
        Parsers.env("C=x=y", Map.of(), into);
        Parsers.env("HOME", Map.of("HOME", "/root"), into);
        Parsers.env("UNSET", Map.of(), into);
        assertEquals(Map.of("A", "1", "B", "", "C", "x=y", "HOME", "/root"), into);
        assertThrows(TypeConversionException.class, () -> Parsers.env("=1", Map.of(), into));
    }
}
