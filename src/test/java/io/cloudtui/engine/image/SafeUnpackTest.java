package io.cloudtui.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile layers are refused with one line and leave the store and the host untouched. */
class SafeUnpackTest {
    @TempDir
    Path tmp;
    Path storeRoot;
    Path victim;

    @BeforeEach
    void setUp() throws IOException {
        storeRoot = tmp.resolve("a/b/c/store");
        victim = Files.createDirectories(tmp.resolve("victim"));
    }

    /** Every path under the test's temp dir with its size: a write anywhere shows up as a difference. */
    private TreeMap<String, Long> snapshot() throws IOException {
        TreeMap<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(tmp)) {
            s.filter(p -> !p.getFileName().toString().equals("in.tar")).forEach(p -> {
                try {
                    m.put(tmp.relativize(p).toString(), Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.size(p) : -1L);
                } catch (IOException e) {
                    m.put(tmp.relativize(p).toString(), -2L);
                }
            });
        }
        return m;
    }

    private String refused(ImageStore store, byte[] tar) throws IOException {
        Path in = Tars.write(tmp, "in.tar", tar);
        TreeMap<String, Long> before = snapshot();
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> store.importImage(in, "ctui-it/hostile:1", null));
        assertEquals(before, snapshot(), "a refused import must leave nothing behind");
        assertTrue(store.list().isEmpty());
        assertFalse(e.getMessage().contains("\n"), "one-line error");
        return e.getMessage();
    }

    private ImageStore store() {
        return new ImageStore(storeRoot);
    }

    @Test
    void dotDotTraversalIsRefused() throws IOException {
        String msg = refused(store(), new Tars().dir("bin").file("../../../../x", "pwned").bytes());
        assertTrue(msg.contains("path traversal"), msg);
        assertFalse(Files.exists(tmp.resolve("a/x")));
    }

    @Test
    void absolutePathsStayInsideTheLayer() throws IOException {
        ImageStore s = store();
        Path in = Tars.write(tmp, "in.tar", new Tars().dir("bin").file("/ctui-it-abs-" + ProcessHandle.current().pid(), "x").bytes());
        s.importImage(in, "ctui-it/abs:1", null);
        assertFalse(Files.exists(Path.of("/ctui-it-abs-" + ProcessHandle.current().pid())));
        Path layer = s.layerDirs("ctui-it/abs:1").get(0);
        assertTrue(Files.isRegularFile(layer.resolve("ctui-it-abs-" + ProcessHandle.current().pid())));
    }

    @Test
    void absoluteSymlinkEscapeIsRefused() throws IOException {
        String msg = refused(store(), new Tars().dir("bin").symlink("a", victim.toString()).file("a/pwned", "x").bytes());
        assertTrue(msg.contains("goes through symlink 'a'"), msg);
        assertTrue(Fs.isEmptyDir(victim));
        String name = "ctui-it-pwned-" + ProcessHandle.current().pid();
        refused(store(), new Tars().symlink("etc", "/etc").file("etc/" + name, "x").bytes());
        assertFalse(Files.exists(Path.of("/etc", name)));
    }

    @Test
    void relativeSymlinkEscapeIsRefused() throws IOException {
        String msg = refused(store(), new Tars().symlink("up", "../../../../victim").file("up/pwned", "x").bytes());
        assertTrue(msg.contains("goes through symlink"), msg);
        assertTrue(Fs.isEmptyDir(victim));
    }

    @Test
    void laterFileReplacesSymlinkInsteadOfWritingThroughIt() throws IOException {
        Path target = Files.writeString(victim.resolve("keep"), "original");
        ImageStore s = store();
        Path in = Tars.write(tmp, "in.tar", new Tars().symlink("f", target.toString()).file("f", "replaced").bytes());
        s.importImage(in, "ctui-it/replace:1", null);
        assertEquals("original", Files.readString(target));
        Path f = s.layerDirs("ctui-it/replace:1").get(0).resolve("f");
        assertFalse(Files.isSymbolicLink(f));
        assertEquals("replaced", Files.readString(f));
    }

    @Test
    void hardlinkToHostFileIsRefused() throws IOException {
        String msg = refused(store(), new Tars().file("x", "1").hardlink("passwd", "/etc/passwd").bytes());
        assertTrue(msg.contains("not an earlier entry of this layer"), msg);
        msg = refused(store(), new Tars().hardlink("passwd", "../../../../../etc/passwd").bytes());
        assertTrue(msg.contains("path traversal"), msg);
        msg = refused(store(), new Tars().symlink("e", "/etc").hardlink("passwd", "e/passwd").bytes());
        assertTrue(msg.contains("goes through symlink"), msg);
    }

    @Test
    void hardlinkInsideLayerWorks() throws IOException {
        ImageStore s = store();
        Path in = Tars.write(tmp, "in.tar", new Tars().dir("d").file("d/one", "same").hardlink("two", "d/one").bytes());
        s.importImage(in, "ctui-it/hl:1", null);
        Path l = s.layerDirs("ctui-it/hl:1").get(0);
        assertEquals(Files.getAttribute(l.resolve("d/one"), "unix:ino"), Files.getAttribute(l.resolve("two"), "unix:ino"));
    }

    @Test
    void deviceNodeIsRefusedWhenUnprivileged() throws IOException {
        ImageStore s = new ImageStore(storeRoot, ImageStore.Options.defaults().withPrivileged(false));
        String msg = refused(s, new Tars().dir("dev").charDevice("dev/mem", 1, 1).bytes());
        assertTrue(msg.contains("device node 'dev/mem' can only be created when running as root"), msg);
    }

    @Test
    void deviceNodesAndOwnershipAsRoot() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Posix.isRoot(), "device nodes and ownership need root");
        ImageStore s = store();
        Tars t = new Tars().dir("dev").charDevice("dev/null", 1, 3);
        org.apache.commons.compress.archivers.tar.TarArchiveEntry owned = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("owned");
        owned.setSize(1);
        owned.setUserId(1234);
        owned.setGroupId(5678);
        byte[] tar = t.bytes();
        // a second tar for the owned file: Tars has no uid setter, so build it directly
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try (var o = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(b)) {
            o.putArchiveEntry(owned);
            o.write('x');
            o.closeArchiveEntry();
        }
        s.importImage(Tars.write(tmp, "in.tar", tar), "ctui-it/dev:1", null);
        s.importImage(Tars.write(tmp, "in2.tar", b.toByteArray()), "ctui-it/owned:1", null);
        Path dev = s.layerDirs("ctui-it/dev:1").get(0).resolve("dev/null");
        assertEquals(Posix.S_IFCHR, (Integer) Files.getAttribute(dev, "unix:mode", LinkOption.NOFOLLOW_LINKS) & Posix.S_IFMT);
        assertEquals(Posix.makedev(1, 3), (Long) Files.getAttribute(dev, "unix:rdev", LinkOption.NOFOLLOW_LINKS));
        Path f = s.layerDirs("ctui-it/owned:1").get(0).resolve("owned");
        assertEquals(1234, (Integer) Files.getAttribute(f, "unix:uid"));
        assertEquals(5678, (Integer) Files.getAttribute(f, "unix:gid"));
        Path rootfs = tmp.resolve("rootfs");
        s.flatten("ctui-it/dev:1", rootfs);
        assertEquals(Posix.makedev(1, 3), (Long) Files.getAttribute(rootfs.resolve("dev/null"), "unix:rdev", LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void setuidIsDroppedWhenUnprivilegedAndKeptAsRoot() throws IOException {
        byte[] tar = new Tars().file("su", "#!/bin/sh\n".getBytes(), 0104755).bytes();
        Path in = Tars.write(tmp, "in.tar", tar);
        ImageStore u = new ImageStore(tmp.resolve("u"), ImageStore.Options.defaults().withPrivileged(false));
        u.importImage(in, "ctui-it/suid:1", null);
        assertEquals(0755, (Integer) Files.getAttribute(u.layerDirs("ctui-it/suid:1").get(0).resolve("su"), "unix:mode") & 07777);
        if (Posix.isRoot()) {
            ImageStore r = new ImageStore(tmp.resolve("r"));
            r.importImage(in, "ctui-it/suid:1", null);
            assertEquals(04755, (Integer) Files.getAttribute(r.layerDirs("ctui-it/suid:1").get(0).resolve("su"), "unix:mode") & 07777);
        }
    }

    @Test
    void sizeAndEntryLimits() throws IOException {
        ImageStore s = new ImageStore(storeRoot, ImageStore.Options.defaults().withLimits(1000, 50));
        String msg = refused(s, new Tars().file("big", new byte[2000], 0100644).bytes());
        assertTrue(msg.contains("exceeds the limit of 1000 bytes"), msg);
        Tars many = new Tars();
        for (int i = 0; i < 60; i++) {
            many.file("f" + i, "");
        }
        msg = refused(s, many.bytes());
        assertTrue(msg.contains("more than 50 entries"), msg);
    }

    @Test
    void notATarIsRefused() throws IOException {
        Path in = Tars.write(tmp, "in.tar", "{\"hello\": 1} and not a tar at all".getBytes());
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> store().importImage(in, "ctui-it/x:1", null));
        assertTrue(e.getMessage().contains("is not a tar archive"), e.getMessage());
    }

    @Test
    void zstdIsRefusedClearly() throws IOException {
        byte[] z = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0};
        Path in = Tars.write(tmp, "in.tar", z);
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> store().importImage(in, "ctui-it/x:1", null));
        assertTrue(e.getMessage().contains("zstd"), e.getMessage());
    }

    @Test
    void damagedArchiveIsRefused() throws IOException {
        byte[] layer = new Tars().file("a", "1").bytes();
        byte[] save = Tars.dockerSave(List.of(layer), "ctui-it/dmg:1");
        // flip one byte of the layer's file content inside the outer tar: diff-id no longer matches
        String s = new String(save, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = s.indexOf("ustar", s.indexOf("layer.tar") + 600);
        save[at + 600] ^= 1;
        CloudtuiException e = assertThrows(CloudtuiException.class,
                () -> store().importImage(Tars.write(tmp, "in.tar", save), null, null));
        assertTrue(e.getMessage().contains("diff-id") || e.getMessage().contains("not a valid tar"), e.getMessage());
        assertTrue(store().list().isEmpty());
    }
}
