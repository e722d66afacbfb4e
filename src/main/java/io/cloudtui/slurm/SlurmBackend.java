package io.cloudtui.slurm;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.core.WorkloadId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's Slurm jobs on this machine (a cluster's login node), as rows of kind job: listed with
 * squeue, stopped and signalled with scancel, suspended with scontrol, their output read from the
 * files Slurm writes (StdOut/StdErr of scontrol show job), commands run in them with {@code srun
 * --overlap --jobid}. Slurm has no event stream: a poll of squeue stands in for one.
 */
public final class SlurmBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(SlurmBackend.class);
    private static final Set<Capability> CAPABILITIES = EnumSet.of(Capability.LIST, Capability.EVENTS, Capability.STOP,
            Capability.KILL, Capability.PAUSE, Capability.UNPAUSE, Capability.REMOVE, Capability.LOGS, Capability.EXEC,
            Capability.INSPECT);
    /** How long one squeue/scancel/scontrol may take before it is given up as a controller that does not answer. */
    private static final long COMMAND_SECONDS = 20;

    private final String name;
    private final String user;
    private final Duration poll;

    SlurmBackend(String name, Duration poll) {
        this.name = name;
        this.user = System.getProperty("user.name");
        this.poll = poll;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return SlurmProvider.TYPE;
    }

    @Override
    public String endpoint() {
        return "slurm (jobs of " + user + ")";
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String refusal(Capability c, Workload w) {
        if (!supports(c)) {
            return switch (c) {
                case START, RESTART -> "a Slurm job cannot be started again from here (submit it again with sbatch)";
                case ATTACH -> "a Slurm job has no console to attach to (use exec, or logs -f)";
                case STATS -> "Slurm jobs have no live stats here";
                default -> name + " cannot " + c.phrase();
            };
        }
        if (w != null && (c == Capability.EXEC) && w.state() != io.cloudtui.core.State.RUNNING) {
            return w.name() + " is not running: srun can only step into a running job";
        }
        if (w != null && c == Capability.REMOVE && !w.state().isActive() && w.state() != io.cloudtui.core.State.CREATED) {
            return "job " + w.nativeId() + " has ended: Slurm forgets ended jobs by itself (MinJobAge)";
        }
        if (w != null && (c == Capability.PAUSE || c == Capability.UNPAUSE) && !"root".equals(user)) {
            return "suspending a Slurm job is for its administrators (scontrol suspend)";
        }
        return null;
    }

    /** Output of a Slurm command; its last stderr line, naming the command, when it fails. */
    private String run(List<String> cmd) {
        io.cloudtui.core.Commands.Result r;
        try {
            r = io.cloudtui.core.Commands.run(cmd, java.time.Duration.ofSeconds(COMMAND_SECONDS));
        } catch (IOException e) {
            throw new CloudtuiException(name + ": cannot run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException(name + ": interrupted");
        }
        if (r.timedOut()) throw new CloudtuiException(name + ": " + cmd.get(0) + " did not answer (is slurmctld running?)");
        if (r.code() != 0) {
            String last = r.lastError().isEmpty() ? "exit " + r.code() : r.lastError().replaceFirst("^(squeue|scancel|scontrol|sbatch|srun): (error: )?", "");
            throw new CloudtuiException(name + ": " + cmd.get(0) + ": " + last);
        }
        return r.out();
    }

    @Override
    public void ping() {
        run(List.of("squeue", "-h", "-u", user, "-o", "%i", "-j", "0", "--noconvert"));
    }

    @Override
    public List<Workload> list(boolean all) {
        List<String> cmd = new ArrayList<>(List.of("squeue", "-h", "-u", user, "-o", Squeue.FORMAT));
        if (all) cmd.addAll(List.of("-t", "all"));
        return Squeue.parseAll(name, "", run(cmd));
    }

    @Override
    public Workload get(String ref) {
        String id = jobId(ref);
        for (Workload w : list(true)) {
            if (w.nativeId().equals(id)) return w;
        }
        throw CloudtuiException.noSuchWorkload(name + ":" + ref);
    }

    /** A job id for REF: the id itself, or the name of exactly one of the user's jobs. */
    private String jobId(String ref) {
        if (ref.matches("[0-9]+(_[0-9]+)?")) return ref;
        List<Workload> named = new ArrayList<>();
        for (Workload w : list(true)) {
            if (w.name().equals(ref)) named.add(w);
        }
        if (named.isEmpty()) throw CloudtuiException.noSuchWorkload(name + ":" + ref);
        if (named.size() > 1) {
            // the newest active one, as a name stands for "my job called X"; several active: ambiguous
            List<Workload> active = named.stream().filter(w -> w.state().isActive() || w.state() == io.cloudtui.core.State.CREATED).toList();
            if (active.size() == 1) return active.get(0).nativeId();
            throw new CloudtuiException(name + ": " + named.size() + " jobs are named " + ref + " (" + String.join(", ",
                    named.stream().map(Workload::nativeId).toList()) + "): give the job id");
        }
        return named.get(0).nativeId();
    }

    /** {@code scontrol -o show job ID} as its fields. */
    Map<String, String> show(String ref) {
        String id = jobId(ref);
        String out = run(List.of("scontrol", "-o", "show", "job", id));
        return Squeue.fields(out.lines().findFirst().orElse(""));
    }

    @Override
    public AutoCloseable events(Consumer<WorkloadEvent> listener) {
        Thread t = new Thread(() -> pollLoop(listener), "cloudtui-slurm-" + name);
        t.setDaemon(true);
        t.start();
        return t::interrupt;
    }

    /** squeue every poll interval; a job that appeared, changed state or left is an event; a controller that stops answering is a disconnect. */
    private void pollLoop(Consumer<WorkloadEvent> listener) {
        Map<String, String> last = null;
        boolean up = false;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Map<String, String> now = new HashMap<>();
                for (Workload w : list(true)) now.put(w.nativeId(), w.state() + " " + w.status().replaceAll(" [0-9:-]+$", ""));
                if (!up) {
                    up = true;
                    listener.accept(new WorkloadEvent(name, null, WorkloadEvent.Type.CONNECTED, "connect", Instant.now()));
                } else if (last != null) {
                    WorkloadEvent.changes(name, last, now, listener);
                }
                last = now;
            } catch (CloudtuiException e) {
                LOG.debug("{}: poll: {}", name, e.getMessage());
                if (up) listener.accept(new WorkloadEvent(name, null, WorkloadEvent.Type.DISCONNECTED, "disconnect", Instant.now()));
                up = false;
                last = null;
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void start(String ref) {
        throw new CloudtuiException(refusal(Capability.START, null));
    }

    /** scancel: Slurm sends the job TERM, then KILL after its KillWait (TIMEOUT is Slurm's, not ours). */
    @Override
    public void stop(String ref, Duration timeout) {
        String id = jobId(ref);
        run(List.of("scancel", id));
    }

    @Override
    public void restart(String ref, Duration timeout) {
        throw new CloudtuiException(refusal(Capability.RESTART, null));
    }

    /** The signal to the whole job, its batch script too (scancel --full). */
    @Override
    public void kill(String ref, String signal) {
        String id = jobId(ref);
        String sig = signal == null || signal.isBlank() ? "KILL" : signal.toUpperCase(java.util.Locale.ROOT).replaceFirst("^SIG", "");
        run(List.of("scancel", "--full", "--signal=" + sig, id));
    }

    @Override
    public void pause(String ref) {
        run(List.of("scontrol", "suspend", jobId(ref)));
    }

    @Override
    public void unpause(String ref) {
        run(List.of("scontrol", "resume", jobId(ref)));
    }

    /**
     * A job still queued or running is cancelled (running only with force, as docker rm -f); an
     * ended one is Slurm's to forget (it drops it after MinJobAge): nothing to do.
     */
    @Override
    public void remove(String ref, boolean force) {
        Workload w = get(ref);
        switch (w.state()) {
            case CREATED -> run(List.of("scancel", w.nativeId()));
            case RUNNING, PAUSED, RESTARTING -> {
                if (!force) throw new CloudtuiException("job " + w.nativeId() + " (" + w.name() + ") is running: stop it first, or remove with force");
                run(List.of("scancel", w.nativeId()));
            }
            default -> throw new CloudtuiException(refusal(Capability.REMOVE, w));
        }
    }

    /**
     * The job's output file(s), as Slurm names them in the job's record; with follow, read on as it
     * grows until the job has ended and the file is read to its end.
     */
    @Override
    public void logs(String ref, LogOptions options, Consumer<LogLine> sink, Cancel cancel) {
        Map<String, String> f = show(ref);
        String id = f.getOrDefault("JobId", ref);
        String out = f.get("StdOut");
        if (out == null || out.isBlank()) throw new CloudtuiException(name + ": job " + id + " has no output file (an interactive srun's output goes to its terminal)");
        Path file = Path.of(out);
        String err = f.get("StdErr");
        if (err != null && !err.equals(out)) LOG.debug("{}: job {} writes stderr to {} (not shown)", name, id, err);
        if (!Files.isReadable(file)) {
            if (!options.follow()) throw new CloudtuiException(name + ": cannot read the output of job " + id + ": " + out);
        }
        long pos = 0;
        StringBuilder partial = new StringBuilder();
        if (Files.isReadable(file)) {
            try {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                pos = Files.size(file);
                int from = options.tail() >= 0 ? Math.max(0, lines.size() - options.tail()) : 0;
                for (int i = from; i < lines.size(); i++) sink.accept(new LogLine(LogLine.Stream.STDOUT, null, lines.get(i)));
            } catch (IOException e) {
                throw new CloudtuiException(name + ": cannot read the output of job " + id + ": " + e.getMessage());
            }
        }
        if (!options.follow()) return;
        long lastCheck = 0;
        while (!cancel.isCancelled()) {
            try {
                if (Files.isReadable(file) && Files.size(file) > pos) {
                    try (RandomAccessFile r = new RandomAccessFile(file.toFile(), "r")) {
                        r.seek(pos);
                        byte[] b = new byte[(int) Math.min(1 << 20, r.length() - pos)];
                        r.readFully(b);
                        pos += b.length;
                        partial.append(new String(b, StandardCharsets.UTF_8));
                        int nl;
                        while ((nl = partial.indexOf("\n")) >= 0) {
                            sink.accept(new LogLine(LogLine.Stream.STDOUT, null, partial.substring(0, nl)));
                            partial.delete(0, nl + 1);
                        }
                    }
                    continue;
                }
                long now = System.nanoTime();
                if (now - lastCheck > TimeUnit.SECONDS.toNanos(2)) {
                    lastCheck = now;
                    Workload w;
                    try {
                        w = get(id);
                    } catch (CloudtuiException gone) {
                        break; // slurmctld forgot it: ended long ago
                    }
                    if (!w.state().isActive() && w.state() != io.cloudtui.core.State.CREATED
                            && (!Files.isReadable(file) || Files.size(file) <= pos)) break;
                }
                Thread.sleep(200);
            } catch (IOException e) {
                throw new CloudtuiException(name + ": reading the output of job " + id + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (partial.length() > 0) sink.accept(new LogLine(LogLine.Stream.STDOUT, null, partial.toString()));
    }

    /**
     * {@code srun --overlap --jobid ID COMMAND}: a step of the running job, beside what it runs.
     * With a TTY, srun's --pty wants a terminal of its own: it runs under script(1), which gives it
     * one, at the caller's window size.
     */
    @Override
    public int exec(String ref, List<String> command, Stdio stdio) {
        Workload w = get(ref);
        if (w.state() != io.cloudtui.core.State.RUNNING) throw new CloudtuiException(refusal(Capability.EXEC, w));
        List<String> srun = new ArrayList<>(List.of("srun", "--overlap", "--jobid=" + w.nativeId(), "--quiet"));
        if (stdio.tty()) srun.add("--pty");
        srun.addAll(command);
        List<String> cmd = srun;
        if (stdio.tty()) {
            StringBuilder sh = new StringBuilder();
            if (stdio.size() != null) sh.append("stty rows ").append(stdio.size().rows()).append(" cols ").append(stdio.size().columns()).append("; ");
            sh.append("exec");
            for (String a : srun) sh.append(' ').append(quote(a));
            cmd = List.of("script", "-q", "-f", "-e", "-E", "never", "-c", sh.toString(), "/dev/null");
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new CloudtuiException(name + ": cannot run " + cmd.get(0) + ": " + e.getMessage());
        }
        Thread in = pump(stdio.stdin(), p.getOutputStream(), true, "in");
        Thread out = pump(p.getInputStream(), stdio.stdout(), false, "out");
        OutputStream errTo = stdio.stderr() != null ? stdio.stderr() : stdio.stdout();
        SrunNoise filtered = stdio.tty() ? null : new SrunNoise(errTo);
        Thread err = pump(p.getErrorStream(), filtered != null ? filtered : errTo, false, "err");
        try {
            int code = p.waitFor();
            out.join(2000);
            err.join(2000);
            if (filtered != null) filtered.drain();
            if (in != null) in.interrupt();
            return code;
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new CloudtuiException(name + ": interrupted");
        }
    }

    private static String quote(String s) {
        return s.matches("[A-Za-z0-9_./=:@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    private Thread pump(InputStream from, OutputStream to, boolean closeTo, String what) {
        if (from == null) {
            if (closeTo) {
                try {
                    to.close();
                } catch (IOException ignored) {
                    // nothing to send
                }
            }
            return null;
        }
        Thread t = new Thread(() -> {
            byte[] b = new byte[8192];
            try {
                int n;
                while ((n = from.read(b)) > 0) {
                    to.write(b, 0, n);
                    to.flush();
                }
            } catch (IOException e) {
                LOG.debug("{}: exec {}: {}", name, what, e.getMessage());
            } finally {
                if (closeTo) {
                    try {
                        to.close();
                    } catch (IOException ignored) {
                        // the step has ended
                    }
                }
            }
        }, "cloudtui-slurm-exec-" + what);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * srun's own report of a step that ended with a non-zero code ("srun: error: NODE: task 0: Exited
     * with exit code 3"), which docker exec never prints: the code is the exit status already. Lines
     * that start otherwise pass at once; one that starts "srun: " waits for its end to be judged.
     */
    static final class SrunNoise extends java.io.FilterOutputStream {
        private static final java.util.regex.Pattern NOISE = java.util.regex.Pattern.compile(
                "srun: error: \\S+: tasks? [0-9,-]+: (Exited with exit code [0-9]+|Killed)\\r?");
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private boolean atStart = true;
        private boolean holding;

        SrunNoise(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (atStart) holding = b == 's';
            atStart = b == '\n';
            if (!holding) {
                out.write(b);
                return;
            }
            line.write(b);
            String so = line.toString(StandardCharsets.UTF_8);
            if (b == '\n') {
                if (!NOISE.matcher(so.substring(0, so.length() - 1)).matches()) out.write(line.toByteArray());
                line.reset();
                holding = false;
            } else if (!"srun: ".startsWith(so) && !so.startsWith("srun: ")) {
                out.write(line.toByteArray());
                line.reset();
                holding = false;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) write(b[off + i]);
        }

        @Override
        public void flush() throws IOException {
            if (!holding) out.flush();
        }

        /** What is held (a last line without its end) goes out; the stream stays open. */
        void drain() {
            try {
                if (line.size() > 0) out.write(line.toByteArray());
                line.reset();
                holding = false;
                out.flush();
            } catch (IOException e) {
                LOG.debug("srun stderr: {}", e.getMessage());
            }
        }

        @Override
        public void close() {
            drain();
        }
    }

    @Override
    public int attach(String ref, Stdio stdio) {
        throw new CloudtuiException(refusal(Capability.ATTACH, null));
    }

    /** The job's record as scontrol shows it, as JSON. */
    @Override
    public String inspect(String ref) {
        Map<String, String> f = show(ref);
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(f);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CloudtuiException(name + ": " + e.getMessage());
        }
    }

    @Override
    public Stats stats(String ref) {
        throw new CloudtuiException(refusal(Capability.STATS, null));
    }

    @Override
    public void close() {
        // nothing held open: every call is a command of its own
    }
}
