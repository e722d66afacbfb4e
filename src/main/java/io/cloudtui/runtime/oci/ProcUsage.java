package io.cloudtui.runtime.oci;

import io.cloudtui.core.CgroupFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A container's usage without a cgroup of its own (rootless): summed over the processes in the
 * init's pid namespace, from /proc files the owner of those processes may read. CPU is their user
 * and system time plus that of the children they reaped; memory their proportional set size
 * (shared pages split between the sharers); I/O the bytes they had read from and written to
 * storage; pids their threads (only the init's own without a pid namespace). There is no limit: the host's memory is reported as docker does
 * for a container without one.
 */
final class ProcUsage {
    private ProcUsage() {}

    private static final long TICK_NS = 10_000_000L; // USER_HZ is 100 on every Linux ABI

    /** The usage of the processes sharing INIT's pid namespace, or null when INIT is gone. */
    static CgroupFiles.Reading read(int init) {
        Path ns;
        try {
            ns = Files.readSymbolicLink(Path.of("/proc", String.valueOf(init), "ns", "pid"));
        } catch (IOException e) {
            return null;
        }
        // the host's own pid namespace (no namespace of its own): only the init counts
        boolean hostNs;
        try {
            hostNs = ns.equals(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")));
        } catch (IOException e) {
            hostNs = true;
        }
        String only = hostNs ? String.valueOf(init) : null;
        long cpu = 0;
        long mem = 0;
        long threads = 0;
        long rd = 0;
        long wr = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                try {
                    if (only != null ? !p.getFileName().toString().equals(only) : !Files.readSymbolicLink(p.resolve("ns/pid")).equals(ns)) continue;
                    String stat = StateStore.readKernelFile(p.resolve("stat"));
                    // fields after "(comm)", which may hold spaces: state is field 3, utime 14 .. cstime 17, num_threads 20
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                    cpu += (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14])) * TICK_NS;
                    threads += Long.parseLong(f[17]);
                    mem += memory(p);
                    for (String line : StateStore.readKernelFile(p.resolve("io")).split("\n")) {
                        if (line.startsWith("read_bytes:")) rd += Long.parseLong(line.substring(11).trim());
                        else if (line.startsWith("write_bytes:")) wr += Long.parseLong(line.substring(12).trim());
                    }
                } catch (IOException | RuntimeException e) {
                    // exited meanwhile, or not ours to read
                }
            }
        } catch (IOException e) {
            return null;
        }
        return new CgroupFiles.Reading(cpu, mem, hostMemory(), threads, rd, wr);
    }

    /** Pss from smaps_rollup (bytes), else the resident set from statm. */
    private static long memory(Path proc) throws IOException {
        try {
            for (String line : StateStore.readKernelFile(proc.resolve("smaps_rollup")).split("\n")) {
                if (line.startsWith("Pss:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException e) {
            // older kernels: no smaps_rollup
        }
        String[] statm = StateStore.readKernelFile(proc.resolve("statm")).trim().split(" ");
        return Long.parseLong(statm[1]) * 4096;
    }

    private static long hostMemory() {
        try {
            for (String line : StateStore.readKernelFile(Path.of("/proc/meminfo")).split("\n")) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
