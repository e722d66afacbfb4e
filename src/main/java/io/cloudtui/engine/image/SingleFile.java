package io.cloudtui.engine.image;

import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Single-file images as HPC sites keep them: a Singularity/Apptainer SIF (a global header, a table
 * of object descriptors, and the root filesystem as a squashfs partition) and a bare squashfs image
 * (Shifter's format). The SIF layout read here is the one of the SIF format specification (version
 * 01, little-endian): a 128-byte header (32-byte launch script, "SIF_MAGIC\0", version, arch, a
 * 16-byte id, then eight int64: created, modified, descriptors free/total/offset/size, data
 * offset/size) and 585-byte descriptors (int32 data type, bool used, uint32 id, group and link,
 * int64 offset, size, size with padding, created, modified, uid, gid, a 128-byte name and 384 bytes
 * of type-specific data; for a partition: int32 file system type, int32 partition type, 3-byte
 * arch). The squashfs is unpacked by unsquashfs (squashfs-tools).
 */
final class SingleFile {
    static final int SIF_HEADER = 128;
    static final int SIF_DESCRIPTOR = 585;
    static final byte[] SIF_MAGIC = "SIF_MAGIC\0".getBytes(StandardCharsets.US_ASCII);
    /** "hsqs": the squashfs superblock's magic 0x73717368, little-endian. */
    static final byte[] SQUASHFS_MAGIC = {'h', 's', 'q', 's'};
    static final int SQUASHFS_SUPERBLOCK = 96;

    static final int DATA_PARTITION = 0x4004;
    static final int DATA_OCI_ROOT_INDEX = 0x400a;
    static final int DATA_OCI_BLOB = 0x400b;
    static final int FS_SQUASH = 1;
    static final int PART_SYSTEM = 1;
    static final int PART_PRIMSYS = 2;
    private static final Map<Integer, String> FS_TYPES = Map.of(1, "squashfs", 2, "ext3", 3, "immutable object archive", 4, "raw data", 5,
            "encrypted squashfs", 6, "gocryptfs squashfs");
    private static final Map<String, String> ARCHES = Map.ofEntries(Map.entry("00", "unknown"), Map.entry("01", "386"),
            Map.entry("02", "amd64"), Map.entry("03", "arm"), Map.entry("04", "arm64"), Map.entry("05", "ppc64"), Map.entry("06", "ppc64le"),
            Map.entry("07", "mips"), Map.entry("08", "mipsle"), Map.entry("09", "mips64"), Map.entry("10", "mips64le"),
            Map.entry("11", "s390x"), Map.entry("12", "riscv64"), Map.entry("13", "loong64"));

    enum Kind { SIF, SQUASHFS }

    /** Where the root filesystem's squashfs lies in FILE. */
    record Squashfs(Path file, long offset, long size, String what) {}

    private SingleFile() {}

    /** SIF or squashfs by the magic in HEAD (a file's first bytes), else null. */
    static Kind sniff(byte[] head) {
        if (head.length >= 32 + SIF_MAGIC.length && java.util.Arrays.equals(head, 32, 32 + SIF_MAGIC.length, SIF_MAGIC, 0, SIF_MAGIC.length)) {
            return Kind.SIF;
        }
        if (head.length >= 4 && java.util.Arrays.equals(head, 0, 4, SQUASHFS_MAGIC, 0, 4)) {
            return Kind.SQUASHFS;
        }
        return null;
    }

