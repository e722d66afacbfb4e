package io.cloudtui.host;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.config.Config;
import io.cloudtui.config.HostConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.BackendProvider;
import io.cloudtui.core.Backends;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's remote hosts: those of {@code hosts:} in the config, the one {@code -H} names (then
 * alone), and the one DOCKER_HOST or the docker context names with an ssh:// URL. Each is connected
 * in a thread of its own (a slow host does not hold the others up), its engines found (or taken as
 * pinned), and its backends opened over its one connection, named HOST/TYPE. Closed with the
 * session's backends and, for ctrl-c and SIGTERM, by a shutdown hook: no ssh process or socket
 * file outlives cloudtui.
 */
public final class Hosts implements Backends.Remote {
    private static final Logger LOG = LoggerFactory.getLogger(Hosts.class);

    /** A host to open: its name, where, and the engines pinned for it (empty: discover). */
    record Wanted(String name, SshTarget target, List<String> pinned, boolean dockerOnly, String source) {}

    private final Config config;
    private final Map<String, String> env;
    private final Wanted only;
    private final List<Host> hosts = new ArrayList<>();
    private Path dir;
    private Thread hook;
    private boolean closed;
    private Boolean replacesDocker;
    /** The UI: hosts connect in the background and their backends come later, through {@link #start}. */
    private volatile boolean live;
    /** Hosts to connect, with what was wanted of each, kept from {@link #open} until {@link #start}. */
    private final List<Map.Entry<Host, Wanted>> pending = new ArrayList<>();
    private Map<String, BackendProvider> providers;

    /** The prefix of the next host's files in the process's directory. */
    private static final java.util.concurrent.atomic.AtomicInteger SERIAL = new java.util.concurrent.atomic.AtomicInteger();

    private Hosts(Config config, Map<String, String> env, Wanted only) {
        this.config = config;
        this.env = env;
        this.only = only;
    }

    /**
     * The remote hosts of a session with CONFIG and ENV, and HOST from {@code -H} (null: none). A bad
     * {@code -H} is a usage error now, before any command runs; nothing connects until {@link #open}.
     */
    public static Hosts of(Config config, Map<String, String> env, String host) {
        Wanted only = null;
        if (host != null) {
            for (HostConfig h : config.hosts()) {
                if (h.name().equals(host)) only = new Wanted(h.name(), SshTarget.parse(h.ssh()), h.backends(), false, "config");
            }
            if (only == null) {
                if (host.isBlank()) throw CloudtuiException.usage("-H: empty host");
                SshTarget t = SshTarget.parse(host);
                only = new Wanted(t.defaultName(), t, List.of(), false, "-H");
            }
        }
        return new Hosts(config, env, only);
    }

    @Override
    public boolean keepsLocal() {
        return only == null;
    }

    @Override
    public synchronized boolean replacesDocker() {
        if (replacesDocker == null) replacesDocker = only == null && dockerHost() != null;
        return replacesDocker;
    }

    /** The ssh:// endpoint of DOCKER_HOST or the docker context, or null. */
    private String[] dockerHost() {
        try {
            return io.cloudtui.docker.DockerProvider.sshEndpoint().orElse(null);
        } catch (CloudtuiException e) {
            return null; // a broken context: docker's autodetection says so
        }
    }

    @Override
    public synchronized boolean hasHosts() {
        return !hosts.isEmpty();
    }

    /** The hosts of this session (for the UI, and tests). */
    public synchronized List<Host> hosts() {
        return List.copyOf(hosts);
    }

    /** The hosts named by the command (its ids, its --backend), or null: every host. */
    private volatile java.util.Set<String> scope;

    /**
     * A command aimed at the hosts NAMES ("local" for this machine) alone: {@link #open} connects
     * only those; the others are not in the session. Ignored with {@code -H}, which names its host already.
     */
    public void narrow(java.util.Set<String> names) {
        if (only == null) scope = java.util.Set.copyOf(names);
    }

    /**
     * The full-screen UI: {@link #open} connects nothing and returns at once; {@link #start} then
     * connects each host on a thread of its own, retrying with backoff until it is there, and hands
     * its backends over as they open.
     */
    @Override
    public void live() {
        live = true;
    }

