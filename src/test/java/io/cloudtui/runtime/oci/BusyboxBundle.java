package io.cloudtui.runtime.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An OCI bundle made from Debian's busybox-static (/bin/busybox plus applet symlinks) and a
 * config.json with runc's defaults, built as a Jackson tree that tests can change before writing.
 */
final class BusyboxBundle {
    static final ObjectMapper M = new ObjectMapper();

    final Path dir;
    final ObjectNode config;

    private BusyboxBundle(Path dir, ObjectNode config) {
        this.dir = dir;
        this.config = config;
    }

    /** A bundle in a new temp directory whose container runs ARGS. */
    static BusyboxBundle create(String id, String... args) throws IOException {
        return createIn(Files.createTempDirectory("ctui-it-bundle-"), id, args);
    }

    /** A bundle in DIR (created if missing) whose container runs ARGS. */
    static BusyboxBundle createIn(Path dir, String id, String... args) throws IOException {
        Files.createDirectories(dir);
        // a user-namespaced root (an unprivileged host uid) must be able to reach its rootfs
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path rootfs = dir.resolve("rootfs");
        for (String d : List.of("bin", "proc", "sys", "dev", "tmp", "etc", "root")) Files.createDirectories(rootfs.resolve(d));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        for (String applet : applets()) {
            if (!applet.equals("busybox")) Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        return new BusyboxBundle(dir, defaultConfig(id, args));
    }

    private static List<String> applets() throws IOException {
        Process p = new ProcessBuilder("/bin/busybox", "--list").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.of(out.trim().split("\\s+"));
    }

    static ObjectNode defaultConfig(String id, String... args) {
        ObjectNode c = DefaultSpec.create(List.of(args), "rootfs", "/ctui-it/" + id);
        ObjectNode p = (ObjectNode) c.get("process");
        p.putArray("env").add("PATH=/bin").add("HOME=/root");
        p.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
        c.put("hostname", "ctui-box");
        return c;
    }

    static void mount(ArrayNode mounts, String dest, String type, String source, String... options) {
        DefaultSpec.mount(mounts, dest, type, source, options);
    }

    ObjectNode linux() {
        return (ObjectNode) config.get("linux");
    }

    ObjectNode process() {
        return (ObjectNode) config.get("process");
    }

    Path rootfs() {
        return dir.resolve("rootfs");
    }

    BusyboxBundle write() throws IOException {
        Files.writeString(dir.resolve("config.json"), M.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        return this;
    }

    void delete() throws IOException {
        if (!Files.exists(dir)) return;
        try (var s = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(s.toList());
            java.util.Collections.reverse(all);
            for (Path p : all) Files.deleteIfExists(p);
        }
    }
}
