package io.cloudtui.host;

import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One machine reached over SSH: its one connection (a master of the system ssh, {@code ssh -M -S
 * CTL -N}), its state, and the streamlocal forwards through that connection that its backends use
 * as plain unix sockets ({@code ssh -S CTL -O forward -L LOCAL.sock:REMOTE.sock}). When the master
 * dies it reconnects by itself, with backoff, and re-creates the forwards at the same local paths,
 * so the backends reconnect as they do to a restarted local engine. {@link #close} ends the master
 * and removes every socket file.
 */
public final class Host implements AutoCloseable, io.cloudtui.libvirt.HostShell {
    private static final Logger LOG = LoggerFactory.getLogger(Host.class);

    /** A host's connection state. */
    public enum State {
        CONNECTING("connecting"), CONNECTED("connected"), UNREACHABLE("unreachable"), AUTH_FAILED("auth failed"),
        HOST_KEY_UNKNOWN("unknown host key"), HOST_KEY_CHANGED("host key changed"), CLOSED("closed");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** A socket found on the host by discovery. */
    public record Found(String kind, String path, boolean writable, String group) {}

    private final String name;
    private final SshTarget target;
    private final SshOptions options;
    private final Path ctl;
    private final Path errFile;
    private final Path dir;
    private final String prefix;
    /** Local socket to remote socket, in the order made. */
    private final Map<Path, String> forwards = new LinkedHashMap<>();
    private volatile Process master;
    private volatile State state = State.CONNECTING;
    private volatile String reason;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Thread reconnector;
    /** The waits between connect tries (1 s doubling to 30 s), from the first again after each success. */
    private final Retry retry = new Retry();
    /** Its containers' cgroup files, read on the host over the master (started when first asked). */
    private final CgroupReader cgroups;
    private final Path cgroupsErr;

    Host(String name, SshTarget target, SshOptions options, Path dir, String prefix) {
        this.name = name;
        this.target = target;
        this.options = options;
        this.dir = dir;
        this.prefix = prefix;
        this.ctl = dir.resolve(prefix + ".ctl");
        this.errFile = dir.resolve(prefix + ".err");
        this.cgroupsErr = dir.resolve(prefix + "-cgroups.err");
        this.cgroups = new CgroupReader(name, new CgroupReader.Sessions() {
            @Override
            public Process start(String script) throws IOException {
                // through the master only: were its control socket gone, ssh would make a connection of its own,
                // which the ProxyCommand 'false' makes fail (a session over the master does not use it)
                List<String> cmd = client();
                cmd.addAll(1, List.of("-o", "ProxyCommand=false"));
                cmd.add("sh -c " + shellQuote(script));
                return new ProcessBuilder(cmd).redirectError(cgroupsErr.toFile()).start();
            }

            @Override
            public boolean connected() {
                Process m = master;
                return !closed && m != null && m.isAlive() && Files.exists(ctl);
            }

            @Override
            public String stderr() {
                try {
                    return SshFailure.last(Files.readString(cgroupsErr, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    return "";
                }
            }
        });
    }

    /** Its containers' cgroup files, read on the host (for its Docker backends' stats). */
    public io.cloudtui.core.CgroupFiles.Remote cgroups() {
        return cgroups;
    }

    public String name() {
        return name;
    }

    public SshTarget target() {
        return target;
    }

    public State state() {
        return state;
    }

    /** Why the host is not connected (one line naming it and the remedy), or null. */
    public String reason() {
        return reason;
    }

    /** The start of the names of this host's files in its directory. */
    String prefix() {
        return prefix;
    }

    /** The master's control socket (for tests and the doc). */
    public Path controlPath() {
        return ctl;
    }

    /** The master ssh's pid, or -1 (for tests). */
    synchronized long masterPid() {
        return master != null && master.isAlive() ? master.pid() : -1;
    }

    /** What to tell the user to run: the destination as ssh takes it. */
    String destination() {
        String h = (target.user() != null ? target.user() + "@" : "") + target.host();
        return target.port() != null ? "-p " + target.port() + " " + h : h;
    }

    /** Starts the master and waits until it is connected; on failure the state says why and this throws its line. */
    public synchronized void connect() {
        startMaster();
        state = State.CONNECTED;
        reason = null;
    }

    private void startMaster() {
        if (closed) throw new CloudtuiException(name + ": closed");
        // a retry keeps showing why the last try failed (unreachable: connection refused) until it knows better
        if (reason == null) state = State.CONNECTING;
        List<String> cmd = options.command();
        cmd.addAll(List.of("-M", "-S", ctl.toString(), "-N", "-o", "ControlPersist=no"));
        cmd.addAll(target.args());
        cmd.addAll(List.of("--", target.host()));
        try {
            Files.deleteIfExists(ctl);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(errFile.toFile());
            master = pb.start();
        } catch (IOException e) {
            fail(State.UNREACHABLE, name + ": cannot run ssh: " + e.getMessage());
        }
        LOG.debug("{}: master {} started: {}", name, master.pid(), cmd);
        // connected once ssh has made its control socket (it does so after authentication)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.connectTimeout() * 3L + 5);
        while (!Files.exists(ctl)) {
            if (closed) {
                master.destroy();
                fail(State.CLOSED, name + ": closed");
            }
            if (!master.isAlive()) {
                SshFailure f = SshFailure.classify(name, destination(), stderr());
                fail(f.state(), f.line());
            }
            if (System.nanoTime() > deadline) {
                master.destroy();
                fail(State.UNREACHABLE, name + ": connection timed out (ssh did not finish connecting)");
            }
            try {
                master.waitFor(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                master.destroy();
                fail(State.UNREACHABLE, name + ": interrupted while connecting");
            }
        }
        Process m = master;
        m.onExit().thenRun(() -> lost(m));
    }

    private void fail(State s, String line) {
        state = s;
        reason = line;
        LOG.info("{}: {} ({})", name, s.label(), stderr().strip());
        throw new CloudtuiException(line);
    }

    private String stderr() {
        try {
            return Files.readString(errFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Connects in the background, on a thread of its own, and returns at once (the UI): tries until
     * the master is up and OPENED (discovery, forwards, backends) went through, waiting 1 s, 2 s, 4 s
     * ... 30 s between tries; meanwhile the state says why not (unreachable, auth failed ...). Once
     * connected, a lost master reconnects by itself as with {@link #connect}.
     */
    public void live(java.util.function.Consumer<Host> opened) {
        synchronized (this) {
            if (closed || reconnector != null) return;
            state = State.CONNECTING;
            reason = null;
            Thread t = new Thread(() -> liveLoop(opened), "cloudtui-host-" + name);
            t.setDaemon(true);
            reconnector = t;
            t.start();
        }
    }

    private void liveLoop(java.util.function.Consumer<Host> opened) {
        boolean ok = retry.run(() -> {
            synchronized (this) {
                startMaster();
            }
            try {
                opened.accept(this);
            } catch (RuntimeException e) {
                dropMaster();
                State s = state == State.CONNECTING ? State.UNREACHABLE : state;
                String line = e instanceof CloudtuiException ? e.getMessage() : name + ": " + e;
                state = s;
                reason = line;
                throw e instanceof CloudtuiException ce ? ce : new CloudtuiException(line, e);
            }
            synchronized (this) {
                state = State.CONNECTED;
                reason = null;
            }
            LOG.info("{}: connected", name);
        }, Thread::sleep, () -> closed, false, e -> LOG.debug("{}: connect failed: {}", name, e.getMessage()));
        settle(ok);
    }

    /** The master this loop made is not to be kept (the opening failed): it goes, the next try starts afresh. */
    private synchronized void dropMaster() {
        Process m = master;
        master = null;
        if (m != null && m.isAlive()) m.destroy();
    }

    /** A connect loop ended (OK: connected); a master that died meanwhile (its loss ignored then) is reconnected now. */
    private void settle(boolean ok) {
        Process m;
        synchronized (this) {
            reconnector = null;
            m = master;
        }
        if (ok && m != null && !m.isAlive()) lost(m);
    }

    /**
     * The master M ended: unless closed, the host is unreachable with the reason ssh gave (no answer
     * to the keep-alives, closed by the host) and reconnects in the background (1 s, 2 s, 4 s ... 30 s apart).
     */
    private void lost(Process m) {
        synchronized (this) {
            if (closed || m != master || reconnector != null) return;
            SshFailure f = SshFailure.lost(name, stderr(), options.aliveInterval() * SshOptions.ALIVE_COUNT);
            state = f.state();
            reason = f.line();
            LOG.info("{}: master exited ({}), reconnecting: {}", name, m.exitValue(), stderr().strip());
            reconnector = new Thread(this::reconnect, "cloudtui-ssh-" + name);
            reconnector.setDaemon(true);
            reconnector.start();
        }
    }

    private void reconnect() {
        boolean ok = retry.run(() -> {
            synchronized (this) {
                if (closed) throw new CloudtuiException(name + ": closed");
                try {
                    startMaster();
                    // the forwards again, at the same paths: the backends reconnect as to a restarted engine
                    for (Map.Entry<Path, String> f : forwards.entrySet()) addForward(f.getKey(), f.getValue());
                } catch (CloudtuiException e) {
                    Process m = master;
                    if (m != null && m.isAlive()) {
                        // connected but without its forwards: this master goes, the next try starts afresh
                        master = null;
                        m.destroy();
                        if (state == State.CONNECTING) {
                            state = State.UNREACHABLE;
                            reason = e.getMessage();
                        }
                    }
                    throw e;
                }
                state = State.CONNECTED;
                reason = null;
                cgroups.reconnected();
                LOG.info("{}: reconnected", name);
            }
        }, Thread::sleep, () -> closed, true, e -> LOG.debug("{}: reconnect failed: {}", name, e.getMessage()));
        settle(ok);
    }

    /**
     * Runs SCRIPT with POSIX sh on the host over the master (read-only commands only); its stdout.
     */
    String run(String script) {
        io.cloudtui.core.Commands.Result r = command(script, null, options.connectTimeout() * 3L + 5);
        if (r.code() != 0) throw new CloudtuiException(name + ": a command over ssh failed (exit " + r.code() + ")");
        return r.out();
    }

    /** SCRIPT with sh on the host over the master, STDIN (or /dev/null) on its input, at most LIMIT seconds. */
    private io.cloudtui.core.Commands.Result command(String script, byte[] stdin, long limit) {
        List<String> cmd = client();
        cmd.add("sh -c " + shellQuote(script));
        io.cloudtui.core.Commands.Result r;
        try {
            r = io.cloudtui.core.Commands.run(cmd, stdin, java.time.Duration.ofSeconds(limit));
        } catch (IOException e) {
            throw new CloudtuiException(name + ": cannot run ssh: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException(name + ": interrupted");
        }
        if (r.timedOut()) throw new CloudtuiException(name + ": no answer to a command over ssh");
        return r;
    }

    @Override
    public String hostName() {
        return name;
    }

    /**
     * A long-lived session running SCRIPT with sh on the host, through the master only (never a
     * connection of its own): its stdin and stdout are the channel; its stderr goes to a file of this
     * host's, whose last line {@link #sessionError} gives.
     */
    public Process session(String script) throws IOException {
        List<String> cmd = client();
        cmd.addAll(1, List.of("-o", "ProxyCommand=false"));
        cmd.add("sh -c " + shellQuote(script));
        return new ProcessBuilder(cmd).redirectError(dir.resolve(prefix + "-session.err").toFile()).start();
    }

    /** The last line a {@link #session} said on its stderr, or "". */
    public String sessionError() {
        try {
            return SshFailure.last(Files.readString(dir.resolve(prefix + "-session.err"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return "";
        }
    }

    /** SCRIPT with sh on the host over the master, STDIN on its input; a failure is one line with its stderr's last line. */
    @Override
    public String run(String script, byte[] stdin) {
        io.cloudtui.core.Commands.Result r = command(script, stdin, options.connectTimeout() * 3L + 60);
        if (r.code() != 0) {
            String said = SshFailure.last(r.stderr());
            throw new CloudtuiException(name + ": " + (said.isBlank() ? "a command over ssh failed (exit " + r.code() + ")" : said));
        }
        return r.out();
    }

    /**
     * {@code ssh OPTIONS -S CTL -o ControlMaster=no -W %h:%p HOST}: through this host's master while it
     * runs (a channel of the one connection), else a connection of its own with the same options,
     * ssh config and known_hosts (ssh falls back when the control socket does not answer).
     */
    @Override
    public String proxyCommand() {
        List<String> cmd = options.command();
        cmd.addAll(List.of("-S", ctl.toString(), "-o", "ControlMaster=no", "-W", "%h:%p"));
        cmd.addAll(target.args());
        cmd.addAll(List.of("--", target.host()));
        StringBuilder b = new StringBuilder();
        for (String a : cmd) {
            if (b.length() > 0) b.append(' ');
            // ssh expands %h and %p in a ProxyCommand: any other % is doubled; then quoted for the shell ssh runs it with
            String w = a.equals("%h:%p") ? a : a.replace("%", "%%");
            b.append(w.matches("[A-Za-z0-9_./=:%@+-]+") ? w : shellQuote(w));
        }
        return b.toString();
    }

    /** ssh as a client of the master: the same options, the control socket, never a master of its own. */
    private List<String> client() {
        List<String> cmd = options.command();
        cmd.addAll(List.of("-S", ctl.toString(), "-o", "ControlMaster=no"));
        cmd.addAll(target.args());
        cmd.addAll(List.of("--", target.host()));
        return cmd;
    }

    /**
     * The engines' sockets on the host and whether this user may open them: one read-only command
     * (test -S, test -w, ls), nothing written there.
     */
    public List<Found> discover() {
        String out = run(DISCOVER);
        return parseDiscovery(out);
    }

    /**
     * The ssh user's session libvirt (qemu:///session; not root's): in use when its daemon's socket is
     * there or the user has session VMs defined, and virsh is installed to start the daemon. Nothing is
     * started by discovery.
     */
    static final String SESSION = "s=${XDG_RUNTIME_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}}/libvirt/libvirt-sock; "
            + "if [ \"$(id -u)\" != 0 ] && command -v virsh >/dev/null 2>&1; then "
            + "if [ -S \"$s\" ] || ls \"${XDG_CONFIG_HOME:-$HOME/.config}\"/libvirt/qemu/*.xml >/dev/null 2>&1; then echo \"session $s\"; fi; fi;";

    /**
     * The session daemon's socket, once it runs: started as libvirt's own client starts it ({@code
     * virsh -c qemu:///session}: libvirtd --timeout=120, which ends by itself when it has neither
     * clients nor running VMs; a socket left by a daemon that is gone is taken over the same way);
     * prints the socket's path, or fails.
     */
    static final String SESSION_START = "s=${XDG_RUNTIME_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}}/libvirt/libvirt-sock; "
            + "virsh -c qemu:///session uri </dev/null >/dev/null 2>&1; "
            + "if [ -S \"$s\" ]; then echo \"$s\"; else echo \"no session libvirtd for $(id -un) (virsh -c qemu:///session did not start one)\" >&2; exit 1; fi";

    /** Docker's and Podman's sockets (rootful, rootless), libvirt's: each "ok PATH", or "denied PATH GROUP". */
    static final String DISCOVER = "r=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}; "
            + "for s in /var/run/docker.sock \"$r/docker.sock\" /run/podman/podman.sock \"$r/podman/podman.sock\" "
            + "/var/run/libvirt/libvirt-sock /var/run/libvirt/virtqemud-sock; do "
            + "if [ -S \"$s\" ]; then if [ -w \"$s\" ]; then echo \"ok $s\"; "
            + "else echo \"denied $s $(ls -ld \"$s\" | awk '{print $4}')\"; fi; fi; done; " + SESSION
            + " if ! command -v dockerd >/dev/null 2>&1 && [ ! -x /usr/sbin/dockerd ] && [ ! -x /usr/bin/dockerd ]"
            + " && ! command -v podman >/dev/null 2>&1; then echo noengine; fi;"
            + " echo \"user $(id -un)\"";


    static List<Found> parseDiscovery(String out) {
        List<Found> found = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] p = line.strip().split(" ");
            if (p.length == 2 && p[0].equals("session")) {
                found.add(new Found("libvirt-session", p[1], true, null));
                continue;
            }
            if (p.length < 2 || !(p[0].equals("ok") || p[0].equals("denied"))) continue;
            String path = p[1];
            String kind = path.endsWith("/docker.sock") ? "docker" : path.endsWith("/podman.sock") ? "podman"
                    : path.contains("/libvirt/") ? "libvirt" : null;
            if (kind == null) continue;
            found.add(new Found(kind, path, p[0].equals("ok"), p.length > 2 ? p[2] : null));
        }
        return found;
    }

    /** Whether discovery found neither dockerd nor podman installed on the host (not merely stopped). */
    static boolean noEngine(String out) {
        return out.lines().anyMatch(l -> l.strip().equals("noengine"));
    }

    /** The remote user discovery reported, from the same output; null if none. */
    static String user(String out) {
        for (String line : out.split("\n")) {
            if (line.startsWith("user ")) return line.substring(5).strip();
        }
        return null;
    }

    /** A local socket in this session's private directory that reaches REMOTE on the host, through the master. */
    public synchronized Path forward(String localName, String remote) {
        Path local = dir.resolve(prefix + "-" + localName + ".sock");
        addForward(local, remote);
        forwards.put(local, remote);
        return local;
    }

    private void addForward(Path local, String remote) {
        if (remote.indexOf(':') >= 0 || local.toString().indexOf(':') >= 0) {
            throw new CloudtuiException(name + ": cannot forward a socket whose path holds ':' (" + remote + ")");
        }
        List<String> cmd = options.command();
        cmd.addAll(List.of("-S", ctl.toString(), "-o", "ControlMaster=no", "-O", "forward", "-L", local + ":" + remote));
        cmd.addAll(target.args());
        cmd.addAll(List.of("--", target.host()));
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectErrorStream(false).start();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            if (p.exitValue() != 0) {
                throw new CloudtuiException(name + ": cannot forward " + remote + ": " + SshFailure.last(new String(err, StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw new CloudtuiException(name + ": cannot run ssh: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException(name + ": interrupted");
        }
    }

    /**
     * Whether ssh could not open a channel to the remote socket behind the forward at LOCAL: a ping
     * to the Docker API through it, which Docker always answers; when the channel fails, ssh closes
     * (or resets) the connection without a byte. On a socket that discovery found, that means the
     * host's sshd refuses forwarding to unix sockets (AllowStreamLocalForwarding no). One round trip.
     */
    boolean channelFails(Path local) {
        java.nio.channels.SocketChannel ch;
        try {
            ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(local));
        } catch (IOException e) {
            return false; // our own forward is not there: the backend says what is wrong when it connects
        }
        CompletableFuture<Boolean> f = CompletableFuture.supplyAsync(() -> {
            try (ch) {
                ch.write(java.nio.ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                return ch.read(java.nio.ByteBuffer.allocate(1)) < 0;
            } catch (IOException e) {
                return true; // reset by ssh: the channel was refused
            }
        }, r -> {
            Thread t = new Thread(r, "cloudtui-ssh-probe-" + name);
            t.setDaemon(true);
            t.start();
        });
        try {
            // a Docker that does not answer at all is another question: the backend reports it
            return f.get(options.connectTimeout() * 3L + 5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Whether the host answers through its connection within TIMEOUT: one round trip over the master
     * (a ping to its Docker or Podman through the forward when there is one, else {@code true} run
     * there). False when the master is gone, the link is down (no answer in time) or the engine
     * behind the forward is gone; the warm agent then drops this connection and opens afresh.
     */
    boolean responds(java.time.Duration timeout) {
        Path engine;
        synchronized (this) {
            if (closed || state != State.CONNECTED || master == null || !master.isAlive()) return false;
            engine = forwards.keySet().stream()
                    .filter(p -> p.getFileName().toString().endsWith("-docker.sock") || p.getFileName().toString().endsWith("-podman.sock"))
                    .findFirst().orElse(null);
        }
        CompletableFuture<Boolean> f = CompletableFuture.supplyAsync(() -> engine != null ? pings(engine) : runsTrue(timeout), r -> {
            Thread t = new Thread(r, "cloudtui-ssh-alive-" + name);
            t.setDaemon(true);
            t.start();
        });
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.info("{}: no answer through its connection within {} ms: it is dropped", name, timeout.toMillis());
            f.cancel(true);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A Docker API ping through the forward at LOCAL answered with 200. */
    private static boolean pings(Path local) {
        try (var ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(local))) {
            ch.write(java.nio.ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) break;
            }
            String head = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
            return head.startsWith("HTTP/1.") && head.endsWith(" 200");
        } catch (IOException e) {
            return false;
        }
    }

    private boolean runsTrue(java.time.Duration timeout) {
        List<String> cmd = client();
        cmd.add("true");
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Whether connecting to the unix socket PATH on the host is refused (a socket file that nothing
     * listens on: an engine that died and left it). Asked over the master with python3, else perl
     * (connect, then close: nothing is sent); false when neither is there or anything else goes wrong.
     */
    boolean socketRefuses(String path) {
        String q = shellQuote(path);
        String script = "{ python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' " + q
                + " || perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Peer => $ARGV[0]) or die \"$!\\n\"' " + q + "; } 2>&1; true";
        try {
            return run(script).toLowerCase(java.util.Locale.ROOT).contains("connection refused");
        } catch (CloudtuiException e) {
            LOG.debug("{}: asking about {}: {}", name, path, e.getMessage());
            return false;
        }
    }

    /** Ends the master ({@code -O exit}, then the process) and removes this host's socket and log files. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) return;
        closed = true;
        Thread r = reconnector;
        if (r != null) r.interrupt(); // a reconnect under way gives up the lock at once
        Process m;
        synchronized (this) {
            state = State.CLOSED;
            m = master;
        }
        if (m != null && m.isAlive()) {
            List<String> cmd = options.command();
            cmd.addAll(List.of("-S", ctl.toString(), "-O", "exit"));
            cmd.addAll(target.args());
            cmd.addAll(List.of("--", target.host()));
            try {
                Process p = new ProcessBuilder(cmd)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (IOException e) {
                LOG.debug("{}: -O exit", name, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            m.destroy();
            try {
                if (!m.waitFor(5, TimeUnit.SECONDS)) m.destroyForcibly();
            } catch (InterruptedException e) {
                m.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        cgroups.close();
        for (Path p : forwards.keySet()) deleteQuietly(p);
        deleteQuietly(ctl);
        deleteQuietly(errFile);
        deleteQuietly(cgroupsErr);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debug("delete {}", p, e);
        }
    }

    /** S as one word for sh: single-quoted. */
    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
