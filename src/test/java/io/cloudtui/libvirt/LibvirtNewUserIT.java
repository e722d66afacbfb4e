package io.cloudtui.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The walk a new user takes after README, with the real CLI (the shipped jar), real libvirtd and the
 * tiny test guest: {@code vm create} with CPUs, RAM, a kernel + initrd and an SSH key but neither
 * --user nor --disk; {@code vm ssh} logs in as the user the seed made (remembered with the VM) and
 * runs a command; a snapshot is taken of the running VM, listed, reverted to and deleted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LibvirtNewUserIT {
    static final Path GUEST = LibvirtIT.GUEST;
    static final Path IMAGES = LibvirtIT.IMAGES;

    private final String vm = "ctui-it-nu-" + UUID.randomUUID().toString().substring(0, 6);
    private VmCli cli;

    @BeforeAll
    void setUp() throws Exception {
        VmCli.requireGuestAndSsh();
        cli = new VmCli();
    }

    @AfterAll
    void tearDown() throws Exception {
        Engines.run("virsh", "-c", "qemu:///system", "destroy", vm);
        Engines.run("virsh", "-c", "qemu:///system", "undefine", vm, "--snapshots-metadata");
        Files.deleteIfExists(IMAGES.resolve(vm + ".qcow2"));
        Files.deleteIfExists(IMAGES.resolve(vm + "-seed.iso"));
        if (cli != null) cli.close();
    }

    LibvirtSshIT.Result run(String... args) throws Exception {
        return cli.run(args);
    }

    LibvirtSshIT.Result ssh(String user, String... command) throws Exception {
        return cli.ssh(vm, user, command);
    }

    @Test
    void createSshSnapshotListRevertDelete() throws Exception {
        LibvirtSshIT.Result created = run("vm", "create", vm, "--vcpus", "2", "--memory", "160m", "--kernel",
                GUEST.resolve("vmlinuz").toString(), "--initrd", GUEST.resolve("initrd.img").toString(), "--ssh-key",
                cli.publicKey().toString());
        assertEquals(0, created.code(), created.all());
        assertTrue(created.out().strip().matches("[0-9a-f-]{36}"), created.all());
        assertEquals("", created.err(), "no progress line when stderr is not a terminal");
        String xml = VmCli.virsh("dumpxml", vm);
        assertTrue(xml.contains("<vcpu placement='static'>2</vcpu>"), xml);
        assertTrue(xml.contains("<cloudtui:user>cloud</cloudtui:user>"), "the default user is remembered:\n" + xml);
        assertTrue(xml.contains(IMAGES.resolve(vm + ".qcow2").toString()), "a qcow2 disk for the snapshots:\n" + xml);

        // boot (~5 s under TCG), DHCP lease, dropbear: ask until the guest answers
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        LibvirtSshIT.Result r;
        do {
            r = ssh(null, "id", "-un");
            if (r.code() == 0) break;
            Thread.sleep(1000);
        } while (System.nanoTime() < deadline);
        assertEquals(0, r.code(), "vm ssh logged in without -l:\n" + r.all());
        assertEquals("cloud", r.out().strip(), r.all());

        // a user the VM does not know: ssh fails at once (BatchMode), one line names the VM and the remedy
        LibvirtSshIT.Result refused = ssh("nobody", "true");
        assertEquals(255, refused.code(), refused.all());
        String last = refused.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("cloudtui: ssh to VM '" + vm + "' as nobody@"), refused.all());
        assertTrue(last.contains("was refused") && last.contains("cloudtui vm ssh -l USER " + vm), refused.all());

        LibvirtSshIT.Result snap = run("vm", "snapshot", "create", vm, "s1", "-d", "first");
        assertEquals(0, snap.code(), snap.all());
        assertEquals("s1", snap.out().strip());
        LibvirtSshIT.Result list = run("vm", "snapshot", "list", vm);
        assertEquals(0, list.code(), list.all());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("s1 *") && l.contains("running") && l.contains("yes")), list.all());
        // the guest's files live in its memory (an initramfs): one made after the snapshot goes with the revert
        assertEquals(0, ssh(null, "touch", "after-s1").code());
        LibvirtSshIT.Result revert = run("vm", "snapshot", "revert", vm, "s1");
        assertEquals(0, revert.code(), revert.all());
        // the memory came back as it was: the file made after the snapshot is gone
        LibvirtSshIT.Result gone = ssh(null, "test", "-e", "after-s1");
        for (int i = 0; i < 30 && gone.code() == 255; i++) {
            Thread.sleep(1000);
            gone = ssh(null, "test", "-e", "after-s1");
        }
        assertEquals(1, gone.code(), "reverted to before the file was made:\n" + gone.all());
        LibvirtSshIT.Result delete = run("vm", "snapshot", "delete", vm, "s1");
        assertEquals(0, delete.code(), delete.all());
        assertEquals("no snapshots", run("vm", "snapshot", "list", vm).out().strip());
        LibvirtSshIT.Result missing = run("vm", "snapshot", "revert", vm, "s1");
        assertNotEquals(0, missing.code());
        assertEquals("cloudtui: VM '" + vm + "' has no snapshot 's1'", missing.err().strip(), missing.all());

        // shut off (as after vm create --no-start): a disk-only snapshot, in the same small disk
        LibvirtSshIT.Result off = run("kill", vm);
        assertEquals(0, off.code(), off.all());
        LibvirtSshIT.Result cold = run("vm", "snapshot", "create", vm, "cold");
        assertEquals(0, cold.code(), cold.all());
        LibvirtSshIT.Result coldList = run("vm", "snapshot", "list", vm);
        assertTrue(coldList.out().lines().anyMatch(l -> l.startsWith("cold *") && l.contains("shutoff") && l.contains("no")), coldList.all());

        LibvirtSshIT.Result rm = run("vm", "rm", "-f", "--storage", "-y", vm);
        assertEquals(0, rm.code(), rm.all());
        assertFalse(Files.exists(IMAGES.resolve(vm + ".qcow2")), "the snapshots' disk goes with --storage");
    }
}
