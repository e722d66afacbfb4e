package io.cloudtui.runtime.oci;

import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container's cgroup: one directory per v1 hierarchy (hybrid hosts: plus the unified one), or
 * one directory on a pure v2 host (detected by /sys/fs/cgroup/cgroup.controllers).
 */
final class Cgroups {
    private static final Path V2_ROOT = Path.of("/sys/fs/cgroup");
    private final String path;
    private final boolean v2;
    /** hierarchy name (memory, cpu, unified, systemd...) -> this container's directory in it */
    private final Map<String, Path> dirs;

    private Cgroups(String path, boolean v2, Map<String, Path> dirs) {
        this.path = path;
        this.v2 = v2;
        this.dirs = dirs;
    }

    /** No cgroup at all (rootless without resource limits). */
    static Cgroups none() {
        return new Cgroups("", false, new LinkedHashMap<>());
    }

    /** cgroupsPath from config.json (default /cloudtui/ID); systemd "slice:prefix:name" is refused. */
    static Cgroups of(String cgroupsPath, String id) {
        String p = cgroupsPath == null || cgroupsPath.isEmpty() ? "/cloudtui/" + id : cgroupsPath;
        if (p.contains(":") && !p.startsWith("/")) {
            throw new CloudtuiException("config.json: linux.cgroupsPath '" + p + "' is a systemd slice; cloudtui's runtime drives cgroupfs only");
        }
        if (!p.startsWith("/")) p = "/" + p;
        if (Path.of(p).normalize().toString().contains("..")) throw new CloudtuiException("config.json: linux.cgroupsPath must not contain '..'");
        Map<String, Path> dirs = new LinkedHashMap<>();
        if (Files.exists(V2_ROOT.resolve("cgroup.controllers"))) {
            dirs.put("", V2_ROOT.resolve(p.substring(1)));
            return new Cgroups(p, true, dirs);
        }
        try {
            for (io.cloudtui.core.MountInfo.Mount m : io.cloudtui.core.MountInfo.cgroupMounts()) {
                Path mnt = m.target();
                String name = mnt.getFileName() == null ? m.fsType() : mnt.getFileName().toString();
                dirs.putIfAbsent(name, mnt.resolve(p.substring(1)));
            }
        } catch (IOException e) {
            throw new CloudtuiException("cannot read /proc/self/mountinfo: " + e.getMessage());
        }
        if (dirs.isEmpty()) throw new CloudtuiException("no cgroup hierarchy is mounted on this host");
        return new Cgroups(p, false, dirs);
    }

    String path() {
        return path;
    }

    boolean v2() {
        return v2;
    }

    List<Path> dirs() {
        return new ArrayList<>(dirs.values());
    }

    Map<String, Path> byName() {
        return dirs;
    }

    List<Path> procsFiles() {
        List<Path> out = new ArrayList<>();
        for (Path d : dirs.values()) out.add(d.resolve("cgroup.procs"));
        return out;
    }

    private Path dir(String v1name) {
        return v2 ? dirs.get("") : dirs.get(v1name);
    }

    /** Creates the directories and applies the limits; anything the host cannot enforce is an error. */
    void create(OciConfig.Resources r) {
        if (dirs.isEmpty()) return;
        try {
            for (Map.Entry<String, Path> e : dirs.entrySet()) {
                Files.createDirectories(e.getValue());
                if (e.getKey().equals("cpuset")) inheritCpuset(e.getValue());
            }
            if (v2) createV2(r);
            else createV1(r);
        } catch (IOException e) {
            throw new CloudtuiException("cgroup " + path + ": " + e.getMessage());
        }
    }

