package io.cloudtui.tui;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the UI loop waits when a turn found nothing to do: until a key arrives on the terminal, a
 * background thread has something for the UI ({@link #wake}), or a deadline passes. An idle UI
 * then costs no wake-ups at all, where polling the terminal every few milliseconds cost a
 * thread switch and a loop turn each time.
 */
interface Waiter extends AutoCloseable {
    Logger LOG = LoggerFactory.getLogger(Waiter.class);

    /** Returns after at most {@code timeoutMs}, earlier on input or a {@link #wake}. */
    void await(long timeoutMs);

    /** Ends the current or next {@link #await} early; cheap and safe from any thread. */
    void wake();

    @Override
    default void close() {}

    /** For a terminal on file descriptor 0: poll(2) on it and on a wake pipe; falls back to {@link Parked}. */
    static Waiter forStdin(long maxPollMs) {
        try {
            return new Polled();
        } catch (LinkageError | RuntimeException e) {
            LOG.debug("poll(2) on the terminal unavailable, the UI polls every {} ms", maxPollMs, e);
            return new Parked(maxPollMs);
        }
    }

    /**
     * Parks the loop thread; a wake unparks it. Input cannot wake it, so waits are capped at
     * {@code capMs} (the terminal's input is looked at that often).
     */
    final class Parked implements Waiter {
        private final long capMs;
        private volatile Thread waiting;

        Parked(long capMs) {
            this.capMs = capMs;
        }

        @Override
        public void await(long timeoutMs) {
            long ms = Math.min(timeoutMs, capMs);
            if (ms <= 0) return;
            waiting = Thread.currentThread();
            LockSupport.parkNanos(this, ms * 1_000_000L);
        }

        @Override
        public void wake() {
            Thread t = waiting;
            if (t != null) LockSupport.unpark(t);
        }
    }

    /** poll(2) on stdin and the read end of a pipe that {@link #wake} writes one byte to. */
    final class Polled implements Waiter {
        private static final short POLLIN = 0x1;
        private static final short POLLERR = 0x8;
        private static final short POLLHUP = 0x10;
        private static final short POLLNVAL = 0x20;

        interface C extends Library {
            int pipe(int[] fds) throws LastErrorException;
            int poll(Memory fds, NativeLong nfds, int timeout);
            NativeLong read(int fd, byte[] buf, NativeLong n);
            NativeLong write(int fd, byte[] buf, NativeLong n);
        }

        private final C c;
        private final int input;
        private final int readEnd;
        private final int writeEnd;
        private final Memory fds = new Memory(16);
        private final byte[] drain = new byte[64];
        private final byte[] one = {1};
        private final AtomicBoolean signalled = new AtomicBoolean();
        private volatile boolean closed;

        Polled() {
            this(0);
        }

        /** Waits on {@code inputFd} (the terminal: 0) besides the wake pipe. */
        Polled(int inputFd) {
            input = inputFd;
            c = Native.load("libc.so.6", C.class);
            int[] p = new int[2];
            c.pipe(p);
            readEnd = p[0];
            writeEnd = p[1];
        }

        @Override
        public void await(long timeoutMs) {
            if (timeoutMs <= 0 || closed) return;
            fds.setInt(0, input);
            fds.setShort(4, POLLIN);
            fds.setShort(6, (short) 0);
            fds.setInt(8, readEnd);
            fds.setShort(12, POLLIN);
            fds.setShort(14, (short) 0);
            int rc = c.poll(fds, new NativeLong(2), (int) Math.min(timeoutMs, Integer.MAX_VALUE));
            if (rc <= 0) return; // timeout, or EINTR (a signal: SIGWINCH, SIGTERM)
            if ((fds.getShort(14) & POLLIN) != 0) {
                signalled.set(false);
                c.read(readEnd, drain, new NativeLong(drain.length));
            }
            if ((fds.getShort(6) & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
                // the terminal is gone or broken: poll would return at once forever; don't spin
                LockSupport.parkNanos(Math.min(timeoutMs, 100) * 1_000_000L);
            }
        }

        @Override
        public void wake() {
            if (!closed && signalled.compareAndSet(false, true)) c.write(writeEnd, one, new NativeLong(1));
        }

        /** The pipe stays open: a late wake() from another thread must never write to a reused descriptor. */
        @Override
        public void close() {
            closed = true;
        }
    }
}
