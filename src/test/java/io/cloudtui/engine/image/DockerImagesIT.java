package io.cloudtui.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images made by the real dockerd: local/busybox (busybox-static) and a multi-layer image with
 * whiteouts and an opaque directory from a real docker build, both exported with docker save
 * (docker 20.10 writes the legacy layout; the OCI-layout form is covered by StoreTest with archives
 * built in the test). Also: a kill -9 mid-import, two processes importing at once, and an
 * unprivileged process refusing a device node.
 */
class DockerImagesIT {
    static final String TAG = "ctui-it-images-wh:" + ProcessHandle.current().pid();
    static final String DOCKERFILE = """
            FROM local/busybox
            RUN mkdir -p /data/keep /data/opq /data/gone && echo base > /data/keep/a && echo old > /data/opq/old \
             && echo bye > /data/gone/x && echo f > /data/file
            RUN rm /data/file && rm -r /data/gone /data/opq && mkdir /data/opq && echo new > /data/opq/new && echo b > /data/keep/b
            CMD ["/bin/sh", "-c", "ls /data"]
            """;
    static Path work;
    static Path busyboxTar;
    static Path multiTar;

    @BeforeAll
    static void build() throws Exception {
        Engines.requireDocker();
        Engines.requireRoot();
        work = Files.createTempDirectory("ctui-it-images-");
        Procs.Out b = Procs.run(List.of("docker", "build", "-q", "-t", TAG, "-"), DOCKERFILE.getBytes());
        assertEquals(0, b.code(), b.stderr());
        busyboxTar = work.resolve("busybox.tar");
        multiTar = work.resolve("multi.tar");
        Procs.ok("docker", "save", "-o", busyboxTar.toString(), "local/busybox:latest");
        Procs.ok("docker", "save", "-o", multiTar.toString(), TAG);
    }

    @AfterAll
    static void clean() throws Exception {
        Procs.run("docker", "rmi", "-f", TAG);
        if (work != null) {
            Fs.deleteTree(work);
        }
    }

    static Map<String, String> tree(Path root) throws IOException {
        return StoreTest.tree(root);
    }

    @Test
    void busyboxFromDockerSaveIsARunnableRootfs(@TempDir Path tmp) throws Exception {
        ImageStore s = new ImageStore(tmp.resolve("store"));
        String id = s.importImage(busyboxTar, null, null).get(0);
        String dockerId = Procs.ok("docker", "image", "inspect", "-f", "{{.Id}}", "local/busybox:latest").trim();
        assertEquals(dockerId, id, "image id is the config digest, as docker's");
        Image img = s.inspect("local/busybox");
        assertEquals(List.of("/bin/sh"), img.config().cmd());
        assertTrue(img.config().env().contains("PATH=/bin"));
        String dockerLayers = Procs.ok("docker", "image", "inspect", "-f", "{{json .RootFS.Layers}}", "local/busybox:latest").trim();
        assertEquals(dockerLayers, Tars.JSON.writeValueAsString(img.layers()));
        Path rootfs = tmp.resolve("rootfs");
        s.flatten("local/busybox", rootfs);
        assertTrue(Arrays.equals(Files.readAllBytes(Path.of("/bin/busybox")), Files.readAllBytes(rootfs.resolve("bin/busybox"))));
        assertEquals("busybox", Files.readSymbolicLink(rootfs.resolve("bin/sh")).toString());
        assertEquals("hello from the flattened rootfs\n",
                Procs.ok("chroot", rootfs.toString(), "/bin/sh", "-c", "echo hello from the flattened rootfs"));
    }

