package io.cloudtui.term;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import org.jline.terminal.Attributes;
import org.jline.terminal.Attributes.InputFlag;
import org.jline.terminal.Attributes.LocalFlag;
import org.jline.terminal.Attributes.OutputFlag;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a program (ssh) in the foreground of the user's terminal, the way a shell does: stdin and
 * stdout are the terminal's, the terminal has its usual line discipline (echo, line editing, ctrl-c
 * sends SIGINT) whatever mode the caller had it in (the UI keeps it raw, ctrl-c a plain key), and
 * while the program runs SIGINT only ends the program: cloudtui itself ignores it and reports the
 * program's exit status afterwards. The terminal's settings are put back as they were.
 *
 * <p>The program's stderr is passed through as it comes; its last line is kept, so the caller can
 * tell in one line why the program failed after the screen has been redrawn over its output.
 */
public final class ForegroundProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ForegroundProcess.class);

    /** How the program ended: its exit status (130 when killed by SIGINT) and its last line on stderr, or null. */
    public record Result(int code, String lastError) {}

    private ForegroundProcess() {}

    /** Runs {@code command}; its stderr goes to {@code err}. */
    public static Result run(List<String> command, OutputStream err) throws IOException {
        return run(command, err, () -> {});
    }

    /**
     * As {@link #run(List, OutputStream)}; {@code ready} runs once the terminal is in its usual modes
     * and before the program starts: a banner printed there tells the user that ctrl-c now reaches
     * the program (pressed earlier, while the caller still had the terminal raw, it would be a plain
     * byte waiting in the input, and the program would never see it as an interrupt).
     */
    public static Result run(List<String> command, OutputStream err, Runnable ready) throws IOException {
        Terminal terminal = null;
        Attributes saved = null;
        if (TerminalSession.isTerminal(System.in)) {
            try {
                // The exec provider (stty) restores settings exactly, as in TerminalSession.
                terminal = TerminalBuilder.builder().system(true).provider("exec").name("cloudtui")
                        .nativeSignals(true).signalHandler(sig -> {}).build();
                // ctrl-c is for the program: the JVM must not take it as its own end (so this comes
                // before the modes that make ctrl-c an interrupt again)
                terminal.handle(Terminal.Signal.INT, sig -> {});
                saved = terminal.getAttributes();
                terminal.setAttributes(cookedAttributes(saved));
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot set up the terminal for {}", command.get(0), e);
            }
        }
        Thread restoreOnExit = null;
        if (terminal != null && saved != null) {
            Terminal t = terminal;
            Attributes s = saved;
            restoreOnExit = new Thread(() -> restore(t, s), "cloudtui-restore-terminal");
            Runtime.getRuntime().addShutdownHook(restoreOnExit);
        }
        try {
            ready.run();
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
            LastLine tail = new LastLine(p.getErrorStream(), err);
            Thread pump = Thread.ofPlatform().daemon().name("cloudtui-child-stderr").start(tail::run);
            int code;
            try {
                code = p.waitFor();
                pump.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroy();
                code = TerminalSession.INTERRUPTED;
            }
            return new Result(code, tail.last());
        } finally {
            if (terminal != null) {
                if (saved != null) restore(terminal, saved);
                try {
                    terminal.close();
                } catch (IOException | RuntimeException e) {
                    LOG.debug("closing terminal", e);
                }
            }
            if (restoreOnExit != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(restoreOnExit);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook restores the terminal itself
                }
            }
        }
    }

    private static void restore(Terminal terminal, Attributes saved) {
        try {
            terminal.setAttributes(saved);
            terminal.flush();
        } catch (RuntimeException e) {
            LOG.debug("restoring terminal", e);
        }
    }

    /** A terminal's usual settings (as after {@code stty sane}) applied to {@code base}. */
    static Attributes cookedAttributes(Attributes base) {
        Attributes a = new Attributes(base);
        a.setLocalFlags(EnumSet.of(LocalFlag.ICANON, LocalFlag.ECHO, LocalFlag.ECHOE, LocalFlag.ECHOK, LocalFlag.ISIG, LocalFlag.IEXTEN),
                true);
        a.setInputFlags(EnumSet.of(InputFlag.ICRNL, InputFlag.IXON), true);
        a.setOutputFlags(EnumSet.of(OutputFlag.OPOST, OutputFlag.ONLCR), true);
        // no ctrl-z: a stopped child would leave cloudtui waiting on a terminal nobody reads
        a.setControlChar(Attributes.ControlChar.VSUSP, 0);
        // a full-screen UI that traps ctrl-c undefines the interrupt character itself (stty intr undef),
        // not only ISIG: without it ctrl-c is a plain key again and never interrupts the program
        if (a.getControlChar(Attributes.ControlChar.VINTR) <= 0) a.setControlChar(Attributes.ControlChar.VINTR, 3);
        if (a.getControlChar(Attributes.ControlChar.VQUIT) <= 0) a.setControlChar(Attributes.ControlChar.VQUIT, 28);
        if (a.getControlChar(Attributes.ControlChar.VEOF) <= 0) a.setControlChar(Attributes.ControlChar.VEOF, 4);
        return a;
    }

    /** Copies a stream on, keeping its last non-blank line. */
    static final class LastLine {
        private final InputStream in;
        private final OutputStream out;
        private final StringBuilder line = new StringBuilder();
        private volatile String last;

        LastLine(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        void run() {
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (out != null) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                    take(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                LOG.debug("child stderr", e);
            }
            take("\n");
        }

        synchronized void take(String s) {
            for (char c : s.toCharArray()) {
                if (c == '\n' || c == '\r') {
                    if (!line.toString().isBlank()) last = line.toString().strip();
                    line.setLength(0);
                } else if (line.length() < 1000) {
                    line.append(c);
                }
            }
        }

        String last() {
            return last;
        }
    }
}
