package io.cloudtui.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge order, on a clock the test turns: no thread, no sleep. */
class LogMergeTest {
    private long now;
    private final List<String> out = new ArrayList<>();

    private LogMerge merge(int sources) {
        return new LogMerge(sources, 250, () -> now, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
    }

    private static LogLine at(int second, String text) {
        return new LogLine(LogLine.Stream.STDOUT, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(second), text);
    }

    private void drain(LogMerge m) {
        m.drain((i, line) -> out.add(i + ":" + line.text()));
    }

    @Test
    void backlogsComeOutInTimestampOrderWhateverOrderTheyArriveIn() {
        LogMerge m = merge(3);
        // source 0 delivers its whole backlog before the others say anything
        m.add(0, at(1, "a1"));
        m.add(0, at(4, "a4"));
        m.add(0, at(7, "a7"));
        drain(m);
        assertEquals(List.of(), out, "nothing is safe while another source may still have an earlier line");
        m.add(1, at(2, "b2"));
        m.add(1, at(5, "b5"));
        m.add(2, at(3, "c3"));
        drain(m);
        // c3 is the latest source 2 has shown: lines up to it are safe
        assertEquals(List.of("0:a1", "1:b2", "2:c3"), out);
        m.add(2, at(6, "c6"));
        m.end(1);
        m.end(2);
        drain(m);
        m.end(0);
        drain(m);
        assertEquals(List.of("0:a1", "1:b2", "2:c3", "0:a4", "1:b5", "2:c6", "0:a7"), out);
        assertEquals(0, m.held());
    }

    @Test
    void aQuietSourceHoldsAFollowedStreamOnlyForTheWindow() {
        LogMerge m = merge(2);
        m.add(0, at(10, "a10"));
        now = 249;
        drain(m);
        assertEquals(List.of(), out);
        now = 250;
        drain(m);
        assertEquals(List.of("0:a10"), out);
        // a line more than the window late is released at once, after what went before
        m.add(1, at(9, "b9"));
        now = 600;
        drain(m);
        assertEquals(List.of("0:a10", "1:b9"), out);
    }

    @Test
    void equalTimestampsKeepSourceOrderThenArrivalOrder() {
        LogMerge m = merge(2);
        m.add(1, at(1, "b-first"));
        m.add(0, at(1, "a-first"));
        m.add(0, at(1, "a-second"));
        m.end(0);
        m.end(1);
        drain(m);
        assertEquals(List.of("0:a-first", "0:a-second", "1:b-first"), out);
    }
}
