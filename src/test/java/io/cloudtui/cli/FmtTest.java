package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FmtTest {
    @Test
    void humanDurationsLikeDocker() {
        assertEquals("Less than a second", Fmt.duration(Duration.ofMillis(300)));
        assertEquals("1 second", Fmt.duration(Duration.ofSeconds(1)));
        assertEquals("59 seconds", Fmt.duration(Duration.ofSeconds(59)));
        assertEquals("About a minute", Fmt.duration(Duration.ofSeconds(90)));
        assertEquals("3 minutes", Fmt.duration(Duration.ofMinutes(3)));
        assertEquals("About an hour", Fmt.duration(Duration.ofMinutes(70)));
        assertEquals("5 hours", Fmt.duration(Duration.ofHours(5)));
        assertEquals("3 days", Fmt.duration(Duration.ofDays(3)));
        assertEquals("2 weeks", Fmt.duration(Duration.ofDays(20)));
        assertEquals("3 months", Fmt.duration(Duration.ofDays(100)));
        assertEquals("2 years", Fmt.duration(Duration.ofDays(800)));
        Instant now = Instant.parse("2026-01-01T00:10:00Z");
        assertEquals("10 minutes ago", Fmt.ago(Instant.parse("2026-01-01T00:00:00Z"), now));
        assertEquals("", Fmt.ago(null, now));
    }

    @Test
    void sizes() {
        assertEquals("0B", Fmt.size(0));
        assertEquals("648B", Fmt.size(648));
        assertEquals("1.24MB", Fmt.size(1_240_000));
        assertEquals("72.8MB", Fmt.size(72_800_000));
        assertEquals("1kB", Fmt.size(1000));
        assertEquals("64MiB", Fmt.binarySize(64L << 20));
        assertEquals("1.5GiB", Fmt.binarySize(1536L << 20));
        assertEquals("--", Fmt.size(-1));
    }

    @Test
    void ids() {
        assertEquals("0123456789ab", Fmt.shortId("sha256:0123456789abcdef"));
        assertEquals("abc", Fmt.shortId("abc"));
        assertEquals("sh -c 'sleep 1000; …", Fmt.truncate("sh -c 'sleep 1000; echo done'", 20));
        assertEquals("short", Fmt.truncate("short", 20));
    }
}
