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
    static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
            "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
            "CAP_KILL", "CAP_AUDIT_WRITE");
    static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware");
    static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    final Path dir;
    final ObjectNode config;

    private BusyboxBundle(Path dir, ObjectNode config) {
        this.dir = dir;
        this.config = config;
    }

    /** A bundle in a new temp directory whose container runs ARGS. */
    static BusyboxBundle create(String id, String... args) throws IOException {
        Path dir = Files.createTempDirectory("ctui-it-bundle-");
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
        ObjectNode c = M.createObjectNode();
        c.put("ociVersion", "1.0.2");
        ObjectNode p = c.putObject("process");
        p.put("terminal", false);
        p.putObject("user").put("uid", 0).put("gid", 0);
        ArrayNode a = p.putArray("args");
        for (String s : args) a.add(s);
        p.putArray("env").add("PATH=/bin").add("HOME=/root");
        p.put("cwd", "/");
        ObjectNode caps = p.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            ArrayNode l = caps.putArray(set);
            DEFAULT_CAPS.forEach(l::add);
        }
        p.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
        p.put("noNewPrivileges", true);
        c.putObject("root").put("path", "rootfs").put("readonly", false);
        c.put("hostname", "ctui-box");
        ArrayNode mounts = c.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        ObjectNode linux = c.putObject("linux");
        ArrayNode ns = linux.putArray("namespaces");
        for (String t : List.of("pid", "network", "ipc", "uts", "mount")) ns.addObject().put("type", t);
        linux.put("cgroupsPath", "/ctui-it/" + id);
        ArrayNode masked = linux.putArray("maskedPaths");
        MASKED.forEach(masked::add);
        ArrayNode ro = linux.putArray("readonlyPaths");
        READONLY.forEach(ro::add);
        return c;
    }

    static void mount(ArrayNode mounts, String dest, String type, String source, String... options) {
        ObjectNode m = mounts.addObject().put("destination", dest).put("type", type).put("source", source);
        ArrayNode o = m.putArray("options");
        for (String s : options) o.add(s);
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
