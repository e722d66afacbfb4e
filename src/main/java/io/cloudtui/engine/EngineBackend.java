package io.cloudtui.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.ImageInfo;
import io.cloudtui.core.ImageSupport;
import io.cloudtui.core.JsonTrees;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.RunSupport;
import io.cloudtui.core.State;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.core.WorkloadId;
import io.cloudtui.core.WorkloadKind;
import io.cloudtui.engine.image.Image;
import io.cloudtui.engine.image.ImageStore;
import io.cloudtui.runtime.oci.OciRuntime;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cloudtui's daemonless container engine: images from {@link ImageStore}, containers run by the
 * bundled OCI runtime ({@link OciRuntime}) with one small monitor each, and everything else kept
 * in files. Per container, {@code <store>/containers/<id>/} holds container.json (what was asked
 * and what happened), bundle/config.json, the root filesystem (an overlayfs mount over the image's
 * layers, or a copy where overlayfs is unavailable) and the log. No process runs between commands
 * except the containers and their monitors.
 */
public final class EngineBackend implements Backend, RunSupport, ImageSupport, io.cloudtui.core.NetworkSupport {
    private static final Logger LOG = LoggerFactory.getLogger(EngineBackend.class);
    private static final Set<Capability> CAPS = EnumSet.of(Capability.LIST, Capability.EVENTS, Capability.START, Capability.STOP,
            Capability.RESTART, Capability.KILL, Capability.PAUSE, Capability.UNPAUSE, Capability.REMOVE, Capability.LOGS,
            Capability.EXEC, Capability.ATTACH, Capability.INSPECT, Capability.STATS, Capability.RUN, Capability.IMAGES, Capability.NETWORKS);

    private final String name;
    private final Path containers;
    private final Path runtimeRoot;
    private final ImageStore images;
    private final Networks networks;
    private volatile OciRuntime runtime;
    private long logMax = 10L << 20;
    private int logKeep = 2;
    private boolean hpc;

    public EngineBackend(String name, Path store, Path runtimeRoot, ImageStore images) {
        this.name = name;
        this.containers = store.resolve("containers");
        this.runtimeRoot = runtimeRoot;
        this.images = images;
        this.networks = new Networks(store);
    }

    /** The label {@code run --network-alias} records its aliases in (comma-separated). */
    public static final String ALIASES_LABEL = "io.cloudtui.network.aliases";

    /** The networks of {@code cloudtui networks} and the UI's list (none for a rootless engine). */
    @Override
    public List<io.cloudtui.core.NetworkSupport.Network> networks() {
        if (RootFs.rootless()) return List.of();
        return networks.list().stream().map(n -> new io.cloudtui.core.NetworkSupport.Network(name, n.id(), n.name(), "bridge", "local")).toList();
    }

    /** This engine's networks (as root). */
    public Networks networkStore() {
        if (RootFs.rootless()) throw new CloudtuiException("networks of the runtime backend need root (rootless containers have --network none or host)");
        return networks;
    }

    /** A network of the store (not none, host or default, which need no bridge). */
    static boolean named(String net) {
        return net != null && !net.isEmpty() && !net.equals("none") && !net.equals("host") && !net.equals("default");
    }

    /** {@code network rm}: refused in one line while a container of this engine is on it. */
    public void removeNetwork(String network) {
        networkStore().remove(network, this::exists);
    }

    private boolean exists(String id) {
        return Files.isRegularFile(dir(id).resolve("container.json"));
    }

    /** Container logs rotate at {@code maxBytes}, keeping {@code keep} old files (default 10 MiB, 2). */
    public EngineBackend withLogRotation(long maxBytes, int keep) {
        this.logMax = maxBytes;
        this.logKeep = keep;
        return this;
    }

    /** Every container is run as {@code run --hpc} runs one (the backend option {@code hpc: true}). */
    public EngineBackend withHpc(boolean on) {
        this.hpc = on;
        return this;
    }

    /** The defaults: /var/lib/cloudtui and /run/cloudtui/engine as root, XDG directories otherwise. */
    public static EngineBackend defaults(String name) {
        return new EngineBackend(name, defaultStore(), defaultRuntimeRoot(), null);
    }

    static Path defaultStore() {
        if ("root".equals(System.getProperty("user.name"))) return Path.of("/var/lib/cloudtui");
        String xdg = System.getenv("XDG_DATA_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : io.cloudtui.core.Dirs.home().resolve(".local").resolve("share")).resolve("cloudtui");
    }

    /**
     * Rootless: $XDG_RUNTIME_DIR/cloudtui/engine; without XDG_RUNTIME_DIR, $XDG_STATE_HOME/cloudtui/engine
     * (~/.local/state), never a shared directory such as /tmp that others could prepare for us.
     */
    static Path defaultRuntimeRoot() {
        if ("root".equals(System.getProperty("user.name"))) return Path.of("/run/cloudtui/engine");
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "cloudtui", "engine");
        String state = System.getenv("XDG_STATE_HOME");
        return (state != null && !state.isBlank() ? Path.of(state) : io.cloudtui.core.Dirs.home().resolve(".local").resolve("state")).resolve("cloudtui/engine");
    }

    private volatile boolean privateDone;

