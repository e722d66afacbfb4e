package io.cloudtui.runtime.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.JsonTrees;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * cloudtui's OCI runtime: the verbs of the OCI runtime specification over bundles, with state under
 * a root directory. The namespace work is done by the C stage ({@link Native}); this class decides
 * everything else (validation, cgroups, state, hooks).
 */
public final class OciRuntime {
    /** /run/cloudtui/runtime for root; rootless: $XDG_RUNTIME_DIR/cloudtui/runtime (or under ~/.local/state). */
    public static Path defaultRoot() {
        if (uid() == 0) return Path.of("/run/cloudtui/runtime");
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) return Path.of(xdg, "cloudtui", "runtime");
        return io.cloudtui.core.Dirs.home().resolve(".local").resolve("state").resolve("cloudtui").resolve("runtime");
    }

    /** Real uid and gid of this process, from /proc/self/status. */
    static long uid() {
        return idFromStatus("Uid:");
    }

    static long gid() {
        return idFromStatus("Gid:");
    }

    private static long idFromStatus(String key) {
        try {
            for (String l : StateStore.readKernelFile(Path.of("/proc/self/status")).split("\n")) {
                if (l.startsWith(key)) return Long.parseLong(l.substring(key.length()).trim().split("\\s+")[0]);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        throw new CloudtuiException("cannot read this process's ids from /proc/self/status");
    }
    private static final List<String> JOIN_ORDER = List.of("user", "ipc", "uts", "network", "cgroup", "pid", "mount");

    private final StateStore store;
    private final Consumer<String> warn;

    /** WARN receives non-fatal problems (a failing poststart hook...), for the --log file. */
    public OciRuntime(Path root, Consumer<String> warn) {
        this.store = new StateStore(root);
        this.warn = warn;
    }

    /**
     * Whether create leaves a monitor process. Not under containerd-shim: the shim is a subreaper that
     * must reap the init itself to see its exit, so a monitor in between would hide it.
     * CLOUDTUI_RUNTIME_MONITOR=0/1 overrides.
     */
    static boolean monitorWanted() {
        String env = System.getenv("CLOUDTUI_RUNTIME_MONITOR");
        if (env != null) return !env.equals("0");
        String parent = ProcessHandle.current().parent().map(p -> comm(p.pid())).orElse("");
        return !parent.startsWith("containerd-shim");
    }

    private static String comm(long pid) {
        try {
            return StateStore.readKernelFile(Path.of("/proc/" + pid + "/comm")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Exercises config parsing, spec building and state (de)serialisation on a throw-away bundle, so
     * a class-data archive recorded around it holds the classes every create needs.
     */
    @SuppressWarnings("try") // the lock is held for the whole block
    public static void training() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("cloudtui-cds-");
            Files.createDirectories(dir.resolve("rootfs"));
            String config = "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"true\"],\"env\":[\"PATH=/bin\"],"
                    + "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},"
                    + "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],\"noNewPrivileges\":true},"
                    + "\"root\":{\"path\":\"rootfs\"},\"hostname\":\"x\",\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\","
                    + "\"source\":\"proc\",\"options\":[\"nosuid\"]}],\"hooks\":{\"prestart\":[]},\"linux\":{\"namespaces\":"
                    + "[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"uts\"}],\"resources\":{\"memory\":{\"limit\":1048576},"
                    + "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},\"maskedPaths\":[\"/proc/kcore\"],"
                    + "\"readonlyPaths\":[\"/proc/sys\"],\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
                    + "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}";
            Files.writeString(dir.resolve("config.json"), config);
            OciConfig c = OciConfig.load(dir);
            NativeSpec.forCreate(c, Cgroups.none(), dir, null, true, false).writeTo(dir.resolve("spec"));
            StateStore store = new StateStore(dir.resolve("root"));
            store.createDir("train");
            OciRuntime rt = new OciRuntime(dir.resolve("root"), m -> { });
            ObjectNode st = rt.baseState("train", dir, c, Cgroups.none(), true);
            st.put("phase", "created").put("pid", 0);
            store.save("train", st);
            try (StateStore.Lock lock = store.lock("train")) {
                JsonTrees.pretty(rt.state("train"));
            }
            store.removeDir("train");
        } catch (IOException | RuntimeException e) {
            // training is best effort: the archive just holds fewer classes
        } finally {
            if (dir != null) {
                try (var s = Files.walk(dir)) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a temp directory left behind
                }
            }
        }
    }

    // ---- create / start ----

    /** Creates the container; its init waits for {@link #start}. Returns the init's host pid. */
    public int create(String id, Path bundle, Path pidFile, String consoleSocket) {
        return create(id, bundle, pidFile, consoleSocket, monitorWanted(), false);
    }

    /**
     * The monitor's log of the container's output (see log_run in src/main/c/nsexec.c): Docker's
     * json-file format, one JSON object per line in FILE (0600), rotated to FILE.1 .. FILE.KEEP before
     * it would exceed MAX_BYTES.
     */
    public record LogSpec(Path file, long maxBytes, int keep) {
        public LogSpec {
            if (file == null || !file.isAbsolute()) throw CloudtuiException.usage("the container log needs an absolute path, got " + file);
            if (file.getFileName() == null) throw CloudtuiException.usage("the container log needs a file name, got " + file);
            if (maxBytes < 4096) throw CloudtuiException.usage("the container log's maximum size must be at least 4096 bytes, got " + maxBytes);
            if (keep < 1 || keep > 100) throw CloudtuiException.usage("the container log keeps 1 to 100 rotated files, got " + keep);
            file = file.normalize();
        }
    }

    /**
     * Creates the container with a monitor that owns its output: stdin /dev/null, stdout and stderr
     * (or the terminal) are logged to LOG instead of inheriting our stdio. LOG null: as {@link
     * #create(String, Path, Path, String)}.
     */
    public int create(String id, Path bundle, Path pidFile, String consoleSocket, LogSpec log) {
        return create(id, bundle, pidFile, consoleSocket, log, false);
    }

    /**
     * As {@link #create(String, Path, Path, String, LogSpec)}; ATTACH (needs LOG): the monitor also
     * serves {@link #attachSocket}, and the container's stdin comes from the attached client (the
     * protocol is described at log_run in src/main/c/nsexec.c).
     */
    public int create(String id, Path bundle, Path pidFile, String consoleSocket, LogSpec log, boolean attach) {
        if (attach && log == null) throw CloudtuiException.usage("attaching needs a container log");
        if (log == null) return create(id, bundle, pidFile, consoleSocket);
        return create(id, bundle, pidFile, consoleSocket, true, false, log, attach);
    }

    /** The unix socket a container created with attach serves while it runs (0600). */
    public Path attachSocket(String id) {
        StateStore.checkId(id);
        return store.dir(id).resolve("attach.sock");
    }

    /** RELAY: a terminal without console socket, copied by the monitor to our stdio (foreground run). */
    int create(String id, Path bundle, Path pidFile, String consoleSocket, boolean monitor, boolean relay) {
        return create(id, bundle, pidFile, consoleSocket, monitor, relay, null, false);
    }

    @SuppressWarnings("try") // the lock is held for the whole block
    int create(String id, Path bundle, Path pidFile, String consoleSocket, boolean monitor, boolean relay, LogSpec log, boolean attach) {
        StateStore.checkId(id);
        if (log != null) {
            if (!monitor) throw new CloudtuiException("a container log needs the monitor process");
            if (consoleSocket != null) throw CloudtuiException.usage("a container log and --console-socket exclude each other: the log needs the terminal");
            relay = false; // the monitor logs the terminal instead of copying it to us
        }
        Path b = bundle.toAbsolutePath().normalize();
        if (!Files.isDirectory(b)) throw new CloudtuiException("bundle " + b + " is not a directory");
        OciConfig config = OciConfig.load(b);
        boolean rootless = uid() != 0;
        if (rootless) config = config.rootless(uid(), gid());
        warnAmbient(config.process());
        if (config.process().terminal() && consoleSocket == null && !relay && log == null) throw new CloudtuiException("process.terminal needs --console-socket");
        if (!config.process().terminal() && consoleSocket != null) throw new CloudtuiException("--console-socket needs process.terminal in config.json");
        Cgroups cg;
        if (rootless) {
            OciConfig.Resources r = config.resources();
            // device rules are moot: a user namespace cannot make device nodes (docker sends them anyway)
            if (r.memoryLimit() != null || r.memoryReservation() != null || r.memorySwap() != null || r.cpuShares() != null
                    || r.cpuQuota() != null || r.cpuPeriod() != null || r.cpusetCpus() != null || r.cpusetMems() != null || r.pidsLimit() != null) {
                throw new CloudtuiException("config.json: linux.resources need root: a rootless container gets no cgroup");
            }
            if (config.cgroupsPath() != null && !config.cgroupsPath().isEmpty()) warn.accept("rootless: linux.cgroupsPath not used, the container gets no cgroup");
            cg = Cgroups.none();
        } else if ("true".equals(config.annotations().get(DefaultSpec.NO_CGROUP))) {
            if (!config.resources().devices().isEmpty() || config.resources().memoryLimit() != null || config.resources().cpuQuota() != null
                    || config.resources().pidsLimit() != null || config.resources().cpuShares() != null) {
                throw new CloudtuiException("config.json: linux.resources need a cgroup, and annotation " + DefaultSpec.NO_CGROUP + " asks for none");
            }
            cg = Cgroups.none();
        } else {
            cg = Cgroups.of(config.cgroupsPath(), id);
        }
        Path dir = store.createDir(id);
        int pid = -1;
        try (StateStore.Lock lock = store.lock(id)) {
            ObjectNode st = baseState(id, b, config, cg, monitor);
            st.put("phase", "creating");
            store.save(id, st);
            cg.create(config.resources());
            NativeSpec spec = NativeSpec.forCreate(config, cg, dir, consoleSocket == null ? null : Path.of(consoleSocket).toAbsolutePath().toString(), monitor, rootless);
            if (relay && config.process().terminal() && consoleSocket == null) spec.op("relay", 1);
            if (log != null) {
                spec.op("log", log.file().toString()).op("logmax", log.maxBytes()).op("logkeep", log.keep());
                if (attach) spec.op("attach", 1);
                st.put("log", log.file().toString());
            }
            // prestart and createRuntime hooks run from the C stage: after the namespaces and mounts
            // exist, before pivot_root, as the spec orders (Java cannot step in there)
            List<OciConfig.Hook> early = new ArrayList<>(config.hooks().prestart());
            early.addAll(config.hooks().createRuntime());
            if (!early.isEmpty()) {
                for (OciConfig.Hook h : early) {
                    spec.op("hook", h.path(), h.timeout() == null ? 0 : h.timeout());
                    for (String a : h.args()) spec.op("hookarg", a);
                    for (String e : h.env()) spec.op("hookenv", e);
                }
                ObjectNode t = JsonTrees.object();
                t.put("ociVersion", "1.0.2").put("id", id).put("status", "creating").put("pid", "@PID@").put("bundle", b.toString());
                if (!config.annotations().isEmpty()) t.set("annotations", JsonTrees.of(config.annotations()));
                spec.op("statetmpl", JsonTrees.write(t));
            }
            spec.writeTo(dir.resolve("spec"));
            pid = runNative("create", dir.resolve("spec"), dir.resolve("report"), false);
            cg.applyDevices(config.resources());
            st.put("pid", pid).put("pidStart", StateStore.startTime(pid)).put("phase", "created");
            store.save(id, st);
            writeFastPath(dir, st, cg, config);
            if (pidFile != null) writeAtomically(pidFile, pid + "");
            return pid;
        } catch (RuntimeException e) {
            cleanupFailedCreate(id, cg, pid);
            throw e;
        }
    }

    private void warnAmbient(OciConfig.Process p) {
        if (p.capabilities() == null) return;
        for (String cap : p.capabilities().ambient()) {
            if (!p.capabilities().inheritable().contains(cap) || !p.capabilities().permitted().contains(cap)) {
                warn.accept("ambient capability " + cap + " not raised: it is not both permitted and inheritable");
            }
        }
    }

    private ObjectNode baseState(String id, Path bundle, OciConfig c, Cgroups cg, boolean monitor) {
        ObjectNode st = JsonTrees.object();
        st.put("ociVersion", "1.0.2").put("id", id).put("bundle", bundle.toString()).put("rootfs", c.rootPath().toString())
                .put("created", Instant.now().toString()).put("owner", System.getProperty("user.name"))
                .put("cgroupsPath", cg.path()).put("monitor", monitor);
        st.set("annotations", JsonTrees.of(c.annotations()));
        st.set("poststart", hooksJson(c.hooks().poststart()));
        st.set("poststop", hooksJson(c.hooks().poststop()));
        if (c.seccomp() != null) st.put("seccomp", c.seccomp()); // exec'd processes get the same filter
        return st;
    }

    /** Hooks as state.json keeps them: what Jackson made of the records ({path, args, env, timeout}); read back by Hooks.fromJson. */
    static com.fasterxml.jackson.databind.node.ArrayNode hooksJson(List<OciConfig.Hook> hooks) {
        com.fasterxml.jackson.databind.node.ArrayNode a = JsonTrees.array();
        for (OciConfig.Hook h : hooks) {
            ObjectNode o = a.addObject().put("path", h.path());
            o.set("args", JsonTrees.of(h.args()));
            o.set("env", JsonTrees.of(h.env()));
            o.put("timeout", h.timeout());
        }
        return a;
    }

    /**
     * What the C stage's fast start/kill/delete/state (used by bin/cloudtui-runtime) need: the init's
     * pid and start time, the cgroup directories, whether hooks must run (then they defer to us), and
     * our state JSON with the status and pid left as placeholders.
     */
    private void writeFastPath(Path dir, ObjectNode st, Cgroups cg, OciConfig c) {
        StringBuilder b = new StringBuilder();
        b.append("pid ").append(st.get("pid").asInt()).append('\n');
        b.append("start ").append(st.get("pidStart").asLong()).append('\n');
        b.append("poststart ").append(c.hooks().poststart().isEmpty() ? 0 : 1).append('\n');
        b.append("poststop ").append(c.hooks().poststop().isEmpty() ? 0 : 1).append('\n');
        b.append("monitor ").append(st.path("monitor").asBoolean() ? 1 : 0).append('\n');
        for (Path d : cg.dirs()) b.append("cg ").append(d).append('\n');
        ObjectNode t = publicState(st.get("id").asText(), st);
        t.remove("exitCode");
        t.remove("oomKilled");
        t.put("status", "@STATUS@").put("pid", "@PID@");
        writeAtomically(dir.resolve("state.tmpl"), JsonTrees.pretty(t));
        writeAtomically(dir.resolve("fast"), b.toString());
    }

    private void cleanupFailedCreate(String id, Cgroups cg, int pid) {
        try {
            for (int p : cg.pids()) signal(p, 0, 9);
            if (pid > 0) signal(pid, 0, 9);
            waitGone(cg, pid);
            try {
                unhost(store.dir(id));
            } catch (CloudtuiException e) {
                warn.accept(e.getMessage()); // create's own error is the one to report
            }
            cg.destroy();
        } finally {
            store.removeDir(id);
        }
    }

    /** Lets the created container's process run (the init is blocked reading the start fifo). */
    @SuppressWarnings("try") // the lock is held for the whole block
    public void start(String id) {
        try (StateStore.Lock lock = store.lock(id)) {
            ObjectNode st = store.load(id);
            String status = status(st);
            if (!status.equals("created")) throw new CloudtuiException("container '" + id + "' is " + status + ", not created");
            Path fifo = store.dir(id).resolve(StateStore.FIFO);
            // the init holds the fifo open for reading, so this open never waits for a reader
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write(0);
            } catch (IOException e) {
                throw new CloudtuiException("cannot start '" + id + "': " + e.getMessage());
            }
            try {
                Files.deleteIfExists(fifo);
            } catch (IOException e) {
                throw new CloudtuiException("cannot start '" + id + "': " + e.getMessage());
            }
            st.put("phase", "running");
            store.save(id, st);
            try {
                Hooks.run("poststart", Hooks.fromJson(st.get("poststart")), publicState(id, st));
            } catch (CloudtuiException e) {
                warn.accept(e.getMessage()); // the spec makes poststart failures warnings
            }
        }
    }

    // ---- state ----

    /** The spec's state: ociVersion, id, status, pid, bundle, annotations (+ exitCode/oomKilled once stopped). */
    public ObjectNode state(String id) {
        return publicState(id, store.load(id));
    }

    public List<ObjectNode> list() {
        List<ObjectNode> out = new ArrayList<>();
        for (String id : store.ids()) {
            try {
                out.add(state(id));
            } catch (CloudtuiException e) {
                // deleted meanwhile
            }
        }
        return out;
    }

    private ObjectNode publicState(String id, ObjectNode st) {
        String status = status(st);
        ObjectNode o = JsonTrees.object();
        o.put("ociVersion", st.path("ociVersion").asText("1.0.2")).put("id", id).put("status", status);
        o.put("pid", status.equals("stopped") || status.equals("creating") ? 0 : st.path("pid").asInt());
        o.put("bundle", st.path("bundle").asText(""));
        o.put("rootfs", st.path("rootfs").asText(""));
        o.put("created", st.path("created").asText(""));
        o.put("owner", st.path("owner").asText(""));
        if (st.has("annotations") && !st.get("annotations").isEmpty()) o.set("annotations", st.get("annotations"));
        if (status.equals("stopped")) {
            Integer code = exitCode(id);
            // the monitor writes the exit code right after reaping the init: give it that moment
            for (int i = 0; code == null && st.path("monitor").asBoolean() && st.path("pid").asInt() > 0 && i < 500; i++) {
                sleep(2);
                code = exitCode(id);
            }
            if (code != null) o.put("exitCode", code);
            if (st.has("cgroupsPath")) o.put("oomKilled", cgroups(st, id).oomKilled());
        }
        return o;
    }

    private Integer exitCode(String id) {
        try {
            return Integer.parseInt(Files.readString(store.dir(id).resolve(StateStore.EXIT)).trim());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private static boolean alive(ObjectNode st) {
        int pid = st.path("pid").asInt(0);
        return pid > 0 && StateStore.startTime(pid) == st.path("pidStart").asLong(-2);
    }

    private String status(ObjectNode st) {
        String phase = st.path("phase").asText("");
        if (phase.equals("creating")) return "creating";
        if (!alive(st)) return "stopped";
        String id = st.path("id").asText();
        if (cgroups(st, id).isFrozen()) return "paused";
        if (Files.exists(store.dir(id).resolve(StateStore.FIFO))) return "created";
        return "running";
    }

    private static Cgroups cgroups(ObjectNode st, String id) {
        String path = st.path("cgroupsPath").asText("");
        return path.isEmpty() ? Cgroups.none() : Cgroups.of(path, id);
    }

    // ---- kill / delete / pause ----

    public void kill(String id, int signal, boolean all) {
        ObjectNode st = store.load(id);
        String status = status(st);
        if (!status.equals("created") && !status.equals("running") && !status.equals("paused")) {
            throw new CloudtuiException("container '" + id + "' is " + status + ": nothing to signal");
        }
        if (all) {
            for (int p : cgroups(st, id).pids()) signal(p, 0, signal);
        }
        if (!signal(st.path("pid").asInt(), st.path("pidStart").asLong(), signal) && !all) {
            throw new CloudtuiException("container '" + id + "' is not running");
        }
    }

    /** Signals PID (if START is non-zero, only if it still is that process); false if it is gone. */
    static boolean signal(int pid, long start, int sig) {
        if (pid <= 0) return false;
        int rc = runTool(List.of(Native.binary().toString(), "kill", pid + "", start + "", sig + ""));
        if (rc == 3) return false;
        if (rc != 0) throw new CloudtuiException("cannot send signal " + sig + " to " + pid);
        return true;
    }

    @SuppressWarnings("try") // the lock is held for the whole block
    public void delete(String id, boolean force) {
        if (!store.exists(id)) throw new CloudtuiException("container '" + id + "' does not exist");
        try (StateStore.Lock lock = store.lock(id)) {
            ObjectNode st = store.load(id);
            String status = status(st);
            if ((status.equals("running") || status.equals("paused")) && !force) {
                throw new CloudtuiException("container '" + id + "' is " + status + "; stop it first or use --force");
            }
            if (status.equals("creating") && !force) throw new CloudtuiException("container '" + id + "' is still being created; use --force");
            Cgroups cg = st.has("cgroupsPath") ? cgroups(st, id) : null;
            int pid = st.path("pid").asInt(0);
            if (!status.equals("stopped") || (cg != null && !cg.pids().isEmpty())) {
                if (cg != null) {
                    for (int p : cg.pids()) signal(p, 0, 9);
                    if (cg.isFrozen()) cg.freeze(false); // a frozen task cannot die
                }
                if (alive(st)) signal(pid, st.path("pidStart").asLong(), 9);
                waitGone(cg, alive(st) ? pid : -1);
            }
            unhost(store.dir(id)); // on failure the state stays, for another delete
            if (cg != null) cg.destroy();
            try {
                Hooks.run("poststop", Hooks.fromJson(st.get("poststop")), publicState(id, st));
            } catch (CloudtuiException e) {
                warn.accept(e.getMessage());
            }
            store.removeDir(id);
        }
    }

    private static void waitGone(Cgroups cg, int pid) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            boolean pidGone = pid <= 0 || StateStore.startTime(pid) < 0;
            boolean cgEmpty = cg == null || cg.pids().isEmpty();
            if (pidGone && cgEmpty) return;
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new CloudtuiException("processes of the container did not exit after SIGKILL");
    }

    /** Host pids of the container's processes (its cgroup's, or just the init without one). */
    public List<Integer> pids(String id) {
        ObjectNode st = store.load(id);
        if (!alive(st)) return List.of();
        List<Integer> p = cgroups(st, id).pids();
        return p.isEmpty() ? List.of(st.path("pid").asInt()) : p;
    }

    /** The container's cgroup usage and its init's pid (for network counters); null when it is not running. */
    public record Usage(io.cloudtui.core.CgroupFiles.Reading reading, int pid) {}

    public Usage usage(String id) {
        ObjectNode st = store.load(id);
        if (!alive(st)) return null;
        Cgroups cg = cgroups(st, id);
        if (cg.byName().isEmpty()) {
            // no cgroup (rootless): what /proc shows of its processes
            io.cloudtui.core.CgroupFiles.Reading r = ProcUsage.read(st.path("pid").asInt());
            return r == null ? null : new Usage(r, st.path("pid").asInt());
        }
        try {
            return new Usage(io.cloudtui.core.CgroupFiles.read(cg.v2() ? null : cg.byName()::get, cg.v2() ? cg.byName().get("") : null),
                    st.path("pid").asInt());
        } catch (IOException e) {
            throw new CloudtuiException("cannot read the cgroup of '" + id + "': " + e.getMessage());
        }
    }

    public void pause(String id) {
        freeze(id, true);
    }

    public void resume(String id) {
        freeze(id, false);
    }

    @SuppressWarnings("try") // the lock is held for the whole block
    private void freeze(String id, boolean frozen) {
        try (StateStore.Lock lock = store.lock(id)) {
            ObjectNode st = store.load(id);
            String status = status(st);
            if (frozen && !status.equals("running")) throw new CloudtuiException("container '" + id + "' is " + status + ", not running");
            if (!frozen && !status.equals("paused")) throw new CloudtuiException("container '" + id + "' is " + status + ", not paused");
            cgroups(st, id).freeze(frozen);
        }
    }

    // ---- exec ----

    /**
     * Runs PROCESS (null: the bundle's process with ARGS) in the running container. Detached: returns
     * 0 once it runs. Otherwise waits and returns its exit code (128+signal if killed).
     */
    public int exec(String id, OciConfig.Process process, List<String> args, boolean tty, String cwd, List<String> env,
                    String consoleSocket, Path pidFile, boolean detach) {
        return exec(id, process, args, tty, cwd, env, null, consoleSocket, pidFile, detach, null);
    }

    /** Who an exec'd process runs as (ids inside the container), instead of the bundle's process.user. */
    public record ExecUser(long uid, long gid, List<Long> additionalGids) {
        public ExecUser {
            additionalGids = List.copyOf(additionalGids);
        }
    }

    /**
     * TERMINAL non-null: the pty is copied, framed, between the C stage and TERMINAL's streams (see
     * {@link #execFramed}). Without PROCESS: the bundle's process with ARGS, CWD, USER (if not
     * null) and ENV, whose variables replace the bundle's of the same name.
     */
    private int exec(String id, OciConfig.Process process, List<String> args, boolean tty, String cwd, List<String> env,
                     ExecUser user, String consoleSocket, Path pidFile, boolean detach, io.cloudtui.core.Stdio terminal) {
        ObjectNode st = store.load(id);
        String status = status(st);
        if (!status.equals("running") && !status.equals("created")) throw new CloudtuiException("container '" + id + "' is " + status + ", not running");
        OciConfig.Process p = process;
        if (p == null) {
            if (args.isEmpty()) throw CloudtuiException.usage("exec needs a command or --process");
            OciConfig.Process base = OciConfig.load(Path.of(st.path("bundle").asText())).process();
            // a variable given twice would be read from its first place by getenv: ours replace the bundle's
            Map<String, String> merged = new java.util.LinkedHashMap<>();
            for (String e : base.env()) merged.put(envName(e), e);
            for (String e : env) merged.put(envName(e), e);
            List<String> allEnv = new ArrayList<>(merged.values());
            io.cloudtui.core.Stdio.TermSize size = terminal == null ? null : terminal.size();
            long uid = user != null ? user.uid() : base.uid();
            long gid = user != null ? user.gid() : base.gid();
            List<Long> groups = user != null ? user.additionalGids() : base.additionalGids();
            p = new OciConfig.Process(tty, size == null ? 0 : size.rows(), size == null ? 0 : size.columns(), uid, gid, groups, args, allEnv,
                    cwd != null ? cwd : base.cwd(), base.capabilities(), base.rlimits(), base.noNewPrivileges(),
                    base.oomScoreAdj(), base.apparmorProfile(), base.umask());
        }
        if (p.terminal() && consoleSocket == null && detach) throw new CloudtuiException("a detached terminal needs --console-socket");
        warnAmbient(p);
        int pid = st.path("pid").asInt();
        List<String> types = new ArrayList<>();
        for (String t : JOIN_ORDER) {
            String name = NativeSpec.procName(t);
            try {
                Path mine = Path.of("/proc/self/ns/" + name);
                Path theirs = Path.of("/proc/" + pid + "/ns/" + name);
                if (!Files.readSymbolicLink(mine).equals(Files.readSymbolicLink(theirs))) types.add(t);
            } catch (NoSuchFileException e) {
                if (!Files.exists(Path.of("/proc/" + pid))) throw new CloudtuiException("container '" + id + "' is not running");
            } catch (IOException e) {
                throw new CloudtuiException("cannot inspect namespaces of " + pid + ": " + e.getMessage());
            }
        }
        if (!alive(st)) throw new CloudtuiException("container '" + id + "' is not running");
        NativeSpec spec = NativeSpec.forExec(pid, types, cgroups(st, id), p, st.hasNonNull("seccomp") ? st.get("seccomp").asText() : null,
                consoleSocket == null ? null : Path.of(consoleSocket).toAbsolutePath().toString(),
                pidFile == null ? null : pidFile.toString(), detach, terminal != null && p.terminal());
        if (!types.contains("mount") && Files.exists(store.dir(id).resolve("hostmount"))) {
            spec.op("execroot", "/proc/" + pid + "/root"); // no mount namespace of its own: the container is chrooted, so is the exec
        }
        Path tmp;
        try {
            tmp = Files.createTempDirectory(store.root(), "exec-");
        } catch (IOException e) {
            throw new CloudtuiException("cannot prepare exec: " + e.getMessage());
        }
        try {
            spec.writeTo(tmp.resolve("spec"));
            if (terminal != null && p.terminal() && !detach) return execFramed(tmp.resolve("spec"), tmp.resolve("report"), terminal);
            int r = runNative("exec", tmp.resolve("spec"), tmp.resolve("report"), !detach);
            return detach ? 0 : r;
        } finally {
            removeSpecDir(tmp);
        }
    }

    /** The temporary directory of one native call: its spec and report, then itself (a leftover in our own directory is harmless). */
    private static void removeSpecDir(Path tmp) {
        try {
            Files.deleteIfExists(tmp.resolve("spec"));
            Files.deleteIfExists(tmp.resolve("report"));
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            // left for the next cleanup of the root
        }
    }

    /**
     * Rootless with subordinate ids: deletes DIR (a container's directory, not a mount point) as root
     * of a new user namespace with these maps, since files the container's other users made belong
     * to subordinate ids we may not delete on the host. Never follows a symlink.
     */
    public static void removeAsMapped(Path dir, List<OciConfig.IdMap> uids, List<OciConfig.IdMap> gids) {
        SubIds.Mapping h = SubIds.current();
        if (h == null) {
            throw new CloudtuiException("cannot remove " + dir + ": some of its files belong to your subordinate ids, and newuidmap, newgidmap or your /etc/subuid entries are gone");
        }
        Path abs = dir.toAbsolutePath().normalize();
        Path tmp;
        try {
            tmp = Files.createTempDirectory(abs.getParent(), ".rmtree-");
        } catch (IOException e) {
            throw new CloudtuiException("cannot remove " + dir + ": " + e.getMessage());
        }
        try {
            new NativeSpec().op("uidmap", NativeSpec.idMap(uids)).op("gidmap", NativeSpec.idMap(gids))
                    .op("idmapper", h.newuidmap().toString(), h.newgidmap().toString()).op("rmtree", abs.toString()).writeTo(tmp.resolve("spec"));
            runNative("rmtree", tmp.resolve("spec"), tmp.resolve("report"), false);
        } finally {
            removeSpecDir(tmp);
        }
    }

    /** Reads the stream of {@link #readAsMapped}. */
    public interface TreeReader {
        void read(java.io.InputStream stream) throws IOException;
    }

    /**
     * Rootless with subordinate ids: streams the tree DIR to READER as root of a new user namespace
     * with these maps, so files the container's other users made (owned by subordinate ids, 0700)
     * are readable and their owners are the ids the container sees. Never follows a symlink nor
     * leaves DIR's filesystem. The stream (see walk in nsexec.c), per entry: 'E', mode, uid, gid
     * (int), mtime seconds (long), nanoseconds (int), size (long, regular files), rdev major and
     * minor (int), dev and inode (long), nlink (int), opaque (byte), path and symlink target (int
     * length, bytes), then a regular file's content; 'Z' at the end. Names below DIR, directories
     * before their entries.
     */
    public static void readAsMapped(Path dir, List<OciConfig.IdMap> uids, List<OciConfig.IdMap> gids, TreeReader reader) throws IOException {
        SubIds.Mapping h = SubIds.current();
        if (h == null) {
            throw new CloudtuiException("cannot read " + dir + ": some of its files belong to your subordinate ids, and newuidmap, newgidmap or your /etc/subuid entries are gone");
        }
        Path abs = dir.toAbsolutePath().normalize();
        Path tmp = Files.createTempDirectory(abs.getParent(), ".walk-");
        try {
            new NativeSpec().op("uidmap", NativeSpec.idMap(uids)).op("gidmap", NativeSpec.idMap(gids))
                    .op("idmapper", h.newuidmap().toString(), h.newgidmap().toString()).op("walk", abs.toString()).writeTo(tmp.resolve("spec"));
            Process p = new ProcessBuilder(Native.binary().toString(), "walk", tmp.resolve("spec").toString(), tmp.resolve("report").toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            IOException failed = null;
            try (java.io.InputStream in = p.getInputStream()) {
                reader.read(in);
            } catch (IOException e) {
                failed = e;
                p.destroy();
            }
            int rc;
            try {
                rc = p.waitFor();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new CloudtuiException("interrupted");
            }
            String text;
            try {
                text = Files.readString(tmp.resolve("report")).trim();
            } catch (IOException e) {
                text = "";
            }
            // the walker's own error says more than the broken stream it left
            if (!text.isEmpty() && !text.matches("\\d+")) throw nativeError(text);
            if (failed != null) throw failed;
            if (rc != 0 || text.isEmpty()) throw new CloudtuiException("walk failed (native stage exit code " + rc + ")");
        } finally {
            removeSpecDir(tmp);
        }
    }

    /** Streams for an exec that does not use this process's own stdio (the UI, an engine backend). */
    public record Pipes(java.io.InputStream stdin, java.io.OutputStream stdout, java.io.OutputStream stderr) {}

    /** Runs ARGS in the container with the bundle's process settings, its stdio piped to {@code io}; returns the exit code. */
    public int exec(String id, List<String> args, Pipes io) {
        pipes.set(io);
        try {
            return exec(id, null, args, false, null, List.of(), null, null, null, false, null);
        } finally {
            pipes.remove();
        }
    }

    private static String envName(String e) {
        int eq = e.indexOf('=');
        return eq < 0 ? e : e.substring(0, eq);
    }

    private static final ThreadLocal<Pipes> pipes = new ThreadLocal<>();

    /**
     * Runs ARGS in the container with the bundle's process settings, CWD (null: the bundle's) and
     * ENV added, on STDIO's streams; returns the exit code. With {@code stdio.tty()} the process gets
     * a pty of the container, sized {@code stdio.size()} at start and resized whenever STDIO reports a
     * new size; all its output comes on stdout. A thread interrupted meanwhile (a detach) returns at
     * once and leaves the process running; its output is then discarded.
     */
    public int exec(String id, List<String> args, String cwd, List<String> env, io.cloudtui.core.Stdio stdio) {
        return exec(id, args, cwd, env, null, stdio);
    }

    /** As {@link #exec(String, List, String, List, io.cloudtui.core.Stdio)}, as USER (null: the bundle's process.user). */
    public int exec(String id, List<String> args, String cwd, List<String> env, ExecUser user, io.cloudtui.core.Stdio stdio) {
        if (!stdio.tty()) {
            io.cloudtui.core.Stdio plain = stdio.forWorkloadWithoutTty();
            pipes.set(new Pipes(plain.stdin(), plain.stdout(), plain.stderr()));
            try {
                return exec(id, null, args, false, cwd, env, user, null, null, false, null);
            } finally {
                pipes.remove();
            }
        }
        return exec(id, null, args, true, cwd, env, user, null, null, false, stdio);
    }

    /**
     * Sets the window size of a container's terminal held by its monitor (created with a log and
     * process.terminal): a line on the monitor's ctl fifo (protocol at log_run, src/main/c/nsexec.c).
     * False when there is no such terminal (any more).
     */
    public boolean resize(String id, int rows, int cols) {
        StateStore.checkId(id);
        if (rows < 1 || cols < 1 || rows > 65535 || cols > 65535) return false;
        Path ctl = store.dir(id).resolve("ctl");
        // read+write without create: never blocks on a fifo (we are a reader too), fails if it is gone
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(ctl, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(("resize " + rows + " " + cols + "\n").getBytes(StandardCharsets.US_ASCII)));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One frame to the C stage's stdin in relay 2: type, 4-byte big-endian length, payload (see unframe in nsexec.c). */
    private static final class Framer {
        private final OutputStream out;

        Framer(OutputStream out) {
            this.out = out;
        }

        synchronized void send(int type, byte[] b, int off, int n) throws IOException {
            byte[] f = new byte[5 + n];
            f[0] = (byte) type;
            f[1] = (byte) (n >>> 24);
            f[2] = (byte) (n >>> 16);
            f[3] = (byte) (n >>> 8);
            f[4] = (byte) n;
            System.arraycopy(b, off, f, 5, n);
            out.write(f);
            out.flush();
        }

        void size(io.cloudtui.core.Stdio.TermSize s) {
            int r = Math.min(s.rows(), 65535);
            int c = Math.min(s.columns(), 65535);
            try {
                send(1, new byte[] {(byte) (r >>> 8), (byte) r, (byte) (c >>> 8), (byte) c}, 0, 4);
            } catch (IOException e) {
                // the exec has ended
            }
        }
    }

    /**
     * The C stage for an exec with a terminal whose caller is not a terminal itself: its stdin
     * carries frames (our input, window sizes), its stdout is the pty's output. Returns the exit
     * code; interrupted (a detach), it lets go of the stage's pipes at once: the stage then drains
     * the pty itself and the process runs on to its end.
     */
    private static int execFramed(Path spec, Path report, io.cloudtui.core.Stdio stdio) {
        List<String> cmd = List.of(Native.binary().toString(), "exec", spec.toString(), report.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new CloudtuiException("cannot run the runtime's native stage: " + e.getMessage());
        }
        Framer framer = new Framer(p.getOutputStream());
        // after a detach nothing more reaches the caller's terminal (a read already under way returns once more)
        java.util.concurrent.atomic.AtomicBoolean over = new java.util.concurrent.atomic.AtomicBoolean();
        Thread out = pump(p.getInputStream(), gated(stdio.stdout(), over), false);
        Thread err = pump(p.getErrorStream(), gated(stdio.stderr() != null ? stdio.stderr() : stdio.stdout(), over), false);
        Thread in = null;
        if (stdio.stdin() != null) {
            in = new Thread(() -> {
                byte[] buf = new byte[8192];
                try {
                    int n;
                    while ((n = stdio.stdin().read(buf)) >= 0) {
                        if (n > 0) framer.send(0, buf, 0, n);
                    }
                } catch (IOException e) {
                    // our input or the stage is gone; the pipe stays open for window sizes
                }
            }, "exec-tty-in");
            in.setDaemon(true);
            in.start();
        }
        stdio.registerResize(framer::size);
        int rc;
        try {
            rc = p.waitFor();
            out.join(5000);
            err.join(5000);
        } catch (InterruptedException e) {
            over.set(true);
            closeQuietly(p.getInputStream());
            closeQuietly(p.getErrorStream());
            closeQuietly(p.getOutputStream());
            Thread.currentThread().interrupt();
            throw new CloudtuiException("interrupted");
        } finally {
            if (in != null) in.interrupt();
        }
        closeQuietly(p.getOutputStream());
        String text;
        try {
            text = Files.readString(report).trim();
        } catch (IOException e) {
            text = "";
        }
        if (!text.matches("\\d+")) throw nativeError(text.isEmpty() ? "exec failed (native stage exit code " + rc + ")" : text);
        return rc;
    }

    // ---- run ----

    /** create + start, then (unless detached) wait for the exit, delete, and return the exit code. */
    public int run(String id, Path bundle, Path pidFile, String consoleSocket, boolean detach) {
        return run(id, bundle, pidFile, consoleSocket, detach, null);
    }

    /** As {@link #run(String, Path, Path, String, boolean)}; LOG non-null: the output goes to that log. */
    public int run(String id, Path bundle, Path pidFile, String consoleSocket, boolean detach, LogSpec log) {
        create(id, bundle, pidFile, consoleSocket, true, !detach, log, false);
        try {
            start(id);
        } catch (RuntimeException e) {
            delete(id, true);
            throw e;
        }
        if (detach) return 0;
        // Ctrl-C (or SIGTERM) on a foreground run stops and removes the container, as with runc
        Thread onSignal = new Thread(() -> {
            try {
                ObjectNode st = store.load(id);
                if (alive(st)) signal(st.path("pid").asInt(), st.path("pidStart").asLong(), 15);
                delete(id, true);
            } catch (RuntimeException e) {
                // exiting anyway; `delete --force` cleans up
            }
        });
        Runtime.getRuntime().addShutdownHook(onSignal);
        int code = waitExit(id);
        Runtime.getRuntime().removeShutdownHook(onSignal);
        delete(id, true);
        return code;
    }

    /** Waits for the container to stop and returns its exit code (from the monitor's exit file). */
    public int waitExit(String id) {
        while (true) {
            ObjectNode st = store.load(id);
            if (!alive(st)) {
                for (int i = 0; i < 500; i++) {
                    Integer code = exitCode(id);
                    if (code != null) return code;
                    sleep(2);
                }
                return 255;
            }
            sleep(5);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException("interrupted");
        }
    }

    // ---- the C stage ----

    /** What the C stage says when the process's command cannot be run: {@code exec: "NAME": WHY}. */
    private static final java.util.regex.Pattern CANNOT_RUN = java.util.regex.Pattern.compile("exec: \".*\": ([^\n]*)");

    /**
     * The C stage's error MESSAGE as an exception; a command that cannot be run exits as with docker
     * (and a shell): 127 when it is not found, 126 when it cannot be invoked.
     */
    static CloudtuiException nativeError(String message) {
        return new CloudtuiException(message, commandExitCode(message), null);
    }

    /** What it says when the working directory cannot be entered (runc's words; docker exec says 126). */
    private static final java.util.regex.Pattern NO_CWD = java.util.regex.Pattern.compile("chdir to cwd \\(\".*\"\\) set in config.json failed: [^\n]*");

    /** 127 or 126 when MESSAGE says the command could not be run (not found, cannot be invoked), else 1. */
    public static int commandExitCode(String message) {
        if (NO_CWD.matcher(message).matches()) return 126;
        java.util.regex.Matcher m = CANNOT_RUN.matcher(message);
        if (!m.matches()) return 1;
        String why = m.group(1);
        return why.equals("executable file not found in $PATH") || why.equals("no such file or directory") || why.equals("not a directory") ? 127 : 126;
    }

    /**
     * Runs the C stage with our stdio (the container inherits it). Returns the pid it reports, or
     * with WAIT_CODE the exit code of the process it ran.
     */
    private static int runNative(String verb, Path spec, Path report, boolean waitCode) {
        List<String> cmd = List.of(Native.binary().toString(), verb, spec.toString(), report.toString());
        Process p;
        Pipes io = pipes.get();
        List<Thread> pumps = new ArrayList<>();
        try {
            p = io == null ? new ProcessBuilder(cmd).inheritIO().start() : new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new CloudtuiException("cannot run the runtime's native stage: " + e.getMessage());
        }
        if (io != null) {
            pumps.add(pump(p.getInputStream(), io.stdout(), false));
            pumps.add(pump(p.getErrorStream(), io.stderr(), false));
            if (io.stdin() != null) pump(io.stdin(), p.getOutputStream(), true);
            else closeQuietly(p.getOutputStream());
        }
        int rc;
        try {
            rc = p.waitFor();
            for (Thread t : pumps) t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException("interrupted");
        }
        String text;
        try {
            text = Files.readString(report).trim();
        } catch (IOException e) {
            text = "";
        }
        boolean started = text.matches("\\d+");
        if (!started) {
            throw nativeError(text.isEmpty() ? verb + " failed (native stage exit code " + rc + ")" : text);
        }
        if (waitCode) return rc;
        if (rc != 0) throw new CloudtuiException(verb + " failed (native stage exit code " + rc + ")");
        return Integer.parseInt(text);
    }

    private static OutputStream gated(OutputStream to, java.util.concurrent.atomic.AtomicBoolean over) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                if (over.get()) throw new IOException("detached");
                to.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (over.get()) throw new IOException("detached");
                to.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                if (!over.get()) to.flush();
            }
        };
    }

    private static Thread pump(java.io.InputStream in, java.io.OutputStream out, boolean closeOut) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (out != null) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the other side went away
            } finally {
                if (closeOut) closeQuietly(out);
            }
        }, "exec-pipe");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            if (c != null) c.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /**
     * Mounts an overlay filesystem on TARGET with OPTIONS ({@code lowerdir=...,upperdir=...,workdir=...}),
     * one mount(2) in the native stage (root only): mount(8) costs each container start a process
     * that loads several libraries and reads the mount table.
     */
    public static void mountOverlay(Path target, String options) {
        String err = runNativeVerb(List.of(Native.binary().toString(), "overlay", target.toString(), options));
        if (err != null) throw new CloudtuiException(err);
    }

    /**
     * Unmounts TARGET until nothing is mounted on it any more (busy mounts are detached lazily), in
     * the native stage; TARGET not being a mount point is no error. Afterwards nothing under TARGET
     * belongs to another filesystem.
     */
    public static void unmountAll(Path target) {
        String err = runNativeVerb(List.of(Native.binary().toString(), "umount", target.toString()));
        if (err != null) throw new CloudtuiException(err);
    }

    /**
     * A container without mount namespace of its own had its rootfs and mounts made in ours, under
     * one mount recorded in STATEDIR/hostmount (see host_bind in src/main/c/nsexec.c): detaches it
     * with everything under it. Nothing to do for other containers.
     */
    static void unhost(Path stateDir) {
        if (!Files.exists(stateDir.resolve("hostmount"))) return;
        String err = runNativeVerb(List.of(Native.binary().toString(), "unhost", stateDir.toString()));
        if (err != null) throw new CloudtuiException(err);
    }

    /** The runtime's verified native stage (a static executable), installed if needed. */
    public static Path nativeStage() {
        return Native.binary();
    }

    /** Runs a native verb; null on success, else its first line of output (or what failed). */
    private static String runNativeVerb(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() == 0) return null;
            return out.isEmpty() ? cmd.get(1) + " failed" : out.lines().findFirst().orElse("");
        } catch (IOException e) {
            return "cannot run the runtime's native stage: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static int runTool(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor();
        } catch (IOException e) {
            throw new CloudtuiException("cannot run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException("interrupted");
        }
    }

    static void writeAtomically(Path file, String text) {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new CloudtuiException("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** Parses a signal given as 9, KILL or SIGKILL. */
    public static int parseSignal(String s) {
        if (s.matches("\\d+")) {
            int n = Integer.parseInt(s);
            if (n < 1 || n > 64) throw CloudtuiException.usage("invalid signal " + s);
            return n;
        }
        String name = s.toUpperCase(java.util.Locale.ROOT);
        if (name.startsWith("SIG")) name = name.substring(3);
        Integer n = SIGNALS.get(name);
        if (n == null) throw CloudtuiException.usage("unknown signal " + s);
        return n;
    }

    private static final Map<String, Integer> SIGNALS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5),
            Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8), Map.entry("KILL", 9),
            Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14),
            Map.entry("TERM", 15), Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19),
            Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23), Map.entry("XCPU", 24),
            Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29),
            Map.entry("PWR", 30), Map.entry("SYS", 31));
}