    @Test
    void dockerBuiltWhiteoutsAndOpaqueDirsFlattenLikeDockerSeesThem(@TempDir Path tmp) throws Exception {
        String fromDocker = Procs.ok("docker", "run", "--rm", TAG, "sh", "-c", "cd / && find data | sort && cat data/keep/a data/keep/b data/opq/new");
        for (boolean overlay : new boolean[] {true, false}) {
            Path root = tmp.resolve("store-" + overlay);
            ImageStore s = new ImageStore(root, ImageStore.Options.defaults().withOverlayWhiteouts(overlay));
            s.importImage(multiTar, null, null);
            Image img = s.inspect(TAG);
            assertEquals(3, img.layers().size());
            assertEquals(List.of("/bin/sh", "-c", "ls /data"), img.config().cmd());
            Path top = s.layerDirs(TAG).get(2);
            if (overlay) {
                assertTrue(Flattener.isOverlayWhiteout(top.resolve("data/file")), "whiteout of a file from a lower layer");
                assertTrue(Flattener.isOverlayWhiteout(top.resolve("data/gone")), "whiteout of a directory");
                assertTrue(Flattener.isOverlayOpaque(top.resolve("data/opq")), "opaque directory");
            } else {
                assertTrue(Files.isRegularFile(top.resolve("data/.wh.file")));
                assertTrue(Files.isRegularFile(top.resolve("data/.wh.gone")));
                assertTrue(Files.isRegularFile(top.resolve("data/opq/.wh..wh..opq")));
            }
            Path rootfs = tmp.resolve("rootfs-" + overlay);
            s.flatten(TAG, rootfs);
            Map<String, String> data = new TreeMap<>();
            tree(rootfs).forEach((k, v) -> {
                if (k.equals("data") || k.startsWith("data/")) {
                    data.put(k, v);
                }
            });
            assertEquals(new TreeMap<>(Map.of("data", "/", "data/keep", "/", "data/keep/a", "base\n", "data/keep/b", "b\n", "data/opq", "/",
                    "data/opq/new", "new\n")), data);
            StringBuilder mine = new StringBuilder();
            data.keySet().forEach(k -> mine.append(k).append('\n'));
            mine.append("base\nb\nnew\n");
            assertEquals(fromDocker, mine.toString(), "same view as a docker container of the image");
        }
    }

