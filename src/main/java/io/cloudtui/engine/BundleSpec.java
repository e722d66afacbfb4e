package io.cloudtui.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.RunSpec;
import io.cloudtui.engine.image.ImageConfig;
import io.cloudtui.runtime.oci.DefaultSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OCI config.json for a container: runc's defaults, then the image's Env, WorkingDir, User,
 * Entrypoint and Cmd, then what {@code run} asked for, the way docker combines them.
 */
final class BundleSpec {
    private BundleSpec() {}

    /** Entrypoint + Cmd as docker resolves them: --entrypoint replaces both; a command replaces Cmd. */
    static List<String> args(RunSpec s, ImageConfig img) {
        List<String> out = new ArrayList<>();
        if (s.entrypoint() != null) {
            out.addAll(s.entrypoint());
            out.addAll(s.command());
        } else {
            out.addAll(img.entrypoint());
            out.addAll(s.command().isEmpty() ? img.cmd() : s.command());
        }
        if (out.isEmpty()) throw CloudtuiException.usage("no command: the image has no Entrypoint or Cmd; give one after the image");
        return out;
    }

    /** The environment: PATH and HOME defaults, the image's Env, then -e, later ones winning. */
    static List<String> env(RunSpec s, ImageConfig img, String hostname, String home) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String e : img.env()) {
            int eq = e.indexOf('=');
            if (eq > 0) env.put(e.substring(0, eq), e.substring(eq + 1));
        }
        env.put("HOSTNAME", hostname);
        env.putAll(s.env());
        env.putIfAbsent("HOME", home);
        if (s.tty()) env.putIfAbsent("TERM", "xterm");
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    /** uid, gid, additional gids and home of a user spec ("", "name", "uid", "name:group", "uid:gid") in the rootfs. */
    record User(long uid, long gid, List<Long> groups, String home) {}

    static User user(String spec, Path rootfs) {
        return user(spec, rel -> rootfs.resolve(rel));
    }

    /** As {@link #user(String, Path)}, the image's files found by {@code files} ("etc/passwd" to a path, or null). */
    static User user(String spec, java.util.function.Function<String, Path> files) {
        if (spec == null || spec.isEmpty()) spec = "0";
        String u = spec;
        String g = null;
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            u = spec.substring(0, colon);
            g = spec.substring(colon + 1);
        }
        List<String[]> passwd = table(files.apply("etc/passwd"));
        long uid = -1;
        long gid = -1;
        String home = "/";
        for (String[] p : passwd) {
            if (p.length >= 6 && (p[0].equals(u) || p[2].equals(u))) {
                uid = Long.parseLong(p[2]);
                gid = Long.parseLong(p[3]);
                home = p[5];
                break;
            }
        }
        if (uid < 0) {
            if (!u.matches("\\d+")) throw CloudtuiException.usage("user '" + u + "' is not in the container's /etc/passwd");
            uid = Long.parseLong(u);
            gid = uid == 0 ? 0 : uid;
            if (uid == 0) home = "/root";
        }
        if (g != null) {
            long found = -1;
            for (String[] p : table(files.apply("etc/group"))) {
                if (p.length >= 3 && (p[0].equals(g) || p[2].equals(g))) {
                    found = Long.parseLong(p[2]);
                    break;
                }
            }
            if (found < 0) {
                if (!g.matches("\\d+")) throw CloudtuiException.usage("group '" + g + "' is not in the container's /etc/group");
                found = Long.parseLong(g);
            }
            gid = found;
        }
        List<Long> groups = new ArrayList<>();
        String name = null;
        for (String[] p : passwd) if (p.length >= 3 && p[2].equals(String.valueOf(uid))) name = p[0];
        if (name != null) {
            for (String[] p : table(files.apply("etc/group"))) {
                if (p.length >= 4 && List.of(p[3].split(",")).contains(name)) {
                    long x = Long.parseLong(p[2]);
                    if (x != gid && !groups.contains(x)) groups.add(x);
                }
            }
        }
        return new User(uid, gid, groups, home);
    }

    private static List<String[]> table(Path f) {
        List<String[]> out = new ArrayList<>();
        try {
            // never follow a link out of the rootfs: the image's /etc/passwd is the image's business
            if (f == null || !Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return out;
            for (String line : Files.readAllLines(f)) {
                if (!line.isBlank() && !line.startsWith("#")) out.add(line.split(":", -1));
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    /** The whole config.json tree. {@code etc} holds the hostname, hosts and resolv.conf files to bind. */
    static ObjectNode build(String id, RunSpec s, ImageConfig img, Path rootfs, Path etc, String hostname, String cgroupsPath) {
        return build(id, s, img, rootfs, rel -> rootfs.resolve(rel), etc, hostname, cgroupsPath);
    }

    /** As above, with the image's /etc/passwd and /etc/group found by {@code files} (a rootfs not mounted yet). */
    static ObjectNode build(String id, RunSpec s, ImageConfig img, Path rootfs, java.util.function.Function<String, Path> files, Path etc,
            String hostname, String cgroupsPath) {
        User user = user(s.user() != null ? s.user() : img.user(), files);
        ObjectNode c = DefaultSpec.create(args(s, img), rootfs.toString(), cgroupsPath);
        ObjectNode p = (ObjectNode) c.get("process");
        p.put("terminal", s.tty());
        if (s.tty()) p.putObject("consoleSize").put("height", 24).put("width", 80);
        ObjectNode u = p.putObject("user").put("uid", user.uid()).put("gid", user.gid());
        if (!user.groups().isEmpty()) {
            ArrayNode ag = u.putArray("additionalGids");
            user.groups().forEach(ag::add);
        }
        ArrayNode env = p.putArray("env");
        env(s, img, hostname, user.home()).forEach(env::add);
        String cwd = s.workdir() != null && !s.workdir().isEmpty() ? s.workdir() : img.workingDir().isEmpty() ? "/" : img.workingDir();
        if (!cwd.startsWith("/")) throw CloudtuiException.usage("working directory '" + cwd + "' must be absolute");
        p.put("cwd", cwd);
        c.put("hostname", hostname);
        ((ObjectNode) c.get("root")).put("readonly", s.readOnly());
        ArrayNode mounts = (ArrayNode) c.get("mounts");
        // the container's own cgroup, read-only, as docker mounts it (its limits, its usage)
        DefaultSpec.mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
        for (String f : List.of("hostname", "hosts", "resolv.conf")) {
            DefaultSpec.mount(mounts, "/etc/" + f, "bind", etc.resolve(f).toString(), "rbind", "rprivate", s.readOnly() ? "ro" : "rw");
        }
        for (RunSpec.Mount m : s.mounts()) {
            if (!m.target().startsWith("/")) throw CloudtuiException.usage("volume target '" + m.target() + "' must be absolute");
            if (m.source().startsWith(RunSpec.Mount.TMPFS)) {
                String size = m.source().substring(RunSpec.Mount.TMPFS.length());
                if (size.startsWith(":")) DefaultSpec.mount(mounts, m.target(), "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777", "size=" + size.substring(1));
                else DefaultSpec.mount(mounts, m.target(), "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777");
                continue;
            }
            Path src = Path.of(m.source());
            if (!src.isAbsolute() || !Files.exists(src)) {
                throw CloudtuiException.usage("volume source '" + m.source() + "' must be an existing absolute host path (named volumes: not on this backend)");
            }
            DefaultSpec.mount(mounts, m.target(), "bind", src.toString(), "rbind", "rprivate", m.readOnly() ? "ro" : "rw");
        }
        if (s.readOnly()) DefaultSpec.mount(mounts, "/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777");
        ObjectNode linux = (ObjectNode) c.get("linux");
        String net = s.network() == null || s.network().isEmpty() ? "none" : s.network();
        switch (net) {
            case "none", "default" -> { } // own network namespace: loopback only
            case "host" -> {
                ArrayNode ns = linux.putArray("namespaces");
                for (String t : List.of("pid", "ipc", "uts", "mount")) ns.addObject().put("type", t);
            }
            default -> { } // own network namespace, wired to the network's bridge by the engine between create and start
        }
        ObjectNode res = linux.putObject("resources");
        if (s.memoryBytes() != null) res.putObject("memory").put("limit", s.memoryBytes());
        if (s.cpus() != null) {
            if (s.cpus() <= 0) throw CloudtuiException.usage("--cpus must be positive");
            long period = 100_000;
            res.putObject("cpu").put("quota", Math.round(s.cpus() * period)).put("period", period);
        }
        if (s.pidsLimit() != null) res.putObject("pids").put("limit", s.pidsLimit());
        // docker's device rules: no device but the runtime's standard ones (null, zero, tty, ptmx...)
        // can be used, though nodes can be made (the container has CAP_MKNOD); else a container could
        // make a node for the host's disk and read it
        ArrayNode dev = res.putArray("devices");
        dev.addObject().put("allow", false).put("access", "rwm");
        dev.addObject().put("allow", true).put("type", "c").put("access", "m");
        dev.addObject().put("allow", true).put("type", "b").put("access", "m");
        ObjectNode ann = c.putObject("annotations");
        ann.put("io.cloudtui.container", id);
        return c;
    }

    /** What {@code run --hpc} takes from the invoking side: who runs it, from where, with what environment. */
    record Invoker(long uid, long gid, String name, Path home, Path cwd, Map<String, String> env) {
        static Invoker current(Ids ids) {
            Path home = io.cloudtui.core.Dirs.home();
            return new Invoker(ids.uid(), ids.gid(), System.getProperty("user.name"), home,
                    Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize(), System.getenv());
        }
    }

    /**
     * Host variables never passed in: as Apptainer, PATH and the library path (the image's are kept)
     * and the prompt; and what the cloudtui launcher sets for itself.
     */
    static final List<String> HPC_OMIT = List.of("PATH", "LD_LIBRARY_PATH", "PS1", "PROMPT_COMMAND", "CLOUDTUI_LAUNCHER", "CLOUDTUI_JAR",
            "CLOUDTUI_NO_AGENT");
    /** What {@code --cleanenv} keeps of the host's environment, as Apptainer does: the terminal type and the proxy settings. */
    static final List<String> HPC_CLEANENV_KEEP = List.of("TERM", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
            "all_proxy", "ALL_PROXY", "ftp_proxy", "FTP_PROXY");

    /**
     * The environment of {@code run --hpc}: the host's (all but {@link #HPC_OMIT}, or with --cleanenv
     * only {@link #HPC_CLEANENV_KEEP}), then the image's Env over it, then -e; HOME is the invoker's.
     */
    static List<String> hpcEnv(RunSpec s, ImageConfig img, Invoker who) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(who.env()).entrySet()) {
            if (s.hpc().cleanEnv() ? HPC_CLEANENV_KEEP.contains(e.getKey()) : !HPC_OMIT.contains(e.getKey())) env.put(e.getKey(), e.getValue());
        }
        for (String e : img.env()) {
            int eq = e.indexOf('=');
            if (eq > 0) env.put(e.substring(0, eq), e.substring(eq + 1));
        }
        env.put("HOME", who.home().toString());
        env.putAll(s.env());
        if (s.tty()) env.putIfAbsent("TERM", "xterm");
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    /**
     * Turns a container's config into one run with HPC habits: the invoker's uid and gid (root stays
     * root; otherwise a user namespace maps our own ids to themselves), the host's network, IPC, UTS
     * and devices (/dev bound), $HOME, /tmp and the working directory bound (the latter as cwd), the
     * image read-only, no capabilities for a user, no cgroup. {@code etc} holds the passwd and group
     * files (the image's, with the invoker added) to bind.
     */
    static void hpc(ObjectNode c, RunSpec s, ImageConfig img, Invoker who, Path etc, boolean rootless) {
        if (s.user() != null) throw CloudtuiException.usage("--hpc runs the container as you: -u does not go with it");
        if (s.network() != null && !s.network().equals("host")) throw CloudtuiException.usage("--hpc shares the host's network: --network does not go with it");
        if (s.hostname() != null) throw CloudtuiException.usage("--hpc shares the host's name: -h does not go with it");
        if (s.memoryBytes() != null || s.cpus() != null || s.pidsLimit() != null) {
            throw CloudtuiException.usage("--hpc makes no cgroup (the batch system's limits apply): --memory, --cpus and --pids-limit do not go with it");
        }
        ObjectNode p = (ObjectNode) c.get("process");
        p.putObject("user").put("uid", who.uid()).put("gid", who.gid());
        ArrayNode env = p.putArray("env");
        hpcEnv(s, img, who).forEach(env::add);
        p.put("cwd", s.workdir() != null && !s.workdir().isEmpty() ? s.workdir() : who.cwd().toString());
        if (who.uid() != 0) {
            ObjectNode caps = p.putObject("capabilities");
            for (String set : List.of("bounding", "effective", "permitted")) caps.putArray(set);
        }
        c.remove("hostname");
        ((ObjectNode) c.get("root")).put("readonly", true);
        ObjectNode linux = (ObjectNode) c.get("linux");
        ArrayNode ns = linux.putArray("namespaces");
        if (rootless) {
            ns.addObject().put("type", "user");
            linux.putArray("uidMappings").addObject().put("containerID", who.uid()).put("hostID", who.uid()).put("size", 1);
            linux.putArray("gidMappings").addObject().put("containerID", who.gid()).put("hostID", who.gid()).put("size", 1);
        }
        ns.addObject().put("type", "pid");
        ns.addObject().put("type", "mount");
        linux.remove("resources");
        linux.remove("cgroupsPath");
        ArrayNode old = (ArrayNode) c.get("mounts");
        ArrayNode mounts = c.putArray("mounts");
        for (var m : old) {
            String dest = m.path("destination").asText();
            if (dest.equals("/dev")) {
                DefaultSpec.mount(mounts, "/dev", "bind", "/dev", "rbind", "rprivate", "rw");
            } else if (dest.startsWith("/dev/") || dest.equals("/etc/hostname") || dest.equals("/tmp")) {
                continue; // the host's, under its /dev; the host's name; /tmp is bound below
            } else if (dest.equals("/etc/hosts") || dest.equals("/etc/resolv.conf")) {
                if (Files.isRegularFile(Path.of(dest))) DefaultSpec.mount(mounts, dest, "bind", dest, "rbind", "rprivate", "ro");
            } else if (!isUserBind(s, dest)) {
                mounts.add(m);
            }
        }
        for (String f : List.of("passwd", "group")) {
            DefaultSpec.mount(mounts, "/etc/" + f, "bind", etc.resolve(f).toString(), "rbind", "rprivate", "ro");
        }
        List<Path> bound = new ArrayList<>();
        for (Path d : List.of(who.home(), Path.of("/tmp"), who.cwd())) {
            if (d.toString().equals("/") || !Files.isDirectory(d) || bound.stream().anyMatch(d::startsWith)) continue;
            bound.add(d);
            DefaultSpec.mount(mounts, d.toString(), "bind", d.toString(), "rbind", "rprivate", "rw");
        }
        for (RunSpec.Mount m : s.mounts()) {
            DefaultSpec.mount(mounts, m.target(), "bind", m.source(), "rbind", "rprivate", m.readOnly() ? "ro" : "rw");
        }
        ObjectNode ann = (ObjectNode) c.get("annotations");
        ann.put(DefaultSpec.NO_CGROUP, "true");
    }

    private static boolean isUserBind(RunSpec s, String dest) {
        return s.mounts().stream().anyMatch(m -> m.target().equals(dest));
    }

    /**
     * The image's /etc/passwd (or /etc/group) with the invoker added when its id is missing, so that
     * {@code id} and {@code whoami} name the user inside as outside.
     */
    static String withInvoker(Path imageFile, String line, long id) {
        StringBuilder b = new StringBuilder();
        boolean found = false;
        try {
            if (imageFile != null && Files.isRegularFile(imageFile, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                for (String l : Files.readAllLines(imageFile)) {
                    String[] f = l.split(":", -1);
                    if (f.length >= 3 && f[2].equals(String.valueOf(id))) found = true;
                    b.append(l).append('\n');
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable image file: just the invoker
        }
        if (!found) b.append(line).append('\n');
        return b.toString();
    }

    /** The container ids a rootless container has: 0 (our own id) and, with subordinate ids, 1 to {@code size - 1}. */
    record Ids(long uid, long gid, io.cloudtui.runtime.oci.SubIds.Mapping sub) {
        long uids() {
            return sub == null ? 1 : 1 + Math.min(sub.uids().count(), MAX_SUB);
        }

        long gids() {
            return sub == null ? 1 : 1 + Math.min(sub.gids().count(), MAX_SUB);
        }
    }

    /** Container ids 1..65536 at most, as podman maps by default. */
    static final long MAX_SUB = 65536;

    /**
     * Rootless: our own uid and gid are root in the container. With subordinate ids (ids.sub) the
     * user namespace also maps 1..n to them (newuidmap writes it); without, nothing else exists
     * there, so devpts takes no gid=5 and the process no additional groups. An overlay rootfs is
     * mounted by the runtime inside the container's namespaces ({@code overlay}: its options, or
     * null for a copied rootfs).
     */
    static void rootless(ObjectNode c, String overlay, Ids ids) {
        if (ids.sub() == null) {
            for (var m : c.get("mounts")) {
                if (m.path("type").asText().equals("devpts")) {
                    ArrayNode opts = ((ObjectNode) m).putArray("options");
                    for (String o : List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")) opts.add(o);
                }
            }
            ((ObjectNode) c.path("process").path("user")).remove("additionalGids");
        } else {
            ObjectNode linux = (ObjectNode) c.get("linux");
            ((ArrayNode) linux.get("namespaces")).insertObject(0).put("type", "user");
            ArrayNode u = linux.putArray("uidMappings");
            u.addObject().put("containerID", 0).put("hostID", ids.uid()).put("size", 1);
            u.addObject().put("containerID", 1).put("hostID", ids.sub().uids().start()).put("size", ids.uids() - 1);
            ArrayNode g = linux.putArray("gidMappings");
            g.addObject().put("containerID", 0).put("hostID", ids.gid()).put("size", 1);
            g.addObject().put("containerID", 1).put("hostID", ids.sub().gids().start()).put("size", ids.gids() - 1);
        }
        if (overlay != null) ((ObjectNode) c.get("annotations")).put("io.cloudtui.rootfs.overlay", overlay);
    }
}