    static Kind sniff(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return sniff(in.readNBytes(SIF_HEADER));
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new java.io.EOFException();
            }
        }
        return b.flip();
    }

    private static String cString(ByteBuffer b, int at, int len) {
        int end = at;
        while (end < at + len && b.get(end) != 0) {
            end++;
        }
        byte[] s = new byte[end - at];
        b.get(at, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    /** The squashfs system partition of a SIF, every offset checked against the file's size. */
    static Squashfs sif(Path file) throws IOException {
        String what = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long len = ch.size();
            if (len < SIF_HEADER) {
                throw new CloudtuiException(what + " is a SIF image cut short: " + len + " bytes, less than its " + SIF_HEADER + "-byte header");
            }
            ByteBuffer h = read(ch, 0, SIF_HEADER);
            String version = cString(h, 42, 3);
            if (!version.equals("01")) {
                throw new CloudtuiException(what + " is a SIF image of version '" + version + "'; only version 01 is supported");
            }
            long total = h.getLong(88);
            long descOffset = h.getLong(96);
            long descSize = h.getLong(104);
            if (total < 0 || total > 1 << 20 || descOffset < SIF_HEADER || descSize < total * SIF_DESCRIPTOR) {
                throw new CloudtuiException(what + " is a damaged SIF image: its header lists " + total + " descriptors in " + descSize
                        + " bytes at offset " + descOffset);
            }
            if (descOffset + total * SIF_DESCRIPTOR > len) {
                throw new CloudtuiException(what + " is a SIF image cut short: its descriptor table ends at byte "
                        + (descOffset + total * SIF_DESCRIPTOR) + " of a " + len + "-byte file");
            }
            ByteBuffer d = read(ch, descOffset, (int) (total * SIF_DESCRIPTOR));
            List<String> others = new ArrayList<>();
            int primary = -1;
            int system = -1;
            boolean oci = false;
            for (int i = 0; i < total; i++) {
                int at = i * SIF_DESCRIPTOR;
                int type = d.getInt(at);
                boolean used = d.get(at + 4) != 0;
                if (!used) {
                    continue;
                }
                long off = d.getLong(at + 17);
                long size = d.getLong(at + 25);
                String name = cString(d, at + 73, 128);
                if (off < 0 || size < 0 || off > len || size > len - off) {
                    throw new CloudtuiException(what + ": SIF descriptor " + (i + 1) + (name.isEmpty() ? "" : " (" + name + ")")
                            + " points outside the file (bytes " + off + ".." + (off + size) + " of " + len + "; cut short?)");
                }
                if (type == DATA_OCI_ROOT_INDEX || type == DATA_OCI_BLOB) {
                    oci = true;
                }
                if (type != DATA_PARTITION) {
                    continue;
                }
                int part = d.getInt(at + 201 + 4);
                if (part == PART_PRIMSYS && primary < 0) {
                    primary = i;
                } else if (part == PART_SYSTEM && system < 0) {
                    system = i;
                } else {
                    others.add(name);
                }
            }
            int pick = primary >= 0 ? primary : system;
            if (pick < 0) {
                throw new CloudtuiException(what + " is a SIF image without a system partition"
                        + (oci ? " (it holds an OCI image, which is not supported; import the OCI image instead)" : ""));
            }
            int at = pick * SIF_DESCRIPTOR;
            int fs = d.getInt(at + 201);
            String arch = cString(d, at + 201 + 8, 3);
            if (fs != FS_SQUASH) {
                String t = FS_TYPES.getOrDefault(fs, "unknown (" + fs + ")");
                throw new CloudtuiException(what + ": the SIF system partition is " + t
                        + (fs == 5 || fs == 6 ? "; encrypted images are not supported" : "; only squashfs is supported"));
            }
            if (!arch.equals("02") && !arch.equals("00")) {
                throw new CloudtuiException(what + ": the SIF system partition is built for " + ARCHES.getOrDefault(arch, "arch '" + arch + "'")
                        + ", not amd64");
            }
            long off = d.getLong(at + 17);
            long size = d.getLong(at + 25);
            return checked(ch, new Squashfs(file, off, size, what + " (SIF system partition)"), len);
        } catch (java.io.EOFException e) {
            throw new CloudtuiException(what + " is a SIF image cut short");
        }
    }

    /** A bare squashfs image. */
    static Squashfs squashfs(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return checked(ch, new Squashfs(file, 0, ch.size(), file.toString()), ch.size());
        }
    }

    /** The superblock's magic, version 4.0 and bytes_used within the partition: a squashfs cut short is refused before unsquashfs runs. */
    private static Squashfs checked(FileChannel ch, Squashfs s, long len) throws IOException {
        if (s.size() < SQUASHFS_SUPERBLOCK) {
            throw new CloudtuiException(s.what() + " is no squashfs or is cut short (" + s.size() + " bytes)");
        }
        ByteBuffer sb = read(ch, s.offset(), SQUASHFS_SUPERBLOCK);
        byte[] magic = new byte[4];
        sb.get(0, magic);
        if (!java.util.Arrays.equals(magic, SQUASHFS_MAGIC)) {
            throw new CloudtuiException(s.what() + " is not squashfs (no squashfs superblock where the descriptor points)");
        }
        int major = sb.getShort(28) & 0xffff;
        if (major != 4) {
            throw new CloudtuiException(s.what() + " is squashfs version " + major + "; only version 4 is supported");
        }
        long used = sb.getLong(40);
        if (used < SQUASHFS_SUPERBLOCK || used > s.size()) {
            throw new CloudtuiException(s.what() + " is cut short: the squashfs holds " + used + " bytes, " + s.size() + " are there");
        }
        return s;
    }

    /** unsquashfs on PATH, else null. */
    static String unsquashfs() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "unsquashfs"))) {
                return Path.of(dir, "unsquashfs").toString();
            }
        }
        return null;
    }

    /**
     * Unpacks S into DEST (which must not exist) with unsquashfs as this user: as root with owners,
     * setuid bits and device nodes; otherwise a device node is refused as in any other layer.
     */
    static void unsquash(Squashfs s, Path dest, boolean privileged) throws IOException {
        String bin = unsquashfs();
        if (bin == null) {
            throw new CloudtuiException("importing " + s.file() + " needs unsquashfs, which is not installed (Debian: apt install squashfs-tools)");
        }
        Path err = Files.createTempFile(dest.getParent(), "unsquashfs", ".err");
        try {
            Process p = new ProcessBuilder(bin, "-no-progress", "-quiet", "-no-xattrs", "-offset", String.valueOf(s.offset()), "-dest",
                    dest.toString(), s.file().toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(err.toFile())
                    .start();
            int code;
            try {
                code = p.waitFor();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("unsquashfs interrupted");
            }
            List<String> lines = new ArrayList<>();
            for (String l : Files.readAllLines(err, StandardCharsets.UTF_8)) {
                // the progress bar and carriage returns of unsquashfs are no message
                String t = l.replaceAll(".*\r", "").replaceAll("\\[=*[-\\\\|/ ]*\\] *\\d+/\\d+ *\\d+%", "").trim();
                if (!t.isEmpty()) {
                    lines.add(t);
                }
            }
            for (String l : lines) {
                int i = l.indexOf("could not create ");
                if (i >= 0 && l.contains("device ") && l.contains("not superuser")) {
                    String path = l.substring(l.indexOf(" device ", i) + 8, l.lastIndexOf(", because"));
                    String rel = path.startsWith(dest + "/") ? path.substring(dest.toString().length() + 1) : path;
                    throw LayerUnpacker.refuse("device node '" + rel + "' can only be created when running as root");
                }
            }
            if (code != 0) {
                String first = lines.isEmpty() ? "exit code " + code : lines.get(0);
                throw new CloudtuiException(s.what() + " could not be unpacked: unsquashfs: " + first);
            }
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
