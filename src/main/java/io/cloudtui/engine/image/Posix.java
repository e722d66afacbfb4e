package io.cloudtui.engine.image;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;

/** The few libc calls Java has no API for: mknod, lchown, chmod with setuid bits, trusted xattrs, syncfs. */
final class Posix {
    private Posix() {}

    static final int S_IFIFO = 0010000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    static final int S_IFMT = 0170000;
    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0200000;

    interface LibC extends Library {
        int mknod(String path, int mode, long dev) throws LastErrorException;
        int lchown(String path, int uid, int gid) throws LastErrorException;
        int chmod(String path, int mode) throws LastErrorException;
        int lsetxattr(String path, String name, byte[] value, long size, int flags) throws LastErrorException;
        long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;
        int open(String path, int flags) throws LastErrorException;
        int syncfs(int fd) throws LastErrorException;
        int close(int fd) throws LastErrorException;
        int geteuid();
    }

    private static volatile LibC libc;

    private static LibC c() {
        LibC l = libc;
        if (l == null) {
            l = Native.load("c", LibC.class);
            libc = l;
        }
        return l;
    }

    /**
     * Whether the effective uid is 0, from /proc/self/status: loading libc through JNA costs a
     * process spawn (its library search runs ldconfig -p) and tens of milliseconds, too much for a
     * question every store open asks. Falls back to geteuid() where /proc cannot tell.
     */
    static boolean isRoot() {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(Path.of("/proc/self/status"))) {
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).split("\n")) {
                // Uid: real effective saved filesystem
                if (line.startsWith("Uid:")) return line.substring(4).trim().split("\\s+")[1].equals("0");
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return c().geteuid() == 0;
    }

    /** Linux dev_t encoding of glibc's makedev. */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    static void mknod(Path p, int mode, long dev) throws IOException {
        try {
            c().mknod(p.toString(), mode, dev);
        } catch (LastErrorException e) {
            throw new IOException("mknod " + p + ": errno " + e.getErrorCode());
        }
    }

    static void lchown(Path p, long uid, long gid) throws IOException {
        try {
            c().lchown(p.toString(), (int) uid, (int) gid);
        } catch (LastErrorException e) {
            throw new IOException("lchown " + p + ": errno " + e.getErrorCode());
        }
    }

    /** chmod follows symlinks: callers only pass files and directories they just created. */
    static void chmod(Path p, int mode) throws IOException {
        try {
            c().chmod(p.toString(), mode);
        } catch (LastErrorException e) {
            throw new IOException("chmod " + p + ": errno " + e.getErrorCode());
        }
    }

    static void lsetxattr(Path p, String name, byte[] value) throws IOException {
        try {
            c().lsetxattr(p.toString(), name, value, value.length, 0);
        } catch (LastErrorException e) {
            throw new IOException("setxattr " + name + " on " + p + ": errno " + e.getErrorCode());
        }
    }

    /** The attribute's value, or null when absent. */
    static byte[] lgetxattr(Path p, String name) {
        byte[] buf = new byte[256];
        try {
            long n = c().lgetxattr(p.toString(), name, buf, buf.length);
            return java.util.Arrays.copyOf(buf, (int) n);
        } catch (LastErrorException e) {
            return null;
        }
    }

    /** Flushes the whole filesystem holding dir: one call instead of an fsync per unpacked file. */
    static void syncfs(Path dir) {
        try {
            int fd = c().open(dir.toString(), O_RDONLY | O_DIRECTORY);
            try {
                c().syncfs(fd);
            } finally {
                c().close(fd);
            }
        } catch (LastErrorException e) {
            // best effort: durability after power loss, not atomicity, depends on it
        }
    }
}
