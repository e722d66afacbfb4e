package io.cloudtui.docker;

import io.cloudtui.core.CgroupFiles;
import io.cloudtui.core.Stats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Stats of a container of a dockerd on this host, read from its cgroup files (cgroupfs or systemd
 * driver, v1 or v2) instead of the engine's API: the UI polls visible rows every few seconds, and
 * through the API each poll costs dockerd and containerd real CPU. The first reading of a container
 * returns null (no CPU delta yet) so the caller asks the API once.
 */
final class CgroupStats {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private final CgroupFiles.Delta delta = new CgroupFiles.Delta();

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

    /** Whether this host's cgroups show container {@code id} with memory accounting. */
    static boolean visible(String id) {
        if (id.length() != 64) return false;
        if (dir("memory", id) != null) return true;
        Path v2 = dir(null, id);
        return v2 != null && Files.exists(v2.resolve("memory.current"));
    }

    /** Where a container's cgroup files are: v1 directories by controller (absent ones null), or the v2 one. */
    private record Dirs(java.util.Map<String, java.util.Optional<Path>> v1, Path v2) {}

    /** Looked up once per container (a handful of directory probes), not at every reading. */
    private final java.util.Map<String, Dirs> dirs = new java.util.concurrent.ConcurrentHashMap<>();

    private Dirs dirs(String id) {
        Dirs d = dirs.get(id);
        if (d != null) return d;
        Path memory = dir("memory", id);
        Path unified = memory == null ? dir(null, id) : null;
        if (memory == null && (unified == null || !Files.exists(unified.resolve("memory.current")))) return null;
        java.util.Map<String, java.util.Optional<Path>> v1 = new java.util.concurrent.ConcurrentHashMap<>();
        if (memory != null) v1.put("memory", java.util.Optional.of(memory));
        if (dirs.size() > 4096) dirs.clear();
        d = new Dirs(v1, unified);
        dirs.put(id, d);
        return d;
    }

    /** Whether the last {@link #read} of {@code id} found its cgroup files (so the next one gives a sample). */
    boolean readable(String id) {
        return dirs.containsKey(id);
    }

    /** A sample, or null when this host's cgroups do not show the container or there is no previous reading yet. */
    Stats read(String id, java.util.function.IntSupplier pid) {
        Dirs d = dirs(id);
        if (d == null) return null;
        try {
            // the pid first: its lookup may ask the engine, and the CPU reading is stamped when it is taken
            int p = pid.getAsInt();
            CgroupFiles.Reading r = CgroupFiles.read(d.v2() == null ? c -> d.v1().computeIfAbsent(c, x -> java.util.Optional.ofNullable(dir(x, id))).orElse(null) : null,
                    d.v2());
            return delta.next(id, r, p);
        } catch (IOException | RuntimeException e) {
            // gone, or moved (a restart makes a new cgroup): look again next time
            dirs.remove(id);
            delta.forget(id);
            return null;
        }
    }
}