    @Override
    public void start(Backends.Sink sink) {
        List<Map.Entry<Host, Wanted>> todo;
        synchronized (this) {
            if (closed) return;
            todo = List.copyOf(pending);
            pending.clear();
        }
        for (Map.Entry<Host, Wanted> e : todo) {
            Host h = e.getKey();
            Wanted w = e.getValue();
            h.live(host -> {
                Opened o = openEngines(host, w, providers, java.util.Set.of());
                // lines of an earlier try that no longer hold (a host that said "no docker" then got one)
                sink.cleared(host.name() + "/");
                o.failed().forEach(sink::failed);
                for (Backend b : o.backends()) sink.added(b);
                watch(host, w, sink, o);
            });
        }
    }

    @Override
    public List<Backend> open(Map<String, BackendProvider> providers, Map<String, String> failed) {
        List<Wanted> wanted = new ArrayList<>();
        if (only != null) {
            wanted.add(only);
        } else {
            for (HostConfig h : config.hosts()) {
                if (h.isEnabled()) wanted.add(new Wanted(h.name(), SshTarget.parse(h.ssh()), h.backends(), false, "config"));
            }
            String[] dh = dockerHost();
            if (dh != null) {
                try {
                    SshTarget t = SshTarget.parse(dh[0]);
                    // a host of the config already: its connection and its docker serve DOCKER_HOST too
                    if (wanted.stream().noneMatch(w -> w.target().equals(t))) wanted.add(new Wanted(t.defaultName(), t, List.of(), true, dh[1]));
                } catch (CloudtuiException e) {
                    failed.put("docker", dh[1] + ": " + e.getMessage());
                }
            }
        }
        java.util.Set<String> sc = scope;
        if (sc != null) wanted.removeIf(w -> !sc.contains(w.name()));
        if (wanted.isEmpty()) return List.of();
        synchronized (this) {
            if (closed) return List.of();
            try {
                ensureDir();
            } catch (IOException | RuntimeException e) {
                for (Wanted w : wanted) failed.put(w.name(), w.name() + ": cannot make a private directory for its ssh sockets: " + e.getMessage());
                return List.of();
            }
        }
        SshOptions options = SshOptions.of(env);
        this.providers = providers;
        List<CompletableFuture<Opened>> futures = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            Wanted w = wanted.get(i);
            // unique in the process: the warm agent holds several sessions' hosts in its one directory
            Host h = new Host(w.name(), w.target(), options, dir, "h" + SERIAL.getAndIncrement());
            synchronized (this) {
                hosts.add(h);
                if (live) {
                    pending.add(Map.entry(h, w));
                    continue;
                }
            }
            // a thread of its own per host: a slow one does not hold the others up
            futures.add(CompletableFuture.supplyAsync(() -> openHost(h, w, providers), r -> {
                Thread t = new Thread(r, "cloudtui-host-" + w.name());
                t.setDaemon(true);
                t.start();
            }));
        }
        List<Backend> out = new ArrayList<>();
        for (CompletableFuture<Opened> f : futures) {
            Opened o = f.join();
            out.addAll(o.backends());
            failed.putAll(o.failed());
        }
        return out;
    }

    /** The session's directory for ssh sockets, made (with the hook that closes the hosts) the first time. */
    private synchronized Path ensureDir() throws IOException {
        if (dir == null) {
            dir = SessionDir.create(env);
            hook = new Thread(this::close, "cloudtui-ssh-close");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        return dir;
    }

    /** Docker backends of machines reached ad hoc ({@link #reach}), by the name they were reached by. */
    private final Map<String, Backend> reached = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A machine that is not a host of the session (a swarm node), by the first of NAMES the user's ssh
     * reaches ({@code ssh NAME} as the user would: their ~/.ssh/config, agent and known_hosts, no
     * prompt), opened as an ad-hoc host of the session: its Docker engine. Kept for the session.
     */
    @Override
    public Backend reach(List<String> names, Map<String, BackendProvider> providers) {
        List<String> why = new ArrayList<>();
        for (String n : names) {
            if (n == null || n.isBlank()) continue;
            Backend known = reached.get(n);
            if (known != null) return known;
            SshTarget t;
            try {
                t = SshTarget.parse(n);
            } catch (CloudtuiException e) {
                why.add(e.getMessage());
                continue;
            }
            Path d;
            synchronized (this) {
                if (closed) throw new CloudtuiException("the session is closing");
                try {
                    d = ensureDir();
                } catch (IOException | RuntimeException e) {
                    throw new CloudtuiException("cannot make a private directory for ssh sockets: " + e.getMessage());
                }
            }
            Host h = new Host(t.defaultName(), t, SshOptions.of(env), d, "h" + SERIAL.getAndIncrement());
            Opened o = openHost(h, new Wanted(t.defaultName(), t, List.of(), true, "swarm node"), providers);
            Backend docker = o.backends().stream().findFirst().orElse(null);
            if (docker == null) {
                h.close();
                why.add(o.failed().isEmpty() ? n + ": no Docker engine" : String.join("; ", o.failed().values()));
                continue;
            }
            synchronized (this) {
                hosts.add(h);
            }
            reached.put(n, docker);
            return docker;
        }
        throw new CloudtuiException(why.isEmpty() ? "no name to reach it by" : String.join("; ", why));
    }

    private record Opened(List<Backend> backends, Map<String, String> failed) {}

    private Opened openHost(Host h, Wanted w, Map<String, BackendProvider> providers) {
        try {
            h.connect();
            return openEngines(h, w, providers, java.util.Set.of());
        } catch (CloudtuiException e) {
            return new Opened(List.of(), Map.of(h.name(), e.getMessage()));
        }
    }

    /**
     * On connected host H: its engines found (or taken as pinned), forwarded and opened as backends;
     * what cannot be used is a line each. Throws when the host itself cannot be asked (its
     * connection went meanwhile).
     */
    private Opened openEngines(Host h, Wanted w, Map<String, BackendProvider> providers, java.util.Set<String> open) {
        List<Backend> out = new ArrayList<>();
        Map<String, String> failed = new LinkedHashMap<>();
        {
            List<Host.Found> found;
            String user = null;
            boolean noEngine = false;
            if (!w.pinned().isEmpty()) {
                found = new ArrayList<>();
                for (String t : w.pinned()) found.add(new Host.Found(t, PINNED.get(t), true, null));
            } else {
                String text = h.run(Host.DISCOVER);
                found = Host.parseDiscovery(text);
                user = Host.user(text);
                noEngine = Host.noEngine(text);
            }
            Map<String, Host.Found> use = new LinkedHashMap<>();
            Map<String, Host.Found> denied = new LinkedHashMap<>();
            for (Host.Found f : found) {
                if (w.dockerOnly() && f.kind().startsWith("libvirt")) continue;
                // DOCKER_HOST's Docker is whichever Docker-compatible socket answers there, as `docker system dial-stdio` finds it
                String kind = w.dockerOnly() ? "docker" : f.kind();
                if (f.writable()) use.putIfAbsent(kind, f);
                else denied.putIfAbsent(kind, f);
            }
            for (Map.Entry<String, Host.Found> e : denied.entrySet()) {
                if (use.containsKey(e.getKey())) continue;
                Host.Found f = e.getValue();
                failed.put(h.name() + "/" + e.getKey(), h.name() + ": permission denied on " + f.path() + " ("
                        + (user != null ? user : "the ssh user") + " is not in the '" + f.group() + "' group on " + h.name() + ")");
            }
            // no container engine this user may use there (or runtime pinned): cloudtui's own, run on the host as this user
            // (a Docker socket this user may not open, or a dockerd that is installed and stopped, is said as before:
            // pinning runtime is the user's choice then)
            boolean runtime = w.pinned().contains("runtime") || !w.dockerOnly() && w.pinned().isEmpty() && noEngine
                    && Stream.of("docker", "podman").noneMatch(k -> use.containsKey(k) || denied.containsKey(k));
            if (runtime) {
                use.remove("runtime");
                try {
                    out.add(new RemoteEngineBackend(h, RemoteEngine.open(h, env)));
                } catch (CloudtuiException ex) {
                    failed.put(h.name() + "/runtime", ex.getMessage());
                }
            }
            if (use.isEmpty() && denied.isEmpty() && !runtime) {
                failed.put(h.name(), h.name() + ": " + (w.dockerOnly() ? "no Docker or Podman socket found" : "neither Docker, Podman nor libvirt found")
                        + " (looked for /var/run/docker.sock, rootless Docker, Podman" + (w.dockerOnly() ? "" : ", libvirt") + ")");
            }
            for (Map.Entry<String, Host.Found> e : use.entrySet()) {
                String kind = e.getKey();
                String name = h.name() + "/" + kind;
                if (open.contains(name)) continue;
                try {
                    boolean libvirt = kind.startsWith("libvirt");
                    boolean session = kind.equals("libvirt-session");
                    // the session daemon may need starting (as libvirt's own client does); its socket is in the user's home or runtime dir
                    String remote = session ? h.run(Host.SESSION_START, null).strip() : e.getValue().path();
                    Path local = h.forward(session ? "session" : kind, remote);
                    if (!libvirt && h.channelFails(local)) {
                        if (h.socketRefuses(e.getValue().path())) {
                            // sshd tried the socket and nothing listens there: a dockerd that died and left its
                            // socket (ssh says "connect failed" for that and for a refused forward alike; the host tells)
                            failed.put(name, h.name() + ": cannot connect to the " + (kind.equals("podman") ? "Podman" : "Docker")
                                    + " engine on " + h.name() + " (connection refused on " + e.getValue().path() + "): is "
                                    + (kind.equals("podman") ? "podman's socket service" : "dockerd") + " running on " + h.name() + "?");
                            continue;
                        }
                        if (!w.pinned().isEmpty()) {
                            failed.put(name, h.name() + ": cannot reach " + e.getValue().path() + " through ssh: it is not there, or its sshd"
                                    + " refuses forwarding to unix sockets (AllowStreamLocalForwarding)");
                            continue;
                        }
                        // the socket is there (discovery saw it): every socket of the host is behind the same refusal
                        failed.put(h.name(), h.name() + ": its sshd refuses forwarding to unix sockets (AllowStreamLocalForwarding no"
                                + " in its sshd_config), which cloudtui needs to reach " + e.getValue().path());
                        out.clear();
                        break;
                    }
                    out.add(libvirt
                            ? providers.get("libvirt").create(new BackendConfig(name, "libvirt", true, null, null, null,
                                    "qemu+unix:///" + (session ? "session" : "system") + "?socket=" + local, null, null, null,
                                    Map.of(io.cloudtui.libvirt.LibvirtProvider.REMOTE_HOST, h)))
                            : providers.get("docker").create(new BackendConfig(name, "docker", true, "unix://" + local, null, null,
                                    null, null, null, null, Map.of(io.cloudtui.docker.DockerProvider.REMOTE_HOST, h.name(),
                                            io.cloudtui.docker.DockerProvider.HOST_CGROUPS, h.cgroups()))));
                } catch (CloudtuiException ex) {
                    failed.put(name, ex.getMessage());
                } catch (RuntimeException ex) {
                    LOG.warn("{}: opening {}", h.name(), name, ex);
                    failed.put(name, name + ": " + ex.getMessage());
                }
            }
        }
        return new Opened(out, failed);
    }

    /** How often a connected host (in the UI) whose engines could not all be opened is looked at again. */
    static final java.time.Duration REDISCOVER = java.time.Duration.ofSeconds(
            Long.getLong("cloudtui.rediscoverSeconds", 15));

    /** Per host, the latest opening's number: a watch of an earlier one ends. */
    private final Map<String, Integer> openings = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * After host H opened with FIRST in the UI: while something of it could not be opened (no Docker
     * found yet, a dockerd that left its socket and is not running, a denied socket), it is looked at
     * again every {@link #REDISCOVER} while connected, and what opens then joins the session with no key
     * pressed (a dockerd started after the host connected). A reconnection opens everything afresh and
     * starts its own watch.
     */
    private void watch(Host h, Wanted w, Backends.Sink sink, Opened first) {
        int opening = openings.merge(h.name(), 1, Integer::sum);
        if (first.failed().isEmpty() || !w.pinned().isEmpty()) return;
        java.util.Set<String> open = new java.util.HashSet<>();
        first.backends().forEach(b -> open.add(b.name()));
        Thread t = new Thread(() -> {
            Map<String, String> said = new LinkedHashMap<>(first.failed());
            while (true) {
                try {
                    Thread.sleep(REDISCOVER.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                synchronized (this) {
                    if (closed) return;
                }
                if (openings.getOrDefault(h.name(), 0) != opening) return;
                if (h.state() != Host.State.CONNECTED) continue; // its reconnection opens everything again
                Opened o;
                try {
                    o = openEngines(h, w, providers, open);
                } catch (CloudtuiException e) {
                    continue;
                }
                if (openings.getOrDefault(h.name(), 0) != opening) {
                    o.backends().forEach(Backend::close);
                    return;
                }
                if (o.backends().isEmpty() && o.failed().equals(said)) continue;
                LOG.info("{}: looked at again: {} opened, {} not", h.name(), o.backends().stream().map(Backend::name).toList(), o.failed().keySet());
                sink.cleared(h.name() + "/");
                o.failed().forEach(sink::failed);
                for (Backend b : o.backends()) {
                    sink.added(b);
                    open.add(b.name());
                }
                said = new LinkedHashMap<>(o.failed());
                if (said.isEmpty()) return;
            }
        }, "cloudtui-host-watch-" + h.name());
        t.setDaemon(true);
        t.start();
    }

    /** Where a pinned engine's socket is. */
    private static final Map<String, String> PINNED = Map.of(
            "docker", "/var/run/docker.sock", "podman", "/run/podman/podman.sock", "libvirt", "/var/run/libvirt/libvirt-sock",
            "libvirt-session", "(the session daemon's, found when it opens)");

    @Override
    public void close() {
        List<Host> hs;
        Path d;
        synchronized (this) {
            if (closed) return;
            closed = true;
            hs = List.copyOf(hosts);
            d = dir;
            if (hook != null && Thread.currentThread() != hook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook runs this too
                }
            }
        }
        hs.parallelStream().forEach(Host::close);
        // this session's files (ssh's leftovers too); the directory goes once no other session of this process (the warm
        // agent) has hosts in it
        if (d != null) SessionDir.removeOwn(d, hs.stream().map(Host::prefix).toList());
    }

    /**
     * Whether every host of this session is connected and answers within the ssh connect timeout (one
     * round trip through its connection, the hosts in parallel): a session kept open between commands
     * (the warm agent) is reused only then. A link that went down without ssh noticing yet fails here.
     */
    @Override
    public boolean healthy() {
        java.time.Duration timeout = java.time.Duration.ofSeconds(SshOptions.of(env).connectTimeout());
        List<Host> hs;
        synchronized (this) {
            if (closed || !pending.isEmpty()) return false;
            hs = List.copyOf(hosts);
        }
        if (hs.stream().anyMatch(h -> h.state() != Host.State.CONNECTED)) return false;
        List<CompletableFuture<Boolean>> fs = new ArrayList<>();
        for (Host h : hs) {
            fs.add(CompletableFuture.supplyAsync(() -> h.responds(timeout), r -> {
                Thread t = new Thread(r, "cloudtui-host-probe-" + h.name());
                t.setDaemon(true);
                t.start();
            }));
        }
        return fs.stream().allMatch(CompletableFuture::join);
    }

    /** Whether every host of this session is still connected as far as ssh knows (no round trip). */
    @Override
    public synchronized boolean connected() {
        return !closed && hosts.stream().allMatch(h -> h.state() == Host.State.CONNECTED);
    }

    /**
     * Ends the masters that processes of this user left running (killed with SIGKILL) in the ssh
     * directory ENV gives, and removes their directories: what the warm agent does when it starts.
     */
    public static void sweepOrphans(Map<String, String> env) {
        try {
            Path base = SessionDir.base(env);
            if (Files.isDirectory(base, java.nio.file.LinkOption.NOFOLLOW_LINKS)) SessionDir.sweep(base, Long.toString(ProcessHandle.current().pid()));
        } catch (IOException | RuntimeException e) {
            LOG.debug("sweeping orphaned ssh masters", e);
        }
    }

    /** The private directory of one session's ssh sockets. */
    static final class SessionDir {
        /** unix sockets take 107 bytes; ssh makes its control socket at CTL + 17 characters first. */
        static final int MAX = 107 - 17 - "/h0000-libvirt.sock".length();

        private SessionDir() {}

        /**
         * $XDG_RUNTIME_DIR/cloudtui/ssh/PID, else ~/.local/state/cloudtui/ssh/PID, else (a path too
         * long for a socket) /tmp/cloudtui-UID-ssh/PID; each 0700. Directories of processes that
         * are gone (killed) are removed on the way, and the masters they left running are ended.
         */
        static Path create(Map<String, String> env) throws IOException {
            String pid = Long.toString(ProcessHandle.current().pid());
            Path base = base(env);
            Files.createDirectories(base.getParent());
            if (!Files.isDirectory(base)) {
                try {
                    Files.createDirectory(base, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // made meanwhile
                }
            }
            sweep(base, pid);
            Path d = base.resolve(pid);
            Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return d;
        }

        /** The per-user directory that holds one directory per process: see {@link #create}. */
        static Path base(Map<String, String> env) throws IOException {
            String pid = Long.toString(ProcessHandle.current().pid());
            String xdg = env.get("XDG_RUNTIME_DIR");
            Path base = xdg != null && !xdg.isBlank() && Files.isDirectory(Path.of(xdg))
                    ? Path.of(xdg, "cloudtui", "ssh")
                    : io.cloudtui.core.Dirs.home(env).resolve(".local/state/cloudtui/ssh");
            if (base.resolve(pid).toString().length() > MAX) {
                base = Path.of("/tmp", "cloudtui-" + uid() + "-ssh");
            }
            return base;
        }

        /** BASE checked as this user's own (0700), and the directories in it of processes that are gone removed, their masters ended. */
        static void sweep(Path base, String pid) throws IOException {
            // ours, and nobody else's to read: a shared /tmp must not hand us someone else's directory
            if (Files.isSymbolicLink(base) || ((Number) Files.getAttribute(base, "unix:uid")).longValue() != uid()) {
                throw new IOException(base + " is not this user's");
            }
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx------"));
            try (var ds = Files.list(base)) {
                for (Path p : ds.toList()) {
                    String n = p.getFileName().toString();
                    if (n.matches("[0-9]+") && !n.equals(pid) && gone(n)) removeOrphaned(p);
                }
            }
        }

        /**
         * The directory of a cloudtui that is gone without closing its hosts (SIGKILL): its masters may
         * still run, connected, their control sockets in D; each is told to exit ({@code ssh -S CTL -O
         * exit}), then D goes.
         */
        static void removeOrphaned(Path d) {
            try (var ds = Files.list(d)) {
                for (Path p : ds.filter(f -> f.getFileName().toString().endsWith(".ctl")).toList()) {
                    try {
                        Process x = new ProcessBuilder("ssh", "-S", p.toString(), "-O", "exit", "cloudtui-orphan")
                                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                        if (!x.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) x.destroyForcibly();
                    } catch (IOException e) {
                        LOG.debug("ending the master of {}", p, e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            } catch (IOException e) {
                LOG.debug("listing {}", d, e);
            }
            remove(d);
        }

        /** Whether process PID is gone: not there, or a zombie that its parent has not reaped yet (killed with SIGKILL). */
        static boolean gone(String pid) {
            try {
                String stat = Files.readString(Path.of("/proc", pid, "stat"));
                int close = stat.lastIndexOf(')');
                return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) == 'Z' || stat.charAt(close + 2) == 'X';
            } catch (IOException e) {
                return true;
            }
        }

        /** The files in D of the hosts with PREFIXES, then D if nothing is left in it. */
        static void removeOwn(Path d, List<String> prefixes) {
            try (var ds = Files.list(d)) {
                for (Path p : ds.toList()) {
                    String n = p.getFileName().toString();
                    if (prefixes.stream().anyMatch(x -> n.startsWith(x + ".") || n.startsWith(x + "-"))) Files.deleteIfExists(p);
                }
                Files.deleteIfExists(d);
            } catch (IOException e) {
                // another session's files are still there (the warm agent)
            }
        }

        static void remove(Path d) {
            try (var ds = Files.list(d)) {
                for (Path p : ds.toList()) Files.deleteIfExists(p);
                Files.deleteIfExists(d);
            } catch (IOException e) {
                LOG.debug("removing {}", d, e);
            }
        }

        private static long uid() throws IOException {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        }
    }
}
