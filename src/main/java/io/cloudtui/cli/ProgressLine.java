package io.cloudtui.cli;

import io.cloudtui.term.TerminalSession;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * One line on a terminal's stderr saying what a slow command waits for, redrawn in place with a
 * spinner and the seconds so far ("/ creating VM web: defining the VM (libvirtd) 12s"), erased when
 * the command is done. Silent when stderr is not a terminal (piped, redirected, captured).
 */
final class ProgressLine implements AutoCloseable {
    private static final String FRAMES = "|/-\\";
    private static final int WIDTH = 79;

    private final PrintStream err;
    private final String subject;
    private final boolean live;
    private final long start = System.nanoTime();
    private volatile String step = "";
    private volatile boolean closed;
    private Thread ticker;

    ProgressLine(PrintStream err, String subject, boolean live) {
        this.err = err;
        this.subject = subject;
        this.live = live;
    }

    /** Live only on the process's own stderr, when that is a terminal. */
    static ProgressLine on(PrintStream err, String subject) {
        return new ProgressLine(err, subject, err == System.err && TerminalSession.stderrIsTerminal());
    }

    /** What the command waits for now. */
    void step(String s) {
        step = s;
        if (!live) return;
        synchronized (this) {
            if (ticker == null && !closed) {
                ticker = Thread.ofPlatform().daemon().name("cloudtui-progress").start(this::tick);
            }
        }
        draw();
    }

    private void tick() {
        while (!closed) {
            draw();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void draw() {
        if (closed) return;
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        err.print("\r" + render((int) (ms / 200), ms / 1000) + "\033[K");
        err.flush();
    }

    /** The line for spinner frame {@code frame} after {@code seconds}: at most 79 columns. */
    String render(int frame, long seconds) {
        String line = FRAMES.charAt(Math.floorMod(frame, FRAMES.length())) + " " + subject + ": " + step + " " + seconds + "s";
        return line.length() <= WIDTH ? line : line.substring(0, WIDTH - 1) + "~";
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) return;
            closed = true;
            t = ticker;
            if (t != null) {
                err.print("\r\033[K");
                err.flush();
            }
        }
        if (t != null) t.interrupt();
    }
}
