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
}
