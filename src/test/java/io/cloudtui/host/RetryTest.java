package io.cloudtui.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The connect loop of a host: waits that double up to a cap, reset by a success, ended by close or interrupt. */
class RetryTest {

    /** An attempt that fails FAILURES times, then succeeds. */
    static Retry.Attempt failing(int failures, AtomicInteger tries) {
        return () -> {
            if (tries.incrementAndGet() <= failures) throw new CloudtuiException("h1: connection refused");
        };
    }

    @Test
    void waitsDoubleUpToTheCapThenSucceeds() {
        Retry r = new Retry();
        List<Long> waits = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        AtomicInteger tries = new AtomicInteger();
        assertTrue(r.run(failing(7, tries), waits::add, () -> false, false, e -> failures.add(e.getMessage())));
        assertEquals(8, tries.get());
        assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L), waits);
        assertEquals(7, failures.size());
        assertEquals("h1: connection refused", failures.get(0));
    }

    @Test
    void aSuccessStartsTheWaitsAgainForTheNextLoss() {
        Retry r = new Retry();
        List<Long> waits = new ArrayList<>();
        assertTrue(r.run(failing(3, new AtomicInteger()), waits::add, () -> false, false, e -> { }));
        assertEquals(Retry.FIRST_MS, r.peek());
        waits.clear();
        // a connection just lost waits before its first try
        assertTrue(r.run(failing(1, new AtomicInteger()), waits::add, () -> false, true, e -> { }));
        assertEquals(List.of(1000L, 2000L), waits);
    }

    @Test
    void theFirstTryOfAHostIsAtOnce() {
        List<Long> waits = new ArrayList<>();
        assertTrue(new Retry().run(failing(0, new AtomicInteger()), waits::add, () -> false, false, e -> { }));
        assertEquals(List.of(), waits);
    }

    @Test
    void closingStopsTheLoopWithoutAnotherTry() {
        AtomicBoolean closed = new AtomicBoolean();
        AtomicInteger tries = new AtomicInteger();
        List<Long> waits = new ArrayList<>();
        boolean ok = new Retry().run(failing(100, tries), ms -> {
            waits.add(ms);
            if (waits.size() == 3) closed.set(true); // closed while waiting
        }, closed::get, false, e -> { });
        assertFalse(ok);
        assertEquals(3, tries.get());
        assertFalse(new Retry().run(failing(0, tries), waits::add, () -> true, false, e -> { }));
        assertEquals(3, tries.get(), "a closed host is not tried");
    }

    @Test
    void anInterruptedWaitEndsTheLoop() {
        AtomicInteger tries = new AtomicInteger();
        boolean ok = new Retry().run(failing(100, tries), ms -> {
            throw new InterruptedException();
        }, () -> false, false, e -> { });
        assertFalse(ok);
        assertEquals(1, tries.get());
        assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
    }

    @Test
    void otherFailuresAreNotSwallowed() {
        Retry.Attempt bug = () -> {
            throw new IllegalStateException("bug");
        };
        assertThrows(IllegalStateException.class, () -> new Retry().run(bug, ms -> { }, () -> false, false, e -> { }));
        assertThrows(IllegalArgumentException.class, () -> new Retry(0, 10));
    }
}