    /** A new v1 cpuset cgroup is empty and would refuse tasks: copy cpus and mems down from the parent. */
    private static void inheritCpuset(Path dir) throws IOException {
        Path parent = dir.getParent();
        if (parent != null && Files.exists(parent.resolve("cpuset.cpus")) && !parent.endsWith("cpuset")) inheritCpuset(parent);
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            Path file = dir.resolve(f);
            if (parent != null && Files.exists(file) && StateStore.readKernelFile(file).isBlank()) {
                Files.writeString(file, StateStore.readKernelFile(parent.resolve(f)).trim());
            }
        }
    }

    private void need(String ctrl, String what) {
        if (dir(ctrl) == null) throw new CloudtuiException("config.json: " + what + " needs the " + ctrl + " cgroup controller, which this host lacks");
    }

    private void createV1(OciConfig.Resources r) throws IOException {
        if (r.memoryLimit() != null || r.memoryReservation() != null || r.memorySwap() != null) need("memory", "a memory limit");
        if (r.memoryLimit() != null) write(dir("memory"), "memory.limit_in_bytes", r.memoryLimit());
        if (r.memoryReservation() != null) write(dir("memory"), "memory.soft_limit_in_bytes", r.memoryReservation());
        if (r.memorySwap() != null) {
            Path f = dir("memory").resolve("memory.memsw.limit_in_bytes");
            if (!Files.exists(f)) throw new CloudtuiException("config.json: linux.resources.memory.swap needs swap accounting, which this host lacks");
            Files.writeString(f, String.valueOf(r.memorySwap()));
        }
        if (r.cpuShares() != null || r.cpuQuota() != null || r.cpuPeriod() != null) need("cpu", "a cpu limit");
        if (r.cpuShares() != null) write(dir("cpu"), "cpu.shares", r.cpuShares());
        if (r.cpuPeriod() != null) write(dir("cpu"), "cpu.cfs_period_us", r.cpuPeriod());
        if (r.cpuQuota() != null) write(dir("cpu"), "cpu.cfs_quota_us", r.cpuQuota());
        if (r.cpusetCpus() != null || r.cpusetMems() != null) need("cpuset", "linux.resources.cpu.cpus/mems");
        if (r.cpusetMems() != null) write(dir("cpuset"), "cpuset.mems", r.cpusetMems());
        if (r.cpusetCpus() != null) write(dir("cpuset"), "cpuset.cpus", r.cpusetCpus());
        if (r.pidsLimit() != null) {
            need("pids", "a pids limit");
            write(dir("pids"), "pids.max", r.pidsLimit() < 0 ? "max" : r.pidsLimit());
        }
    }

    /**
     * The device rules, applied once the init has made its /dev (the rules would forbid its mknod):
     * the container's own process is still blocked before exec then. v1: the devices.allow and
     * devices.deny files, the config's rules then {@link DeviceRules#DEFAULTS}; v2: nothing here, the
     * C stage attaches an eBPF program made from {@link DeviceRules#of} (see NativeSpec).
     */
    void applyDevices(OciConfig.Resources r) {
        if (r.devices().isEmpty() || dirs.isEmpty()) return; // no cgroup: rootless, where no device node can be made
        if (v2) return;
        need("devices", "linux.resources.devices");
        try {
            for (OciConfig.DeviceRule d : r.devices()) write(dir("devices"), d.allow() ? "devices.allow" : "devices.deny", DeviceRules.v1(d));
            for (OciConfig.DeviceRule d : DeviceRules.DEFAULTS) write(dir("devices"), "devices.allow", DeviceRules.v1(d));
        } catch (IOException e) {
            throw new CloudtuiException("cgroup " + path + ": " + e.getMessage());
        }
    }

    /** v2 controllers enabled for every container, limits or not, so its usage can be read. */
    private static final List<String> STATS_CONTROLLERS = List.of("cpu", "io", "memory", "pids");

    private void createV2(OciConfig.Resources r) throws IOException {
        Path dir = dirs.get("");
        // controllers must be enabled in every ancestor's subtree_control
        List<String> wanted = new ArrayList<>();
        if (r.memoryLimit() != null || r.memoryReservation() != null || r.memorySwap() != null) wanted.add("memory");
        if (r.cpuShares() != null || r.cpuQuota() != null || r.cpuPeriod() != null) wanted.add("cpu");
        if (r.pidsLimit() != null) wanted.add("pids");
        if (r.cpusetCpus() != null || r.cpusetMems() != null) wanted.add("cpuset");
        Path p = V2_ROOT;
        for (Path part : V2_ROOT.relativize(dir)) {
            String available = " " + StateStore.readKernelFile(p.resolve("cgroup.controllers")).trim() + " ";
            StringBuilder b = new StringBuilder();
            for (String w : wanted) {
                if (!available.contains(" " + w + " ")) throw new CloudtuiException("the " + w + " cgroup v2 controller is not available in " + p);
                b.append('+').append(w).append(' ');
            }
            if (b.length() > 0) write(p, "cgroup.subtree_control", b.toString().trim());
            // the others stats read (memory.current, io.stat, pids.current) when the host has them,
            // as runc enables every controller; one at a time, and not an error if refused
            for (String c : STATS_CONTROLLERS) {
                if (wanted.contains(c) || !available.contains(" " + c + " ")) continue;
                try {
                    Files.writeString(p.resolve("cgroup.subtree_control"), "+" + c);
                } catch (IOException e) {
                    // e.g. cpu while a realtime process runs in a child: the container just has no such files
                }
            }
            p = p.resolve(part);
        }
        if (r.memoryLimit() != null) write(dir, "memory.max", r.memoryLimit());
        if (r.memoryReservation() != null) write(dir, "memory.low", r.memoryReservation());
        if (r.memorySwap() != null) {
            long swap = r.memorySwap() < 0 ? -1 : r.memorySwap() - (r.memoryLimit() == null ? 0 : r.memoryLimit());
            write(dir, "memory.swap.max", swap < 0 ? "max" : swap);
        }
        if (r.cpuShares() != null) write(dir, "cpu.weight", 1 + ((r.cpuShares() - 2) * 9999) / 262142);
        if (r.cpuQuota() != null || r.cpuPeriod() != null) {
            long period = r.cpuPeriod() == null ? 100000 : r.cpuPeriod();
            write(dir, "cpu.max", (r.cpuQuota() == null || r.cpuQuota() < 0 ? "max" : r.cpuQuota()) + " " + period);
        }
        if (r.pidsLimit() != null) write(dir, "pids.max", r.pidsLimit() < 0 ? "max" : r.pidsLimit());
        if (r.cpusetMems() != null) write(dir, "cpuset.mems", r.cpusetMems());
        if (r.cpusetCpus() != null) write(dir, "cpuset.cpus", r.cpusetCpus());
    }

    private static void write(Path dir, String file, Object value) throws IOException {
        try {
            Files.writeString(dir.resolve(file), String.valueOf(value));
        } catch (IOException e) {
            throw new IOException("writing " + value + " to " + dir.resolve(file) + ": " + e.getMessage(), e);
        }
    }

    /** Pids in the container's cgroup (empty when gone). */
    List<Integer> pids() {
        if (dirs.isEmpty()) return new ArrayList<>();
        Path d = v2 ? dirs.get("") : dirs.getOrDefault("pids", dirs.getOrDefault("memory", dirs.values().iterator().next()));
        List<Integer> out = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(d.resolve("cgroup.procs"))) if (!l.isBlank()) out.add(Integer.parseInt(l.trim()));
        } catch (IOException e) {
            // gone already
        }
        return out;
    }

    boolean canFreeze() {
        if (dirs.isEmpty()) return false;
        return v2 ? Files.exists(dirs.get("").resolve("cgroup.freeze")) : dirs.containsKey("freezer");
    }

    void freeze(boolean frozen) {
        if (!canFreeze()) throw new CloudtuiException("pause needs the freezer cgroup, which this host lacks");
        try {
            if (v2) Files.writeString(dirs.get("").resolve("cgroup.freeze"), frozen ? "1" : "0");
            else Files.writeString(dirs.get("freezer").resolve("freezer.state"), frozen ? "FROZEN" : "THAWED");
            for (int i = 0; i < 500 && isFrozen() != frozen; i++) Thread.sleep(2);
        } catch (IOException e) {
            throw new CloudtuiException("freezer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isFrozen() {
        if (dirs.isEmpty()) return false;
        try {
            if (v2) {
                Path ev = dirs.get("").resolve("cgroup.events");
                return Files.exists(ev) && StateStore.readKernelFile(ev).contains("frozen 1");
            }
            Path f = dirs.containsKey("freezer") ? dirs.get("freezer").resolve("freezer.state") : null;
            return f != null && StateStore.readKernelFile(f).trim().equals("FROZEN");
        } catch (IOException e) {
            return false;
        }
    }

    /** True when the kernel's OOM killer killed a process of this cgroup. */
    boolean oomKilled() {
        if (dirs.isEmpty()) return false;
        try {
            Path f = v2 ? dirs.get("").resolve("memory.events") : dirs.containsKey("memory") ? dirs.get("memory").resolve("memory.oom_control") : null;
            if (f == null || !Files.exists(f)) return false;
            for (String l : Files.readAllLines(f)) {
                if (l.startsWith("oom_kill ") && Long.parseLong(l.substring(9).trim()) > 0) return true;
            }
        } catch (IOException | NumberFormatException e) {
            // unknown
        }
        return false;
    }

    /** Removes the directories; they must be empty (the caller killed everything first). */
    void destroy() {
        for (Path d : dirs.values()) {
            for (int i = 0; i < 200; i++) {
                try {
                    Files.deleteIfExists(d);
                    break;
                } catch (NoSuchFileException e) {
                    break;
                } catch (IOException e) {
                    // EBUSY while the last task is still exiting
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }
}
