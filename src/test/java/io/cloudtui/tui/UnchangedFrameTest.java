package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.terminal.Terminal;
import com.googlecode.lanterna.terminal.virtual.VirtualTerminalListener;
import io.cloudtui.core.FakeBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnchangedFrameTest {
    @TempDir
    Path tmp;

    /**
     * A frame that changes no cell (a stats refresh of idle containers, a task that touched nothing
     * visible) is drawn but not sent: the terminal is not flushed. A frame that changes something is.
     */
    @Test
    void aFrameEqualToTheLastGoesNowhere() throws Exception {
        FakeBackend docker = new FakeBackend("docker");
        try (Harness h = new Harness(List.of(docker), tmp)) {
            AtomicInteger flushes = new AtomicInteger();
            h.term.addVirtualTerminalListener(new VirtualTerminalListener() {
                @Override public void onFlush() { flushes.incrementAndGet(); }
                @Override public void onBell() {}
                @Override public void onClose() {}
                @Override public void onResized(Terminal t, TerminalSize s) {}
            });
            h.await("docker");
            for (int i = 0; i < 20; i++) {
                h.step();
                Thread.sleep(10);
            }
            long frames = h.app.frames;
            int before = flushes.get();
            for (int i = 0; i < 3; i++) {
                h.app.onUi(() -> {});
                Thread.sleep(60);
                h.step();
            }
            assertTrue(h.app.frames > frames, "frames were drawn");
            assertEquals(before, flushes.get(), "an unchanged frame was sent to the terminal");
            h.app.onUi(() -> h.app.info("something new"));
            h.await("something new");
            assertTrue(flushes.get() > before, "a changed frame reaches the terminal");
        }
    }
}
