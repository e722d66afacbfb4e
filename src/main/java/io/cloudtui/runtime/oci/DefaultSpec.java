package io.cloudtui.runtime.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * runc's default config.json ({@code runc spec}) without rlimits (the caller's are inherited): docker's default capabilities, the usual /proc,
 * /dev, /sys mounts, masked and read-only /proc paths, and new pid, network, ipc, uts and mount
 * namespaces. Callers change the tree before writing it.
 */
public final class DefaultSpec {
    public static final List<String> CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
            "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
            "CAP_KILL", "CAP_AUDIT_WRITE");
    public static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware");
    public static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /**
     * cloudtui's annotation for a container of root's that gets no cgroup at all, as a rootless one
     * (run --hpc: inside a batch job the job's cgroup is the one that counts, and none may be made).
     */
    public static final String NO_CGROUP = "io.cloudtui.cgroup.none";

    private DefaultSpec() {}

    /** The default tree running {@code args} as root in {@code rootfs}, in cgroup {@code cgroupsPath}. */
    public static ObjectNode create(List<String> args, String rootfs, String cgroupsPath) {
        ObjectNode c = io.cloudtui.core.JsonTrees.object();
        c.put("ociVersion", "1.0.2");
        ObjectNode p = c.putObject("process");
        p.put("terminal", false);
        p.putObject("user").put("uid", 0).put("gid", 0);
        ArrayNode a = p.putArray("args");
        args.forEach(a::add);
        p.putArray("env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").add("HOME=/root");
        p.put("cwd", "/");
        ObjectNode caps = p.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            ArrayNode l = caps.putArray(set);
            CAPABILITIES.forEach(l::add);
        }
        p.put("noNewPrivileges", true);
        c.putObject("root").put("path", rootfs).put("readonly", false);
        c.put("hostname", "container");
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
        if (cgroupsPath != null) linux.put("cgroupsPath", cgroupsPath);
        ArrayNode masked = linux.putArray("maskedPaths");
        MASKED.forEach(masked::add);
        ArrayNode ro = linux.putArray("readonlyPaths");
        READONLY.forEach(ro::add);
        return c;
    }

    /** Appends a mount {@code {destination, type, source, options}}. */
    public static ObjectNode mount(ArrayNode mounts, String dest, String type, String source, String... options) {
        ObjectNode m = mounts.addObject().put("destination", dest).put("type", type).put("source", source);
        ArrayNode o = m.putArray("options");
        for (String s : options) o.add(s);
        return m;
    }
}
