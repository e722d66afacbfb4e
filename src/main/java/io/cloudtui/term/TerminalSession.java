package io.cloudtui.term;

import io.cloudtui.core.Stdio;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.jline.terminal.Attributes;
import org.jline.terminal.Attributes.ControlChar;
import org.jline.terminal.Attributes.ControlFlag;
import org.jline.terminal.Attributes.InputFlag;
import org.jline.terminal.Attributes.LocalFlag;
import org.jline.terminal.Attributes.OutputFlag;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.spi.SystemStream;
import org.jline.terminal.spi.TerminalProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects the user's terminal to an interactive workload session (exec, attach, VM console).
 *
 * <p>With {@code tty} and {@code interactive} and a real terminal on stdin, the terminal is put in
 * raw mode (like {@code cfmakeraw}: no echo, no line editing, no signals from ctrl-c/ctrl-z, no
 * output processing), so every key goes to the workload. The window size is passed in
 * {@link Stdio#size()} and every SIGWINCH is forwarded to the handler the body registers with
 * {@link Stdio#registerResize}. The terminal's settings are restored on every exit path: the body
 * returning or throwing, the detach keys, SIGINT from outside, and JVM shutdown (SIGTERM, SIGHUP).
 *
 * <p><b>Detach keys.</b> When a {@link DetachKeys} sequence is given (docker's {@code ctrl-p,ctrl-q},
 * virsh's {@code ctrl-]}), typing it ends the session and {@link #run} returns {@link #DETACHED}.
 * A partial match is held back and sent on when the next key does not continue the sequence. On
 * detach the workload's stdin is not closed (so a shell keeps running); the body's thread is
 * interrupted and abandoned, so a backend should stop its stream when interrupted.
 *
 * <p>A TTY without input ({@code exec -t} alone) leaves the terminal's settings and stdin alone but
 * still passes its size and resizes on, as docker does.
 *
 * <p>Without a terminal (pipes, tests) the streams are passed through unchanged; detach keys still
 * apply to interactive TTY sessions.
 *
 * <p>A full-screen caller (the TUI) must release the terminal first (lanterna: {@code stopScreen()})
 * and take it back after {@link #run} returns. Typical uses:
 * <pre>{@code
 * // docker exec -it / attach
 * int code = new TerminalSession(System.in, System.out, System.err)
 *         .run(true, DetachKeys.parse("ctrl-p,ctrl-q"), stdio -> backend.exec(ref, spec, stdio));
 * // VM serial console, left with ctrl-] as in virsh console
 * int code = session.run(true, DetachKeys.parse("ctrl-]"), stdio -> backend.attach(ref, stdio));
 * if (code == TerminalSession.DETACHED) { ... the workload keeps running ... }
 * }</pre>
 */
public final class TerminalSession {
    private static final Logger LOG = LoggerFactory.getLogger(TerminalSession.class);

    /** Returned by {@link #run} when the user typed the detach keys. */
    public static final int DETACHED = Integer.MIN_VALUE;

    /** Returned when the session was ended by SIGINT from outside (128 + 2, as a shell reports it). */
    public static final int INTERRUPTED = 130;

    private final InputStream in;
    private final OutputStream out;
    private final OutputStream err;

    public TerminalSession(InputStream in, OutputStream out, OutputStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /** Is {@code stream} this process's stdin, and is that a terminal? */
    public static boolean isTerminal(InputStream stream) {
        return stream == System.in && stdinIsTerminal();
    }

    private static volatile Boolean stderrTty;

    /** Is this process's stderr a terminal (progress lines go there only then)? */
    public static boolean stderrIsTerminal() {
        Boolean known = stderrTty;
        if (known != null) return known;
        boolean tty = false;
        for (String provider : List.of("ffm", "jni", "exec")) {
            try {
                tty = TerminalProvider.load(provider).isSystemStream(SystemStream.Error);
                break;
            } catch (Throwable t) {
                LOG.debug("terminal provider {} unusable", provider, t);
            }
        }
        stderrTty = tty;
        return tty;
    }

    private static volatile Boolean stdinTty;

    private static boolean stdinIsTerminal() {
        Boolean known = stdinTty;
        if (known != null) return known;
        boolean tty = false;
        boolean decided = false;
        for (String provider : List.of("ffm", "jni", "exec")) {
            try {
                tty = TerminalProvider.load(provider).isSystemStream(SystemStream.Input);
                decided = true;
                break;
            } catch (Throwable t) {
                LOG.debug("terminal provider {} unusable", provider, t);
            }
        }
        if (!decided) {
            try {
                Process p = new ProcessBuilder("test", "-t", "0").redirectInput(ProcessBuilder.Redirect.INHERIT).start();
                tty = p.waitFor() == 0;
            } catch (IOException e) {
                tty = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stdinTty = tty;
        return tty;
    }

    /** An interactive session: {@code run(tty, true, detachKeys, body)}. */
    public int run(boolean tty, DetachKeys detachKeys, ToIntFunction<Stdio> body) {
        return run(tty, true, detachKeys, body);
    }

    /**
     * Runs {@code body} with the user's terminal connected to it.
     *
     * @param tty         the workload gets a TTY (the body should allocate one)
     * @param interactive forward stdin to the workload
     * @param detachKeys  sequence that leaves the session, or null for none
     * @param body        starts the session with the given stdio and returns the workload's exit code
     * @return the body's exit code, {@link #DETACHED} or {@link #INTERRUPTED}
     */
    public int run(boolean tty, boolean interactive, DetachKeys detachKeys, ToIntFunction<Stdio> body) {
        OutputStream o = new Flushing(out);
        OutputStream e = new Flushing(err);
        if (!interactive) {
            // -t alone: no input, the terminal stays as it is, but the workload's TTY takes its size
            if (tty && isTerminal(in)) return runRaw(null, body, o, e, false);
            return body.applyAsInt(new Stdio(null, o, e, tty, null, null));
        }
        boolean raw = tty && isTerminal(in);
        DetachKeys keys = tty ? detachKeys : null;
        if (!raw && keys == null) {
            return body.applyAsInt(new Stdio(in, o, e, tty, null, null));
        }
        return raw ? runRaw(keys, body, o, e, true) : runPiped(keys, body, o, e);
    }

    private int runPiped(DetachKeys keys, ToIntFunction<Stdio> body, OutputStream o, OutputStream e) {
        Session s = new Session(keys);
        Thread pump = Thread.ofPlatform().daemon().name("cloudtui-stdin").start(() -> s.pumpBlocking(in));
        try {
            return s.await(body, new Stdio(s.stdin, o, e, true, null, null));
        } finally {
            s.stop();
            pump.interrupt();
        }
    }

    /** INPUT: raw mode and stdin forwarded; without, only the size and its changes are passed on. */
    private int runRaw(DetachKeys keys, ToIntFunction<Stdio> body, OutputStream o, OutputStream e, boolean input) {
        Terminal terminal;
        try {
            // The exec provider (stty) restores settings exactly; the ffm one was seen to drop the baud-rate bits.
            terminal = TerminalBuilder.builder().system(true).provider("exec").name("cloudtui")
                    .nativeSignals(true).signalHandler(sig -> {}).build();
        } catch (IOException | RuntimeException ex) {
            LOG.warn("cannot open the terminal, running without raw mode", ex);
            return input ? runPiped(keys, body, o, e) : body.applyAsInt(new Stdio(null, o, e, true, null, null));
        }
        Attributes saved = terminal.getAttributes();
        Thread restoreOnExit = new Thread(() -> restore(terminal, saved), "cloudtui-restore-terminal");
        Runtime.getRuntime().addShutdownHook(restoreOnExit);
        Session s = new Session(keys);
        List<Consumer<Stdio.TermSize>> resizeHandlers = new CopyOnWriteArrayList<>();
        try {
            if (input) terminal.setAttributes(rawAttributes(saved));
            terminal.handle(Terminal.Signal.WINCH, sig -> {
                Stdio.TermSize size = sizeOf(terminal);
                for (Consumer<Stdio.TermSize> h : resizeHandlers) {
                    try {
                        h.accept(size);
                    } catch (RuntimeException ex) {
                        LOG.debug("resize handler failed", ex);
                    }
                }
            });
            terminal.handle(Terminal.Signal.INT, sig -> s.finish(INTERRUPTED));
            Thread pump = input ? Thread.ofPlatform().daemon().name("cloudtui-stdin").start(() -> s.pumpPolling(in)) : null;
            // output processing is off while raw: a workload without a TTY of its own needs CR before LF (Stdio.forWorkloadWithoutTty)
            OutputStream ro = input ? new RawFlushing(out) : o;
            OutputStream re = input ? new RawFlushing(err) : e;
            try {
                return s.await(body, new Stdio(input ? s.stdin : null, ro, re, true, sizeOf(terminal), resizeHandlers::add));
            } finally {
                s.stop();
                if (pump != null) pump.interrupt();
            }
        } finally {
            restore(terminal, saved);
            try {
                terminal.close();
            } catch (IOException | RuntimeException ex) {
                LOG.debug("closing terminal", ex);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(restoreOnExit);
            } catch (IllegalStateException ex) {
                // already shutting down: the hook restores the terminal itself
            }
        }
    }

    private static void restore(Terminal terminal, Attributes saved) {
        try {
            terminal.setAttributes(saved);
            terminal.flush();
        } catch (RuntimeException ex) {
            LOG.debug("restoring terminal", ex);
        }
    }

    private static Stdio.TermSize sizeOf(Terminal terminal) {
        Size size = terminal.getSize();
        return size.getColumns() > 0 && size.getRows() > 0 ? new Stdio.TermSize(size.getColumns(), size.getRows()) : null;
    }

    /** The settings of {@code cfmakeraw(3)} applied to {@code base}. */
    static Attributes rawAttributes(Attributes base) {
        Attributes a = new Attributes(base);
        a.setInputFlags(EnumSet.of(InputFlag.IGNBRK, InputFlag.BRKINT, InputFlag.PARMRK, InputFlag.ISTRIP,
                InputFlag.INLCR, InputFlag.IGNCR, InputFlag.ICRNL, InputFlag.IXON), false);
        a.setOutputFlag(OutputFlag.OPOST, false);
        a.setLocalFlags(EnumSet.of(LocalFlag.ECHO, LocalFlag.ECHONL, LocalFlag.ICANON, LocalFlag.ISIG, LocalFlag.IEXTEN), false);
        a.setControlFlags(EnumSet.of(ControlFlag.CS5, ControlFlag.CS6, ControlFlag.CS7, ControlFlag.PARENB), false);
        a.setControlFlag(ControlFlag.CS8, true);
        a.setControlChar(ControlChar.VMIN, 1);
        a.setControlChar(ControlChar.VTIME, 0);
        return a;
    }

    /** One running session: the body's thread, the stdin relay and how it ended. */
    private static final class Session {
        final CompletableFuture<Integer> result = new CompletableFuture<>();
        final QueueInputStream stdin = new QueueInputStream();
        final DetachKeys.Matcher matcher;
        volatile boolean stopped;
        Thread worker;

        Session(DetachKeys keys) {
            matcher = keys != null ? keys.matcher() : null;
        }

        void finish(int code) {
            result.complete(code);
        }

        int await(ToIntFunction<Stdio> body, Stdio stdio) {
            worker = Thread.ofPlatform().daemon().name("cloudtui-session").start(() -> {
                try {
                    result.complete(body.applyAsInt(stdio));
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
            try {
                return result.get();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return INTERRUPTED;
            } catch (ExecutionException ex) {
                Throwable c = ex.getCause();
                if (c instanceof RuntimeException re) throw re;
                if (c instanceof Error er) throw er;
                throw new IllegalStateException(c);
            }
        }

        void stop() {
            stopped = true;
            if (worker != null && worker.isAlive()) worker.interrupt();
        }

        /** Relays bytes; returns false once detached. */
        boolean relay(byte[] buf, int n) {
            if (matcher == null) {
                stdin.offer(java.util.Arrays.copyOf(buf, n));
                return true;
            }
            ByteArrayOutputStream pass = new ByteArrayOutputStream(n);
            boolean detach = matcher.filter(buf, n, pass);
            if (pass.size() > 0) stdin.offer(pass.toByteArray());
            if (detach) {
                result.complete(DETACHED);
                return false;
            }
            return true;
        }

        /** For pipes: blocking reads; EOF is passed on to the workload. */
        void pumpBlocking(InputStream src) {
            byte[] buf = new byte[8192];
            try {
                int n;
                while (!stopped && (n = src.read(buf)) >= 0) {
                    if (n > 0 && !relay(buf, n)) return;
                }
                stdin.end();
            } catch (IOException ex) {
                stdin.end();
            }
        }

        /**
         * For a terminal: polls {@code available()} so the thread can stop without a read blocked in
         * the kernel stealing the user's next key after the session.
         */
        void pumpPolling(InputStream src) {
            byte[] buf = new byte[8192];
            try {
                while (!stopped) {
                    int avail = src.available();
                    if (avail <= 0) {
                        Thread.sleep(15);
                        continue;
                    }
                    int n = src.read(buf, 0, Math.min(avail, buf.length));
                    if (n < 0) {
                        stdin.end();
                        return;
                    }
                    if (n > 0 && !relay(buf, n)) return;
                }
            } catch (IOException ex) {
                stdin.end();
            } catch (InterruptedException ex) {
                // session over
            }
        }
    }

    /** The workload's stdin: chunks handed over by the relay thread; reads block until data or EOF. */
    static final class QueueInputStream extends InputStream {
        private static final byte[] EOF = new byte[0];
        private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
        private byte[] current;
        private int pos;
        private boolean eof;

        void offer(byte[] chunk) {
            if (chunk.length > 0) queue.add(chunk);
        }

        void end() {
            queue.add(EOF);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (eof) return -1;
            if (current == null || pos >= current.length) {
                try {
                    current = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("session ended");
                }
                pos = 0;
                if (current == EOF) {
                    eof = true;
                    return -1;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public synchronized int available() {
            return current != null && current != EOF ? current.length - pos : 0;
        }
    }

    /** Output to the user's terminal in raw mode: flushed as {@link Flushing}, and with a cooked view for a workload without a TTY. */
    static final class RawFlushing extends Flushing implements Stdio.RawTerminalOutput {
        RawFlushing(OutputStream target) {
            super(target);
        }

        @Override
        public OutputStream cooked() {
            return new Onlcr(this);
        }
    }

    /** CR before every LF, as a terminal's ONLCR output processing does; flushed as {@link Flushing}. */
    static final class Onlcr extends Flushing {
        Onlcr(OutputStream target) {
            super(target);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteArrayOutputStream o = new ByteArrayOutputStream(len + 16);
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') o.write('\r');
                o.write(b[i]);
            }
            super.write(o.toByteArray(), 0, o.size());
        }
    }

    /** Output straight to the user: every write is flushed, so prompts show before a newline. */
    private static class Flushing extends OutputStream {
        private final OutputStream target;

        Flushing(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            target.write(b);
            target.flush();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            target.write(b, off, len);
            target.flush();
        }

        @Override
        public void flush() throws IOException {
            target.flush();
        }

        @Override
        public void close() throws IOException {
            // the user's streams outlive the session
            target.flush();
        }
    }
}
