package io.cloudtui.runtime.oci;

import io.cloudtui.core.CloudtuiException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The flat description the C stage executes: NUL-terminated tokens, an operation name followed by
 * its fixed number of fields (see read_spec in src/main/c/nsexec.c). All decisions are taken here.
 */
final class NativeSpec {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static final Map<String, Long> NS_FLAGS = Map.of(
            "mount", 0x00020000L, "uts", 0x04000000L, "ipc", 0x08000000L, "user", 0x10000000L,
            "pid", 0x20000000L, "network", 0x40000000L, "cgroup", 0x02000000L);

    static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32,
            MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_BIND = 4096, MS_REC = 16384,
            MS_UNBINDABLE = 1L << 17, MS_PRIVATE = 1L << 18, MS_SLAVE = 1L << 19, MS_SHARED = 1L << 20,
            MS_RELATIME = 1L << 21, MS_STRICTATIME = 1L << 24;

    static final Map<String, Long> PROPAGATION = Map.of(
            "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC, "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
            "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC, "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

    /** option -> {flags to set, flags to clear}. */
    private static final Map<String, long[]> FLAGS = Map.ofEntries(
            Map.entry("ro", new long[] {MS_RDONLY, 0}), Map.entry("rw", new long[] {0, MS_RDONLY}),
            Map.entry("nosuid", new long[] {MS_NOSUID, 0}), Map.entry("suid", new long[] {0, MS_NOSUID}),
            Map.entry("nodev", new long[] {MS_NODEV, 0}), Map.entry("dev", new long[] {0, MS_NODEV}),
            Map.entry("noexec", new long[] {MS_NOEXEC, 0}), Map.entry("exec", new long[] {0, MS_NOEXEC}),
            Map.entry("sync", new long[] {MS_SYNCHRONOUS, 0}), Map.entry("async", new long[] {0, MS_SYNCHRONOUS}),
            Map.entry("dirsync", new long[] {MS_DIRSYNC, 0}), Map.entry("mand", new long[] {MS_MANDLOCK, 0}),
            Map.entry("nomand", new long[] {0, MS_MANDLOCK}), Map.entry("noatime", new long[] {MS_NOATIME, 0}),
            Map.entry("atime", new long[] {0, MS_NOATIME}), Map.entry("nodiratime", new long[] {MS_NODIRATIME, 0}),
            Map.entry("diratime", new long[] {0, MS_NODIRATIME}), Map.entry("relatime", new long[] {MS_RELATIME, 0}),
            Map.entry("norelatime", new long[] {0, MS_RELATIME}), Map.entry("strictatime", new long[] {MS_STRICTATIME, 0}),
            Map.entry("nostrictatime", new long[] {0, MS_STRICTATIME}), Map.entry("defaults", new long[] {0, 0}),
            Map.entry("bind", new long[] {MS_BIND, 0}), Map.entry("rbind", new long[] {MS_BIND | MS_REC, 0}),
            Map.entry("remount", new long[] {MS_REMOUNT, 0}));

    private static final List<String> CAPS = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
            "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
            "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
            "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
            "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
            "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    private static final List<String> RLIMITS = List.of(
            "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
            "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE",
            "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME");

    /** runc's default devices, created in every container. */
    private static final List<OciConfig.Device> DEFAULT_DEVICES = List.of(
            new OciConfig.Device("/dev/null", "c", 1, 3, 0666, 0, 0), new OciConfig.Device("/dev/zero", "c", 1, 5, 0666, 0, 0),
            new OciConfig.Device("/dev/full", "c", 1, 7, 0666, 0, 0), new OciConfig.Device("/dev/tty", "c", 5, 0, 0666, 0, 0),
            new OciConfig.Device("/dev/random", "c", 1, 8, 0666, 0, 0), new OciConfig.Device("/dev/urandom", "c", 1, 9, 0666, 0, 0));

    static int capability(String name) {
        return CAPS.indexOf(name);
    }

