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
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Import formats, layer sharing, whiteouts, flatten, tag/rmi/prune on synthetic images. */
class StoreTest {
    @TempDir
    Path tmp;

    static final byte[] L1 = new Tars().dir("etc").file("etc/a", "1").file("etc/b", "1").dir("keep").file("keep/k", "k")
            .dir("opq").file("opq/old1", "o").dir("opq/sub").file("opq/sub/old2", "o").symlink("link", "etc/a").file("gone", "x")
            .bytes();
    static final byte[] L2 = new Tars().file(".wh.gone", "").file("etc/.wh.b", "").dir("opq").file("opq/.wh..wh..opq", "")
            .file("opq/new", "2").file("etc/c", "2").dir("link").file("link/inside", "3").bytes();
    static final byte[] L3 = new Tars().file("etc/b", "3").file(".wh.keep", "").bytes();

    /** The expected flattened tree: path to content ("/" for directories). */
    static final Map<String, String> EXPECTED = new TreeMap<>(Map.of("etc", "/", "etc/a", "1", "etc/b", "3", "etc/c", "2", "opq", "/",
            "opq/new", "2", "link", "/", "link/inside", "3"));

    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> !p.equals(root)).toList()) {
                String k = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    m.put(k, "->" + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    m.put(k, "/");
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    m.put(k, new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1));
                } else {
                    m.put(k, "special");
                }
            }
        }
        return m;
    }

    @Test
    void legacyDockerSaveImportsConfigLayersAndTags() throws IOException {
        ImageStore s = new ImageStore(tmp.resolve("store"));
        Path in = Tars.write(tmp, "save.tar", Tars.dockerSave(List.of(L1, L2, L3), "ctui-it/multi:1"));
        List<String> ids = s.importImage(in, null, null);
        assertEquals(1, ids.size());
        Image img = s.inspect("ctui-it/multi:1");
        assertEquals(ids.get(0), img.id());
        assertEquals(List.of("ctui-it/multi:1"), img.tags());
        assertEquals(List.of(Fs.digest(L1), Fs.digest(L2), Fs.digest(L3)), img.layers());
        assertEquals(List.of("PATH=/bin", "FOO=bar"), img.config().env());
        assertEquals(List.of("/bin/sh"), img.config().cmd());
        assertEquals("/work", img.config().workingDir());
        assertEquals("65534:65534", img.config().user());
        assertEquals(List.of("8080/tcp"), img.config().exposedPorts());
        assertEquals(Map.of("org.example", "yes"), img.config().labels());
        assertEquals(s.inspect(img.shortId()).id(), img.id());
        Path rootfs = tmp.resolve("rootfs");
        s.flatten("ctui-it/multi:1", rootfs);
        assertEquals(EXPECTED, tree(rootfs));
    }

    @Test
    void whiteoutsInOverlayFormWhenRoot() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Posix.isRoot(), "overlay whiteouts need root");
        ImageStore s = new ImageStore(tmp.resolve("store"));
        s.importImage(Tars.write(tmp, "save.tar", Tars.dockerSave(List.of(L1, L2, L3), "ctui-it/multi:1")), null, null);
        assertTrue(s.overlayReady("ctui-it/multi:1"));
        Path l2 = s.layerDirs("ctui-it/multi:1").get(1);
        assertTrue(Flattener.isOverlayWhiteout(l2.resolve("gone")));
        assertTrue(Flattener.isOverlayWhiteout(l2.resolve("etc/b")));
        assertTrue(Flattener.isOverlayOpaque(l2.resolve("opq")));
        assertFalse(Files.exists(l2.resolve(".wh.gone"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(l2.resolve("opq/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void whiteoutsInOciFormAndFlattenWithoutRoot() throws IOException {
        ImageStore s = new ImageStore(tmp.resolve("store"), ImageStore.Options.defaults().withPrivileged(false));
        s.importImage(Tars.write(tmp, "save.tar", Tars.dockerSave(List.of(L1, L2, L3), "ctui-it/multi:1")), null, null);
        assertFalse(s.overlayReady("ctui-it/multi:1"));
        Path l2 = s.layerDirs("ctui-it/multi:1").get(1);
        assertTrue(Files.isRegularFile(l2.resolve(".wh.gone")));
        assertTrue(Files.isRegularFile(l2.resolve("opq/.wh..wh..opq")));
        Path rootfs = tmp.resolve("rootfs");
        s.flatten("ctui-it/multi:1", rootfs);
        assertEquals(EXPECTED, tree(rootfs));
    }

    /** Not root (or told so): whiteouts still in overlayfs form, the opaque mark in user.* (a rootless overlay mounts them with userxattr). */
    @Test
    void whiteoutsInUserOverlayFormWhenUnprivileged() throws IOException {
        ImageStore s = new ImageStore(tmp.resolve("store"), ImageStore.Options.defaults().withPrivileged(false).withOverlayWhiteouts(true));
        s.importImage(Tars.write(tmp, "save.tar", Tars.dockerSave(List.of(L1, L2, L3), "ctui-it/multi:1")), null, null);
        assertEquals("overlay-user", s.whiteouts("ctui-it/multi:1"));
        assertFalse(s.overlayReady("ctui-it/multi:1"), "not for a root overlay mount: its opaque mark is trusted.*");
        Path l2 = s.layerDirs("ctui-it/multi:1").get(1);
        assertTrue(Flattener.isOverlayWhiteout(l2.resolve("gone")));
        assertTrue(Flattener.isOverlayWhiteout(l2.resolve("etc/b")));
        assertEquals("y", new String(Posix.lgetxattr(l2.resolve("opq"), "user.overlay.opaque"), java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(null, Posix.lgetxattr(l2.resolve("opq"), "trusted.overlay.opaque"));
        assertFalse(Files.exists(l2.resolve("opq/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));
        Path rootfs = tmp.resolve("rootfs");
        s.flatten("ctui-it/multi:1", rootfs);
        assertEquals(EXPECTED, tree(rootfs), "the copying fallback reads that form too");
    }

    /** An image cannot mark its own directories opaque (or redirect them) for a rootless overlay: user.overlay.* from a tar is dropped. */
    @Test
    void overlayXattrsFromATarAreNotApplied() throws IOException {
        ImageStore s = new ImageStore(tmp.resolve("store"), ImageStore.Options.defaults().withPrivileged(false).withOverlayWhiteouts(true));
        byte[] layer = new Tars().dir("d", "user.overlay.opaque", "y").dir("e", "user.note", "kept").bytes();
        s.importImage(Tars.write(tmp, "save.tar", Tars.dockerSave(List.of(layer), "ctui-it/x:1")), null, null);
        Path l = s.layerDirs("ctui-it/x:1").get(0);
        assertEquals(null, Posix.lgetxattr(l.resolve("d"), "user.overlay.opaque"));
        assertEquals("kept", new String(Posix.lgetxattr(l.resolve("e"), "user.note"), java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** Built here, not by docker: this machine's dockerd (20.10) writes only the legacy docker save layout. */
    @Test
    void ociFormsOfDockerSaveAndOciLayouts() throws Exception {
        ImageStore s = new ImageStore(tmp.resolve("store"));
        // Docker 25+ docker save: OCI layout plus manifest.json, legacy paths as symlinks
        String a = s.importImage(Tars.write(tmp, "d25.tar", Tars.dockerSaveOci(List.of(L1, L2, L3), "ctui-it/d25:1", false, true)), null,
                null).get(0);
        // a pure OCI layout tar with gzip layers, tag from the index annotation
        String b = s.importImage(Tars.write(tmp, "oci.tar", Tars.dockerSaveOci(List.of(L1, L2, L3), "ctui-it/oci:1", true, false)), null,
                null).get(0);
        // the same layout as a directory, tagged by the caller
        Path dir = Files.createDirectories(tmp.resolve("ocidir"));
        Files.write(tmp.resolve("oci2.tar"), Tars.dockerSaveOci(List.of(L1, L2), "ctui-it/ignored:1", true, false));
        assertEquals(0, new ProcessBuilder("tar", "-C", dir.toString(), "-xf", tmp.resolve("oci2.tar").toString()).start().waitFor());
        String c = s.importImage(dir, "ctui-it/ocidir:2", null).get(0);
        assertEquals(a, b, "same config, same id");
        assertEquals(List.of("ctui-it/d25:1", "ctui-it/oci:1"), s.inspect(a).tags().stream().sorted().toList());
        assertEquals(List.of("ctui-it/ocidir:2"), s.inspect(c).tags());
        // layers are shared: three diff-ids in total for both images
        try (Stream<Path> l = Files.list(tmp.resolve("store/layers"))) {
            assertEquals(3, l.count());
        }
        Path rootfs = tmp.resolve("rootfs");
        s.flatten("ctui-it/oci:1", rootfs);
        assertEquals(EXPECTED, tree(rootfs));
    }

    @Test
    void gzippedDockerSaveAndCorruptBlobDigest() throws IOException {
        ImageStore s = new ImageStore(tmp.resolve("store"));
        s.importImage(Tars.write(tmp, "save.tar.gz", Tars.gzip(Tars.dockerSave(List.of(L1), "ctui-it/gz:1"))), null, null);
        assertEquals(List.of(Fs.digest(L1)), s.inspect("ctui-it/gz:1").layers());
    }

    @Test
    void rootfsTarGzipAndDirectory() throws IOException {
        ImageStore s = new ImageStore(tmp.resolve("store"));
        byte[] rootfs = new Tars().dir("bin").file("bin/tool", "#!/bin/sh\n".getBytes(), 0100755).symlink("bin/alias", "tool").bytes();
        String id = s.importImage(Tars.write(tmp, "rootfs.tar.gz", Tars.gzip(rootfs)), "ctui-it/rootfs", null).get(0);
        Image img = s.inspect("ctui-it/rootfs:latest");
        assertEquals(id, img.id());
        assertEquals(List.of(Fs.digest(rootfs)), img.layers());
        assertTrue(img.config().env().get(0).startsWith("PATH="));
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> s.importImage(tmp.resolve("rootfs.tar.gz"), null, null));
        assertTrue(e.getMessage().contains("needs a reference"), e.getMessage());

        Path dir = tmp.resolve("rootdir");
        s.flatten(id, dir);
        s.importImage(dir, "ctui-it/fromdir:1", null);
        Path out = tmp.resolve("out");
        s.flatten("ctui-it/fromdir:1", out);
        assertEquals(tree(dir), tree(out));
        assertEquals(0755, (Integer) Files.getAttribute(out.resolve("bin/tool"), "unix:mode") & 0777);
    }

    @Test
    void tagRemovePrune() throws IOException {
        ImageStore s = new ImageStore(tmp.resolve("store"));
        s.importImage(Tars.write(tmp, "a.tar", Tars.dockerSave(List.of(L1, L2), "ctui-it/a:1")), null, null);
        s.importImage(Tars.write(tmp, "b.tar", Tars.dockerSave(List.of(L1, L3), "ctui-it/b:1")), null, null);
        Image a = s.inspect("ctui-it/a:1");
        s.tag("ctui-it/a:1", "ctui-it/a:2");
        assertEquals(List.of("ctui-it/a:1", "ctui-it/a:2"), s.inspect(a.id()).tags());
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> s.remove(a.id(), false));
        assertTrue(e.getMessage().contains("is tagged"), e.getMessage());
        assertEquals(List.of("Untagged: ctui-it/a:2"), s.remove("ctui-it/a:2", false));
        List<String> out = s.remove("ctui-it/a:1", false);
        assertEquals("Untagged: ctui-it/a:1", out.get(0));
        assertEquals("Deleted: " + a.id(), out.get(1));
        assertEquals(List.of("Deleted layer: " + Fs.digest(L2)), out.subList(2, out.size()));
        assertTrue(Files.isDirectory(tmp.resolve("store/layers").resolve(Tars.hex(L1))), "shared layer stays");
        assertThrows(CloudtuiException.class, () -> s.inspect("ctui-it/a:1"));

        // retagging b's name onto a new image leaves b dangling: prune removes it and its own layer
        String b = s.inspect("ctui-it/b:1").id();
        s.importImage(Tars.write(tmp, "c.tar", Tars.dockerSave(List.of(L1), "ctui-it/b:1")), null, null);
        assertTrue(s.inspect(b).tags().isEmpty());
        List<String> pruned = s.prune();
        assertTrue(pruned.contains("Deleted: " + b), pruned.toString());
        assertTrue(pruned.contains("Deleted layer: " + Fs.digest(L3)), pruned.toString());
        assertEquals(1, s.list().size());
        try (Stream<Path> t = Files.list(tmp.resolve("store/tmp"))) {
            assertEquals(0, t.count(), "work areas are gone");
        }
        assertThrows(CloudtuiException.class, () -> s.tag("nope:1", "x:1"));
    }

    @Test
    void flattenReplacesALowerSymlinkInsteadOfWritingThroughIt() throws IOException {
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        byte[] lower = new Tars().symlink("esc", victim.toString()).bytes();
        byte[] upper = new Tars().file("esc/pwned", "x").bytes();
        ImageStore s = new ImageStore(tmp.resolve("store"));
        s.importImage(Tars.write(tmp, "s.tar", Tars.dockerSave(List.of(lower, upper), "ctui-it/esc:1")), null, null);
        Path rootfs = tmp.resolve("rootfs");
        s.flatten("ctui-it/esc:1", rootfs);
        assertTrue(Fs.isEmptyDir(victim));
        assertEquals(Map.of("esc", "/", "esc/pwned", "x"), tree(rootfs));
    }

    @Test
    void hostileLayerInsideADockerSaveIsRefusedAndLeavesNothing() throws IOException {
        ImageStore s = new ImageStore(tmp.resolve("store"));
        byte[] good = new Tars().file("ok", "1").bytes();
        byte[] evil = new Tars().symlink("a", "/etc").file("a/ctui-it-evil", "x").bytes();
        Path in = Tars.write(tmp, "s.tar", Tars.dockerSave(List.of(good, evil), "ctui-it/evil:1"));
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> s.importImage(in, null, null));
        assertTrue(e.getMessage().startsWith("refusing layer: entry 'a/ctui-it-evil' goes through symlink 'a'"), e.getMessage());
        assertFalse(Files.exists(Path.of("/etc/ctui-it-evil")));
        try (Stream<Path> l = Files.list(tmp.resolve("store/layers")); Stream<Path> w = Files.list(tmp.resolve("store/tmp"))) {
            assertEquals(0, l.count());
            assertEquals(0, w.count());
        }
        assertTrue(s.list().isEmpty());
    }

    @Test
    void references() {
        assertEquals("busybox:latest", Reference.parse("busybox").tagKey());
        assertEquals("registry-1.docker.io", Reference.parse("busybox").registryHost());
        assertEquals("library/busybox", Reference.parse("docker.io/library/busybox").path());
        assertEquals("localhost:5000/busybox:latest", Reference.parse("localhost:5000/busybox:latest").tagKey());
        Reference d = Reference.parse("host.example/repo/x@sha256:" + "a".repeat(64));
        assertEquals("host.example", d.domain());
        assertEquals(null, d.tagKey());
        assertThrows(CloudtuiException.class, () -> Reference.parse("UPPER/case"));
        assertTrue(RegistryClient.plainHttp("localhost:5000", java.util.Set.of()));
        assertFalse(RegistryClient.plainHttp("example.com:5000", java.util.Set.of()));
        assertTrue(RegistryClient.plainHttp("example.com:5000", java.util.Set.of("example.com:5000")));
    }
}
