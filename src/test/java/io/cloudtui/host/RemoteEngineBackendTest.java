package io.cloudtui.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cloudtui.core.LogLine;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The remote engine's answers read back: a logs line's time. */
class RemoteEngineBackendTest {
    @Test
    void aTimestampedLineGivesItsTimeAndText() {
        LogLine l = RemoteEngineBackend.line("2026-12-07T21:33:34.503815655Z ui line", true);
        assertEquals(Instant.parse("2026-12-07T21:33:34.503815655Z"), l.timestamp());
        assertEquals("ui line", l.text());
        assertEquals("2026-12-07T21:33:34Z-ish ui", RemoteEngineBackend.line("2026-12-07T21:33:34Z-ish ui", true).text());
        assertNull(RemoteEngineBackend.line("2026-12-07T21:33:34Z x", false).timestamp());
    }
}
