package io.cloudtui.agent;

import io.cloudtui.Main;
import io.cloudtui.config.Config;
import io.cloudtui.core.CloudtuiException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm process of the native client (src/main/c/client.c; README, "Warm CLI"): listens on the
 * user's private socket, serves each client in a thread of its own, runs its command through
 * {@link Main#run} on the descriptors it passed, and exits after its idle time. It holds nothing that
 * matters: killing it loses no state.
 */
public final class Agent {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    static final int PROTOCOL = 1;
    static final int T_HELLO = 1, T_WELCOME = 2, T_MISMATCH = 3, T_REQUEST = 4, T_SIGNAL = 5, T_EXIT = 6, T_KILLED = 7, T_FALLBACK = 8;
    private static final int MAX_FRAME = 16 << 20;

    private final Path socket;
    private final String buildId;
    private final Duration idle;
    private final int uid;
    private final Object fileKey;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger serial = new AtomicInteger();
    private volatile long lastActive = System.nanoTime();
    private volatile boolean retiring;
    /** The sessions (backends, remote hosts' ssh masters) kept open between commands. */
    private final WarmSessions warm = new WarmSessions();

    private Agent(Path socket, String buildId, Duration idle, int uid, Object fileKey) {
        this.socket = socket;
        this.buildId = buildId;
        this.idle = idle;
        this.uid = uid;
        this.fileKey = fileKey;
    }

    /**
     * {@code cloudtui agent}, as the client starts it (CLOUDTUI_AGENT_SOCKET set); returns the exit code.
     * The log is set up before (LogSetup.init): this class's logger is made when it loads.
     */
    public static int main(Map<String, String> env, PrintStream err) {
        String path = env.get("CLOUDTUI_AGENT_SOCKET");
        if (path == null || !path.startsWith("/")) {
            err.println("cloudtui: agent: CLOUDTUI_AGENT_SOCKET must name the socket (the native client starts the agent)");
            return 2;
        }
        Duration idle = AgentConfigDefaults.idle(env);
        int uid = Libc.C.geteuid();
        // ssh masters an agent killed with SIGKILL left running (its directory is that of a process that is gone) end now,
        // before the socket answers: the command that started this agent finds none of them
        io.cloudtui.host.Hosts.sweepOrphans(env);
        Path socket = Path.of(path);
        int fd;
        Object key;
        try {
            Path dir = socket.getParent();
            if (((Number) Files.getAttribute(dir, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)).intValue() != uid
                    || (((Number) Files.getAttribute(dir, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS)).intValue() & 077) != 0) {
                throw new IOException(dir + " is not this user's private directory");
            }
            Files.deleteIfExists(socket);
            fd = Libc.listen(path);
            Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            key = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException | RuntimeException e) {
            LOG.warn("agent: cannot listen on {}: {}", path, e.toString());
            return 1;
        }
        Agent a = new Agent(socket, buildId(), idle, uid, key);
        LOG.info("agent {}: listening on {} (build {}, idle {})", ProcessHandle.current().pid(), path, a.buildId, idle);
        a.serve(fd);
        return 0;
    }

    /** The build's identity as the client computes it: the jar's size and modification time (seconds.nanoseconds). */
    static String buildId() {
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            long nanos = Files.getLastModifiedTime(jar).to(java.util.concurrent.TimeUnit.NANOSECONDS);
            return Files.size(jar) + "." + Math.floorDiv(nanos, 1_000_000_000L) + "." + Math.floorMod(nanos, 1_000_000_000L);
        } catch (Exception e) {
            return "unknown-agent";
        }
    }

    private void serve(int listen) {
        while (true) {
            if (Libc.readable(listen, 500) && !retiring) {
                int c;
                try {
                    c = Libc.C.accept4(listen, null, null, 02000000);
                } catch (com.sun.jna.LastErrorException e) {
                    continue;
                }
                int peer = Libc.peerUid(c);
                if (peer != uid) {
                    LOG.warn("agent: refused a client of uid {} (this agent is uid {})", peer, uid);
                    Libc.closeQuietly(c);
                    continue;
                }
                active.incrementAndGet();
                lastActive = System.nanoTime();
                Thread t = new Thread(() -> {
                    try {
                        handle(c);
                    } catch (Throwable e) {
                        LOG.warn("agent: client failed", e);
                    } finally {
                        Libc.closeQuietly(c);
                        lastActive = System.nanoTime();
                        active.decrementAndGet();
                    }
                }, "ctui-client-" + serial.incrementAndGet());
                t.setDaemon(true);
                t.start();
            }
            // a kept session whose host's connection was lost goes now, rather than reconnect in the background
            warm.sweep();
            if (active.get() == 0) {
                boolean ours = ours();
                if (retiring || !ours || System.nanoTime() - lastActive > idle.toNanos()) {
                    LOG.info("agent {}: exits ({})", ProcessHandle.current().pid(),
                            retiring ? "another build's client" : !ours ? "its socket was replaced" : "idle");
                    if (ours) {
                        try {
                            Files.deleteIfExists(socket);
                        } catch (IOException e) {
                            // best effort
                        }
                    }
                    Libc.closeQuietly(listen);
                    // the hosts' ssh masters end (-O exit) and their sockets go
                    warm.closeAll();
                    return;
                }
            }
        }
    }

    /** Whether the socket file is still the one this agent bound (a newer agent may have replaced it). */
    private boolean ours() {
        try {
            return fileKey != null && fileKey.equals(Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey());
        } catch (IOException e) {
            return false;
        }
    }

    /** One frame from the client. */
    record Frame(int type, byte[] payload) {}

    /** Reads the client's frames with recvmsg, keeping the descriptors that come with them. */
    static final class Reader {
        private final int fd;
        final List<Integer> fds = new ArrayList<>();

        Reader(int fd) {
            this.fd = fd;
        }

        private boolean fill(byte[] b) throws IOException {
            int at = 0;
            while (at < b.length) {
                int n = Libc.recv(fd, b, at, b.length - at, fds);
                if (n <= 0) return false;
                at += n;
            }
            return true;
        }

        /** The next frame, or null at end of stream. */
        Frame next() throws IOException {
            byte[] h = new byte[5];
            if (!fill(h)) return null;
            int len = ((h[1] & 0xff) << 24) | ((h[2] & 0xff) << 16) | ((h[3] & 0xff) << 8) | (h[4] & 0xff);
            if (len < 0 || len > MAX_FRAME) throw new IOException("frame of " + len + " bytes");
            byte[] p = new byte[len];
            if (!fill(p)) return null;
            return new Frame(h[0] & 0xff, p);
        }
    }

    static byte[] frame(int type, byte[] payload) {
        byte[] b = new byte[5 + payload.length];
        b[0] = (byte) type;
        b[1] = (byte) (payload.length >>> 24);
        b[2] = (byte) (payload.length >>> 16);
        b[3] = (byte) (payload.length >>> 8);
        b[4] = (byte) payload.length;
        System.arraycopy(payload, 0, b, 5, payload.length);
        return b;
    }

    static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    static int u32(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    /** A command as the client sent it. */
    record Request(int flags, int rows, int cols, String cwd, List<String> args, Map<String, String> env) {
        static Request parse(byte[] p) throws IOException {
            if (p.length < 16) throw new IOException("short request");
            int flags = u32(p, 0);
            int rows = ((p[4] & 0xff) << 8) | (p[5] & 0xff);
            int cols = ((p[6] & 0xff) << 8) | (p[7] & 0xff);
            int argc = u32(p, 8);
            int envc = u32(p, 12);
            List<String> strings = new ArrayList<>();
            int at = 16;
            for (int i = 16; i < p.length; i++) {
                if (p[i] == 0) {
                    strings.add(new String(p, at, i - at, StandardCharsets.UTF_8));
                    at = i + 1;
                }
            }
            if (argc < 0 || envc < 0 || strings.size() != 1 + argc + envc) throw new IOException("malformed request");
            Map<String, String> env = new LinkedHashMap<>();
            for (String e : strings.subList(1 + argc, strings.size())) {
                int eq = e.indexOf('=');
                if (eq > 0) env.put(e.substring(0, eq), e.substring(eq + 1));
            }
            return new Request(flags, rows, cols, strings.get(0), List.copyOf(strings.subList(1, 1 + argc)), env);
        }

        boolean passed(int fd) {
            return (flags & (1 << fd)) != 0;
        }
    }

    private void handle(int c) throws IOException {
        Reader r = new Reader(c);
        Object sendLock = new Object();
        // a client that connects and says nothing does not hold the agent up for good
        if (!Libc.readable(c, 10_000)) return;
        Frame hello = r.next();
        if (hello == null || hello.type() != T_HELLO || hello.payload().length < 4) return;
        String id = new String(hello.payload(), 4, hello.payload().length - 4, StandardCharsets.UTF_8);
        if (u32(hello.payload(), 0) != PROTOCOL || !id.equals(buildId)) {
            LOG.info("agent: a client of build {} (protocol {}): this agent of build {} goes", id, u32(hello.payload(), 0), buildId);
            retiring = true;
            // the socket goes now: the client starts the new build's agent on it while this one finishes its commands
            if (ours()) Files.deleteIfExists(socket);
            Libc.writeAll(c, frame(T_MISMATCH, u32(PROTOCOL)), 0, 5 + 4);
            return;
        }
        byte[] id2 = buildId.getBytes(StandardCharsets.UTF_8);
        byte[] welcome = Arrays.copyOf(u32(PROTOCOL), 4 + id2.length);
        System.arraycopy(id2, 0, welcome, 4, id2.length);
        Libc.writeAll(c, frame(T_WELCOME, welcome), 0, 5 + welcome.length);
        if (!Libc.readable(c, 10_000)) return;
        Frame req = r.next();
        List<Integer> received = new ArrayList<>(r.fds);
        r.fds.clear();
        if (req == null || req.type() != T_REQUEST) {
            received.forEach(Libc::closeQuietly);
            return;
        }
        Request q;
        String refused;
        try {
            q = Request.parse(req.payload());
            refused = refuse(q);
        } catch (IOException | RuntimeException e) {
            // nothing ran yet: the client runs the command without the agent
            LOG.warn("agent: a request it cannot take", e);
            received.forEach(Libc::closeQuietly);
            Libc.writeAll(c, frame(T_FALLBACK, new byte[0]), 0, 5);
            return;
        }
        if (refused != null) {
            received.forEach(Libc::closeQuietly);
            LOG.info("agent: fallback for {}: {}", q.args(), refused);
            Libc.writeAll(c, frame(T_FALLBACK, new byte[0]), 0, 5);
            return;
        }
        // the descriptors in the order the client passed them: those of 0, 1, 2 it had open
        FdStreams.Fd[] fds = new FdStreams.Fd[3];
        int k = 0;
        for (int i = 0; i < 3; i++) {
            if (q.passed(i) && k < received.size()) fds[i] = new FdStreams.Fd(received.get(k++));
        }
        for (; k < received.size(); k++) Libc.closeQuietly(received.get(k));
        Charset cs = charset();
        InputStream in = fds[0] != null ? new FdStreams.In(fds[0]) : InputStream.nullInputStream();
        PrintStream out = fds[1] != null ? new PrintStream(new BufferedOutputStream(new FdStreams.Out(fds[1]), 8192), true, cs)
                : new PrintStream(java.io.OutputStream.nullOutputStream());
        PrintStream err = fds[2] != null ? new PrintStream(new BufferedOutputStream(new FdStreams.Out(fds[2]), 8192), true, cs)
                : new PrintStream(java.io.OutputStream.nullOutputStream());
        AtomicBoolean replied = new AtomicBoolean();
        AtomicInteger cancelCode = new AtomicInteger();
        Runnable closeAll = () -> {
            for (FdStreams.Fd f : fds) {
                if (f != null) f.close();
            }
        };
        String[] args = q.args().toArray(new String[0]);
        LOG.debug("agent: runs {}", q.args());
        Thread worker = new Thread(() -> {
            int code;
            try {
                code = Main.run(args, in, out, err, q.env(), warm, java.nio.file.Path.of(q.cwd()));
            } catch (Throwable e) {
                LOG.error("agent: command failed", e);
                code = 1;
            }
            out.flush();
            err.flush();
            // the descriptors close before the reply: a reader of the client's pipe sees its end with the client's
            closeAll.run();
            if (!replied.getAndSet(true)) {
                int cc = cancelCode.get();
                send(c, sendLock, T_EXIT, cc != 0 ? cc : code);
            }
            // wakes the reader below
            try {
                Libc.C.shutdown(c, 2);
            } catch (com.sun.jna.LastErrorException e) {
                // gone
            }
        }, "ctui-cmd-" + serial.get());
        worker.setDaemon(true);
        worker.start();
        while (true) {
            Frame f;
            try {
                f = r.next();
            } catch (IOException e) {
                f = null;
            }
            r.fds.forEach(Libc::closeQuietly);
            r.fds.clear();
            if (f == null) {
                if (worker.isAlive()) {
                    // the client is gone: so is its command
                    LOG.info("agent: client gone mid-command {}: cancelled", q.args());
                    replied.set(true);
                    worker.interrupt();
                    closeAll.run();
                    try {
                        worker.join(10_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return;
            }
            if (f.type() == T_SIGNAL && f.payload().length >= 4) {
                int sig = u32(f.payload(), 0);
                if (sig == 2 || sig == 15 || sig == 1) {
                    // as the JVM launcher: SIGINT, SIGTERM, SIGHUP end the command with 128+N
                    cancelCode.compareAndSet(0, 128 + sig);
                    worker.interrupt();
                    try {
                        worker.join(5_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    if (worker.isAlive() && !replied.getAndSet(true)) {
                        closeAll.run();
                        send(c, sendLock, T_EXIT, 128 + sig);
                    }
                }
            }
        }
    }

    private static void send(int c, Object lock, int type, int value) {
        synchronized (lock) {
            try {
                Libc.writeAll(c, frame(type, u32(value)), 0, 9);
            } catch (IOException e) {
                // the client is gone
            }
        }
    }

    /** The charset the JVM launcher prints with (the locale's; the agent runs with the client's variables). */
    private static Charset charset() {
        String n = System.getProperty("stdout.encoding", System.getProperty("native.encoding"));
        try {
            return n != null ? Charset.forName(n) : Charset.defaultCharset();
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** Why Q must run in a JVM of its own, or null. */
    private String refuse(Request q) {
        if (!q.cwd().startsWith("/")) return "the client has no working directory";
        String why = AllowList.refuse(q.args(), q.env());
        if (why != null) return why;
        Config config;
        try {
            config = Main.loader(q.env()).load(configFlag(q.args()), q.env());
        } catch (CloudtuiException e) {
            return null; // the command says so, as it would without the agent
        }
        if (!config.agent().isEnabled()) {
            if (configFlag(q.args()) == null && config.source() != null) {
                // the user's config turns the warm process off: this one goes, and a marker beside its socket tells
                // the client to run commands without one until the config file changes
                try {
                    Path off = Path.of(socket + ".off");
                    Path tmp = Path.of(socket + ".off.tmp");
                    Files.writeString(tmp, config.source().toAbsolutePath().toString());
                    Files.move(tmp, off, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    LOG.warn("agent: cannot write the marker beside {}: {}", socket, e.toString());
                }
                retiring = true;
                try {
                    if (ours()) Files.deleteIfExists(socket);
                } catch (IOException e) {
                    // best effort
                }
            }
            return "agent.enabled is false";
        }
        return null;
    }

    private static Path configFlag(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("-")) break;
            if (a.equals("--config") && i + 1 < args.size()) return Path.of(args.get(i + 1));
            if (a.startsWith("--config=")) return Path.of(a.substring("--config=".length()));
        }
        return null;
    }

    /** Reads the idle time from the config the agent was started with. */
    static final class AgentConfigDefaults {
        private AgentConfigDefaults() {}

        static Duration idle(Map<String, String> env) {
            try {
                return Main.loader(env).load(null, env).agent().idle();
            } catch (RuntimeException e) {
                return io.cloudtui.config.AgentConfig.DEFAULTS.idle();
            }
        }
    }
}
