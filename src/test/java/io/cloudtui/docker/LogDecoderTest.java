package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.LogLine;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogDecoderTest {
    private final List<LogLine> lines = new ArrayList<>();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keepsStreamsApartAndJoinsPartialLines() {
        LogDecoder d = new LogDecoder(false, false, null, lines::add);
        d.accept(LogLine.Stream.STDOUT, b("hel"));
        d.accept(LogLine.Stream.STDERR, b("oops\nwa"));
        d.accept(LogLine.Stream.STDOUT, b("lo\nworld\n"));
        d.accept(LogLine.Stream.STDERR, b("rn"));
        d.flush();
        assertEquals(List.of(
                new LogLine(LogLine.Stream.STDERR, null, "oops"),
                new LogLine(LogLine.Stream.STDOUT, null, "hello"),
                new LogLine(LogLine.Stream.STDOUT, null, "world"),
                new LogLine(LogLine.Stream.STDERR, null, "warn")), lines);
    }

    @Test
    void multibyteCharacterSplitAcrossFrames() {
        LogDecoder d = new LogDecoder(false, false, null, lines::add);
        byte[] all = b("grüße\n");
        d.accept(LogLine.Stream.STDOUT, java.util.Arrays.copyOfRange(all, 0, 3));
        d.accept(LogLine.Stream.STDOUT, java.util.Arrays.copyOfRange(all, 3, all.length));
        assertEquals("grüße", lines.get(0).text());
    }

    @Test
    void aLineWithoutEndIsCutAtCharacterBoundariesAndMemoryStaysBounded() {
        LogDecoder d = new LogDecoder(false, false, null, lines::add);
        // 3 MiB of two-byte characters in 1000-byte frames, never a newline (a TTY flood): cut as it comes
        byte[] frame = "é".repeat(500).getBytes(StandardCharsets.UTF_8);
        byte[] odd = ("x" + "é".repeat(499)).getBytes(StandardCharsets.UTF_8);
        long total = 0;
        for (int i = 0; i < 3 * 1024; i++) {
            byte[] f = i == 7 ? odd : frame; // one frame shifts the characters by a byte
            d.accept(LogLine.Stream.STDOUT, f);
            total += f.length;
        }
        d.flush();
        assertTrue(lines.size() >= total / LogDecoder.MAX_LINE, "lines: " + lines.size());
        long bytes = 0;
        StringBuilder all = new StringBuilder();
        for (LogLine l : lines) {
            int n = l.text().getBytes(StandardCharsets.UTF_8).length;
            assertTrue(n <= LogDecoder.MAX_LINE, "a line of " + n + " bytes");
            assertTrue(!l.text().contains("\uFFFD"), "a character cut in two");
            bytes += n;
            all.append(l.text());
        }
        assertEquals(total, bytes);
        // a whole line longer than the limit in one frame is cut the same way
        lines.clear();
        d.accept(LogLine.Stream.STDERR, ("ü".repeat(LogDecoder.MAX_LINE) + "\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(2, lines.size());
        assertEquals("ü".repeat(LogDecoder.MAX_LINE), lines.get(0).text() + lines.get(1).text());
    }

    @Test
    void ttyCarriageReturnsAreDropped() {
        LogDecoder d = new LogDecoder(false, false, null, lines::add);
        d.accept(LogLine.Stream.STDOUT, b("a\r\nb\r\n"));
        assertEquals(List.of("a", "b"), lines.stream().map(LogLine::text).toList());
    }

    @Test
    void timestampsAreParsedStrippedAndKeptOnlyWhenWanted() {
        LogDecoder keep = new LogDecoder(true, true, null, lines::add);
        keep.accept(LogLine.Stream.STDOUT, b("2024-05-06T07:08:09.123456789Z hello world\n"));
        assertEquals(Instant.parse("2024-05-06T07:08:09.123456789Z"), lines.get(0).timestamp());
        assertEquals("hello world", lines.get(0).text());
        LogDecoder drop = new LogDecoder(true, false, null, lines::add);
        drop.accept(LogLine.Stream.STDERR, b("2024-05-06T07:08:09.5Z x\n"));
        assertNull(lines.get(1).timestamp());
        assertEquals("x", lines.get(1).text());
    }

    @Test
    void emptyLineWithTimestamp() {
        LogDecoder d = new LogDecoder(true, true, null, lines::add);
        d.accept(LogLine.Stream.STDOUT, b("2024-05-06T07:08:09Z \n"));
        assertEquals("", lines.get(0).text());
        assertEquals(Instant.parse("2024-05-06T07:08:09Z"), lines.get(0).timestamp());
    }

    @Test
    void sinceFiltersBelowOneSecond() {
        LogDecoder d = new LogDecoder(true, false, Instant.parse("2024-05-06T07:08:09.500Z"), lines::add);
        d.accept(LogLine.Stream.STDOUT, b("2024-05-06T07:08:09.400000000Z old\n2024-05-06T07:08:09.600000000Z new\n"));
        assertEquals(List.of("new"), lines.stream().map(LogLine::text).toList());
    }

    @Test
    void fastTimestampParserAgreesWithInstantParse() {
        for (String t : List.of("2024-05-06T07:08:09.123456789Z", "2024-05-06T07:08:09Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.5Z",
                "2000-02-29T12:00:00.000000001Z", "2023-12-31T23:59:59.999999999Z", "2100-03-01T00:00:00.1Z", "0001-01-01T00:00:00Z")) {
            byte[] raw = b("x" + t + " y");
            assertEquals(Instant.parse(t), LogDecoder.parseTimestamp(raw, 1, t.length()), t);
        }
        // offsets take the general parser; impossible dates and other words are not timestamps
        assertEquals(Instant.parse("2024-05-06T05:08:09Z"), LogDecoder.parseTimestamp(b("2024-05-06T07:08:09+02:00"), 0, 25));
        for (String bad : List.of("2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-06T25:00:00Z",
                "2024-05-06T07:08:09.1234567890Z", "2024-05-0xT07:08:09Z", "hello-world-this-is-text")) {
            assertNull(LogDecoder.parseTimestamp(b(bad), 0, bad.length()), bad);
        }
    }

    @Test
    void chunkedSinksHearTheEndOfEachRead() {
        List<String> events = new ArrayList<>();
        io.cloudtui.core.ChunkedLogSink sink = new io.cloudtui.core.ChunkedLogSink() {
            @Override
            public void accept(LogLine l) {
                events.add(l.text());
            }

            @Override
            public void endChunk() {
                events.add("|");
            }
        };
        LogDecoder d = new LogDecoder(true, false, null, sink);
        d.accept(LogLine.Stream.STDOUT, b("2024-05-06T07:08:09Z a\n2024-05-06T07:08:09Z b\n2024-05-06T07:08:09Z par"));
        d.accept(LogLine.Stream.STDOUT, b("tial\n"));
        d.accept(LogLine.Stream.STDOUT, b("2024-05-06T07:08:09Z tail"));
        d.flush();
        assertEquals(List.of("a", "b", "|", "partial", "|", "|", "tail", "|"), events);
    }
}
