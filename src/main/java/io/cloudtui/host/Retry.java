package io.cloudtui.host;

import io.cloudtui.core.CloudtuiException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A host's connect loop: try, and after each failure wait longer (1 s, 2 s, 4 s ... at most 30 s)
 * before the next try, until one succeeds or the host is closed. A success starts the waits from
 * 1 s again for the next loss. The waiting and the clock are passed in, so tests run it without time.
 */
final class Retry {
    static final long FIRST_MS = 1000;
    static final long MAX_MS = 30_000;

    /** One try: returns when connected, throws the line saying why not. */
    interface Attempt {
        void run();
    }

    /** Waits MS milliseconds (Thread::sleep in real use). */
    interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    private final long first;
    private final long max;
    private long next;

    Retry() {
        this(FIRST_MS, MAX_MS);
    }

    Retry(long first, long max) {
        if (first <= 0 || max < first) throw new IllegalArgumentException("bad backoff " + first + ".." + max);
        this.first = first;
        this.max = max;
        this.next = first;
    }

    /** The wait before the next try after a failure; each call doubles the one after, up to the maximum. */
    synchronized long failed() {
        long d = next;
        next = Math.min(next * 2, max);
        return d;
    }

    /** A try succeeded: the next loss waits from the first delay again. */
    synchronized void succeeded() {
        next = first;
    }

    /** The wait the next failure would get (for tests). */
    synchronized long peek() {
        return next;
    }

    /**
     * Tries ATTEMPT until it succeeds (true) or CLOSED says stop, or a wait is interrupted (false).
     * With FIRST_WAIT the loop waits before its first try (a connection just lost); each failure is
     * handed to FAILED, then waited for with SLEEPER.
     */
    boolean run(Attempt attempt, Sleeper sleeper, BooleanSupplier closed, boolean firstWait, Consumer<CloudtuiException> failed) {
        boolean wait = firstWait;
        while (!closed.getAsBoolean()) {
            if (wait) {
                try {
                    sleeper.sleep(failed());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                if (closed.getAsBoolean()) return false;
            }
            wait = true;
            try {
                attempt.run();
                succeeded();
                return true;
            } catch (CloudtuiException e) {
                failed.accept(e);
            }
        }
        return false;
    }
}
