package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cloudtui.core.LogLine;
import org.junit.jupiter.api.Test;

class LogBufferTest {
    private static LogLine line(String s) {
        return new LogLine(LogLine.Stream.STDOUT, null, s);
    }

    @Test
    void aChunkedWriterPublishesOncePerReadAndAPlainOneLineByLine() {
        LogBuffer b = new LogBuffer(3);
        LogBuffer.Writer w = b.writer();
        // until the backend marks a read's end, lines go in as they come
        w.accept(line("a"));
        assertEquals(1, b.end());
        w.endChunk();
        w.accept(line("b\u001b[2Jc"));
        w.accept(line("d"));
        long v = b.version();
        assertEquals(1, b.end(), "staged until the read ends");
        w.endChunk();
        assertEquals(3, b.end());
        assertEquals(v + 1, b.version(), "one signal for the read");
        assertEquals("bc", b.get(1).text().text(), "sanitised");
        w.accept(line("e"));
        w.accept(line("f"));
        w.endChunk();
        assertEquals(3, b.size());
        assertEquals(2, b.dropped());
        assertNull(b.get(1));
        LogBuffer.Window win = b.window(0, 2, true);
        assertEquals(2, win.entries().length);
        assertEquals("e", win.get(3).text().text());
        assertEquals("f", win.get(4).text().text());
        assertNull(win.get(2));
        assertEquals(2, win.dropped());
        win = b.window(0, 10, false);
        assertEquals(2, win.first());
        assertEquals(5, win.end());
        assertEquals(3, win.entries().length);
        assertEquals("d", win.get(2).text().text());
    }

    @Test
    void aLongReadIsPublishedInBatches() {
        LogBuffer b = new LogBuffer(10_000);
        LogBuffer.Writer w = b.writer();
        w.endChunk();
        for (int i = 0; i < LogBuffer.Writer.BATCH + 1; i++) w.accept(line("x" + i));
        assertEquals(LogBuffer.Writer.BATCH, b.end());
        w.endChunk();
        assertEquals(LogBuffer.Writer.BATCH + 1, b.end());
    }

    @Test
    void longLinesAreBoundedByHeapNotOnlyByCount() {
        // room for 10,000 lines, but lines of 100,000 characters: what is held stays within the byte budget
        LogBuffer b = new LogBuffer(10_000, 1L << 20);
        String big = "x".repeat(100_000);
        for (int i = 0; i < 200; i++) b.append(line(big));
        assertEquals(200, b.end());
        org.junit.jupiter.api.Assertions.assertTrue(b.bytes() <= 1L << 20, "held " + b.bytes());
        org.junit.jupiter.api.Assertions.assertTrue(b.size() >= 1 && b.size() < 200, "kept " + b.size());
        assertEquals(200 - b.size(), b.dropped(), "lines that fell off are counted");
        // each line was cut by the sanitiser: the newest 1 MB holds more than one line
        org.junit.jupiter.api.Assertions.assertTrue(b.size() > 1, "kept " + b.size());
        // short lines still fill the ring by count
        LogBuffer c = new LogBuffer(100, 1L << 20);
        for (int i = 0; i < 150; i++) c.append(line("line " + i));
        assertEquals(100, c.size());
        assertEquals(50, c.dropped());
    }

    @Test
    void clearingLetsTheLinesGo() {
        LogBuffer b = new LogBuffer(10);
        for (int i = 0; i < 5; i++) b.append(line("l" + i));
        org.junit.jupiter.api.Assertions.assertTrue(b.bytes() > 0);
        b.clear();
        assertEquals(0, b.bytes());
        assertEquals(0, b.size());
        assertEquals(0, b.dropped());
        b.append(line("after"));
        assertEquals("after", b.get(5).text().text());
    }
}
