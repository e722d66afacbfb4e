package io.cloudtui.runtime.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Subordinate ids of an unprivileged user (/etc/subuid, /etc/subgid: "NAME-OR-ID:START:COUNT"),
 * which the setuid helpers newuidmap and newgidmap (package uidmap) let it map in a user
 * namespace besides its own id. Without both files' ranges and both helpers a rootless container
 * maps only the user's own uid and gid.
 */
public final class SubIds {
    private SubIds() {}

    public record Range(long start, long count) {}

    /** What a rootless container can map: the helpers and the user's first uid and gid ranges. */
    public record Mapping(Path newuidmap, Path newgidmap, Range uids, Range gids) {}

    /** The current user's mapping, or null when a range or a helper is missing. */
    public static Mapping current() {
        Path nu = helper("newuidmap");
        Path ng = helper("newgidmap");
        if (nu == null || ng == null) return null;
        String name = System.getProperty("user.name");
        List<Range> u = ranges(Path.of("/etc/subuid"), name, OciRuntime.uid());
        List<Range> g = ranges(Path.of("/etc/subgid"), name, OciRuntime.gid());
        if (u.isEmpty() || g.isEmpty()) return null;
        return new Mapping(nu, ng, u.get(0), g.get(0));
    }

    private static Path helper(String name) {
        for (String d : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** The ranges FILE grants to NAME or ID, in file order. */
    static List<Range> ranges(Path file, String name, long id) {
        List<Range> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split(":");
                if (f.length != 3 || !(f[0].equals(name) || f[0].equals(String.valueOf(id)))) continue;
                try {
                    long start = Long.parseLong(f[1]);
                    long count = Long.parseLong(f[2]);
                    if (start > 0 && count > 0) out.add(new Range(start, count));
                } catch (NumberFormatException e) {
                    // a malformed line grants nothing
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Whether every mapping is our own ID alone or lies within RANGES (so the helper will accept it). */
    static boolean allowed(List<OciConfig.IdMap> maps, long id, List<Range> ranges) {
        for (OciConfig.IdMap m : maps) {
            if (m.hostID() == id && m.size() == 1) continue;
            boolean in = false;
            for (Range r : ranges) if (m.hostID() >= r.start() && m.hostID() + m.size() <= r.start() + r.count()) in = true;
            if (!in) return false;
        }
        return true;
    }

    /** Whether the maps need a helper: anything beyond our own id, once. */
    static boolean needHelper(List<OciConfig.IdMap> maps, long id) {
        return !(maps.size() == 1 && maps.get(0).hostID() == id && maps.get(0).size() == 1);
    }
}
