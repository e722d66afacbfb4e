package io.cloudtui.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudtui.core.CloudtuiException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIF and squashfs images built here with mksquashfs (squashfs-tools) and a SIF header written from
 * the published format are imported into a real store; damaged, encrypted, foreign and truncated
 * ones are refused in one line and leave nothing behind.
 */
class SifTest {
    @TempDir
    static Path shared;
    static byte[] squashfs;

    @TempDir
    Path tmp;

    @BeforeAll
    static void build() throws Exception {
        Path root = Sifs.busyboxRootfs(shared.resolve("rootfs"));
        squashfs = Files.readAllBytes(Sifs.mksquashfs(root, shared.resolve("rootfs.sqfs")));
    }

    private ImageStore store() {
        return new ImageStore(tmp.resolve("store"));
    }

    private static JsonNode config(ImageStore s, String ref) throws IOException {
        return io.cloudtui.core.JsonTrees.read(s.configJson(ref).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void sifImportsItsSystemPartitionWithTheRunscriptAsCommand() throws IOException {
        ImageStore s = store();
        byte[] sif = Sifs.sif(List.of(Sifs.Obj.deffile("Bootstrap: scratch\n"), Sifs.Obj.partition(squashfs)));
        Path f = Tars.write(tmp, "Busy_Box.sif", sif);
        List<String> ids = s.importImage(f, null, null);
        assertEquals(1, ids.size());
        assertEquals(List.of("busy_box:latest"), s.list().get(0).tags(), "named after the file");
        Path layer = s.layerDirs("busy_box:latest").get(0);
        assertTrue(Files.isRegularFile(layer.resolve("bin/busybox")));
        assertEquals(Files.size(Path.of("/bin/busybox")), Files.size(layer.resolve("bin/busybox")));
        assertEquals(Path.of("busybox"), Files.readSymbolicLink(layer.resolve("bin/sh")));
        assertTrue(Files.isDirectory(layer.resolve("tmp"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("/.singularity.d/runscript", config(s, "busy_box:latest").path("config").path("Cmd").get(0).asText());
    }

    @Test
    void aSystemPartitionThatIsNotPrimaryIsTakenAndAReferenceNamesIt() throws IOException {
        ImageStore s = store();
        Path f = Tars.write(tmp, "x.sif", Sifs.sif(List.of(Sifs.Obj.partition(squashfs).part(Sifs.PART_SYSTEM))));
        s.importImage(f, "ctui-it/sif:2", null);
        assertTrue(Files.isRegularFile(s.layerDirs("ctui-it/sif:2").get(0).resolve("bin/busybox")));
    }

    @Test
    void bareSquashfsImports() throws IOException {
        ImageStore s = store();
        Path f = Tars.write(tmp, "shifter.squashfs", squashfs);
        s.importImage(f, null, null);
        assertTrue(Files.isRegularFile(s.layerDirs("shifter:latest").get(0).resolve("bin/busybox")));
    }

    @Test
    void deviceNodesAndOwnersComeThroughAsRoot() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Posix.isRoot(), "root only: devices and owners need root");
        Path root = Files.createDirectories(tmp.resolve("r"));
        Files.writeString(root.resolve("owned"), "x");
        Path sq = Sifs.mksquashfs(root, tmp.resolve("d.sqfs"), "dev d 755 0 0", "dev/null c 666 0 0 1 3", "owned m 4755 123 456");
        ImageStore s = store();
        s.importImage(Tars.write(tmp, "d.sif", Sifs.sif(List.of(Sifs.Obj.partition(Files.readAllBytes(sq))))), null, null);
        Path layer = s.layerDirs("d:latest").get(0);
        assertEquals(0x103L, ((Number) Files.getAttribute(layer.resolve("dev/null"), "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue());
        assertEquals(123, Files.getAttribute(layer.resolve("owned"), "unix:uid"));
        assertEquals(456, Files.getAttribute(layer.resolve("owned"), "unix:gid"));
        assertEquals(04755, (Integer) Files.getAttribute(layer.resolve("owned"), "unix:mode") & 07777);
    }

    private String refused(String name, byte[] data) throws IOException {
        ImageStore s = new ImageStore(tmp.resolve("store-" + name));
        Path in = Tars.write(tmp, name, data);
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> s.importImage(in, null, null), name);
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().contains(name), "names the file: " + e.getMessage());
        assertTrue(s.list().isEmpty());
        try (Stream<Path> l = Files.list(tmp.resolve("store-" + name + "/layers")); Stream<Path> w = Files.list(tmp.resolve("store-" + name + "/tmp"))) {
            assertEquals(0, l.count(), "no layer left");
            assertEquals(0, w.count(), "no work directory left");
        }
        return e.getMessage();
    }

    @Test
    void truncatedSifsAreRefused() throws IOException {
        byte[] sif = Sifs.sif(List.of(Sifs.Obj.partition(squashfs)));
        assertTrue(refused("half.sif", Arrays.copyOf(sif, sif.length / 2)).contains("cut short"));
        assertTrue(refused("head.sif", Arrays.copyOf(sif, 100)).contains("cut short"));
        assertTrue(refused("table.sif", Arrays.copyOf(sif, 4096 + 300)).contains("cut short"));
        // the descriptor tells the truth, but the squashfs inside says it is longer than the partition
        byte[] cutFs = Sifs.sif(List.of(Sifs.Obj.partition(Arrays.copyOf(squashfs, squashfs.length - 5000))));
        assertTrue(refused("cutfs.sif", cutFs).contains("cut short"));
        assertTrue(refused("cut.sqfs", Arrays.copyOf(squashfs, squashfs.length - 5000)).contains("cut short"));
    }

    @Test
    void descriptorsPointingOutsideTheFileAreRefused() throws IOException {
        String m = refused("outside.sif", Sifs.sif(List.of(Sifs.Obj.partition(squashfs).claim(32768, 1L << 40))));
        assertTrue(m.contains("points outside the file"), m);
        m = refused("negative.sif", Sifs.sif(List.of(Sifs.Obj.partition(squashfs).claim(-4096, 10))));
        assertTrue(m.contains("points outside the file"), m);
        m = refused("elsewhere.sif", Sifs.sif(List.of(Sifs.Obj.deffile("x".repeat(5000)), Sifs.Obj.partition(squashfs).claim(32768, squashfs.length))));
        assertTrue(m.contains("is not squashfs"), m);
    }

    @Test
    void encryptedUnknownAndForeignPartitionsAreRefused() throws IOException {
        String m = refused("enc.sif", Sifs.sif(List.of(Sifs.Obj.partition(squashfs).fs(Sifs.FS_ENCRYPTED_SQUASH))));
        assertTrue(m.contains("encrypted"), m);
        m = refused("ext3.sif", Sifs.sif(List.of(Sifs.Obj.partition(squashfs).fs(Sifs.FS_EXT3))));
        assertTrue(m.contains("ext3") && m.contains("only squashfs"), m);
        m = refused("what.sif", Sifs.sif(List.of(Sifs.Obj.partition(squashfs).fs(77))));
        assertTrue(m.contains("unknown (77)"), m);
        m = refused("arm.sif", Sifs.sif(List.of(Sifs.Obj.partition(squashfs).arch("04"))));
        assertTrue(m.contains("arm64"), m);
        m = refused("data.sif", Sifs.sif(List.of(Sifs.Obj.deffile("x"), Sifs.Obj.partition(squashfs).part(Sifs.PART_DATA))));
        assertTrue(m.contains("without a system partition"), m);
    }

    @Test
    void aSifFromAStreamIsRefusedInOneLine() {
        byte[] sif = Sifs.sif(List.of(Sifs.Obj.partition(squashfs)));
        CloudtuiException e = assertThrows(CloudtuiException.class,
                () -> store().importStream(new ByteArrayInputStream(sif), "stdin", "ctui-it/s:1", null));
        assertTrue(e.getMessage().contains("SIF") && e.getMessage().contains("from a file"), e.getMessage());
    }
}
