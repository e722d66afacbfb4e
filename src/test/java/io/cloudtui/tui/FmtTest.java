package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FmtTest {
    @Test
    void uptimeFromDockerStatus() {
        assertEquals(Duration.ofMinutes(5), Fmt.upFromStatus("Up 5 minutes"));
        assertEquals(Duration.ofHours(2), Fmt.upFromStatus("Up 2 hours (healthy)"));
        assertEquals(Duration.ofMinutes(1), Fmt.upFromStatus("Up About a minute"));
        assertEquals(Duration.ZERO, Fmt.upFromStatus("Up Less than a second"));
        assertEquals(Duration.ofDays(3), Fmt.upFromStatus("Up 3 days (Paused)"));
        assertNull(Fmt.upFromStatus("Exited (0) 3 minutes ago"));
        assertNull(Fmt.upFromStatus("Up forever"));
    }

    @Test
    void shortNumbers() {
        assertEquals("64M", Fmt.bytes(64L << 20));
        assertEquals("1.5G", Fmt.bytes(3L << 29));
        assertEquals("512B", Fmt.bytes(512));
        assertEquals("<1m", Fmt.uptime(Duration.ofSeconds(30)));
        assertEquals("2h05m", Fmt.uptime(Duration.ofMinutes(125)));
        assertEquals("3d04h", Fmt.uptime(Duration.ofHours(76)));
        assertEquals("12.5", Fmt.percent(12.5));
        assertEquals("150", Fmt.percent(150));
    }

    @Test
    void hostsWorthShowing() {
        assertEquals("", Fmt.host("unix:///var/run/docker.sock"));
        assertEquals("", Fmt.host(""));
        assertEquals("10.0.0.5:2376", Fmt.host("tcp://10.0.0.5:2376"));
        assertEquals("box", Fmt.host("qemu+ssh://root@box/system"));
    }
}
