package io.cloudtui.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Questions to /proc/self/mountinfo. On a host running many containers the table has hundreds of
 * long lines (every overlay mount lists its layers), so it is searched as one string for the line
 * that can answer instead of being split line by line and field by field.
 */
public final class MountInfo {
    private static final Path FILE = Path.of("/proc/self/mountinfo");
    private static volatile List<Mount> cgroupMounts;

    private MountInfo() {}

    /** A mount point and its filesystem type. */
    public record Mount(Path target, String fsType) {}

    /** The table now. */
    static String read() throws IOException {
        try (InputStream in = Files.newInputStream(FILE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8); // /proc files report size 0
        }
    }

    /** Whether something is mounted on DIR (exactly there, as absolute path), false if the table cannot be read. */
    public static boolean isMountPoint(Path dir) {
        try {
            return isMountPoint(read(), dir);
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether TABLE (mountinfo text) has a mount on DIR: its 5th field, octal-escaped as the kernel writes it. */
    static boolean isMountPoint(String table, Path dir) {
        String field = " " + escape(dir.toAbsolutePath().toString()) + " ";
        for (int at = table.indexOf(field); at >= 0; at = table.indexOf(field, at + 1)) {
            int start = table.lastIndexOf('\n', at) + 1;
            // the mount point is the 5th field: exactly 4 separators before it on its line
            int spaces = 0;
            for (int i = start; i <= at; i++) if (table.charAt(i) == ' ') spaces++;
            if (spaces == 4) return true;
        }
        return false;
    }

    /** What mountinfo writes for a path: space, tab, newline and backslash as octal escapes. */
    static String escape(String path) {
        if (path.indexOf(' ') < 0 && path.indexOf('\t') < 0 && path.indexOf('\n') < 0 && path.indexOf('\\') < 0) return path;
        return path.replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011").replace("\n", "\\012");
    }

    static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    /**
     * The cgroup (v1) and cgroup2 mounts, in table order. Read once per process: hierarchies are
     * mounted at boot, and every container operation asks.
     */
    public static List<Mount> cgroupMounts() throws IOException {
        List<Mount> m = cgroupMounts;
        if (m == null) {
            m = cgroupMounts(read());
            cgroupMounts = m;
        }
        return m;
    }

    static List<Mount> cgroupMounts(String table) {
        List<Mount> out = new ArrayList<>();
        for (String line : table.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String[] tail = line.substring(dash + 3).split(" ");
            if (!tail[0].equals("cgroup") && !tail[0].equals("cgroup2")) continue;
            String[] parts = line.split(" ");
            if (parts.length < 5) continue;
            out.add(new Mount(Path.of(unescape(parts[4])), tail[0]));
        }
        return List.copyOf(out);
    }
}