    static int rlimit(String name) {
        return RLIMITS.indexOf(name);
    }

    NativeSpec op(String name, Object... fields) {
        tok(name);
        for (Object f : fields) tok(String.valueOf(f));
        return this;
    }

    private void tok(String s) {
        if (s.indexOf('\0') >= 0) throw new CloudtuiException("config.json: a string contains a NUL character");
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    void writeTo(Path file) {
        try {
            Files.write(file, out.toByteArray());
        } catch (IOException e) {
            throw new CloudtuiException("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** Flags, propagation and data for one mount's options. */
    record MountOpts(long flags, long propagation, String data) {}

    static MountOpts mountOptions(OciConfig.Mount m) {
        long flags = 0, prop = 0;
        List<String> data = new ArrayList<>();
        for (String o : m.options()) {
            long[] f = FLAGS.get(o);
            Long p = PROPAGATION.get(o);
            if (f != null) flags = (flags | f[0]) & ~f[1];
            else if (p != null) prop |= p;
            else if (o.equals("tmpcopyup") || o.startsWith("idmap") || o.startsWith("ridmap") || o.startsWith("r") && FLAGS.containsKey(o.substring(1))) {
                throw new CloudtuiException("config.json: mount " + m.destination() + ": option '" + o + "' is not supported by cloudtui's runtime");
            } else data.add(o);
        }
        if ("bind".equals(m.type())) flags |= MS_BIND;
        // a bind mount's data options (mode=755, as the validation suite writes) go to the kernel as
        // runc passes them; the kernel ignores data with MS_BIND
        return new MountOpts(flags, prop, String.join(",", data));
    }

    private static long capMask(List<String> names, int lastCap) {
        long mask = 0;
        for (String n : names) {
            int c = capability(n);
            if (c >= 0 && c <= lastCap) mask |= 1L << c; // a capability this kernel does not have cannot be granted
        }
        return mask;
    }

    static int lastCap() {
        try {
            return Integer.parseInt(StateStore.readKernelFile(Path.of("/proc/sys/kernel/cap_last_cap")).trim());
        } catch (IOException | NumberFormatException e) {
            return 40;
        }
    }

    /** The process part, shared by create and exec. */
    void process(OciConfig.Process p) {
        for (OciConfig.Rlimit r : p.rlimits()) op("rlimit", rlimit(r.type()), Long.toUnsignedString(r.soft()), Long.toUnsignedString(r.hard()));
        if (p.oomScoreAdj() != null) op("oom", p.oomScoreAdj());
        op("user", p.uid(), p.gid());
        for (Long g : p.additionalGids()) op("group", g);
        if (p.capabilities() != null) {
            int last = lastCap();
            OciConfig.Capabilities c = p.capabilities();
            // the kernel only lets a capability be ambient if it is permitted and inheritable; runc skips
            // the others with a warning, and so do we (OciRuntime logs it), else runc's own default spec fails
            long ambient = capMask(c.ambient(), last) & capMask(c.inheritable(), last) & capMask(c.permitted(), last);
            op("caps", "0x" + Long.toHexString(capMask(c.bounding(), last)), "0x" + Long.toHexString(capMask(c.effective(), last)),
                    "0x" + Long.toHexString(capMask(c.permitted(), last)), "0x" + Long.toHexString(capMask(c.inheritable(), last)),
                    "0x" + Long.toHexString(ambient));
        }
        if (p.noNewPrivileges()) op("nnp", 1);
        if (p.umask() != null) op("umask", p.umask());
        if (p.apparmorProfile() != null) op("apparmor", p.apparmorProfile());
        op("cwd", p.cwd());
        for (String a : p.args()) op("arg", a);
        for (String e : p.env()) op("env", e);
        if (p.terminal()) op("terminal", p.rows(), p.cols());
    }

    /** Everything the C stage needs to create the container described by CONFIG. */
    static NativeSpec forCreate(OciConfig c, Cgroups cg, Path stateDir, String consoleSocket, boolean monitor, boolean rootless) {
        NativeSpec s = new NativeSpec();
        for (OciConfig.Namespace n : c.namespaces()) s.op("ns", NS_FLAGS.get(n.type()), n.path());
        if (!c.uidMappings().isEmpty()) s.op("uidmap", idMap(c.uidMappings()));
        SubIds.Mapping helpers = rootless ? SubIds.current() : null;
        if (helpers != null && (SubIds.needHelper(c.uidMappings(), OciRuntime.uid()) || SubIds.needHelper(c.gidMappings(), OciRuntime.gid()))) {
            // subordinate ids: the setuid helpers write both maps (and allow setgroups, as they see fit)
            s.op("idmapper", helpers.newuidmap().toString(), helpers.newgidmap().toString());
        } else if (rootless && !c.gidMappings().isEmpty()) {
            // an unprivileged parent may only write gid_map once setgroups is denied
            s.op("setgroups", "deny");
        }
        if (!c.gidMappings().isEmpty()) s.op("gidmap", idMap(c.gidMappings()));
        for (Path procs : cg.procsFiles()) s.op("cgroup", procs.toString());
        if (cg.v2() && !c.resources().devices().isEmpty()) s.devices(cg.dirs().get(0), DeviceRules.of(c.resources().devices()));
        // no mount namespace of its own (the validation suite's linux_ns_itype): as runc, the rootfs and
        // mounts are set up in the runtime's mount namespace and the root changes by chroot; unlike
        // runc, all of it sits under one recorded mount that delete detaches (host_bind in nsexec.c)
        boolean hostMounts = !c.hasNamespace("mount") && (!c.rootPath().equals(Path.of("/")) || c.rootReadonly());
        if (hostMounts) {
            if (c.rootPath().equals(Path.of("/"))) {
                throw new CloudtuiException("config.json: root.readonly: without a mount namespace it would make the host's / read-only");
            }
            if (c.hasNamespace("user")) {
                throw new CloudtuiException("config.json: linux.namespaces: without a mount namespace the root filesystem and mounts are made in the runtime's,"
                        + " which a process in a user namespace cannot change" + (rootless ? " (rootless)" : "") + ": add a mount namespace");
            }
            if (c.annotations().containsKey(ROOT_OVERLAY)) throw new CloudtuiException("config.json: annotation " + ROOT_OVERLAY + " needs a mount namespace");
            s.op("hostmounts", 1);
        }
        if (c.hasNamespace("mount") || hostMounts) {
            s.op("rootfs", c.rootPath().toString());
            String overlay = c.annotations().get(ROOT_OVERLAY);
            if (overlay != null) s.op("rootoverlay", rootOverlay(overlay, c.hasNewNamespace("user")));
            if (c.rootfsPropagation() != null && !c.rootfsPropagation().isEmpty()) s.op("rootprop", PROPAGATION.get(c.rootfsPropagation()) & ~MS_REC);
            if (c.rootReadonly()) s.op("rootro", 1);
            for (OciConfig.Mount m : c.mounts()) s.mount(m, c, cg);
            boolean devTmpfs = c.mounts().stream().anyMatch(m -> m.destination().equals("/dev"));
            // the host's /dev bound (run --hpc): its nodes and links are there, and none may be made in it
            boolean devHost = c.mounts().stream().anyMatch(m -> m.destination().equals("/dev") && (mountOptions(m).flags() & MS_BIND) != 0);
            List<String> seen = new ArrayList<>();
            for (OciConfig.Device d : c.devices()) {
                seen.add(d.path());
                s.op("dev", d.path(), d.type(), d.major(), d.minor(), d.fileMode(), d.uid(), d.gid());
            }
            for (OciConfig.Device d : devHost ? List.<OciConfig.Device>of() : DEFAULT_DEVICES) {
                if (!seen.contains(d.path())) s.op("dev", d.path(), d.type(), d.major(), d.minor(), d.fileMode(), d.uid(), d.gid());
            }
            if (devTmpfs && !devHost) {
                s.op("link", "/proc/self/fd", "/dev/fd").op("link", "/proc/self/fd/0", "/dev/stdin")
                        .op("link", "/proc/self/fd/1", "/dev/stdout").op("link", "/proc/self/fd/2", "/dev/stderr");
                if (c.mounts().stream().anyMatch(m -> m.destination().equals("/dev/pts"))) s.op("link", "pts/ptmx", "/dev/ptmx");
            }
            for (String p : c.maskedPaths()) s.op("mask", p);
            for (String p : c.readonlyPaths()) s.op("ro", p);
        }
        if (c.hostname() != null && !c.hostname().isEmpty()) s.op("hostname", c.hostname());
        for (Map.Entry<String, String> e : c.sysctl().entrySet()) s.op("sysctl", e.getKey(), e.getValue());
        s.process(c.process());
        if (c.seccomp() != null) s.op("seccomp", c.seccomp());
        if (consoleSocket != null) s.op("console", consoleSocket);
        s.op("fifo", stateDir.resolve(StateStore.FIFO).toString());
        s.op("statedir", stateDir.toString());
        s.op("monitor", monitor ? 1 : 0);
        return s;
    }

    /**
     * cloudtui's extension for a rootless engine: root.path gets an overlayfs mount inside the
     * container's namespaces (an unprivileged user may mount overlayfs only in a mount namespace its
     * user namespace owns), so none is left on the host. The value: lowerdir=A[:B...],upperdir=U,workdir=W.
     */
    static final String ROOT_OVERLAY = "io.cloudtui.rootfs.overlay";

    /** Checks the annotation's overlay options; USERXATTR (in a new user namespace, where trusted.* is out of reach) adds userxattr. */
    static String rootOverlay(String value, boolean userxattr) {
        String what = "config.json: annotation " + ROOT_OVERLAY + ": ";
        Map<String, String> opts = new java.util.LinkedHashMap<>();
        for (String part : value.split(",", -1)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            if (eq < 0 || !List.of("lowerdir", "upperdir", "workdir").contains(key) || opts.containsKey(key)) {
                throw new CloudtuiException(what + "expected lowerdir=DIR[:DIR...],upperdir=DIR,workdir=DIR, got '" + part + "'");
            }
            opts.put(key, part.substring(eq + 1));
        }
        if (opts.size() != 3) throw new CloudtuiException(what + "lowerdir, upperdir and workdir are all needed");
        List<String> dirs = new ArrayList<>(List.of(opts.get("lowerdir").split(":", -1)));
        dirs.add(opts.get("upperdir"));
        dirs.add(opts.get("workdir"));
        for (String d : dirs) {
            if (!d.startsWith("/") || d.matches(".*[\\\\,:\\s].*") || !Files.isDirectory(Path.of(d))) {
                throw new CloudtuiException(what + "'" + d + "' is not an existing absolute directory (without ',', ':', '\\' or spaces)");
            }
        }
        String data = value + (userxattr ? ",userxattr" : "");
        if (data.length() > 4000) throw new CloudtuiException(what + "too long for one mount (" + data.length() + " bytes, at most 4000)");
        return data;
    }

    /** cgroup v2: the device rules the C stage attaches to CGROUP as an eBPF program (see devfilter in nsexec.c). */
    NativeSpec devices(Path cgroup, DeviceRules.Filter f) {
        if (f.exceptions().size() > 512) throw new CloudtuiException("config.json: linux.resources.devices: more than 512 rules remain after combining them");
        op("devcgroup", cgroup.toString(), f.defaultAllow() ? 1 : 0);
        for (DeviceRules.Rule r : f.exceptions()) op("devrule", String.valueOf(r.type()), r.major(), r.minor(), r.access());
        return this;
    }

    static String idMap(List<OciConfig.IdMap> maps) {
        StringBuilder b = new StringBuilder();
        for (OciConfig.IdMap m : maps) b.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
        return b.toString();
    }

    private void mount(OciConfig.Mount m, OciConfig c, Cgroups cg) {
        MountOpts o = mountOptions(m);
        String type = m.type();
        if ((o.flags() & MS_BIND) != 0) {
            if (!Files.exists(Path.of(m.source()))) throw new CloudtuiException("config.json: bind mount source '" + m.source() + "' does not exist");
            op("mount", m.source(), m.destination(), "", o.flags(), o.propagation(), "");
            return;
        }
        switch (type) {
            case "tmpfs", "proc", "devpts", "mqueue" -> op("mount", m.source().isEmpty() ? type : m.source(), m.destination(), type, o.flags(), o.propagation(), o.data());
            case "sysfs" -> {
                if (c.hasNewNamespace("network")) op("mount", "sysfs", m.destination(), "sysfs", o.flags(), o.propagation(), o.data());
                else {
                    // sysfs can only be mounted by the owner of the network namespace: bind the host's instead
                    op("mount", "/sys", m.destination(), "", o.flags() | MS_BIND | MS_REC, o.propagation(), "");
                }
            }
            case "cgroup", "cgroup2" -> {
                // the container sees its own cgroup directories only, as runc arranges it
                long base = o.flags() & ~MS_RDONLY;
                if (cg.dirs().isEmpty()) {
                    // rootless, no cgroup of its own: the host's hierarchy, read-only (as with a bound /sys)
                    op("mount", "/sys/fs/cgroup", m.destination(), "", o.flags() | MS_BIND | MS_REC | MS_RDONLY, o.propagation(), "");
                    return;
                }
                if (cg.v2()) {
                    if (c.hasNewNamespace("cgroup")) op("mount", "cgroup2", m.destination(), "cgroup2", o.flags(), o.propagation(), "");
                    else op("mount", cg.dirs().get(0).toString(), m.destination(), "", o.flags() | MS_BIND, o.propagation(), "");
                    return;
                }
                op("mount", "tmpfs", m.destination(), "tmpfs", base, o.propagation(), "mode=755");
                for (Map.Entry<String, Path> e : cg.byName().entrySet()) {
                    op("mount", e.getValue().toString(), m.destination() + "/" + e.getKey(), "", o.flags() | MS_BIND, 0, "");
                }
                if ((o.flags() & MS_RDONLY) != 0) op("mount", "tmpfs", m.destination(), "tmpfs", base | MS_REMOUNT | MS_RDONLY, 0, "mode=755");
            }
            default -> throw new CloudtuiException("config.json: mount " + m.destination() + ": type '" + type + "' is not supported by cloudtui's runtime");
        }
    }

    /**
     * Exec: join the namespaces of PID that differ from ours, then run PROCESS. FRAMED: a terminal
     * without console socket is copied to and from our stdin in frames (relay 2, see unframe in
     * src/main/c/nsexec.c), so a caller whose stdin is a pipe can pass window sizes.
     */
    static NativeSpec forExec(int pid, List<String> nsTypes, Cgroups cg, OciConfig.Process p, String seccomp, String consoleSocket, String pidFile,
                              boolean detach, boolean framed) {
        NativeSpec s = new NativeSpec();
        for (Path procs : cg.procsFiles()) s.op("cgroup", procs.toString());
        for (String t : nsTypes) s.op("ns", NS_FLAGS.get(t), "/proc/" + pid + "/ns/" + procName(t));
        s.process(p);
        if (seccomp != null) s.op("seccomp", seccomp);
        if (consoleSocket != null) s.op("console", consoleSocket);
        else if (p.terminal()) s.op("relay", framed ? 2 : 1); // the C stage copies between our stdio and the pty
        if (pidFile != null) s.op("pidfile", Path.of(pidFile).toAbsolutePath().toString());
        if (detach) s.op("detach", 1);
        return s;
    }

    static String procName(String type) {
        return switch (type) {
            case "network" -> "net";
            case "mount" -> "mnt";
            default -> type;
        };
    }
}
