package io.cloudtui.docker;

import io.cloudtui.core.Stats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stats of a container on this host read straight from its cgroup files (v1 or v2, cgroupfs or
 * systemd driver) and its init's /proc/PID/net/dev: what dockerd itself would read, without making
 * dockerd and containerd do it. The UI polls visible rows every few seconds, and through the API each
 * poll costs the engine real CPU. CPU% is the docker CLI's (100% = one CPU), from the delta against
 * the previous reading; the first reading of a container returns null so the caller asks the API.
 */
final class CgroupStats {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private final Map<String, long[]> last = new ConcurrentHashMap<>();

    /** The cgroup directory of {@code controller} (null: the v2 unified one) for container {@code id}, or null. */
    static Path dir(String controller, String id) {
        List<Path> bases = controller == null ? List.of(ROOT, ROOT.resolve("unified")) : List.of(ROOT.resolve(controller));
        for (Path b : bases) {
            for (Path d : List.of(b.resolve("docker").resolve(id), b.resolve("system.slice").resolve("docker-" + id + ".scope"))) {
                if (Files.isDirectory(d)) return d;
            }
        }
        return null;
    }

    /** Whether this host's cgroups show container {@code id} (then {@link #read} can serve it). */
    static boolean visible(String id) {
        return id.length() == 64 && (dir("memory", id) != null || dir(null, id) != null && Files.exists(dir(null, id).resolve("memory.current")));
    }

    /** A sample, or null when there is no previous reading to take the CPU delta from (or the files are gone). */
    Stats read(String id, int pid) {
        try {
            long now = System.nanoTime();
            Path mem = dir("memory", id);
            boolean v1 = mem != null;
            Path v2 = v1 ? null : dir(null, id);
            if (!v1 && (v2 == null || !Files.exists(v2.resolve("memory.current")))) return null;
            long cpuNs;
            long usage;
            long limit;
            long pids;
            long[] io;
            if (v1) {
                Path cpu = dir("cpuacct", id);
                if (cpu == null) cpu = dir("cpu,cpuacct", id);
                if (cpu == null) return null;
                cpuNs = number(cpu.resolve("cpuacct.usage"));
                usage = number(mem.resolve("memory.usage_in_bytes")) - stat(mem.resolve("memory.stat"), "total_inactive_file");
                limit = number(mem.resolve("memory.limit_in_bytes"));
                Path p = dir("pids", id);
                pids = p == null ? -1 : number(p.resolve("pids.current"));
                Path blk = dir("blkio", id);
                io = blk == null ? new long[] {0, 0} : blkioV1(blk.resolve("blkio.throttle.io_service_bytes_recursive"));
            } else {
                cpuNs = stat(v2.resolve("cpu.stat"), "usage_usec") * 1000;
                usage = number(v2.resolve("memory.current")) - stat(v2.resolve("memory.stat"), "inactive_file");
                String max = Files.readString(v2.resolve("memory.max")).trim();
                limit = max.equals("max") ? Long.MAX_VALUE : Long.parseLong(max);
                pids = Files.exists(v2.resolve("pids.current")) ? number(v2.resolve("pids.current")) : -1;
                io = ioV2(v2.resolve("io.stat"));
            }
            if (limit >= (1L << 62)) limit = hostMemory();
            long[] net = net(pid);
            long[] prev = last.put(id, new long[] {cpuNs, now});
            if (prev == null || now <= prev[1]) return null;
            double cpuPct = Math.max(0, cpuNs - prev[0]) * 100.0 / (now - prev[1]);
            return new Stats(Instant.now(), cpuPct, Stats.CpuScale.PER_CPU, Math.max(0, usage), limit, net[0], net[1], io[0], io[1], pids);
        } catch (IOException | RuntimeException e) {
            last.remove(id);
            return null;
        }
    }

    /** Forgets a container's previous reading (it stopped, or the API answered for it). */
    void forget(String id) {
        last.remove(id);
    }

    private static long number(Path f) throws IOException {
        return Long.parseLong(Files.readString(f).trim());
    }

    private static long stat(Path f, String key) throws IOException {
        for (String line : Files.readAllLines(f)) {
            int sp = line.indexOf(' ');
            if (sp > 0 && line.substring(0, sp).equals(key)) return Long.parseLong(line.substring(sp + 1).trim());
        }
        return 0;
    }

    private static long[] blkioV1(Path f) throws IOException {
        long r = 0;
        long w = 0;
        if (!Files.exists(f)) return new long[] {0, 0};
        for (String line : Files.readAllLines(f)) {
            String[] p = line.split(" ");
            if (p.length == 3 && p[1].equals("Read")) r += Long.parseLong(p[2]);
            else if (p.length == 3 && p[1].equals("Write")) w += Long.parseLong(p[2]);
        }
        return new long[] {r, w};
    }

    private static long[] ioV2(Path f) throws IOException {
        long r = 0;
        long w = 0;
        if (!Files.exists(f)) return new long[] {0, 0};
        for (String line : Files.readAllLines(f)) {
            for (String kv : line.split(" ")) {
                if (kv.startsWith("rbytes=")) r += Long.parseLong(kv.substring(7));
                else if (kv.startsWith("wbytes=")) w += Long.parseLong(kv.substring(7));
            }
        }
        return new long[] {r, w};
    }

    /** rx and tx bytes of every interface but lo in the init's network namespace; -1 when unknown. */
    private static long[] net(int pid) {
        if (pid <= 0) return new long[] {-1, -1};
        long rx = 0;
        long tx = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "net", "dev"))) {
                int colon = line.indexOf(':');
                if (colon < 0 || line.substring(0, colon).trim().equals("lo")) continue;
                String[] f = line.substring(colon + 1).trim().split("\\s+");
                if (f.length > 8) {
                    rx += Long.parseLong(f[0]);
                    tx += Long.parseLong(f[8]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
        return new long[] {rx, tx};
    }

    private static long hostMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