    /**
     * Rootless, the store and the runtime state (and, for the default state root, its cloudtui
     * parent, which also holds the native stage) are ours alone: created 0700, or made so.
     */
    private void privateDirs() {
        if (privateDone || !RootFs.rootless()) return;
        List<Path> dirs = new ArrayList<>(List.of(containers.getParent(), runtimeRoot));
        if (runtimeRoot.equals(defaultRuntimeRoot())) dirs.add(0, runtimeRoot.getParent());
        for (Path d : dirs) {
            try {
                if (!Files.isDirectory(d)) {
                    Files.createDirectories(d.getParent());
                    try {
                        Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    } catch (java.nio.file.FileAlreadyExistsException e) {
                        // a concurrent CLI made it
                    }
                }
                if (Files.isSymbolicLink(d)) throw new CloudtuiException(d + " is a symlink: refusing to keep private state there");
                var a = Files.readAttributes(d, java.nio.file.attribute.PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (!a.owner().getName().equals(System.getProperty("user.name"))) {
                    throw new CloudtuiException(d + " belongs to " + a.owner().getName() + ", not to you: refusing to keep private state there");
                }
                if (!a.permissions().equals(PosixFilePermissions.fromString("rwx------"))) {
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
                }
            } catch (IOException e) {
                throw new CloudtuiException("cannot use " + d + ": " + e.getMessage());
            }
        }
        privateDone = true;
    }

    private ImageStore images() {
        if (images != null) return images;
        privateDirs();
        return ImageStoreHolder.get(containers.getParent().resolve("images"));
    }

    /** One store object per path in this JVM (it repairs on open; opening it once is enough). */
    private static final class ImageStoreHolder {
        private static final Map<Path, ImageStore> STORES = new HashMap<>();

        static synchronized ImageStore get(Path p) {
            return STORES.computeIfAbsent(p, ImageStore::new);
        }
    }

    private OciRuntime runtime() {
        OciRuntime r = runtime;
        if (r == null) {
            synchronized (this) {
                if (runtime == null) {
                    privateDirs();
                    runtime = new OciRuntime(runtimeRoot, msg -> LOG.warn("runtime: {}", msg));
                }
                r = runtime;
            }
        }
        return r;
    }

    @Override public String name() { return name; }
    @Override public String type() { return "runtime"; }
    @Override public String endpoint() { return containers.getParent().toString(); }
    @Override public Set<Capability> capabilities() { return CAPS; }

    @Override
    public void ping() {
        privateDirs();
        try {
            Files.createDirectories(containers);
        } catch (IOException e) {
            throw new CloudtuiException("cannot use the container store " + containers + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {}

    // ---------------------------------------------------------------- records

    private Path dir(String id) {
        return containers.resolve(id);
    }

    private ObjectNode record(String id) {
        try {
            return (ObjectNode) JsonTrees.read(dir(id).resolve("container.json"));
        } catch (IOException | ClassCastException e) {
            throw CloudtuiException.noSuchWorkload(name + ":" + id);
        }
    }

    private void save(String id, ObjectNode rec) {
        Path f = dir(id).resolve("container.json");
        Path tmp = dir(id).resolve("container.json.tmp");
        try {
            Files.writeString(tmp, JsonTrees.pretty(rec));
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new CloudtuiException("cannot write " + f + ": " + e.getMessage());
        }
    }

    /** Runs {@code body} holding the store-wide lock (names, create, remove), also against other cloudtui processes. */
    private <T> T locked(Callable<T> body) {
        privateDirs();
        try {
            Files.createDirectories(containers);
            Files.setPosixFilePermissions(containers, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new CloudtuiException("cannot use the container store " + containers + ": " + e.getMessage());
        }
        try (FileChannel ch = FileChannel.open(containers.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock l = ch.lock()) {
            removeHalfCreated();
            return body.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new CloudtuiException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    /**
     * A create holds the store lock until container.json is written: under the lock, a container
     * directory without one is what a create killed midway (kill -9, a crash) left. It is removed,
     * its overlay unmounted first, so nothing half-made stays behind or mounted.
     */
    private void removeHalfCreated() {
        if (!Files.isDirectory(containers)) return;
        try (var s = Files.list(containers)) {
            for (Path d : s.toList()) {
                if (!Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.exists(d.resolve("container.json"))) continue;
                String id = d.getFileName().toString();
                try {
                    if (runtimeState(id) != null) runtime().delete(id, true);
                    RootFs.remove(d);
                    LOG.info("removed {}: left by a create that did not finish", d);
                } catch (RuntimeException e) {
                    LOG.warn("cannot remove the half-created container {}: {}", d, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.debug("listing {}: {}", containers, e.toString());
        }
    }

    private List<String> ids() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(containers)) return out;
        try (var s = Files.list(containers)) {
            s.filter(p -> Files.isRegularFile(p.resolve("container.json"))).forEach(p -> out.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new CloudtuiException("cannot list " + containers + ": " + e.getMessage());
        }
        return out;
    }

    /** An id, a unique id prefix, or a name. */
    String resolve(String ref) {
        if (ref.startsWith(name + ":")) ref = ref.substring(name.length() + 1);
        List<String> prefix = new ArrayList<>();
        for (String id : ids()) {
            if (id.equals(ref)) return id;
            try {
                if (record(id).path("name").asText().equals(ref)) return id;
            } catch (CloudtuiException e) {
                continue;
            }
            if (ref.length() >= 3 && id.startsWith(ref)) prefix.add(id);
        }
        if (prefix.size() == 1) return prefix.get(0);
        if (prefix.size() > 1) throw CloudtuiException.usage("'" + ref + "' is ambiguous on " + name + ": " + prefix.size() + " containers match");
        throw CloudtuiException.noSuchWorkload(name + ":" + ref);
    }

    // ---------------------------------------------------------------- state

    /** The runtime's view of a container, or null when it has no runtime state (never started, or cleaned up). */
    private ObjectNode runtimeState(String id) {
        if (!Files.isDirectory(runtimeRoot.resolve(id))) return null;
        try {
            return runtime().state(id);
        } catch (CloudtuiException e) {
            return null;
        }
    }

    /**
     * Brings container.json up to date with the runtime: an init that exited (maybe while no cloudtui
     * ran) leaves its exit code in the runtime state, which moves into the record; the runtime
     * state is then deleted, so the next start creates the container afresh.
     */
    private ObjectNode refresh(String id) {
        ObjectNode rec = record(id);
        ObjectNode st = runtimeState(id);
        String status = st == null ? null : st.path("status").asText();
        if (st != null && status.equals("stopped")) {
            rec.put("state", "exited");
            if (st.has("exitCode")) rec.put("exitCode", st.get("exitCode").asInt());
            if (st.path("oomKilled").asBoolean()) rec.put("oomKilled", true);
            rec.put("finished", rec.path("finished").asText(Instant.now().toString()));
            save(id, rec);
            if (!ports(rec).isEmpty() && !RootFs.rootless()) networks.unpublish(id);
            try {
                runtime().delete(id, true);
            } catch (CloudtuiException e) {
                LOG.debug("delete runtime state of {}: {}", id, e.getMessage());
            }
        } else if (st != null) {
            rec.put("state", status);
        }
        return rec;
    }

    private static State state(String s) {
        return switch (s) {
            case "running" -> State.RUNNING;
            case "paused" -> State.PAUSED;
            case "created", "creating" -> State.CREATED;
            case "exited", "stopped" -> State.STOPPED;
            default -> State.UNKNOWN;
        };
    }

    private Workload workload(String id, ObjectNode rec) {
        State s = state(rec.path("state").asText("created"));
        String status = switch (s) {
            case STOPPED -> "exited (" + rec.path("exitCode").asInt(0) + ")" + (rec.path("oomKilled").asBoolean() ? " oom-killed" : "");
            default -> s.label();
        };
        Map<String, String> labels = new HashMap<>();
        rec.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        Instant started = s.isActive() && rec.hasNonNull("started") ? Instant.parse(rec.get("started").asText()) : null;
        return new Workload(new WorkloadId(name, id), rec.path("name").asText(), WorkloadKind.CONTAINER, rec.path("image").asText(),
                String.join(" ", strings(rec.path("args"))), s, status, Instant.parse(rec.path("created").asText()), started,
                s.isActive() ? Networks.portsText(ports(rec)) : List.of(),
                labels, "local");
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(x -> out.add(x.asText()));
        return out;
    }

    @Override
    public List<Workload> list(boolean all) {
        List<Workload> out = new ArrayList<>();
        Map<String, ObjectNode> published = new HashMap<>();
        for (String id : ids()) {
            try {
                ObjectNode rec = refresh(id);
                if (rec.path("autoRemove").asBoolean() && "exited".equals(rec.path("state").asText()) && nobodyWaitsFor(id)) {
                    // --rm, and no cloudtui waits to report its exit (run -d --rm, or a run that was killed): as docker's daemon would
                    remove(id, true);
                    continue;
                }
                Workload w = workload(id, rec);
                if (all || w.state().isActive()) out.add(w);
                if (w.state().isActive() && !ports(rec).isEmpty()) published.put(id, rec);
            } catch (CloudtuiException e) {
                LOG.debug("skipping {}: {}", id, e.getMessage()); // removed meanwhile
            }
        }
        reconcile(published);
        return out;
    }

    @Override
    public Workload get(String ref) {
        String id = resolve(ref);
        return workload(id, refresh(id));
    }

    // ---------------------------------------------------------------- create / start

    @Override
    public String create(RunSpec spec) {
        boolean rootless = RootFs.rootless();
        if (!spec.ports().isEmpty()) {
            if (!named(spec.network()) || rootless || spec.hpc() != null) {
                throw new CloudtuiException("-p: the runtime backend publishes ports of containers on a network (--network bridge or NAME, as root), not with --network none or host");
            }
            for (RunSpec.Port p : spec.ports()) {
                if (p.hostPort() == 0) throw CloudtuiException.usage("-p " + p.containerPort() + ": give the host port too (HOST:CONTAINER) on the runtime backend");
                if (!p.protocol().equals("tcp") && !p.protocol().equals("udp")) throw CloudtuiException.usage("-p: tcp or udp on the runtime backend");
                if (p.hostIp() != null && p.hostIp().contains(":")) throw CloudtuiException.usage("-p: IPv4 host addresses only on the runtime backend");
            }
        }
        if (hpc && spec.hpc() == null) spec = spec.withHpc(new RunSpec.Hpc(false));
        if (named(spec.network()) && spec.hpc() == null) networkStore().get(spec.network()); // no such network: one line, before anything is made
        if (rootless && spec.hpc() == null && (spec.memoryBytes() != null || spec.cpus() != null || spec.pidsLimit() != null)) {
            throw new CloudtuiException("--memory, --cpus and --pids-limit need a cgroup, and a rootless container on the runtime backend gets none; run without them (or as root)");
        }
        return create(spec, images().inspect(spec.image()), HexFormat.of().formatHex(randomBytes()));
    }

    private String create(RunSpec spec, Image img, String id) {
        boolean rootless = RootFs.rootless();
        String cname = spec.name() != null ? spec.name() : "ctr-" + id.substring(0, 8);
        if (!cname.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}")) throw CloudtuiException.usage("invalid container name '" + cname + "'");
        return locked(() -> {
            for (String other : ids()) {
                if (record(other).path("name").asText().equals(cname)) {
                    throw CloudtuiException.usage("the name '" + cname + "' is already in use by " + name + ":" + other.substring(0, 12));
                }
            }
            Path d = dir(id);
            Files.createDirectory(d);
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(rootless ? "rwx------" : "rwx--x--x"));
            try {
                ObjectNode rec = JsonTrees.object();
                rec.put("id", id).put("name", cname).put("image", spec.image()).put("imageId", img.id()).put("created", Instant.now().toString())
                        .put("state", "created").put("autoRemove", spec.autoRemove()).put("tty", spec.tty());
                ObjectNode labels = rec.putObject("labels");
                img.config().labels().forEach(labels::put);
                spec.labels().forEach(labels::put);
                rec.set("spec", specJson(spec));
                RootFs.prepare(images(), img, d, id);
                String hostname = spec.hostname() != null && !spec.hostname().isEmpty() ? spec.hostname() : id.substring(0, 12);
                Path etc = d.resolve("etc");
                Files.createDirectories(etc);
                Files.writeString(etc.resolve("hostname"), hostname + "\n");
                Files.writeString(etc.resolve("hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t" + hostname + "\n");
                Path resolv = Path.of("/etc/resolv.conf");
                Files.writeString(etc.resolve("resolv.conf"), "host".equals(spec.network()) && Files.isReadable(resolv) ? Files.readString(resolv) : "");
                // mounted now (the image's /etc/passwd names the user) and left mounted for the start
                RootFs.mountNew(images(), img, d, msg -> LOG.warn("container {}: {}", id, msg));
                java.util.function.Function<String, Path> files = rel -> RootFs.imageFile(d, rel);
                BundleSpec.Ids ids = rootless || spec.hpc() != null ? RootFs.ids() : null;
                BundleSpec.Invoker who = spec.hpc() != null ? BundleSpec.Invoker.current(ids) : null;
                if (who != null) {
                    String group = "g" + who.gid();
                    for (String l : Files.readAllLines(Path.of("/etc/group"))) {
                        String[] f = l.split(":", -1);
                        if (f.length >= 3 && f[2].equals(String.valueOf(who.gid()))) group = f[0];
                    }
                    Files.writeString(etc.resolve("passwd"), BundleSpec.withInvoker(files.apply("etc/passwd"),
                            who.name() + ":x:" + who.uid() + ":" + who.gid() + "::" + who.home() + ":/bin/sh", who.uid()));
                    Files.writeString(etc.resolve("group"), BundleSpec.withInvoker(files.apply("etc/group"), group + ":x:" + who.gid() + ":", who.gid()));
                }
                if (rootless && who == null) {
                    BundleSpec.User u = BundleSpec.user(spec.user() != null ? spec.user() : img.config().user(), files);
                    mapped(u, spec.user() != null ? "user '" + spec.user() + "'" : "the image's user '" + img.config().user() + "'", ids);
                }
                ObjectNode config = BundleSpec.build(id, spec, img.config(), d.resolve("rootfs"), files, etc, hostname,
                        rootless || who != null ? null : "/cloudtui/" + id);
                if (who != null) {
                    BundleSpec.hpc(config, spec, img.config(), who, etc, rootless);
                    String overlay = rootless ? RootFs.usernsOverlay(d) : null;
                    if (overlay != null) ((ObjectNode) config.get("annotations")).put("io.cloudtui.rootfs.overlay", overlay);
                } else if (rootless) {
                    BundleSpec.rootless(config, RootFs.usernsOverlay(d), ids);
                }
                rec.set("args", config.path("process").path("args"));
                Files.createDirectories(d.resolve("bundle"));
                Files.writeString(d.resolve("bundle/config.json"), JsonTrees.pretty(config));
                save(id, rec);
                return id;
            } catch (IOException | RuntimeException e) {
                RootFs.remove(d);
                throw e instanceof CloudtuiException ce ? ce : new CloudtuiException("cannot create the container: " + e.getMessage(), e);
            }
        });
    }

    /**
     * The spec as container.json keeps it: what Jackson's valueToTree makes of the record (the same
     * fields in the same order, nulls included), built by hand since Jackson's introspection of the
     * three records cost each run milliseconds. EngineSpecJsonTest compares the two.
     */
    static ObjectNode specJson(RunSpec s) {
        ObjectNode o = JsonTrees.object();
        o.put("image", s.image()).put("name", s.name());
        strings(o.putArray("command"), s.command());
        if (s.entrypoint() == null) o.putNull("entrypoint");
        else strings(o.putArray("entrypoint"), s.entrypoint());
        ObjectNode env = o.putObject("env");
        s.env().forEach(env::put);
        var mounts = o.putArray("mounts");
        for (RunSpec.Mount m : s.mounts()) mounts.addObject().put("source", m.source()).put("target", m.target()).put("readOnly", m.readOnly());
        o.put("workdir", s.workdir());
        var ports = o.putArray("ports");
        for (RunSpec.Port p : s.ports()) {
            ports.addObject().put("hostIp", p.hostIp()).put("hostPort", p.hostPort()).put("containerPort", p.containerPort()).put("protocol", p.protocol());
        }
        o.put("detach", s.detach()).put("interactive", s.interactive()).put("tty", s.tty()).put("autoRemove", s.autoRemove())
                .put("hostname", s.hostname()).put("user", s.user()).put("memoryBytes", s.memoryBytes()).put("cpus", s.cpus())
                .put("pidsLimit", s.pidsLimit()).put("readOnly", s.readOnly()).put("network", s.network());
        ObjectNode labels = o.putObject("labels");
        s.labels().forEach(labels::put);
        if (s.hpc() == null) o.putNull("hpc");
        else o.putObject("hpc").put("cleanEnv", s.hpc().cleanEnv());
        return o;
    }

    private static void strings(com.fasterxml.jackson.databind.node.ArrayNode a, List<String> items) {
        for (String x : items) a.add(x);
    }

    /**
     * 32 bytes from the kernel's random source: what SecureRandom's default on Linux reads too, without
     * the provider lookup and seeding that cost each command milliseconds.
     */
    private static byte[] randomBytes() {
        byte[] b = new byte[32];
        try (java.io.InputStream in = Files.newInputStream(Path.of("/dev/urandom"))) {
            if (in.readNBytes(b, 0, b.length) == b.length) return b;
        } catch (IOException e) {
            // fall back below
        }
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Override
    public void start(String ref) {
        start(resolve(ref), null);
    }

    /**
     * Starts the container; {@code created} runs between the runtime's create and start, when an
     * interactive container's attach socket exists and nothing has been printed yet.
     */
    private void start(String id, Consumer<String> created) {
        // one start of a container at a time, also across processes: under this lock a runtime
        // container still "created" can only be what a killed start left
        try (FileChannel ch = FileChannel.open(dir(id).resolve(".start.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock l = ch.lock()) {
            startLocked(id, created);
        } catch (IOException e) {
            throw new CloudtuiException("cannot start " + id.substring(0, 12) + ": " + e.getMessage());
        }
    }

    private void startLocked(String id, Consumer<String> created) {
        ObjectNode rec = refresh(id);
        String s = rec.path("state").asText();
        if (s.equals("running") || s.equals("paused")) throw new CloudtuiException("container " + rec.path("name").asText() + " is already " + s);
        Path d = dir(id);
        ObjectNode stale = runtimeState(id);
        if (stale != null && "created".equals(stale.path("status").asText())) {
            // a start killed between the runtime's create and start left a container that never ran
            runtime().delete(id, true);
        }
        RootFs.mount(d);
        try {
            OciRuntime.LogSpec log = new OciRuntime.LogSpec(d.resolve("log.json"), logMax, logKeep);
            // -i or -t: the monitor serves an attach socket and the container's stdin comes from it
            boolean attach = created != null || rec.path("spec").path("interactive").asBoolean() || rec.path("tty").asBoolean();
            runtime().create(id, d.resolve("bundle"), null, null, log, attach);
            plug(id, rec);
            if (created != null) created.accept(id);
            runtime().start(id);
        } catch (RuntimeException e) {
            if (runtimeState(id) != null) {
                try {
                    runtime().delete(id, true);
                } catch (RuntimeException x) {
                    LOG.debug("cleanup after failed start of {}", id, x);
                }
            }
            RootFs.unmount(d);
            throw e;
        }
        rec.put("state", "running").put("started", Instant.now().toString());
        rec.remove("exitCode");
        rec.remove("finished");
        rec.remove("oomKilled");
        save(id, rec);
    }

    /**
     * A container of a network: its address (kept from an earlier start), a veth pair into the network
     * namespace the runtime just made (its init waits for start), and /etc/hosts of every member
     * rewritten with the new member.
     */
    private void plug(String id, ObjectNode rec) {
        String net = rec.path("spec").path("network").asText(null);
        if (!named(net) || !rec.path("spec").path("hpc").isNull()) return;
        ObjectNode st = runtimeState(id);
        int pid = st == null ? 0 : st.path("pid").asInt();
        if (pid <= 0) throw new CloudtuiException("cannot wire " + rec.path("name").asText() + " into network " + net + ": the runtime reports no process");
        String al = rec.path("labels").path(ALIASES_LABEL).asText("");
        List<String> aliases = al.isEmpty() ? List.of() : List.of(al.split(","));
        Networks.Member m = networkStore().join(net, id, rec.path("name").asText(), aliases, this::exists);
        networks.plug(m, id, pid, 0);
        networks.publish(id, m, ports(rec));
        rec.putObject("networkSettings").put("network", net).put("address", m.address()).put("gateway", m.gateway());
        hostsOfNeighbours(id);
    }

    /** The -p of a container on a network (none otherwise). */
    private static List<RunSpec.Port> ports(ObjectNode rec) {
        if (!named(rec.path("spec").path("network").asText(null))) return List.of();
        List<RunSpec.Port> out = new ArrayList<>();
        for (JsonNode p : rec.path("spec").path("ports")) {
            out.add(new RunSpec.Port(p.path("hostIp").isNull() ? null : p.path("hostIp").asText(null), p.path("hostPort").asInt(),
                    p.path("containerPort").asInt(), p.path("protocol").asText("tcp")));
        }
        return out;
    }

    /**
     * Repairs port rules after a kill -9 (of a cloudtui midway, or of a container): rules of containers
     * that no longer run are removed, and a running container whose rules are missing gets them back.
     */
    private void reconcile(Map<String, ObjectNode> running) {
        if (RootFs.rootless()) return;
        try {
            java.util.Set<String> tags = new java.util.HashSet<>();
            running.keySet().forEach(id -> tags.add(id.substring(0, 12)));
            Map<String, Integer> have = networks.reconcile(tags::contains);
            running.forEach((id, rec) -> {
                if (have.getOrDefault(Networks.tag(id), 0) == ports(rec).size()) return;
                Networks.Member m = networks.member(rec.path("spec").path("network").asText(), id);
                if (m != null) networks.publish(id, m, ports(rec));
            });
        } catch (CloudtuiException e) {
            LOG.debug("reconcile: {}", e.getMessage());
        }
    }

    /**
     * Rewrites /etc/hosts of {@code id} and of every container sharing a network with it. The file is
     * bind-mounted from the state directory, so it is rewritten in place (same inode): a running
     * container sees the new content, where a rename would leave it the old file.
     */
    private void hostsOfNeighbours(String id) {
        hostsOf(networks.neighbours(id));
    }

    private void hostsOf(List<String> ids) {
        for (String c : ids) {
            Path f = dir(c).resolve("etc/hosts");
            if (!Files.isRegularFile(f)) continue;
            try {
                ObjectNode r = record(c);
                String hn = r.path("spec").path("hostname").asText("");
                if (hn.isEmpty() || r.path("spec").path("hostname").isNull()) hn = c.substring(0, 12);
                String text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t" + hn + "\n" + networks.hostsLines(c);
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    ch.write(java.nio.ByteBuffer.wrap(b), 0);
                    ch.truncate(b.length);
                }
            } catch (IOException | CloudtuiException e) {
                LOG.debug("hosts of {}: {}", c, e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- stop / kill / pause / remove

    @Override
    public void stop(String ref, Duration timeout) {
        String id = resolve(ref);
        ObjectNode rec = refresh(id);
        String s = rec.path("state").asText();
        if (!s.equals("running") && !s.equals("paused")) return; // docker: stopping a stopped container is fine
        if (s.equals("paused")) runtime().resume(id);
        signal(id, 15);
        if (!awaitStopped(id, timeout)) {
            signal(id, 9);
            awaitStopped(id, Duration.ofSeconds(10));
        }
        refresh(id);
    }

    private void signal(String id, int sig) {
        try {
            runtime().kill(id, sig, false);
        } catch (CloudtuiException e) {
            LOG.debug("signal {} to {}: {}", sig, id, e.getMessage()); // exited meanwhile
        }
    }

    private boolean awaitStopped(String id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            ObjectNode st = runtimeState(id);
            if (st == null || st.path("status").asText().equals("stopped")) return true;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        } while (System.nanoTime() < deadline);
        return false;
    }

    @Override
    public void restart(String ref, Duration timeout) {
        stop(ref, timeout);
        start(ref);
    }

    @Override
    public void kill(String ref, String signal) {
        String id = resolve(ref);
        ObjectNode rec = refresh(id);
        if (!rec.path("state").asText().equals("running") && !rec.path("state").asText().equals("paused")) {
            throw new CloudtuiException("container " + rec.path("name").asText() + " is not running");
        }
        runtime().kill(id, OciRuntime.parseSignal(signal == null ? "KILL" : signal), false);
    }

    @Override
    public void pause(String ref) {
        String id = resolve(ref);
        noCgroup("pause");
        runtime().pause(id);
    }

    @Override
    public void unpause(String ref) {
        String id = resolve(ref);
        noCgroup("unpause");
        runtime().resume(id);
    }

    /** Pausing needs the freezer cgroup, which a rootless container does not have. */
    private void noCgroup(String verb) {
        String why = refusal(verb.equals("pause") ? Capability.PAUSE : Capability.UNPAUSE, null);
        if (why != null) throw new CloudtuiException(verb + ": " + why);
    }

    /** Whether this process is rootless; asked once (the UI asks refusal() at every frame). */
    private static final boolean ROOTLESS = RootFs.rootless();

    /** A rootless engine cannot pause or resume: its containers have no cgroup, so no freezer. */
    @Override
    public String refusal(Capability c, Workload w) {
        if ((c == Capability.PAUSE || c == Capability.UNPAUSE) && ROOTLESS) {
            return "a rootless container on the runtime backend has no cgroup, so no freezer to pause it with";
        }
        return Backend.super.refusal(c, w);
    }

    @Override
    public void remove(String ref, boolean force) {
        String id = resolve(ref);
        ObjectNode rec = refresh(id);
        String s = rec.path("state").asText();
        if ((s.equals("running") || s.equals("paused")) && !force) {
            throw new CloudtuiException("container " + rec.path("name").asText() + " is " + s + ": stop it first or remove it with -f");
        }
        locked(() -> {
            if (runtimeState(id) != null) runtime().delete(id, true);
            RootFs.remove(dir(id));
            return null;
        });
        if (named(rec.path("spec").path("network").asText(null)) && !RootFs.rootless()) {
            if (!ports(rec).isEmpty()) networks.unpublish(id);
            List<String> was = networks.neighbours(id);
            networks.leave(id);
            was.remove(id);
            hostsOf(was);
        }
    }

    // ---------------------------------------------------------------- logs, exec, inspect, stats, events

    @Override
    public void logs(String ref, LogOptions options, Consumer<LogLine> sink, Cancel cancel) {
        String id = resolve(ref);
        // the monitor writes the exit code only after the last output is in the log: until then, more may come
        LogFile.read(dir(id).resolve("log.json"), options, sink, cancel, () -> {
            ObjectNode st = runtimeState(id);
            return st != null && (!st.path("status").asText().equals("stopped") || !st.has("exitCode"));
        });
    }

    @Override
    public int exec(String ref, List<String> command, Stdio stdio) {
        return exec(ref, new io.cloudtui.core.ExecSpec(command, null, null, null, stdio.tty(), stdio.stdin() != null), stdio);
    }

    /**
     * With {@code -t} the command gets a pty of the container (sized as the caller's terminal and
     * resized with it); -e, -w and -u apply. As docker exec, -u (name, uid, name:group, uid:gid) is
     * looked up in the container's own /etc/passwd and /etc/group as they are now, and sets HOME.
     */
    @Override
    public int exec(String ref, io.cloudtui.core.ExecSpec spec, Stdio stdio) {
        String id = resolve(ref);
        ObjectNode rec = refresh(id);
        if (!rec.path("state").asText().equals("running")) throw new CloudtuiException("container " + rec.path("name").asText() + " is not running");
        List<String> env = new ArrayList<>();
        OciRuntime.ExecUser as = null;
        if (spec.user() != null) {
            BundleSpec.User u;
            try {
                u = BundleSpec.user(spec.user(), liveFiles(id));
                if (RootFs.rootless()) mapped(u, "user '" + spec.user() + "'", RootFs.ids());
            } catch (CloudtuiException e) {
                throw new CloudtuiException(e.getMessage(), 126, e); // the command cannot be run: 126, as docker exec
            }
            as = new OciRuntime.ExecUser(u.uid(), u.gid(), u.groups());
            env.add("HOME=" + u.home());
        }
        spec.env().forEach((k, v) -> env.add(k + "=" + v));
        // a command that cannot be started fails with 127 (not found) or 126 (not executable), as docker exec
        return runtime().exec(id, spec.command(), spec.workdir(), env, as, stdio);
    }

    /** Refuses user U (WHO, for the message) when a rootless container's user namespace (IDS) does not map its ids. */
    private static void mapped(BundleSpec.User u, String who, BundleSpec.Ids ids) {
        if (ids.sub() == null && (u.uid() != 0 || u.gid() != 0)) {
            throw new CloudtuiException(who + " is uid " + u.uid() + " gid " + u.gid() + ": a rootless container has only root here (uid 0,"
                    + " your own uid outside; other users need subordinate ids in /etc/subuid and /etc/subgid and newuidmap); use -u root");
        }
        if (u.uid() >= ids.uids() || u.gid() >= ids.gids() || u.groups().stream().anyMatch(x -> x >= ids.gids())) {
            throw new CloudtuiException(who + " is uid " + u.uid() + " gid " + u.gid() + ": a rootless container here maps uids 0-"
                    + (ids.uids() - 1) + " and gids 0-" + (ids.gids() - 1) + " only (your subordinate ids)");
        }
    }

    /**
     * The running container's etc files ("etc/passwd" to a path), seen through its init's root; null
     * when etc is not a plain directory there, since a link would be resolved against our root.
     */
    private java.util.function.Function<String, Path> liveFiles(String id) {
        ObjectNode st = runtimeState(id);
        Path root = Path.of("/proc", String.valueOf(st == null ? 0 : st.path("pid").asLong()), "root");
        return rel -> Files.isDirectory(root.resolve("etc"), java.nio.file.LinkOption.NOFOLLOW_LINKS) ? root.resolve(rel) : null;
    }

    /** Attaches to a container run with -i or -t (its monitor's attach socket); returns when it ends or stdin does. */
    @Override
    public int attach(String ref, Stdio stdio) {
        String id = resolve(ref);
        ObjectNode rec = refresh(id);
        if (!rec.path("state").asText().equals("running")) throw new CloudtuiException("container " + rec.path("name").asText() + " is not running");
        if (!Files.exists(runtime().attachSocket(id))) {
            throw new CloudtuiException("container " + rec.path("name").asText() + " was not started with -i or -t: nothing to attach to (use logs -f or exec)");
        }
        boolean tty = rec.path("tty").asBoolean();
        try (java.nio.channels.SocketChannel ch = connectAttach(id)) {
            if (tty) followSize(id, stdio, true); // as docker attach: the terminal takes the attaching client's size
            relay(ch, stdio, tty);
        } catch (IOException e) {
            LOG.debug("attach of {} closed: {}", id, e.toString());
        }
        // the stream ended with the container (not a detach, which interrupts this thread): its exit code, as docker attach
        if (!Thread.currentThread().isInterrupted() && awaitStopped(id, Duration.ofSeconds(2))) {
            return refresh(id).path("exitCode").asInt(0);
        }
        return 0;
    }

    @Override
    public Boolean hasTty(String ref) {
        return refresh(resolve(ref)).path("tty").asBoolean();
    }

    private void consoleSize(String id, Stdio.TermSize size) {
        Path f = dir(id).resolve("bundle/config.json");
        try {
            ObjectNode c = (ObjectNode) JsonTrees.read(f);
            ((ObjectNode) c.path("process")).putObject("consoleSize").put("height", size.rows()).put("width", size.columns());
            Files.writeString(f, JsonTrees.pretty(c));
        } catch (IOException | ClassCastException e) {
            LOG.debug("console size of {}: {}", id, e.toString());
        }
    }

    /** The container's terminal follows the caller's window: its resizes (and with NOW its size at once) go to the monitor. */
    private void followSize(String id, Stdio stdio, boolean now) {
        if (now && stdio.size() != null) runtime().resize(id, stdio.size().rows(), stdio.size().columns());
        stdio.registerResize(s -> runtime().resize(id, s.rows(), s.columns()));
    }

    private java.nio.channels.SocketChannel connectAttach(String id) {
        try {
            return UnixSocket.connect(runtime().attachSocket(id));
        } catch (IOException e) {
            throw new CloudtuiException("cannot attach: " + e.getMessage());
        }
    }

    /**
     * Sets up the JDK's unix-domain sockets on another thread while the container is created: their
     * first use seeds a SecureRandom (security providers and all), milliseconds the foreground run's
     * attach would otherwise wait for.
     */
    private static void warmUnixSockets() {
        Thread t = new Thread(() -> {
            try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                // opened and closed: only the set-up was wanted
            } catch (IOException | RuntimeException e) {
                // the attach then sets it up itself
            }
        }, "engine-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Copies stdin to the socket and the socket to stdout (raw with a terminal; framed by stream
     * without: 1 byte stream id, 4 bytes length, data) until the container side closes.
     */
    private static void relay(java.nio.channels.SocketChannel ch, Stdio given, boolean tty) {
        Stdio stdio = tty ? given : given.forWorkloadWithoutTty();
        Thread in = null;
        if (stdio.stdin() != null) {
            in = new Thread(() -> {
                byte[] buf = new byte[8192];
                try {
                    int n;
                    while ((n = stdio.stdin().read(buf)) > 0) {
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf, 0, n);
                        while (b.hasRemaining()) ch.write(b);
                    }
                    if (!tty) ch.shutdownOutput(); // EOF on the container's stdin
                } catch (IOException e) {
                    // the container went away
                }
            }, "engine-attach-in");
            in.setDaemon(true);
            in.start();
        }
        try (java.io.InputStream from = java.nio.channels.Channels.newInputStream(ch)) {
            if (tty) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = from.read(buf)) > 0) {
                    stdio.stdout().write(buf, 0, n);
                    stdio.stdout().flush();
                }
            } else {
                java.io.DataInputStream data = new java.io.DataInputStream(from);
                while (true) {
                    int stream;
                    try {
                        stream = data.readUnsignedByte();
                    } catch (java.io.EOFException e) {
                        break;
                    }
                    byte[] b = new byte[data.readInt()];
                    data.readFully(b);
                    java.io.OutputStream to = stream == 2 ? stdio.stderr() : stdio.stdout();
                    to.write(b);
                    to.flush();
                }
            }
        } catch (IOException e) {
            LOG.debug("attach relay ended: {}", e.toString());
        }
        if (in != null) in.interrupt();
    }

    @Override
    public String inspect(String ref) {
        String id = resolve(ref);
        ObjectNode rec = refresh(id);
        ObjectNode st = runtimeState(id);
        if (st != null) rec.set("runtime", st);
        try {
            rec.set("config", JsonTrees.read(dir(id).resolve("bundle/config.json")));
        } catch (IOException e) {
            LOG.debug("no config.json for {}", id);
        }
        return JsonTrees.pretty(rec);
    }

    private final io.cloudtui.core.CgroupFiles.Delta cpuDelta = new io.cloudtui.core.CgroupFiles.Delta();

    /** From the container's cgroup; the first call of a container reads twice, 200 ms apart, for its CPU%. */
    @Override
    public Stats stats(String ref) {
        String id = resolve(ref);
        for (int attempt = 0; attempt < 2; attempt++) {
            OciRuntime.Usage u = runtimeState(id) == null ? null : runtime().usage(id);
            if (u == null) {
                cpuDelta.forget(id);
                throw new CloudtuiException("container " + record(id).path("name").asText() + " is not running");
            }
            Stats s = cpuDelta.next(id, u.reading(), u.pid());
            if (s != null) return s;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new CloudtuiException("no stats for " + ref);
    }

    /**
     * No daemon sends events: a watcher thread lists the store when inotify says a container's
     * directory or state file changed (see {@link StoreWatcher}), and every 30 s in any case, and
     * reports what changed (created, started, exited, removed), also for changes made by other
     * cloudtui processes. Where inotify is unavailable, or before the store's directories exist,
     * it lists every second or two.
     */
    @Override
    public AutoCloseable events(Consumer<WorkloadEvent> listener) {
        StoreWatcher watcher;
        try {
            watcher = new StoreWatcher(List.of(containers, runtimeRoot));
        } catch (IOException e) {
            LOG.debug("no inotify for {}: polling", name, e);
            watcher = null;
        }
        StoreWatcher w = watcher;
        Thread t = new Thread(() -> {
            Map<String, String> last = null;
            listener.accept(new WorkloadEvent(name, null, WorkloadEvent.Type.CONNECTED, "connect", Instant.now()));
            while (!Thread.currentThread().isInterrupted()) {
                Map<String, String> now = new HashMap<>();
                try {
                    for (Workload wl : list(true)) now.put(wl.nativeId(), wl.status());
                } catch (RuntimeException e) {
                    LOG.debug("event poll: {}", e.getMessage());
                }
                if (last != null) {
                    for (var e : now.entrySet()) {
                        String before = last.get(e.getKey());
                        if (!e.getValue().equals(before)) {
                            listener.accept(new WorkloadEvent(name, new WorkloadId(name, e.getKey()), WorkloadEvent.Type.WORKLOAD,
                                    before == null ? "create" : e.getValue(), Instant.now()));
                        }
                    }
                    for (String gone : last.keySet()) {
                        if (!now.containsKey(gone)) {
                            listener.accept(new WorkloadEvent(name, new WorkloadId(name, gone), WorkloadEvent.Type.WORKLOAD, "destroy", Instant.now()));
                        }
                    }
                }
                last = now;
                try {
                    if (w == null) Thread.sleep(1000);
                    else w.await(w.complete() ? Duration.ofSeconds(30) : Duration.ofSeconds(2));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "engine-events-" + name);
        t.setDaemon(true);
        t.start();
        return () -> {
            t.interrupt();
            if (w != null) w.close();
        };
    }

    // ---------------------------------------------------------------- run

    /** Whether no foreground {@code run --rm} holds the container's .run.lock (it removes the container itself). */
    private boolean nobodyWaitsFor(String id) {
        try (FileChannel ch = FileChannel.open(dir(id).resolve(".run.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock l = ch.tryLock()) {
            return l != null;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return false; // this process waits for it
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public int run(RunSpec spec, Stdio stdio, Consumer<String> onCreated) {
        if (!spec.detach()) warmUnixSockets();
        String id = create(spec);
        if (!spec.autoRemove() || spec.detach()) return runCreated(id, spec, stdio, onCreated);
        // held until the exit code is read and the container removed; if this process dies first,
        // the next listing removes the exited container instead
        try (FileChannel ch = FileChannel.open(dir(id).resolve(".run.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock l = ch.lock()) {
            return runCreated(id, spec, stdio, onCreated);
        } catch (IOException e) {
            throw new CloudtuiException("cannot run " + id.substring(0, 12) + ": " + e.getMessage());
        }
    }

    private int runCreated(String id, RunSpec spec, Stdio stdio, Consumer<String> onCreated) {
        onCreated.accept(id);
        if (spec.tty() && stdio.size() != null) consoleSize(id, stdio.size()); // the size it starts with; resizes go to the monitor
        java.nio.channels.SocketChannel[] attached = {null};
        // a foreground run reads the output through the attach socket: it streams at once and its
        // end is the container's end (the log still gets everything)
        boolean interactive = !spec.detach();
        try {
            // attach before the start, so not a byte of output is missed
            start(id, interactive ? x -> attached[0] = connectAttach(x) : null);
        } catch (RuntimeException e) {
            if (spec.autoRemove()) remove(id, true);
            throw e;
        }
        if (spec.detach()) return 0;
        if (attached[0] != null) {
            try (java.nio.channels.SocketChannel ch = attached[0]) {
                if (!spec.interactive() && !spec.tty()) ch.shutdownOutput(); // no -i: the container's stdin is at EOF
                if (spec.tty()) followSize(id, stdio, false);
                relay(ch, spec.interactive() || spec.tty() ? stdio : new Stdio(null, stdio.stdout(), stdio.stderr(), false, null, null), spec.tty());
            } catch (IOException e) {
                LOG.debug("attach of {} closed: {}", id, e.toString());
            }
        } else try (Cancel c = new Cancel()) {
            logs(id, new LogOptions(true, -1, null, false), line -> {
                java.io.OutputStream to = line.stream() == LogLine.Stream.STDERR ? stdio.stderr() : stdio.stdout();
                try {
                    to.write((line.text() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    to.flush();
                } catch (IOException e) {
                    c.close(); // the reader went away: the container runs on, as after docker run's client exits
                }
            }, c);
        }
        awaitStopped(id, Duration.ofDays(365));
        ObjectNode rec = refresh(id);
        int code = rec.path("exitCode").asInt(255);
        if (spec.autoRemove()) remove(id, true);
        return code;
    }

    // ---------------------------------------------------------------- images

    @Override
    public List<ImageInfo> images(boolean all) {
        List<ImageInfo> out = new ArrayList<>();
        for (Image i : images().list()) out.add(new ImageInfo(name, i.id(), i.tags(), i.size(), i.created()));
        return out;
    }

    /** Refused while a container stands on the image (even with force: its layers are that container's root filesystem). */
    @Override
    public List<String> removeImage(String ref, boolean force) {
        String imageId = images().inspect(ref).id();
        return locked(() -> {
            for (String id : ids()) {
                ObjectNode rec = record(id);
                if (imageId.equals(rec.path("imageId").asText())) {
                    throw new CloudtuiException("image " + ref + " is used by container " + rec.path("name").asText() + ": remove the container first");
                }
            }
            return images().remove(ref, force);
        });
    }

    @Override
    public String build(Path contextDir, String dockerfile, List<String> tags, Consumer<String> progress) {
        return build(contextDir, new io.cloudtui.core.BuildOptions(dockerfile, tags, Map.of(), null, false, null), progress);
    }

    @Override
    public String build(Path contextDir, io.cloudtui.core.BuildOptions options, Consumer<String> progress) {
        return new Builder(this, images(), contextDir, options, progress).build();
    }

    /** The store's images, for the builder. */
    ImageStore store() {
        return images();
    }

    /** What a build step's container left: its directory (upper/ holds the changes), after it exited. */
    interface StepResult {
        void accept(Path containerDir) throws IOException;
    }

    /**
     * Runs one RUN step of a build in a container over IMG (not in the store: the build's layers so
     * far), its output to OUT and ERR; RESULT sees the container's directory once it exited with 0.
     * The container is removed in any case. Returns the exit code.
     */
    int runStep(Image img, RunSpec spec, java.io.OutputStream out, java.io.OutputStream err, StepResult result) {
        String id = HexFormat.of().formatHex(randomBytes());
        java.util.concurrent.CountDownLatch made = new java.util.concurrent.CountDownLatch(1);
        // ctrl-c (or a kill) of the build: the step's container goes too, stopped and removed (once its create is over)
        Thread hook = new Thread(() -> {
            try {
                if (!made.await(30, java.util.concurrent.TimeUnit.SECONDS)) return;
            } catch (InterruptedException e) {
                return;
            }
            if (!Files.exists(dir(id))) return;
            signal(id, 9);
            awaitStopped(id, Duration.ofSeconds(5));
            // the build's own thread may be reading the exit meanwhile (deleting the runtime state): tried again then
            for (int attempt = 0; attempt < 20 && Files.exists(dir(id)); attempt++) {
                try {
                    remove(id, true);
                } catch (RuntimeException e) {
                    LOG.debug("removing build container {} at exit: {}", id, e.getMessage());
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException x) {
                        return;
                    }
                }
            }
        }, "build-step-cleanup");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException e) {
            throw new CloudtuiException("the build was interrupted");
        }
        try {
            try {
                create(spec, img, id);
            } finally {
                made.countDown();
            }
            java.nio.channels.SocketChannel[] attached = {null};
            start(id, x -> attached[0] = connectAttach(x));
            try (java.nio.channels.SocketChannel ch = attached[0]) {
                ch.shutdownOutput();
                relay(ch, new Stdio(null, out, err, false, null, null), false);
            } catch (IOException e) {
                LOG.debug("attach of build step {} closed: {}", id, e.toString());
            }
            if (!awaitStopped(id, Duration.ofDays(365))) {
                // interrupted (ctrl-c of a build the warm agent runs): the step's process goes now, its container below
                Thread.interrupted();
                try {
                    signal(id, 9);
                    awaitStopped(id, Duration.ofSeconds(5));
                } finally {
                    Thread.currentThread().interrupt();
                }
                throw new CloudtuiException("the build was interrupted");
            }
            int code = refresh(id).path("exitCode").asInt(255);
            if (code == 0) {
                Path d = dir(id);
                if (!RootFs.isOverlay(d)) {
                    throw new CloudtuiException("RUN needs an overlayfs root filesystem (the image store's layers in overlay form, overlayfs usable here)");
                }
                try {
                    result.accept(d);
                } catch (java.nio.file.AccessDeniedException e) {
                    throw new CloudtuiException("cannot read what the step changed: " + e.getMessage() + ": permission denied (rootless, a step that leaves"
                            + " files only another user of the container may read is not supported yet)", e);
                } catch (IOException e) {
                    throw new CloudtuiException("cannot read what the step changed: " + e.getMessage(), e);
                }
            }
            return code;
        } finally {
            boolean exiting = false;
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                exiting = true; // the hook removes it
            }
            if (!exiting && Files.exists(dir(id))) {
                // an interrupt must not cut the removal short (a file channel closes on it)
                boolean interrupted = Thread.interrupted();
                try {
                    remove(id, true);
                } catch (RuntimeException e) {
                    LOG.warn("cannot remove the build container {}: {}", id, e.getMessage());
                } finally {
                    if (interrupted) Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public String importImage(Path file, String reference, Consumer<String> progress) {
        List<String> ids = images().importImage(file, reference, ImageProgress.of(progress));
        return ids.isEmpty() ? "" : ids.get(ids.size() - 1);
    }

    @Override
    public String importImage(java.io.InputStream in, String source, String reference, Consumer<String> progress) {
        List<String> ids = images().importStream(in, source, reference, ImageProgress.of(progress));
        return ids.isEmpty() ? "" : ids.get(ids.size() - 1);
    }

    /**
     * The image as a docker save tar (legacy form, with an OCI-compatible manifest.json): each
     * stored layer is written again as a tar with OCI whiteouts, so its diff-id is that tar's
     * digest and the config carries those (the store keeps layers unpacked, not their original
     * tars): docker load checks them. The tar is made in a work directory next to the store, which
     * goes when the stream is closed.
     */
    @Override
    public Export exportImage(String reference) {
        ImageStore store = images();
        Image img = store.inspect(reference);
        List<Path> dirs = store.layerDirs(img);
        Path tmp;
        try {
            tmp = Files.createTempDirectory(store.root().getParent(), "export-");
        } catch (IOException e) {
            throw new CloudtuiException("cannot export " + reference + ": " + e.getMessage());
        }
        try {
            com.fasterxml.jackson.databind.node.ObjectNode cfg = (com.fasterxml.jackson.databind.node.ObjectNode) JsonTrees.read(
                    store.configJson(img.id()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            com.fasterxml.jackson.databind.node.ArrayNode diffs = JsonTrees.array();
            List<String> layerHex = new ArrayList<>();
            for (int i = 0; i < dirs.size(); i++) {
                Path f = tmp.resolve("layer-" + i + ".tar");
                java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
                try (java.io.OutputStream o = new java.security.DigestOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(f), 65536), md)) {
                    Builder.layerTar(dirs.get(i), o);
                }
                String hex = HexFormat.of().formatHex(md.digest());
                diffs.add("sha256:" + hex);
                layerHex.add(hex);
            }
            com.fasterxml.jackson.databind.node.ObjectNode rootfs = cfg.putObject("rootfs");
            rootfs.put("type", "layers");
            rootfs.set("diff_ids", diffs);
            byte[] config = JsonTrees.bytes(cfg);
            String configHex = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(config));
            // RepoTags: the reference asked for when it is a tag, else the image's tags
            List<String> tags = new ArrayList<>();
            String asked = io.cloudtui.core.ImageCopy.normalize(reference);
            if (img.tags().contains(asked)) tags.add(asked);
            else if (!reference.startsWith("sha256:") && !reference.matches("[0-9a-f]{12,64}") && img.tags().stream().anyMatch(t -> t.equals(reference))) tags.add(reference);
            else tags.addAll(img.tags());
            com.fasterxml.jackson.databind.node.ArrayNode manifest = JsonTrees.array();
            com.fasterxml.jackson.databind.node.ObjectNode m = manifest.addObject();
            m.put("Config", configHex + ".json");
            tags.forEach(m.putArray("RepoTags")::add);
            com.fasterxml.jackson.databind.node.ArrayNode ls = m.putArray("Layers");
            layerHex.forEach(h -> ls.add(h + "/layer.tar"));
            Path out = tmp.resolve("image.tar");
            try (org.apache.commons.compress.archivers.tar.TarArchiveOutputStream t = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                    new java.io.BufferedOutputStream(Files.newOutputStream(out), 65536))) {
                t.setLongFileMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.LONGFILE_POSIX);
                t.setBigNumberMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (int i = 0; i < layerHex.size(); i++) {
                    var d = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(layerHex.get(i) + "/");
                    d.setMode(040755);
                    t.putArchiveEntry(d);
                    t.closeArchiveEntry();
                    Path f = tmp.resolve("layer-" + i + ".tar");
                    var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(layerHex.get(i) + "/layer.tar");
                    e.setSize(Files.size(f));
                    e.setMode(0100644);
                    t.putArchiveEntry(e);
                    Files.copy(f, t);
                    t.closeArchiveEntry();
                    Files.delete(f);
                }
                for (var file : List.of(java.util.Map.entry(configHex + ".json", config), java.util.Map.entry("manifest.json", JsonTrees.bytes(manifest)))) {
                    var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(file.getKey());
                    e.setSize(file.getValue().length);
                    e.setMode(0100644);
                    t.putArchiveEntry(e);
                    t.write(file.getValue());
                    t.closeArchiveEntry();
                }
                if (tags.size() > 0) {
                    // the legacy "repositories" file, for older docker loads
                    com.fasterxml.jackson.databind.node.ObjectNode repos = JsonTrees.object();
                    for (String tag : tags) {
                        int c = tag.lastIndexOf(':');
                        if (c > tag.lastIndexOf('/')) {
                            com.fasterxml.jackson.databind.node.ObjectNode r = repos.path(tag.substring(0, c)).isObject()
                                    ? (com.fasterxml.jackson.databind.node.ObjectNode) repos.get(tag.substring(0, c)) : repos.putObject(tag.substring(0, c));
                            r.put(tag.substring(c + 1), layerHex.isEmpty() ? configHex : layerHex.get(layerHex.size() - 1));
                        }
                    }
                    byte[] b = JsonTrees.bytes(repos);
                    var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("repositories");
                    e.setSize(b.length);
                    e.setMode(0100644);
                    t.putArchiveEntry(e);
                    t.write(b);
                    t.closeArchiveEntry();
                }
                t.finish();
            }
            long size = Files.size(out);
            Path work = tmp;
            java.io.InputStream in = new java.io.FilterInputStream(new java.io.BufferedInputStream(Files.newInputStream(out), 65536)) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        RootFs.deleteOwnTree(work);
                    }
                }
            };
            return new Export(tags.isEmpty() ? img.id() : tags.get(0), size, in);
        } catch (IOException | java.security.NoSuchAlgorithmException | RuntimeException e) {
            try {
                RootFs.deleteOwnTree(tmp);
            } catch (IOException x) {
                e.addSuppressed(x);
            }
            if (e instanceof CloudtuiException c) throw c;
            throw new CloudtuiException("cannot export " + reference + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
    }

    /**
     * Pushes image REFERENCE (a tag naming its registry, as docker push takes it) to that registry:
     * each stored layer written again as a gzipped tar with OCI whiteouts (the config's diff_ids
     * become those tars' digests, as for an export), then the config and a schema 2 manifest.
     * Returns the pushed manifest's digest.
     */
    @Override
    public String push(String reference, Consumer<String> progress) {
        ImageStore store = images();
        Image img = store.inspect(reference);
        List<Path> dirs = store.layerDirs(img);
        Path tmp;
        try {
            tmp = Files.createTempDirectory(store.root().getParent(), "push-");
        } catch (IOException e) {
            throw new CloudtuiException("cannot push " + reference + ": " + e.getMessage());
        }
        try {
            com.fasterxml.jackson.databind.node.ObjectNode cfg = (com.fasterxml.jackson.databind.node.ObjectNode) JsonTrees.read(
                    store.configJson(img.id()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            com.fasterxml.jackson.databind.node.ArrayNode diffs = JsonTrees.array();
            List<ImageStore.PushBlob> blobs = new ArrayList<>();
            for (int i = 0; i < dirs.size(); i++) {
                Path f = tmp.resolve("layer-" + i + ".tar.gz");
                java.security.MessageDigest gz = java.security.MessageDigest.getInstance("SHA-256");
                java.security.MessageDigest raw = java.security.MessageDigest.getInstance("SHA-256");
                try (java.io.OutputStream o = new java.security.DigestOutputStream(new java.util.zip.GZIPOutputStream(
                        new java.security.DigestOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(f), 65536), gz), 65536), raw)) {
                    Builder.layerTar(dirs.get(i), o);
                }
                diffs.add("sha256:" + HexFormat.of().formatHex(raw.digest()));
                blobs.add(new ImageStore.PushBlob(f, "sha256:" + HexFormat.of().formatHex(gz.digest()), Files.size(f)));
            }
            com.fasterxml.jackson.databind.node.ObjectNode rootfs = cfg.putObject("rootfs");
            rootfs.put("type", "layers");
            rootfs.set("diff_ids", diffs);
            progress.accept("pushing " + reference + " (" + blobs.size() + " layers)");
            String digest = store.push(reference, JsonTrees.bytes(cfg), blobs, ImageProgress.of(progress));
            progress.accept("pushed " + reference + "@" + digest);
            return digest;
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new CloudtuiException("cannot push " + reference + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        } finally {
            try {
                RootFs.deleteOwnTree(tmp);
            } catch (IOException e) {
                LOG.debug("cannot remove {}: {}", tmp, e.toString());
            }
        }
    }

    @Override
    public void tag(String source, String target) {
        images().tag(source, target);
    }

    @Override
    public List<String> prune() {
        // images containers stand on stay, however they are tagged: their layers are the containers' lowerdirs
        java.util.Set<String> used = new java.util.HashSet<>();
        for (String id : ids()) used.add(record(id).path("imageId").asText());
        return locked(() -> images().prune(used));
    }

    @Override
    public String pull(String reference, Consumer<String> progress) {
        return images().pull(reference, ImageProgress.of(progress));
    }
}
