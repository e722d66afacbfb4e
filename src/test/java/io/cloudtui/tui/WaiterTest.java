package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import io.cloudtui.core.LogLine;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The idle UI loop waits for input, a wake-up or a deadline instead of polling. Each wait here is
 * far longer than the JUnit timeout: a wait that does not end early makes the test fail.
 */
class WaiterTest {
    interface Pipe extends com.sun.jna.Library {
        int pipe(int[] fds);
        int write(int fd, byte[] b, int n);
        int close(int fd);
    }

    private static final Pipe C = Native.load("libc.so.6", Pipe.class);

    private static void awaitEndsEarly(Waiter w, Runnable trigger) throws InterruptedException {
        CountDownLatch returned = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            w.await(600_000);
            returned.countDown();
        });
        t.setDaemon(true);
        t.start();
        // the trigger may come before or after the wait began: both must end it
        Thread.sleep(50);
        trigger.run();
        assertTrue(returned.await(20, TimeUnit.SECONDS), "the wait ended");
    }

    @Test
    @Timeout(60)
    void aPolledWaitEndsOnInputOnTheTerminal() throws Exception {
        withTerminalPipe((w, term) -> awaitEndsEarly(w, () -> C.write(term[1], new byte[] {'j'}, 1)));
    }

    @Test
    @Timeout(60)
    void aPolledWaitEndsOnAWakeAndWakesCoalesce() throws Exception {
        withTerminalPipe((w, term) -> {
            awaitEndsEarly(w, w::wake);
            // many wakes before a wait: one early return, then the next wait really waits (its deadline: 200 ms)
            for (int i = 0; i < 100; i++) w.wake();
            w.await(600_000);
            long t0 = System.nanoTime();
            w.await(200);
            assertTrue(System.nanoTime() - t0 >= 150_000_000L, "the pipe was drained: a wait with no wake-up lasts until its deadline");
        });
    }

    interface PipeTest {
        void run(Waiter w, int[] term) throws Exception;
    }

    /** TEST with a polled waiter on the read end of a fresh pipe standing in for the terminal (TERM: both ends). */
    private static void withTerminalPipe(PipeTest test) throws Exception {
        int[] term = new int[2];
        assertEquals(0, C.pipe(term));
        try (Waiter w = new Waiter.Polled(term[0])) {
            test.run(w, term);
        } finally {
            C.close(term[0]);
            C.close(term[1]);
        }
    }

    @Test
    @Timeout(60)
    void aParkedWaitEndsOnAWake() throws Exception {
        Waiter w = new Waiter.Parked(600_000);
        awaitEndsEarly(w, w::wake);
    }

    @Test
    void updatesWakeTheUiOncePerBatch() {
        WorkloadTable t = new WorkloadTable();
        t.addBackend("fake", "fake");
        AtomicInteger wakes = new AtomicInteger();
        t.onPost(wakes::incrementAndGet);
        for (int i = 0; i < 10; i++) t.post(new WorkloadTable.Connection("fake", WorkloadTable.Conn.CONNECTED, null));
        assertEquals(1, wakes.get());
        t.apply();
        t.post(new WorkloadTable.Connection("fake", WorkloadTable.Conn.CONNECTED, null));
        assertEquals(2, wakes.get(), "a post after the batch was applied wakes the UI again");
    }

    @Test
    void aFloodingLogWakesTheUiOncePerFrame() {
        LogBuffer b = new LogBuffer(100);
        AtomicInteger wakes = new AtomicInteger();
        b.onChange = wakes::incrementAndGet;
        for (int i = 0; i < 50; i++) b.append(new LogLine(LogLine.Stream.STDOUT, null, "line " + i));
        assertEquals(1, wakes.get());
        b.seen();
        b.append(new LogLine(LogLine.Stream.STDOUT, null, "more"));
        assertEquals(2, wakes.get(), "lines after a frame was drawn wake the UI again");
    }
}
