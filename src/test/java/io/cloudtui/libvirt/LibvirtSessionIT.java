package io.cloudtui.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The new user's VM walk as an ordinary user (no groups, so qemu:///system is out of reach): the
 * shipped jar with a qemu:///session backend, whose libvirtd the client spawns in the user's own
 * XDG_RUNTIME_DIR. The VM has no libvirt network to join; it gets QEMU's user-mode network, its
 * ssh forwarded to a loopback port that {@code vm ssh} uses: create with CPUs, RAM, kernel + initrd
 * and a key → ssh as the seed's user → snapshot, list, revert, delete → a taken port at start is one
 * line → {@code vm rm -f --storage} leaves nothing of the VM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LibvirtSessionIT {
    static final String USER = "cloudtui-vmuser";
    static final Path GUEST = LibvirtIT.GUEST;

    private final String vm = "ctui-it-ses-" + UUID.randomUUID().toString().substring(0, 6);
    private String uuid;
    private Path work;
    private Path home;
    private Path images;

    @BeforeAll
    void setUp() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.isExecutable(Path.of("/usr/sbin/useradd")) && Files.isExecutable(Path.of("/usr/bin/setpriv")), "useradd and setpriv");
        Engines.require(Files.isExecutable(Path.of("/usr/sbin/libvirtd")) && Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")),
                "libvirtd and QEMU (scripts/provision/30-libvirt.sh)");
        Engines.require(Files.isReadable(GUEST.resolve("vmlinuz")) && Files.isReadable(GUEST.resolve("initrd.img")),
                "test guest in " + GUEST + " (scripts/provision/30-libvirt.sh)");
        Engines.require(Engines.run("ssh", "-V") == 0, "ssh client");
        if (Engines.run("id", "-u", USER) != 0) {
            assertEquals(0, Engines.run("useradd", "--create-home", "--user-group", "--shell", "/bin/sh", "--comment", "cloudtui session VM IT", USER));
        }
        home = Path.of(host("getent", "passwd", USER).out().trim().split(":")[5]);
        images = home.resolve(".local/share/libvirt/images");
        // the jar (a checkout under /root is out of the user's reach), config, key and runtime dir, the user's own
        work = Files.createTempDirectory("ctui-it-session-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")), work.resolve("cloudtui.jar"));
        Files.writeString(work.resolve("config.yaml"), "backends:\n  - name: kvm\n    type: libvirt\n    uri: \"qemu:///session\"\n"
                + "    options: {domainType: qemu}\n");
        Files.createDirectories(work.resolve("run"));
        Files.setPosixFilePermissions(work.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        assertEquals(0, host("chown", "-R", USER + ":" + USER, work.toString()).code());
        LibvirtSshIT.Result keygen = asUser("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ctui-it", "-f", work.resolve("id").toString());
        assertEquals(0, keygen.code(), keygen.all());
        Engines.require(asUser("test", "-r", GUEST.resolve("initrd.img").toString()).code() == 0, "the test guest readable by " + USER);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (work == null) return;
        asUser("virsh", "-c", "qemu:///session", "destroy", vm);
        asUser("virsh", "-c", "qemu:///session", "undefine", vm, "--snapshots-metadata");
        Files.deleteIfExists(images.resolve(vm + ".qcow2"));
        Files.deleteIfExists(images.resolve(vm + "-seed.iso"));
        Files.deleteIfExists(home.resolve(".cache/libvirt/qemu/log/" + vm + ".log"));
        // the session libvirtd may stay: it ends by itself when idle (--timeout)
        if (uuid != null) asUser("ssh-keygen", "-R", "cloudtui-vm-" + uuid);
        host("rm", "-rf", work.toString());
    }

    static LibvirtSshIT.Result host(String... cmd) throws Exception {
        return run(new ProcessBuilder(cmd));
    }

    /** CMD as USER, with nothing of our environment but what a login sets, its runtime dir and the config. */
    LibvirtSshIT.Result asUser(String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups", "env", "-i",
                "HOME=" + home, "USER=" + USER, "LOGNAME=" + USER, "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8",
                "XDG_RUNTIME_DIR=" + work.resolve("run"), "CLOUDTUI_CONFIG=" + work.resolve("config.yaml")));
        c.addAll(List.of(cmd));
        return run(new ProcessBuilder(c).directory(home.toFile()));
    }

    LibvirtSshIT.Result cli(String... args) throws Exception {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xlog:disable", "-Xlog:all=off", "--enable-native-access=ALL-UNNAMED",
                "-jar", work.resolve("cloudtui.jar").toString()));
        c.addAll(List.of(args));
        return asUser(c.toArray(String[]::new));
    }

    LibvirtSshIT.Result ssh(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("vm", "ssh"));
        args.addAll(LibvirtSshIT.SSH_OPTS);
        args.add(vm);
        args.add("--");
        args.addAll(List.of(command));
        return cli(args.toArray(String[]::new));
    }

    static LibvirtSshIT.Result run(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> LibvirtSshIT.read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> LibvirtSshIT.read(p.getErrorStream()));
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish: " + pb.command());
        }
        return new LibvirtSshIT.Result(p.exitValue(), out.get(), err.get());
    }

    @Test
    void anOrdinaryUsersVmIsReachedBySshThroughAForwardedLoopbackPort() throws Exception {
        LibvirtSshIT.Result created = cli("vm", "create", vm, "--vcpus", "2", "--memory", "160m", "--kernel",
                GUEST.resolve("vmlinuz").toString(), "--initrd", GUEST.resolve("initrd.img").toString(), "--ssh-key",
                work.resolve("id.pub").toString());
        assertEquals(0, created.code(), created.all());
        assertTrue(created.out().strip().matches("[0-9a-f-]{36}"), created.all());
        uuid = created.out().strip();
        String xml = asUser("virsh", "-c", "qemu:///session", "dumpxml", vm).out();
        Matcher m = Pattern.compile("<cloudtui:sshPort>(\\d+)</cloudtui:sshPort>").matcher(xml);
        assertTrue(m.find(), "the forwarded port is remembered with the VM:\n" + xml);
        int port = Integer.parseInt(m.group(1));
        String forwarded = "127.0.0.1:" + port + "->22";
        assertTrue(xml.contains("hostfwd=tcp:127.0.0.1:" + port + "-:22"), xml);
        assertTrue(xml.contains(images.resolve(vm + ".qcow2").toString()), "the disk is in the user's own images:\n" + xml);

        LibvirtSshIT.Result ps = cli("ps", "-a");
        assertTrue(ps.out().lines().anyMatch(l -> l.contains(vm) && l.contains("running") && l.contains(forwarded)), ps.all());
        LibvirtSshIT.Result addresses = cli("vm", "addresses", vm);
        assertEquals(0, addresses.code(), addresses.all());
        assertEquals(forwarded, addresses.out().strip(), addresses.all());

        // boot (~5 s under TCG), slirp's DHCP, dropbear: ask until the guest answers
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        LibvirtSshIT.Result r;
        do {
            r = ssh("id", "-un");
            if (r.code() == 0) break;
            Thread.sleep(1000);
        } while (System.nanoTime() < deadline);
        assertEquals(0, r.code(), "vm ssh logged in without -l:\n" + r.all());
        assertEquals("cloud", r.out().strip(), r.all());
        // as a user runs it (no -o): the guest's host key goes to known_hosts under the VM's own name, not [127.0.0.1]:PORT
        LibvirtSshIT.Result plain = cli("vm", "ssh", vm, "--", "true");
        assertEquals(0, plain.code(), plain.all());
        assertEquals(0, asUser("ssh-keygen", "-F", "cloudtui-vm-" + uuid).code(), "known_hosts names the VM");
        assertNotEquals(0, asUser("ssh-keygen", "-F", "[127.0.0.1]:" + port).code(), "known_hosts does not name the port");
        LibvirtSshIT.Result ip = ssh("ip", "-4", "addr", "show", "eth0");
        assertTrue(ip.out().contains("inet 10.0.2.15/"), "the guest's DHCP client got slirp's address:\n" + ip.all());

        LibvirtSshIT.Result snap = cli("vm", "snapshot", "create", vm, "s1");
        assertEquals(0, snap.code(), snap.all());
        LibvirtSshIT.Result list = cli("vm", "snapshot", "list", vm);
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("s1 *") && l.contains("running") && l.contains("yes")), list.all());
        assertEquals(0, ssh("touch", "after-s1").code());
        LibvirtSshIT.Result revert = cli("vm", "snapshot", "revert", vm, "s1");
        assertEquals(0, revert.code(), revert.all());
        LibvirtSshIT.Result gone = ssh("test", "-e", "after-s1");
        for (int i = 0; i < 30 && gone.code() == 255; i++) {
            Thread.sleep(1000);
            gone = ssh("test", "-e", "after-s1");
        }
        assertEquals(1, gone.code(), "reverted to before the file was made:\n" + gone.all());
        LibvirtSshIT.Result delete = cli("vm", "snapshot", "delete", vm, "s1");
        assertEquals(0, delete.code(), delete.all());

        // another program on the VM's port: starting it again is one line naming the VM and the port
        assertEquals(0, cli("kill", vm).code());
        try (ServerSocket taken = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            LibvirtSshIT.Result start = cli("start", vm);
            assertNotEquals(0, start.code(), start.all());
            assertEquals("cloudtui: cannot start VM '" + vm + "': its ssh port 127.0.0.1:" + port
                    + " (forwarded to the guest's port 22) is in use by another program", start.err().strip(), start.all());
        }

        LibvirtSshIT.Result rm = cli("vm", "rm", "-f", "--storage", "-y", vm);
        assertEquals(0, rm.code(), rm.all());
        LibvirtSshIT.Result all = asUser("virsh", "-c", "qemu:///session", "list", "--all", "--name");
        assertEquals(0, all.code(), all.all());
        assertFalse(all.out().lines().anyMatch(l -> l.strip().equals(vm)), "no domain left:\n" + all.all());
        try (var files = Files.list(images)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith(vm)).toList(), "no files of the VM left");
        }
    }
}
