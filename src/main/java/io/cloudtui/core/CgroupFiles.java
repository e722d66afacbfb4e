package io.cloudtui.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A container's usage read from its cgroup files, v1 (one directory per controller) or v2 (one
 * unified directory), and its init's network counters from /proc/PID/net/dev: what an engine reads
 * for its own stats API, without asking the engine. The files are this machine's, or another's
 * whose text was brought here ({@link #texts}, {@link Remote}): the same parsing either way.
 */
public final class CgroupFiles {
    private CgroupFiles() {}

    /** Totals at one moment; -1 where unknown. Memory is usage minus inactive page cache, as docker shows it. */
    public record Reading(long cpuNs, long memory, long limit, long pids, long readBytes, long writeBytes) {}

    /**
     * Where a reading's files come from: {@link #load} puts the first bytes of file NAME of v1
     * controller CONTROLLER (null: of the v2 directory) into BUF and returns their count, or -1 when
     * there is no such file (or controller).
     */
    @FunctionalInterface
    public interface Source {
        int load(String controller, String name, byte[] buf) throws IOException;
    }

    /**
     * A container's cgroup files on another machine, read there (the host layer: one reader per host
     * over its ssh connection): its reading, the clock of that machine when the CPU time was read, and
     * its network counters.
     */
    public interface Remote {
        /**
         * The sample of container ID, or null when that machine has no cgroup files of it that may be
         * read (a rootless engine's, a container that is not running); throws when the machine cannot
         * be asked now (the caller asks the engine instead).
         */
        Sample sample(String id) throws IOException;
    }

    /** A reading taken on another machine, at {@code clockNs} of that machine's monotonic clock, and rx/tx bytes (-1: unknown). */
    public record Sample(Reading reading, long clockNs, long[] net) {}

    /** Reads v1 files from {@code v1Dir} (controller name to directory, null if absent), or v2 from {@code v2Dir}. */
    public static Reading read(Function<String, Path> v1Dir, Path v2Dir) throws IOException {
        return read(v2Dir != null, (controller, name, buf) -> {
            Path dir = controller == null ? v2Dir : v1Dir.apply(controller);
            return dir == null ? -1 : load(dir.resolve(name), buf);
        });
    }

    /** Reads the v2 files (V2) or the v1 files of SOURCE, on this machine. */
    public static Reading read(boolean v2, Source source) throws IOException {
        return read(v2, source, HOST_MEMORY);
    }

    /**
     * Reads the v2 files (V2) or the v1 files of SOURCE, on a machine with HOST_MEMORY bytes of
     * memory (the limit shown for a container without one, as docker does; -1: unknown).
     */
    public static Reading read(boolean v2, Source source, long hostMemory) throws IOException {
        byte[] b = BUF.get();
        if (v2) {
            long max = limitV2(b, required(source.load(null, "memory.max", b), "memory.max"));
            long[] io = ioV2(b, source.load(null, "io.stat", b));
            long cpu = stat(b, required(source.load(null, "cpu.stat", b), "cpu.stat"), "usage_usec") * 1000;
            long current = number(b, required(source.load(null, "memory.current", b), "memory.current"), "memory.current");
            long inactive = stat(b, required(source.load(null, "memory.stat", b), "memory.stat"), "inactive_file");
            int n = source.load(null, "pids.current", b);
            return new Reading(cpu, current - inactive, limit(max, hostMemory), n < 0 ? -1 : number(b, n, "pids.current"), io[0], io[1]);
        }
        int n = source.load("cpuacct", "cpuacct.usage", b);
        if (n < 0) n = source.load("cpu,cpuacct", "cpuacct.usage", b);
        if (n < 0) throw new IOException("no cpuacct cgroup");
        long cpu = number(b, n, "cpuacct.usage");
        n = source.load("memory", "memory.usage_in_bytes", b);
        if (n < 0) throw new IOException("no memory cgroup");
        long usage = number(b, n, "memory.usage_in_bytes");
        long inactive = stat(b, required(source.load("memory", "memory.stat", b), "memory.stat"), "total_inactive_file");
        long lim = number(b, required(source.load("memory", "memory.limit_in_bytes", b), "memory.limit_in_bytes"), "memory.limit_in_bytes");
        n = source.load("pids", "pids.current", b);
        long pids = n < 0 ? -1 : number(b, n, "pids.current");
        long[] io = blkioV1(b, source.load("blkio", "blkio.throttle.io_service_bytes_recursive", b));
        return new Reading(cpu, usage - inactive, limit(lim, hostMemory), pids, io[0], io[1]);
    }

    /**
     * Files given as text: by "CONTROLLER/NAME" for v1 ("memory/memory.stat"), by NAME for v2; a
     * file that is not there is not in the map. A file may be given in part: the lines that matter.
     */
    public static Source texts(Map<String, String> files) {
        return (controller, name, buf) -> {
            String t = files.get(controller == null ? name : controller + "/" + name);
            if (t == null) return -1;
            byte[] b = t.getBytes(StandardCharsets.UTF_8);
            int n = Math.min(b.length, buf.length);
            System.arraycopy(b, 0, buf, 0, n);
            return n;
        };
    }

    private static int required(int n, String name) throws IOException {
        if (n < 0) throw new IOException("no " + name);
        return n;
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
            return next(key, r, System.nanoTime(), () -> net(pid));
        }

        /**
         * As {@link #next(String, Reading, int)}, for a reading taken at {@code now} of a clock of the
         * machine it was read on (nanoseconds; every reading of KEY on the same clock), with the
         * network counters NET gives.
         */
        public Stats next(String key, Reading r, long now, Supplier<long[]> net) {
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
            long[] n = net.get();
            return new Stats(Instant.now(), cpu, Stats.CpuScale.PER_CPU, Math.max(0, r.memory()), r.limit(), n[0], n[1],
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

    /** The file's first bytes into B (cgroup and proc files are small; the buffer holds what matters); their count, -1 when it is not there. */
    private static int load(Path f, byte[] b) throws IOException {
        try (java.io.FileInputStream in = new java.io.FileInputStream(f.toFile())) {
            int n = 0;
            int r;
            while (n < b.length && (r = in.read(b, n, b.length - n)) > 0) n += r;
            return n;
        } catch (java.io.FileNotFoundException e) {
            return -1;
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

    private static long number(byte[] b, int n, String what) throws IOException {
        long v = parse(b, 0, n);
        if (v < 0) throw new IOException("not a number in " + what);
        return v;
    }

    /** memory.max: "max" or a number. */
    private static long limitV2(byte[] b, int n) throws IOException {
        if (n >= 3 && b[0] == 'm' && b[1] == 'a' && b[2] == 'x') return Long.MAX_VALUE;
        return number(b, n, "memory.max");
    }

    /** The value of {@code key} in a flat-keyed file ("key value" lines), 0 when absent. */
    private static long stat(byte[] b, int n, String key) {
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
    private static long limit(long l, long hostMemory) {
        return l >= (1L << 62) ? hostMemory : l;
    }

    /** v1 blkio's "MAJ:MIN Read BYTES" lines, summed; N -1 (no such file): 0. */
    private static long[] blkioV1(byte[] b, int n) {
        long r = 0;
        long w = 0;
        if (n <= 0) return new long[] {0, 0};
        for (String line : new String(b, 0, n, StandardCharsets.US_ASCII).split("\n")) {
            String[] p = line.split(" ");
            if (p.length == 3 && p[1].equals("Read")) r += Long.parseLong(p[2]);
            else if (p.length == 3 && p[1].equals("Write")) w += Long.parseLong(p[2]);
        }
        return new long[] {r, w};
    }

    /** v2 io.stat's "MAJ:MIN rbytes=N wbytes=N ..." lines, summed; N -1 (no such file): 0. */
    private static long[] ioV2(byte[] b, int n) {
        long r = 0;
        long w = 0;
        if (n <= 0) return new long[] {0, 0};
        for (String line : new String(b, 0, n, StandardCharsets.US_ASCII).split("\n")) {
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
        try {
            byte[] b = BUF.get();
            return net(b, load(Path.of("/proc", String.valueOf(pid), "net", "dev"), b));
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    /** rx and tx bytes of every interface but lo in a /proc/PID/net/dev given as text (null: unknown, -1 each). */
    public static long[] net(String netDev) {
        if (netDev == null) return new long[] {-1, -1};
        byte[] b = netDev.getBytes(StandardCharsets.US_ASCII);
        return net(b, b.length);
    }

    /** The first N bytes of B are a /proc/PID/net/dev (N -1: there is none). */
    private static long[] net(byte[] b, int n) {
        if (n < 0) return new long[] {-1, -1};
        long rx = 0;
        long tx = 0;
        // "  eth0: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes ..." after two header lines
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
