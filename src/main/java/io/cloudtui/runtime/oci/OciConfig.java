package io.cloudtui.runtime.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** config.json (and exec's process.json), parsed and validated. Unsupported fields are refused. */
public record OciConfig(
        String ociVersion,
        Path rootPath,
        boolean rootReadonly,
        Process process,
        String hostname,
        List<Mount> mounts,
        List<Namespace> namespaces,
        List<IdMap> uidMappings,
        List<IdMap> gidMappings,
        List<Device> devices,
        Resources resources,
        String cgroupsPath,
        Map<String, String> sysctl,
        List<String> maskedPaths,
        List<String> readonlyPaths,
        String rootfsPropagation,
        Hooks hooks,
        Map<String, String> annotations,
        String seccomp) {


    public record Process(boolean terminal, int rows, int cols, long uid, long gid, List<Long> additionalGids,
                          List<String> args, List<String> env, String cwd, Capabilities capabilities,
                          List<Rlimit> rlimits, boolean noNewPrivileges, Integer oomScoreAdj, String apparmorProfile, Integer umask) {}

    public record Capabilities(List<String> bounding, List<String> effective, List<String> inheritable,
                               List<String> permitted, List<String> ambient) {}

    public record Rlimit(String type, long soft, long hard) {}

    public record Mount(String destination, String type, String source, List<String> options) {}

    public record Namespace(String type, String path) {}

    public record IdMap(long containerID, long hostID, long size) {}

    public record Device(String path, String type, long major, long minor, int fileMode, long uid, long gid) {}

    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

    public record Resources(Long memoryLimit, Long memoryReservation, Long memorySwap, Long cpuShares,
                            Long cpuQuota, Long cpuPeriod, String cpusetCpus, String cpusetMems, Long pidsLimit,
                            List<DeviceRule> devices) {
        static final Resources NONE = new Resources(null, null, null, null, null, null, null, null, null, List.of());
    }

    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}

    public record Hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> poststart, List<Hook> poststop) {
        static final Hooks NONE = new Hooks(List.of(), List.of(), List.of(), List.of());
    }

    static final Set<String> NAMESPACES = Set.of("pid", "network", "mount", "ipc", "uts", "user", "cgroup");

    /** Reads BUNDLE/config.json; the root path is resolved against the bundle. */
    public static OciConfig load(Path bundle) {
        Path file = bundle.resolve("config.json");
        JsonNode root = readJson(file);
        return parse(root, bundle, file.toString());
    }

    static JsonNode readJson(Path file) {
        try {
            return io.cloudtui.core.JsonTrees.read(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new CloudtuiException(file + ": no such file");
        } catch (JsonProcessingException e) {
            throw new CloudtuiException(file + ": malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : ""));
        } catch (IOException e) {
            throw new CloudtuiException(file + ": " + e.getMessage());
        }
    }

    static OciConfig parse(JsonNode node, Path bundle, String file) {
        Json j = new Json(node, "", file);
        String version = j.reqStr("ociVersion");
        if (!version.startsWith("1.")) throw Json.bad(file, "ociVersion", "'" + version + "' is not a 1.x version");
        Json root = j.obj("root");
        if (root == null) throw Json.bad(file, "root", "is required");
        Path rootPath = bundle.resolve(root.reqStr("path")).normalize();
        boolean ro = root.bool("readonly");
        root.done();
        if (!Files.isDirectory(rootPath)) throw Json.bad(file, "root.path", "'" + rootPath + "' is not a directory");
        Json pj = j.obj("process");
        if (pj == null) throw Json.bad(file, "process", "is required");
        Process process = parseProcess(pj);
        String hostname = j.str("hostname");
        j.unsetOnly("domainname");
        List<Mount> mounts = new ArrayList<>();
        for (Json m : j.objs("mounts")) {
            String dest = m.reqStr("destination");
            if (!dest.startsWith("/")) throw Json.bad(file, m.where() + ".destination", "must be an absolute path");
            String type = m.str("type");
            String source = m.str("source");
            List<String> options = m.strs("options");
            m.unsetOnly("uidMappings", "gidMappings");
            m.done();
            if (source != null && (type == null || "bind".equals(type) || options.contains("bind") || options.contains("rbind"))
                    && !source.startsWith("/")) {
                source = bundle.resolve(source).normalize().toString();
            }
            mounts.add(new Mount(dest, type == null ? "" : type, source == null ? "" : source, options));
        }
        Hooks hooks = Hooks.NONE;
        Json hj = j.obj("hooks");
        if (hj != null) {
            hooks = new Hooks(hooks(hj, "prestart"), hooks(hj, "createRuntime"), hooks(hj, "poststart"), hooks(hj, "poststop"));
            hj.unsetOnly("createContainer", "startContainer");
            hj.done();
        }
        Map<String, String> annotations = j.strMap("annotations");
        Json lj = j.obj("linux");
        List<Namespace> namespaces = new ArrayList<>();
        List<IdMap> uidMaps = new ArrayList<>();
        List<IdMap> gidMaps = new ArrayList<>();
        List<Device> devices = new ArrayList<>();
        Resources resources = Resources.NONE;
        String cgroupsPath = null;
        Map<String, String> sysctl = new LinkedHashMap<>();
        List<String> masked = new ArrayList<>();
        List<String> readonly = new ArrayList<>();
        String propagation = null;
        String seccomp = null;
        if (lj != null) {
            Set<String> seenNs = new HashSet<>();
            for (Json n : lj.objs("namespaces")) {
                String type = n.reqStr("type");
                String path = n.str("path");
                n.done();
                if (!NAMESPACES.contains(type)) throw Json.bad(file, n.where() + ".type", "'" + type + "' is not a supported namespace type (pid, network, mount, ipc, uts, user, cgroup)");
                if (!seenNs.add(type)) throw Json.bad(file, n.where(), "repeats namespace '" + type + "'");
                if (path != null && !path.isEmpty() && !Files.exists(Path.of(path))) throw Json.bad(file, n.where() + ".path", "'" + path + "' does not exist");
                namespaces.add(new Namespace(type, path == null ? "" : path));
            }
            uidMaps = idMaps(lj, "uidMappings");
            gidMaps = idMaps(lj, "gidMappings");
            for (Json d : lj.objs("devices")) {
                String path = d.reqStr("path");
                String type = d.reqStr("type");
                if (!Set.of("c", "b", "u", "p").contains(type)) throw Json.bad(file, d.where() + ".type", "must be c, b, u or p");
                devices.add(new Device(path, "u".equals(type) ? "c" : type, d.lng("major", 0), d.lng("minor", 0),
                        (int) d.lng("fileMode", 0666), d.lng("uid", 0), d.lng("gid", 0)));
                d.done();
            }
            Json rj = lj.obj("resources");
            if (rj != null) resources = resources(rj);
            cgroupsPath = lj.str("cgroupsPath");
            sysctl = lj.strMap("sysctl");
            masked = lj.strs("maskedPaths");
            readonly = lj.strs("readonlyPaths");
            propagation = lj.str("rootfsPropagation");
            if (propagation != null && !propagation.isEmpty() && NativeSpec.PROPAGATION.get(propagation) == null) {
                throw Json.bad(file, "linux.rootfsPropagation", "'" + propagation + "' is not a propagation mode");
            }
            Json sj = lj.obj("seccomp");
            if (sj != null) seccomp = Seccomp.compile(sj);
            lj.unsetOnly("mountLabel", "intelRdt", "personality", "timeOffsets");
            lj.done();
        }
        j.done();
        boolean hasUserNs = namespaces.stream().anyMatch(n -> n.type().equals("user"));
        if ((!uidMaps.isEmpty() || !gidMaps.isEmpty()) && !hasUserNs) throw Json.bad(file, "linux.uidMappings", "needs a user namespace");
        if (hasUserNs && namespaces.stream().anyMatch(n -> n.type().equals("user") && n.path().isEmpty()) && uidMaps.isEmpty()) {
            throw Json.bad(file, "linux.uidMappings", "are required with a new user namespace");
        }
        // as runc: a uts namespace of the container's own, new or joined by path (never the runtime's)
        if (hostname != null && !hostname.isEmpty() && namespaces.stream().noneMatch(n -> n.type().equals("uts"))) {
            throw Json.bad(file, "hostname", "needs a uts namespace (new or joined by path)");
        }
        // without a mount namespace of its own, the mounts are made in the runtime's, under root.path (as runc; see NativeSpec.forCreate)
        if (!mounts.isEmpty() && namespaces.stream().noneMatch(n -> n.type().equals("mount")) && rootPath.equals(Path.of("/"))) {
            throw Json.bad(file, "mounts", "would cover the host's own directories: root.path is / and there is no mount namespace");
        }
        for (String key : sysctl.keySet()) {
            if (!key.matches("[A-Za-z0-9_.\\-/]+") || key.contains("..")) throw Json.bad(file, "linux.sysctl", "key '" + key + "' is not valid");
        }
        return new OciConfig(version, rootPath, ro, process, hostname, mounts, namespaces, uidMaps, gidMaps, devices,
                resources, cgroupsPath, sysctl, masked, readonly, propagation, hooks, annotations, seccomp);
    }

    private static List<IdMap> idMaps(Json lj, String key) {
        List<IdMap> out = new ArrayList<>();
        for (Json m : lj.objs(key)) {
            out.add(new IdMap(m.lng("containerID", 0), m.lng("hostID", 0), m.lng("size", 0)));
            m.done();
        }
        return out;
    }

    private static List<Hook> hooks(Json hj, String key) {
        List<Hook> out = new ArrayList<>();
        for (Json h : hj.objs(key)) {
            String path = h.reqStr("path");
            if (!path.startsWith("/")) throw Json.bad(hj.file(), h.where() + ".path", "must be absolute");
            List<String> args = h.strs("args");
            Long timeout = h.lng("timeout");
            if (timeout != null && timeout <= 0) throw Json.bad(hj.file(), h.where() + ".timeout", "must be positive");
            out.add(new Hook(path, args.isEmpty() ? List.of(path) : args, h.strs("env"), timeout == null ? null : timeout.intValue()));
            h.done();
        }
        return out;
    }

    /** A cpuset list ("0-2,4"), or null when unset or empty. */
    private static String cpuList(String file, String key, String v) {
        if (v == null || v.isBlank()) return null;
        if (!v.trim().matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")) throw Json.bad(file, key, "'" + v + "' is not a list like 0-2,4");
        return v.trim();
    }

    private static Resources resources(Json rj) {
        Long memLimit = null, memRes = null, memSwap = null, shares = null, quota = null, period = null, pids = null;
        String cpus = null, mems = null;
        Json m = rj.obj("memory");
        if (m != null) {
            memLimit = positive(m.lng("limit"));
            memRes = positive(m.lng("reservation"));
            memSwap = m.lng("swap");
            if (memSwap != null && memSwap == 0) memSwap = null;
            m.unsetOnly("kernel", "kernelTCP", "disableOOMKiller", "useHierarchy", "checkBeforeUpdate");
            Long swappiness = m.lng("swappiness");
            if (swappiness != null && swappiness != -1 && swappiness != 0) throw Json.bad(rj.file(), "linux.resources.memory.swappiness", "is not supported by cloudtui's runtime");
            m.done();
        }
        Json c = rj.obj("cpu");
        if (c != null) {
            shares = positive(c.lng("shares"));
            quota = c.lng("quota");
            if (quota != null && quota == 0) quota = null;
            period = positive(c.lng("period"));
            cpus = cpuList(rj.file(), "linux.resources.cpu.cpus", c.str("cpus"));
            mems = cpuList(rj.file(), "linux.resources.cpu.mems", c.str("mems"));
            c.unsetOnly("realtimeRuntime", "realtimePeriod", "idle", "burst");
            c.done();
        }
        Json p = rj.obj("pids");
        if (p != null) {
            pids = p.lng("limit");
            if (pids != null && pids == 0) pids = null;
            p.done();
        }
        List<DeviceRule> rules = new ArrayList<>();
        for (Json d : rj.objs("devices")) {
            boolean allow = d.bool("allow");
            String type = d.str("type");
            if (type != null && !Set.of("a", "c", "b").contains(type)) throw Json.bad(rj.file(), d.where() + ".type", "must be a, c or b");
            String access = d.str("access");
            if (access != null && !access.matches("[rwm]*")) throw Json.bad(rj.file(), d.where() + ".access", "must be made of r, w, m");
            rules.add(new DeviceRule(allow, type == null ? "a" : type, d.lng("major"), d.lng("minor"), access == null || access.isEmpty() ? "rwm" : access));
            d.done();
        }
        Json bio = rj.obj("blockIO");
        if (bio != null) {
            bio.unsetOnly("weight", "leafWeight", "weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
                    "throttleReadIOPSDevice", "throttleWriteIOPSDevice");
            bio.done();
        }
        rj.unsetOnly("hugepageLimits", "network", "rdma", "unified");
        rj.done();
        return new Resources(memLimit, memRes, memSwap, shares, quota, period, cpus, mems, pids, rules);
    }

    private static Long positive(Long v) {
        return v == null || v <= 0 ? null : v;
    }

    /** Parses a process object (config.json's "process", or exec's process.json). */
    static Process parseProcess(Json pj) {
        boolean terminal = pj.bool("terminal");
        int rows = 0, cols = 0;
        Json cs = pj.obj("consoleSize");
        if (cs != null) {
            rows = (int) cs.lng("height", 0);
            cols = (int) cs.lng("width", 0);
            cs.done();
        }
        long uid = 0, gid = 0;
        Long umask = null;
        List<Long> groups = new ArrayList<>();
        Json u = pj.obj("user");
        if (u != null) {
            uid = u.lng("uid", 0);
            gid = u.lng("gid", 0);
            groups = u.longs("additionalGids");
            umask = u.lng("umask");
            if (umask != null && (umask < 0 || umask > 0777)) throw Json.bad(pj.file(), pj.where() + ".user.umask", "must be between 0 and 0777");
            u.unsetOnly("username");
            u.done();
        }
        List<String> args = pj.strs("args");
        if (args.isEmpty()) throw Json.bad(pj.file(), pj.where() + ".args", "must name a program to run");
        pj.unsetOnly("commandLine");
        List<String> env = pj.strs("env");
        String cwd = pj.str("cwd");
        if (cwd == null || cwd.isEmpty()) cwd = "/";
        if (!cwd.startsWith("/")) throw Json.bad(pj.file(), pj.where() + ".cwd", "must be an absolute path");
        Capabilities caps = null;
        Json c = pj.obj("capabilities");
        if (c != null) {
            caps = new Capabilities(c.strs("bounding"), c.strs("effective"), c.strs("inheritable"), c.strs("permitted"), c.strs("ambient"));
            c.done();
            for (List<String> l : List.of(caps.bounding(), caps.effective(), caps.inheritable(), caps.permitted(), caps.ambient())) {
                for (String name : l) {
                    if (NativeSpec.capability(name) < 0) throw Json.bad(pj.file(), pj.where() + ".capabilities", "'" + name + "' is not a capability");
                }
            }
        }
        List<Rlimit> rlimits = new ArrayList<>();
        for (Json r : pj.objs("rlimits")) {
            String type = r.reqStr("type");
            if (NativeSpec.rlimit(type) < 0) throw Json.bad(pj.file(), r.where() + ".type", "'" + type + "' is not an rlimit");
            rlimits.add(new Rlimit(type, r.lng("soft", 0), r.lng("hard", 0)));
            r.done();
        }
        boolean nnp = pj.bool("noNewPrivileges");
        Long oom = pj.lng("oomScoreAdj");
        if (oom != null && (oom < -1000 || oom > 1000)) throw Json.bad(pj.file(), pj.where() + ".oomScoreAdj", "must be between -1000 and 1000");
        String apparmor = pj.str("apparmorProfile");
        if (apparmor != null && !apparmor.isEmpty() && !Files.exists(Path.of("/sys/kernel/security/apparmor"))) {
            throw Json.bad(pj.file(), pj.where() + ".apparmorProfile", "needs AppArmor, which is not enabled on this host");
        }
        pj.unsetOnly("selinuxLabel", "ioPriority", "scheduler", "execCPUAffinity");
        pj.done();
        return new Process(terminal, rows, cols, uid, gid, groups, args, env, cwd, caps, rlimits, nnp,
                oom == null ? null : oom.intValue(), apparmor == null || apparmor.isEmpty() ? null : apparmor,
                umask == null ? null : umask.intValue());
    }

    /** Reads exec's --process file. */
    public static Process loadProcess(Path file) {
        return parseProcess(new Json(readJson(file), "", file.toString()));
    }

    /**
     * Rootless: without a user namespace of its own the container gets one mapping the caller's uid
     * and gid to root. Only such single-id mappings can be written by an unprivileged user.
     */
    OciConfig rootless(long uid, long gid) {
        List<Namespace> ns = new ArrayList<>(namespaces);
        List<IdMap> u = uidMappings, g = gidMappings;
        if (ns.stream().noneMatch(n -> n.type().equals("user"))) {
            ns.add(0, new Namespace("user", ""));
            u = List.of(new IdMap(0, uid, 1));
            g = List.of(new IdMap(0, gid, 1));
        } else if (hasNewNamespace("user")) {
            // beyond our own id: only subordinate ids, which newuidmap/newgidmap will write for us
            String name = System.getProperty("user.name");
            SubIds.Mapping sub = SubIds.current();
            if (!SubIds.allowed(u, uid, sub == null ? List.of() : SubIds.ranges(Path.of("/etc/subuid"), name, uid))) {
                throw new CloudtuiException("config.json: linux.uidMappings: running rootless, only your own uid (" + uid + ")"
                        + (sub == null ? "" : " and your subordinate uids from /etc/subuid") + " can be mapped");
            }
            if (!SubIds.allowed(g, gid, sub == null ? List.of() : SubIds.ranges(Path.of("/etc/subgid"), name, gid))) {
                throw new CloudtuiException("config.json: linux.gidMappings: running rootless, only your own gid (" + gid + ")"
                        + (sub == null ? "" : " and your subordinate gids from /etc/subgid") + " can be mapped");
            }
        }
        return new OciConfig(ociVersion, rootPath, rootReadonly, process, hostname, mounts, ns, u, g, devices, resources,
                cgroupsPath, sysctl, maskedPaths, readonlyPaths, rootfsPropagation, hooks, annotations, seccomp);
    }

    /** A namespace of TYPE of the container's own: new, or joined by path (never the runtime's). */
    boolean hasNamespace(String type) {
        return namespaces.stream().anyMatch(n -> n.type().equals(type));
    }

    boolean hasNewNamespace(String type) {
        return namespaces.stream().anyMatch(n -> n.type().equals(type) && n.path().isEmpty());
    }
}
