package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.ImageInfo;
import io.cloudtui.core.NetworkSupport;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.VolumeSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerImagesIT extends DockerItSupport {
    @TempDir
    Path ctx;

    private String imageName(String what) {
        String tag = "ctui-it-" + what + "-" + UUID.randomUUID().toString().substring(0, 8) + ":latest";
        images.add(tag);
        return tag;
    }

    @Test
    void buildListRunAndRemove() throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), "FROM local/busybox\nRUN echo hi > /hello\n");
        String tag = imageName("build");
        List<String> progress = new CopyOnWriteArrayList<>();
        String id = docker.build(ctx, "Dockerfile", List.of(tag), progress::add);
        assertTrue(id.startsWith("sha256:"), id);
        assertTrue(progress.stream().anyMatch(l -> l.contains("RUN echo hi > /hello")), progress.toString());
        assertTrue(progress.stream().noneMatch(l -> l.contains("\n")), "one line per progress call");

        ImageInfo info = docker.images(false).stream().filter(i -> i.tags().contains(tag)).findFirst().orElseThrow();
        assertEquals(id, info.id());
        assertTrue(info.size() > 0);
        assertTrue(info.created() != null);

        String n = name("built");
        RunSpec s = new RunSpec(tag, n, List.of("cat", "/hello"), null, Map.of(), List.of(), null, List.of(), false, false, false, true,
                null, null, null, null, null, false, null, Map.of());
        DockerExecIT.Sink out = new DockerExecIT.Sink();
        assertEquals(0, docker.run(s, new Stdio(null, out, out, false, null, null), x -> {}));
        assertEquals("hi\n", out.text());

        List<String> removed = docker.removeImage(tag, false);
        assertTrue(removed.contains("Untagged: " + tag), removed.toString());
        assertTrue(removed.contains("Deleted: " + id), removed.toString());
        assertTrue(docker.images(true).stream().noneMatch(i -> i.tags().contains(tag)));
    }

    @Test
    void buildErrorsCarryTheBuildsMessage() throws Exception {
        String marker = "failing-" + System.nanoTime();
        Files.writeString(ctx.resolve("Custom.dockerfile"), "FROM local/busybox\nRUN echo " + marker + "; exit 3\n");
        String tag = imageName("fail");
        List<String> progress = new CopyOnWriteArrayList<>();
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> docker.build(ctx, "Custom.dockerfile", List.of(tag), progress::add));
        assertTrue(e.getMessage().contains("returned a non-zero code: 3"), e.getMessage());
        assertTrue(progress.contains(marker), progress.toString());
        // the failed step's container is removed, as docker build does
        Result left = cli("ps", "-a", "--no-trunc", "--format", "{{.Command}}");
        assertTrue(!left.out().contains(marker), left.out());
        CloudtuiException missing = assertThrows(CloudtuiException.class, () -> docker.build(ctx, "Nope", List.of(tag), l -> {}));
        assertTrue(missing.getMessage().startsWith("no Dockerfile at"), missing.getMessage());
    }

    @Test
    void removeMissingImage() {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> docker.removeImage("ctui-it-no-such-image:v0", false));
        assertTrue(e.getMessage().startsWith("no such image"), e.getMessage());
    }

    @Test
    void importASavedTarAndTagIt() throws Exception {
        Path tar = ctx.resolve("busybox.tar");
        assertEquals(0, cli("save", "-o", tar.toString(), IMAGE).code());
        String tag = imageName("load");
        List<String> progress = new CopyOnWriteArrayList<>();
        String id = docker.importImage(tar, tag, progress::add);
        assertEquals(cli("image", "inspect", "-f", "{{.Id}}", IMAGE).out(), id);
        assertEquals(id, cli("image", "inspect", "-f", "{{.Id}}", tag).out());
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("Loaded image")), progress.toString());
    }

    @Test
    void pullFailsCleanlyWithoutARegistry() {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> docker.pull("127.0.0.1:1/ctui-it/nothing:latest", l -> {}));
        assertTrue(e.getMessage().startsWith("cannot pull 127.0.0.1:1/ctui-it/nothing:latest"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void volumesAndNetworks() {
        String vol = "ctui-it-vol-" + UUID.randomUUID().toString().substring(0, 8);
        assertEquals(0, cli("volume", "create", vol).code());
        try {
            VolumeSupport.Volume v = docker.volumes().stream().filter(x -> x.name().equals(vol)).findFirst().orElseThrow();
            assertEquals("local", v.driver());
            assertEquals("docker", v.backend());
            assertTrue(v.mountpoint().contains(vol), v.mountpoint());
        } finally {
            cli("volume", "rm", "-f", vol);
        }
        NetworkSupport.Network bridge = docker.networks().stream().filter(x -> x.name().equals("bridge")).findFirst().orElseThrow();
        assertEquals("bridge", bridge.driver());
        assertEquals("local", bridge.scope());
        assertEquals(cli("network", "inspect", "-f", "{{.Id}}", "bridge").out(), bridge.id());
    }
}
