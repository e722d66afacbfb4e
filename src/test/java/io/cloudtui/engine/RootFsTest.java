package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rootless container's image files found in its layers as overlayfs would show them, before anything is mounted. */
class RootFsTest {
    @TempDir
    Path tmp;

    @Test
    void kernelVersions() {
        assertTrue(RootFs.kernelAtLeast("6.18.44-fc-v1045", 5, 11));
        assertTrue(RootFs.kernelAtLeast("5.11.0", 5, 11));
        assertFalse(RootFs.kernelAtLeast("5.10.0-23-amd64", 5, 11));
        assertFalse(RootFs.kernelAtLeast("4.19.0", 5, 11));
        assertFalse(RootFs.kernelAtLeast("unknown", 5, 11));
    }

    /** A container directory whose overlay the runtime mounts: layers top, bottom (as in {@code lower}) and its upper dir. */
    Path container() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("c"));
        for (String l : new String[] {"top/etc", "bottom/etc", "c/upper", "c/work", "c/rootfs"}) Files.createDirectories(tmp.resolve(l));
        Files.writeString(tmp.resolve("bottom/etc/passwd"), "bottom");
        Files.writeString(d.resolve("lower"), tmp.resolve("top") + ":" + tmp.resolve("bottom") + "\n");
        Files.writeString(d.resolve("userns"), "");
        return d;
    }

    static String read(Path p) throws IOException {
        return p == null ? null : Files.readString(p);
    }

    @Test
    void theTopmostLayerWithTheFileWins() throws IOException {
        Path d = container();
        assertTrue(RootFs.inUserns(d));
        assertEquals("bottom", read(RootFs.imageFile(d, "etc/passwd")));
        Files.writeString(tmp.resolve("top/etc/passwd"), "top");
        assertEquals("top", read(RootFs.imageFile(d, "etc/passwd")));
        Files.createDirectories(d.resolve("upper/etc"));
        Files.writeString(d.resolve("upper/etc/passwd"), "changed by the container");
        assertEquals("changed by the container", read(RootFs.imageFile(d, "etc/passwd")), "a restarted container's own change");
        assertNull(RootFs.imageFile(d, "etc/group"), "in no layer");
    }

    @Test
    void whiteoutsOpaqueDirectoriesAndSymlinksHideLowerLayers() throws Exception {
        Path d = container();
        Process p = new ProcessBuilder("mknod", tmp.resolve("top/etc/passwd").toString(), "c", "0", "0").inheritIO().start();
        assertEquals(0, p.waitFor(), "mknod of a whiteout");
        assertNull(RootFs.imageFile(d, "etc/passwd"), "a whiteout");
        Files.delete(tmp.resolve("top/etc/passwd"));
        UserDefinedFileAttributeView x = Files.getFileAttributeView(tmp.resolve("top/etc"), UserDefinedFileAttributeView.class);
        x.write("overlay.opaque", ByteBuffer.wrap("y".getBytes(StandardCharsets.US_ASCII)));
        assertNull(RootFs.imageFile(d, "etc/passwd"), "an opaque /etc above");
        x.delete("overlay.opaque");
        assertEquals("bottom", read(RootFs.imageFile(d, "etc/passwd")));
        Files.delete(tmp.resolve("top/etc"));
        Files.createSymbolicLink(tmp.resolve("top/etc"), tmp.resolve("bottom/etc"));
        assertNull(RootFs.imageFile(d, "etc/passwd"), "never through a symlink (it could name the host's /etc)");
    }

    @Test
    void aCopiedRootfsIsReadDirectly() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("copy/rootfs/etc")).getParent().getParent();
        assertFalse(RootFs.inUserns(d));
        assertEquals(d.resolve("rootfs/etc/passwd"), RootFs.imageFile(d, "etc/passwd"));
    }
}
