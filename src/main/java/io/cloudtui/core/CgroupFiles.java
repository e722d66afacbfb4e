package io.cloudtui.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A container's usage read from its cgroup files, v1 (one directory per controller) or v2 (one
 * unified directory), and its init's network counters from /proc/PID/net/dev: what an engine reads
 * for its own stats API, without asking the engine.
 */
public final class CgroupFiles {
    private CgroupFiles() {}

    /** Totals at one moment; -1 where unknown. Memory is usage minus inactive page cache, as docker shows it. */
    public record Reading(long cpuNs, long memory, long limit, long pids, long readBytes, long writeBytes) {}

    /** Reads v1 files from {@code v1Dir} (controller name to directory, null if absent), or v2 from {@code v2Dir}. */
    public static Reading read(Function<String, Path> v1Dir, Path v2Dir) throws IOException {
        if (v2Dir != null) {
            String max = Files.readString(v2Dir.resolve("memory.max")).trim();
            long[] io = ioV2(v2Dir.resolve("io.stat"));
            return new Reading(stat(v2Dir.resolve("cpu.stat"), "usage_usec") * 1000,
                    number(v2Dir.resolve("memory.current")) - stat(v2Dir.resolve("memory.stat"), "inactive_file"),
                    limit(max.equals("max") ? Long.MAX_VALUE : Long.parseLong(max)),
                    Files.exists(v2Dir.resolve("pids.current")) ? number(v2Dir.resolve("pids.current")) : -1, io[0], io[1]);
        }
        Path cpu = v1Dir.apply("cpuacct");
        if (cpu == null) cpu = v1Dir.apply("cpu,cpuacct");
        Path mem = v1Dir.apply("memory");
        if (cpu == null || mem == null) throw new IOException("no cpuacct or memory cgroup");
        Path pids = v1Dir.apply("pids");
        Path blk = v1Dir.apply("blkio");
        long[] io = blk == null ? new long[] {0, 0} : blkioV1(blk.resolve("blkio.throttle.io_service_bytes_recursive"));
        return new Reading(number(cpu.resolve("cpuacct.usage")),
                number(mem.resolve("memory.usage_in_bytes")) - stat(mem.resolve("memory.stat"), "total_inactive_file"),
                limit(number(mem.resolve("memory.limit_in_bytes"))), pids == null ? -1 : number(pids.resolve("pids.current")), io[0], io[1]);
    }

    /** CPU% between readings of the same container (docker's scale: 100% = one CPU busy). */
    public static final class Delta {
        /**
         * Readings closer together than this are measured against the one before (a row that comes
         * into view just after it was sampled): over a millisecond a busy container may not have run
         * at all and would show 0%.
         */
        static final long MIN_GAP_NS = 200_000_000L;
        /** Per key: the last reading's CPU time and clock, and the base the next one is measured against. */
        private final Map<String, long[]> last = new ConcurrentHashMap<>();

        /** The stats for {@code r}, or null for the first reading of {@code key} (no delta yet). */
        public Stats next(String key, Reading r, int pid) {
            long now = System.nanoTime();
            long[] prev = last.get(key);
            long baseCpu;
            long baseAt;
            if (prev != null && now - prev[1] < MIN_GAP_NS && prev[3] != Long.MIN_VALUE) {
                baseCpu = prev[2];
                baseAt = prev[3];
            } else if (prev != null) {
                baseCpu = prev[0];
                baseAt = prev[1];
            } else {
                baseCpu = 0;
                baseAt = Long.MIN_VALUE;
            }
            last.put(key, new long[] {r.cpuNs(), now, baseCpu, baseAt});
            if (prev == null || now <= baseAt) return null;
            double cpu = Math.max(0, r.cpuNs() - baseCpu) * 100.0 / (now - baseAt);
            long[] net = net(pid);
            return new Stats(Instant.now(), cpu, Stats.CpuScale.PER_CPU, Math.max(0, r.memory()), r.limit(), net[0], net[1],
                    r.readBytes(), r.writeBytes(), r.pids());
        }

        public void forget(String key) {
            last.remove(key);
        }
    }

    /**
     * The UI reads a screenful of containers every interval, several files each: files are read into
     * one buffer per thread and numbers parsed from its bytes, with no readers, lines or strings.
     */
    private static final ThreadLocal<byte[]> BUF = ThreadLocal.withInitial(() -> new byte[16384]);

    /** The file's first bytes (cgroup and proc files are small; the buffer holds what matters); returns the length. */
    private static int load(Path f) throws IOException {
        byte[] b = BUF.get();
        try (java.io.FileInputStream in = new java.io.FileInputStream(f.toFile())) {
            int n = 0;
            int r;
            while (n < b.length && (r = in.read(b, n, b.length - n)) > 0) n += r;
            return n;
        }
    }

    /** The decimal number at {@code i} (after blanks), or -1 when there is none. */
    private static long parse(byte[] b, int i, int n) {
        while (i < n && (b[i] == ' ' || b[i] == '\t')) i++;
        if (i >= n || b[i] < '0' || b[i] > '9') return -1;
        long v = 0;
        while (i < n && b[i] >= '0' && b[i] <= '9') v = v * 10 + (b[i++] - '0');
        return v;
    }

    private static long number(Path f) throws IOException {
        int n = load(f);
        long v = parse(BUF.get(), 0, n);
        if (v < 0) throw new IOException("not a number in " + f);
        return v;
    }

    /** The value of {@code key} in a flat-keyed file ("key value" lines), 0 when absent. */
    private static long stat(Path f, String key) throws IOException {
        int n = load(f);
        byte[] b = BUF.get();
        int k = key.length();
        for (int line = 0; line < n; ) {
            boolean match = line + k < n && b[line + k] == ' ';
            for (int j = 0; match && j < k; j++) match = b[line + j] == key.charAt(j);
            if (match) return Math.max(0, parse(b, line + k + 1, n));
            while (line < n && b[line] != '\n') line++;
            line++;
        }
        return 0;
    }

    /** No limit (the kernel's huge value or "max") is shown as the host's memory, as docker does. */
    private static long limit(long l) {
        return l >= (1L << 62) ? HOST_MEMORY : l;
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

    /** rx and tx bytes of every interface but lo in the namespace of {@code pid}; -1 when unknown. */
    public static long[] net(int pid) {
        if (pid <= 0) return new long[] {-1, -1};
        long rx = 0;
        long tx = 0;
        try {
            // "  eth0: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes ..." after two header lines
            int n = load(Path.of("/proc", String.valueOf(pid), "net", "dev"));
            byte[] b = BUF.get();
            for (int line = 0; line < n; ) {
                int end = line;
                while (end < n && b[end] != '\n') end++;
                int colon = line;
                while (colon < end && b[colon] != ':') colon++;
                int name = line;
                while (name < colon && b[name] == ' ') name++;
                boolean lo = colon - name == 2 && b[name] == 'l' && b[name + 1] == 'o';
                if (colon < end && !lo) {
                    int i = colon + 1;
                    long[] f = new long[9];
                    int got = 0;
                    for (; got < 9; got++) {
                        while (i < end && b[i] == ' ') i++;
                        if (i >= end) break;
                        f[got] = parse(b, i, end);
                        while (i < end && b[i] != ' ') i++;
                    }
                    if (got == 9) {
                        rx += f[0];
                        tx += f[8];
                    }
                }
                line = end + 1;
            }
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
        return new long[] {rx, tx};
    }

    private static final long HOST_MEMORY = hostMemory();

    static long hostMemory() {
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
