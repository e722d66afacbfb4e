package io.cloudtui.engine.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test images in the single-file formats of HPC sites: a squashfs made by mksquashfs from a busybox
 * root filesystem, and SIF files written here from the published SIF format (version 01): a 128-byte
 * global header, a table of 585-byte descriptors, then the data objects.
 */
public final class Sifs {
    public static final int FS_SQUASH = 1;
    public static final int FS_EXT3 = 2;
    public static final int FS_ENCRYPTED_SQUASH = 5;
    public static final int PART_SYSTEM = 1;
    public static final int PART_PRIMSYS = 2;
    public static final int PART_DATA = 3;
    public static final int DATA_DEFFILE = 0x4001;
    public static final int DATA_PARTITION = 0x4004;

    /** One data object: its type, partition fields, the bytes, and optional lies about where it is. */
    public static final class Obj {
        int type = DATA_PARTITION;
        int fs = FS_SQUASH;
        int part = PART_PRIMSYS;
        String arch = "02";
        String name = "rootfs";
        byte[] data;
        Long offset;
        Long size;

        public static Obj partition(byte[] squashfs) {
            Obj o = new Obj();
            o.data = squashfs;
            return o;
        }

        public static Obj deffile(String text) {
            Obj o = new Obj();
            o.type = DATA_DEFFILE;
            o.name = "";
            o.data = text.getBytes(StandardCharsets.UTF_8);
            return o;
        }

        public Obj fs(int v) {
            fs = v;
            return this;
        }

        public Obj part(int v) {
            part = v;
            return this;
        }

        public Obj arch(String v) {
            arch = v;
            return this;
        }

        /** Claims OFFSET and SIZE in the descriptor whatever the data's real place. */
        public Obj claim(long off, long sz) {
            offset = off;
            size = sz;
            return this;
        }
    }

    private Sifs() {}

    /** A SIF holding OBJS: header, 48 descriptor slots at 4096 (as the reference tools lay them out), data from 32768, 4096-aligned. */
    public static byte[] sif(List<Obj> objs) {
        int slots = 48;
        long descOff = 4096;
        long dataOff = 32768;
        long pos = dataOff;
        List<long[]> places = new ArrayList<>();
        for (Obj o : objs) {
            places.add(new long[] {pos, o.data.length});
            pos += (o.data.length + 4095) / 4096 * 4096;
        }
        ByteBuffer b = ByteBuffer.allocate((int) pos).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Arrays.copyOf("#!/usr/bin/env run-singularity\n".getBytes(StandardCharsets.US_ASCII), 32));
        b.put("SIF_MAGIC\0".getBytes(StandardCharsets.US_ASCII));
        b.put("01\0".getBytes(StandardCharsets.US_ASCII));
        b.put("02\0".getBytes(StandardCharsets.US_ASCII));
        b.put(new byte[16]); // id
        long now = System.currentTimeMillis() / 1000;
        b.putLong(now).putLong(now);
        b.putLong(slots - objs.size()).putLong(slots).putLong(descOff).putLong((long) slots * 585).putLong(dataOff).putLong(pos - dataOff);
        for (int i = 0; i < objs.size(); i++) {
            Obj o = objs.get(i);
            ByteBuffer d = b.slice((int) descOff + i * 585, 585).order(ByteOrder.LITTLE_ENDIAN);
            d.putInt(o.type).put((byte) 1).putInt(i + 1).putInt(0xf0000001).putInt(0);
            long off = o.offset != null ? o.offset : places.get(i)[0];
            long size = o.size != null ? o.size : places.get(i)[1];
            d.putLong(off).putLong(size).putLong((size + 4095) / 4096 * 4096);
            d.putLong(now).putLong(now).putLong(0).putLong(0);
            d.put(Arrays.copyOf(o.name.getBytes(StandardCharsets.UTF_8), 128));
            if (o.type == DATA_PARTITION) {
                d.putInt(o.fs).putInt(o.part).put(Arrays.copyOf(o.arch.getBytes(StandardCharsets.US_ASCII), 3));
            }
            b.put((int) places.get(i)[0], o.data);
        }
        return b.array();
    }

    /** A busybox root filesystem in DIR: bin/busybox, its applets as links, etc/, tmp/, and a Singularity runscript. */
    public static Path busyboxRootfs(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("bin"));
        Files.createDirectories(dir.resolve("etc"));
        Files.createDirectories(dir.resolve("tmp"));
        Files.createDirectories(dir.resolve(".singularity.d"));
        Files.copy(Path.of("/bin/busybox"), dir.resolve("bin/busybox"));
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String a : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (!a.isBlank() && !a.equals("busybox")) {
                Files.createSymbolicLink(dir.resolve("bin").resolve(a.trim()), Path.of("busybox"));
            }
        }
        p.waitFor();
        Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(dir.resolve("etc/group"), "root:x:0:\n");
        Path rs = dir.resolve(".singularity.d/runscript");
        Files.writeString(rs, "#!/bin/sh\necho \"runscript ran: $*\"\n");
        Files.setPosixFilePermissions(rs, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /** mksquashfs of DIR into OUT (extra pseudo definitions: "dev/x c 666 0 0 1 3"). */
    public static Path mksquashfs(Path dir, Path out, String... pseudo) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("mksquashfs", dir.toString(), out.toString(), "-noappend", "-quiet", "-no-progress",
                "-comp", "gzip"));
        for (String ps : pseudo) {
            cmd.add("-p");
            cmd.add(ps);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("mksquashfs failed (is squashfs-tools installed? scripts/provision/60-hpc.sh): " + text);
        }
        return out;
    }
}