    @Test
    void killDashNineMidImportLeavesNoHalfLayer(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("store");
        new ImageStore(root);
        Path fifo = tmp.resolve("feed");
        Procs.ok("mkfifo", fifo.toString());
        Process p = new ProcessBuilder(Procs.tool(List.of(), Procs.jar(), "--root", root.toString(), "import", fifo.toString(), "ctui-it/crash:1"))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("tool.log").toFile()).start();
        try (OutputStream o = Files.newOutputStream(fifo); TarArchiveOutputStream t = new TarArchiveOutputStream(o)) {
            t.putArchiveEntry(new TarArchiveEntry("bin/"));
            t.closeArchiveEntry();
            TarArchiveEntry big = new TarArchiveEntry("bin/big");
            big.setSize(64L << 20);
            t.putArchiveEntry(big);
            t.write(new byte[8 << 20]);
            t.flush();
            // wait until the importer has written part of the file, then kill it without warning
            Path partial = null;
            for (int i = 0; i < 600 && partial == null; i++) {
                try (Stream<Path> w = Files.walk(root.resolve("tmp"))) {
                    partial = w.filter(x -> x.endsWith("bin/big")).filter(x -> x.toFile().length() > 0).findFirst().orElse(null);
                }
                if (partial == null) {
                    Thread.sleep(100);
                }
            }
            assertTrue(partial != null, "importer never started writing: " + Files.readString(tmp.resolve("tool.log")));
            p.destroyForcibly();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue());
        } catch (IOException brokenPipe) {
            // the reader died: expected once it is killed
        }
        assertTrue(Files.exists(root.resolve("tmp")));
        try (Stream<Path> l = Files.list(root.resolve("layers")); Stream<Path> w = Files.list(root.resolve("tmp"))) {
            assertEquals(0, l.count(), "no layer is listed while the import was cut off");
            assertTrue(w.count() > 0, "the killed import left its work area");
        }
        ImageStore s = new ImageStore(root);
        try (Stream<Path> w = Files.list(root.resolve("tmp"))) {
            assertEquals(0, w.count(), "the next open removed the dead operation's work area");
        }
        assertTrue(s.list().isEmpty());
        s.importImage(busyboxTar, null, null);
        assertEquals(1, s.list().size());
    }

    @Test
    void twoProcessesImportingAtOnceBothSucceed(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("store");
        List<Process> ps = new ArrayList<>();
        for (Path tar : List.of(busyboxTar, multiTar)) {
            ps.add(new ProcessBuilder(Procs.tool(List.of(), Procs.jar(), "--root", root.toString(), "import", tar.toString()))
                    .redirectErrorStream(true).redirectOutput(tmp.resolve(tar.getFileName() + ".log").toFile()).start());
        }
        for (Process p : ps) {
            assertTrue(p.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), Files.readString(tmp.resolve((ps.indexOf(p) == 0 ? "busybox" : "multi") + ".tar.log")));
        }
        ImageStore s = new ImageStore(root);
        assertEquals(2, s.list().size());
        assertEquals(s.inspect("local/busybox").layers().get(0), s.inspect(TAG).layers().get(0));
        try (Stream<Path> l = Files.list(root.resolve("layers"))) {
            assertEquals(3, l.count(), "the shared busybox layer is stored once");
        }
        Path rootfs = tmp.resolve("rootfs");
        s.flatten(TAG, rootfs);
        assertEquals("new\n", Files.readString(rootfs.resolve("data/opq/new")));
    }

    @Test
    void unprivilegedProcessRefusesDeviceNodesAndImportsTheRest() throws Exception {
        Path dir = Files.createTempDirectory("ctui-it-nobody-");
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path jar = Files.copy(Procs.jar(), dir.resolve("cloudtui.jar"));
            Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
            Path root = Files.createDirectory(dir.resolve("store"));
            Procs.ok("chown", "65534:65534", root.toString());
            Path dev = Tars.write(dir, "dev.tar", new Tars().dir("dev").file("dev/ok", "1").charDevice("dev/mem", 1, 1).bytes());
            Path plain = Tars.write(dir, "plain.tar", new Tars().dir("bin").file("bin/su", "x".getBytes(), 0104755).bytes());
            List<String> nobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
            Procs.Out o = Procs.run(Procs.tool(nobody, jar, "--root", root.toString(), "import", dev.toString(), "ctui-it/dev:1"), null);
            assertEquals(1, o.code(), o.stdout() + o.stderr());
            assertEquals("cloudtui: refusing layer: device node 'dev/mem' can only be created when running as root\n", o.stderr());
            try (Stream<Path> w = Files.walk(root)) {
                assertEquals(List.of("", "blobs", "blobs/sha256", "images", "layers", "lock", "partial", "partial/sha256", "tmp"),
                        w.map(x -> root.relativize(x).toString()).sorted().toList(), "nothing left behind");
            }
            o = Procs.run(Procs.tool(nobody, jar, "--root", root.toString(), "import", plain.toString(), "ctui-it/plain:1"), null);
            assertEquals(0, o.code(), o.stderr());
            Path su;
            try (Stream<Path> w = Files.walk(root.resolve("layers"))) {
                su = w.filter(x -> x.endsWith("bin/su")).findFirst().orElseThrow();
            }
            assertEquals(0755, (Integer) Files.getAttribute(su, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777, "setuid dropped");
            assertEquals(65534, (Integer) Files.getAttribute(su, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertFalse(Files.exists(Path.of("/dev/ok")));

            // without --root, an unprivileged user's store lives under $XDG_DATA_HOME
            Path xdg = Files.createDirectory(dir.resolve("xdg"));
            Procs.ok("chown", "65534:65534", xdg.toString());
            List<String> cmd = new ArrayList<>(List.of("env", "XDG_DATA_HOME=" + xdg));
            cmd.addAll(Procs.tool(nobody, jar, "import", plain.toString(), "ctui-it/xdg:1"));
            o = Procs.run(cmd, null);
            assertEquals(0, o.code(), o.stderr());
            assertEquals(1, new ImageStore(xdg.resolve("cloudtui/images")).list().size());
        } finally {
            Fs.deleteTree(dir);
        }
    }
}
