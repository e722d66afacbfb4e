package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.testing.Engines;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Configs of the shapes the OCI's runtime-tools validation suite generates, each one a behaviour
 * that suite found missing (issue #18); the suite itself is not in any registry, so CI runs these.
 */
class OciValidationIT {
    private Path root;
    private RuntimeCli cli;
    private final List<BusyboxBundle> bundles = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        Engines.requireRoot();
        root = Files.createTempDirectory("ctui-val-root-");
        cli = new RuntimeCli(root);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cli != null) cli.deleteAll();
        for (BusyboxBundle b : bundles) b.delete();
        if (root != null) {
            try (var s = Files.walk(root)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static String id(String what) {
        return "ctui-val-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private BusyboxBundle bundle(String id, String... args) throws IOException {
        BusyboxBundle b = BusyboxBundle.create(id, args);
        bundles.add(b);
        return b;
    }

    /** Every syscall this build knows, but NAMES left out. */
    private static List<String> syscallsBut(String... names) throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream in = OciValidationIT.class.getClassLoader().getResourceAsStream("native/syscalls.txt")) {
            if (in == null) throw new AssertionError("no native/syscalls.txt on the test class path");
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String name = line.trim().split(" ")[0];
                if (!name.isEmpty() && !List.of(names).contains(name)) out.add(name);
            }
        }
        return out;
    }

    private void allowListWithout(BusyboxBundle b, String... missing) throws IOException {
        ObjectNode sec = b.linux().putObject("seccomp");
        sec.put("defaultAction", "SCMP_ACT_ERRNO");
        sec.putArray("architectures").add("SCMP_ARCH_X86_64");
        ArrayNode names = sec.putArray("syscalls").addObject().put("action", "SCMP_ACT_ALLOW").putArray("names");
        for (String s : syscallsBut(missing)) names.add(s);
    }

    /** Docker's older profiles allow a list without close_range: the container must still start. */
    @Test
    void seccompAllowListWithoutCloseRange() throws Exception {
        for (boolean nnp : List.of(false, true)) {
            String id = id("seccomp");
            BusyboxBundle b = bundle(id, "sh", "-c", "echo started; ls /proc/self/fd | wc -l");
            allowListWithout(b, "close_range");
            b.process().put("noNewPrivileges", nnp);
            b.write();
            RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
            assertEquals(0, r.code(), "noNewPrivileges " + nnp + ": " + r.err());
            List<String> lines = r.out().trim().lines().toList();
            assertEquals("started", lines.get(0), r.out());
            // 0, 1, 2 and ls's own directory descriptor: nothing of the runtime's leaks in
            assertEquals("4", lines.get(1).trim(), "only stdio reaches the container: " + r.out());
        }
    }

    /** The root's propagation as the suite sets it (shared, slave, private): pivot_root must work. */
    @Test
    void rootfsPropagationShared() throws Exception {
        for (String prop : List.of("shared", "slave", "private", "unbindable")) {
            String id = id("prop");
            BusyboxBundle b = bundle(id, "sh", "-c", "awk '$5 == \"/\"' /proc/self/mountinfo");
            b.linux().put("rootfsPropagation", prop);
            b.write();
            RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
            assertEquals(0, r.code(), prop + ": " + r.err());
            String line = r.out().trim();
            if (prop.equals("shared")) assertTrue(line.contains(" shared:"), "/ is shared: " + line);
            if (prop.equals("private")) assertTrue(!line.contains(" shared:") && !line.contains(" master:"), "/ is private: " + line);
            if (prop.equals("unbindable")) assertTrue(line.contains(" unbindable"), "/ is unbindable: " + line);
        }
    }

    /** mode=, size= and the like on a bind mount are data for the kernel, as runc reads them. */
    @Test
    void tmpfsAndBindMountDataOptions() throws Exception {
        String id = id("mnt");
        Path src = Files.createTempDirectory("ctui-val-src-");
        try {
            BusyboxBundle b = bundle(id, "sh", "-c", "stat -c %a /t; stat -c %a /b; grep ' /b ' /proc/self/mountinfo");
            ArrayNode mounts = (ArrayNode) b.config.get("mounts");
            BusyboxBundle.mount(mounts, "/t", "tmpfs", "tmpfs", "nosuid", "mode=750", "size=1m");
            BusyboxBundle.mount(mounts, "/b", "bind", src.toString(), "rbind", "rprivate", "mode=755");
            b.write();
            RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
            assertEquals(0, r.code(), r.err());
            List<String> lines = r.out().trim().lines().toList();
            assertEquals("750", lines.get(0), r.out());
            assertEquals(3, lines.size(), r.out());
        } finally {
            Files.deleteIfExists(src);
        }
    }

    /** The suite's linux_ns_path: a uts namespace joined by path still takes the config's hostname (as runc). */
    @Test
    void hostnameAndMountsWithNamespacesJoinedByPath() throws Exception {
        String first = id("ns1");
        BusyboxBundle a = bundle(first, "sleep", "1000").write();
        cli.ok("create", "--bundle", a.dir.toString(), first);
        int pid = cli.ok("state", first).json().get("pid").asInt();
        String id = id("ns2");
        BusyboxBundle b = bundle(id, "sh", "-c", "hostname; readlink /proc/self/ns/uts");
        ArrayNode ns = b.linux().putArray("namespaces");
        for (String t : List.of("pid", "mount")) ns.addObject().put("type", t);
        for (String t : List.of("ipc", "uts", "network")) ns.addObject().put("type", t).put("path", "/proc/" + pid + "/ns/" + (t.equals("network") ? "net" : t));
        b.config.put("hostname", "joined-host");
        b.write();
        RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().trim().lines().toList();
        assertEquals("joined-host", lines.get(0), r.out());
        assertEquals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/uts")).toString(), lines.get(1));
        cli.ok("delete", "--force", first);
    }

    /** linux.resources.cpu.cpus and mems (cpuset: v1 on a hybrid host, v2 on a pure one). */
    @Test
    void cpusetLimits() throws Exception {
        String id = id("cpuset");
        BusyboxBundle b = bundle(id, "sh", "-c", "grep -E '^(Cpus|Mems)_allowed_list' /proc/self/status | tr -d ' \\t'");
        b.linux().putObject("resources").putObject("cpu").put("cpus", "0").put("mems", "0");
        b.write();
        RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("Cpus_allowed_list:0", "Mems_allowed_list:0"), r.out().trim().lines().toList(), r.out());
    }

    /** The suite's linux_ns_path for mnt: a mount namespace joined by path gets the rootfs and mounts (as runc). */
    @Test
    void rootfsAndMountsInAMountNamespaceJoinedByPath() throws Exception {
        Process holder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sleep", "1000").start();
        try {
            Path nsLink = Path.of("/proc/" + holder.pid() + "/ns/mnt");
            String ours = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
            for (int i = 0; i < 1000 && holder.isAlive() && Files.readSymbolicLink(nsLink).toString().equals(ours); i++) Thread.sleep(10);
            String theirs = Files.readSymbolicLink(nsLink).toString();
            assertTrue(!theirs.equals(ours), "unshare made a mount namespace");
            String id = id("mntns");
            BusyboxBundle b = bundle(id, "sh", "-c", "readlink /proc/self/ns/mnt; awk '$2 == \"/t\" {print $3}' /proc/mounts; ls /bin/busybox");
            ArrayNode ns = b.linux().putArray("namespaces");
            for (String t : List.of("pid", "ipc", "uts", "network")) ns.addObject().put("type", t);
            ns.addObject().put("type", "mount").put("path", nsLink.toString());
            BusyboxBundle.mount((ArrayNode) b.config.get("mounts"), "/t", "tmpfs", "tmpfs", "nosuid");
            b.write();
            RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
            assertEquals(0, r.code(), r.err());
            assertEquals(List.of(theirs, "tmpfs", "/bin/busybox"), r.out().trim().lines().toList(), r.out());
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    /** Mount points under DIR in our (the host's) mount namespace, from /proc/self/mountinfo. */
    private static List<String> mountsUnder(Path dir) throws IOException {
        String prefix = dir.toRealPath().toString() + "/";
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String point = line.split(" ")[4].replace("\\040", " ");
            if ((point + "/").startsWith(prefix)) out.add(point);
        }
        return out;
    }

    /** A config of the suite's linux_ns_itype: no namespace of its own (the runtime's mount namespace too), with mounts. */
    private BusyboxBundle inheritingEverything(String id, String... args) throws IOException {
        BusyboxBundle b = bundle(id, args);
        b.linux().putArray("namespaces");
        b.config.remove("hostname");
        return b;
    }

    /**
     * The suite's linux_ns_itype: without a mount namespace of its own the container's mounts are
     * made in the runtime's, under the rootfs, which becomes the root by chroot (as runc); unlike
     * runc, delete unmounts all of it, whichever path deletes (JVM or native fast path).
     */
    @Test
    void mountsWithoutAMountNamespaceAreUnmountedOnDelete() throws Exception {
        String ours = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
        // run: create, start, wait, delete in one call
        String id = id("itype");
        BusyboxBundle b = inheritingEverything(id, "sh", "-c",
                "readlink /proc/self/ns/mnt; awk '{print $2, $3}' /proc/mounts | grep -E '^/(proc|dev|dev/pts|dev/shm|dev/mqueue|sys) ' | sort; ls /bin/busybox");
        b.write();
        RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(ours, "/dev tmpfs", "/dev/mqueue mqueue", "/dev/pts devpts", "/dev/shm tmpfs", "/proc proc", "/sys sysfs", "/bin/busybox"),
                r.out().trim().lines().toList(), r.out());
        assertEquals(List.of(), mountsUnder(b.dir), "run left mounts under the bundle");

        // created, then deleted with --force (the JVM deletes)
        String id2 = id("itype2");
        BusyboxBundle b2 = inheritingEverything(id2, "sleep", "1000").write();
        cli.ok("create", "--bundle", b2.dir.toString(), id2);
        assertTrue(mountsUnder(b2.dir).contains(b2.dir.toRealPath().resolve("rootfs/proc").toString()),
                "the mounts are made in our mount namespace: " + mountsUnder(b2.dir));
        assertEquals(Files.readString(b2.dir.resolve("rootfs/etc/passwd")), cli.ok("exec", id2, "cat", "/etc/passwd").out(),
                "an exec'd process is in the container's root too, not ours");
        cli.ok("delete", "--force", id2);
        assertEquals(List.of(), mountsUnder(b2.dir), "delete --force left mounts under the bundle");

        // started and stopped, then deleted (the native fast path deletes)
        String id3 = id("itype3");
        BusyboxBundle b3 = inheritingEverything(id3, "true").write();
        cli.ok("create", "--bundle", b3.dir.toString(), id3);
        cli.ok("start", id3);
        cli.awaitStatus(id3, "stopped");
        assertTrue(!mountsUnder(b3.dir).isEmpty(), "mounted until delete");
        cli.ok("delete", id3);
        assertEquals(List.of(), mountsUnder(b3.dir), "delete left mounts under the bundle");

        // root.path through a symlink: the mount recorded is the rootfs's, not the link's
        String id4 = id("itype4");
        BusyboxBundle b4 = inheritingEverything(id4, "ls", "/bin/busybox");
        Files.createSymbolicLink(b4.dir.resolve("rootfs-link"), Path.of("rootfs"));
        ((ObjectNode) b4.config.get("root")).put("path", "rootfs-link");
        b4.write();
        RuntimeCli.Result r4 = cli.run("run", "--bundle", b4.dir.toString(), id4);
        assertEquals(0, r4.code(), r4.err());
        assertEquals("/bin/busybox", r4.out().trim());
        assertEquals(List.of(), mountsUnder(b4.dir), "run through a symlinked root left mounts under the bundle");
    }

    /** Without a mount namespace, a user namespace could not mount in the runtime's: refused in one line, before anything is made. */
    @Test
    void userNamespaceWithoutMountNamespaceIsRefused() throws Exception {
        String id = id("itypeuser");
        BusyboxBundle b = inheritingEverything(id, "true");
        b.linux().putArray("namespaces").addObject().put("type", "user");
        b.linux().putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
        b.linux().putArray("gidMappings").addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
        b.write();
        RuntimeCli.Result r = cli.run("create", "--bundle", b.dir.toString(), id);
        assertTrue(r.code() != 0, r.out());
        assertTrue(r.err().startsWith("cloudtui runtime: config.json: linux.namespaces: without a mount namespace") && r.err().contains("add a mount namespace")
                && r.err().trim().lines().count() == 1, r.err());
        assertEquals(List.of(), mountsUnder(b.dir));
    }

    /** A create that fails half-way through the mounts leaves none of them behind. */
    @Test
    void mountsWithoutAMountNamespaceUndoneWhenCreateFails() throws Exception {
        String id = id("itypefail");
        BusyboxBundle b = inheritingEverything(id, "true");
        BusyboxBundle.mount((ArrayNode) b.config.get("mounts"), "/late", "tmpfs", "tmpfs", "size=not-a-size");
        b.write();
        RuntimeCli.Result r = cli.run("create", "--bundle", b.dir.toString(), id);
        assertTrue(r.code() != 0, "a tmpfs with size=not-a-size cannot be mounted");
        assertTrue(r.err().startsWith("cloudtui runtime: ") && r.err().contains("/late") && r.err().trim().lines().count() == 1, r.err());
        assertEquals(List.of(), mountsUnder(b.dir), "the failed create left mounts under the bundle");
        assertEquals(1, cli.run("state", id).code(), "no container is left");
    }

    /** The suite's linux_seccomp: a filter that denies getcwd, loaded before the process's exec (no no_new_privs). */
    @Test
    void seccompDenyingGetcwd() throws Exception {
        String id = id("getcwd");
        BusyboxBundle b = bundle(id, "echo", "started");
        ObjectNode sec = b.linux().putObject("seccomp");
        sec.put("defaultAction", "SCMP_ACT_ALLOW");
        sec.putArray("syscalls").addObject().put("action", "SCMP_ACT_ERRNO").putArray("names").add("getcwd");
        b.process().put("noNewPrivileges", false);
        b.write();
        RuntimeCli.Result r = cli.run("run", "--bundle", b.dir.toString(), id);
        assertEquals(0, r.code(), r.err());
        assertEquals("started", r.out().trim());
    }
}
