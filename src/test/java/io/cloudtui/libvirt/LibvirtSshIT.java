package io.cloudtui.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.testing.Engines;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code vm create} + {@code vm ssh} end to end with the real CLI (the shipped jar) and the tiny test
 * guest: the guest's /init reads the cloud-init NoCloud seed cloudtui built (user and key from
 * user-data) and runs dropbear, so a login as that user with that key proves the seed was consumed.
 * No host state is touched: the key pair lives in a temp dir, host keys go to /dev/null.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibvirtSshIT {
    static final Path GUEST = LibvirtIT.GUEST;
    static final Path IMAGES = LibvirtIT.IMAGES;
    // Non-interactive ssh: the guest's host key is new on every boot and its address may be reused.
    static final List<String> SSH_OPTS = List.of("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o",
            "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR");
    static final ObjectMapper JSON = new ObjectMapper();

    private final String vm = "ctui-it-ssh-" + UUID.randomUUID().toString().substring(0, 6);
    private VmCli vmcli;
    private Path dir;
    private String address;

    record Result(int code, String out, String err) {
        String all() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    @BeforeAll
    void setUp() throws Exception {
        VmCli.requireGuestAndSsh();
        vmcli = new VmCli(); // domainType given: the boot probe has its own test (LibvirtIT); this one stays fast
        dir = vmcli.dir;
    }

    @AfterAll
    void tearDown() throws Exception {
        // normally vm rm (the last test) has removed everything already
        Engines.run("virsh", "-c", "qemu:///system", "destroy", vm);
        Engines.run("virsh", "-c", "qemu:///system", "undefine", vm, "--snapshots-metadata");
        Files.deleteIfExists(IMAGES.resolve(vm + ".qcow2"));
        Files.deleteIfExists(IMAGES.resolve(vm + "-seed.iso"));
        if (vmcli != null) vmcli.close();
    }

    /** The shipped jar as its own process, stdin from /dev/null. */
    Result cli(String... args) throws Exception {
        return vmcli.run(args);
    }

    static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Result ssh(String user, String... command) throws Exception {
        return vmcli.ssh(vm, user, command);
    }

    @Test
    @Order(1)
    void createWithKeyAndUserThenSshRunsACommandAsThatUser() throws Exception {
        Result created = cli("vm", "create", vm, "--vcpus", "1", "--memory", "256m", "--disk", "64m", "--kernel",
                GUEST.resolve("vmlinuz").toString(), "--initrd", GUEST.resolve("initrd.img").toString(), "--ssh-key",
                dir.resolve("id.pub").toString(), "--user", "tester");
        assertEquals(0, created.code(), created.all());
        assertTrue(Files.size(IMAGES.resolve(vm + "-seed.iso")) > 0, "seed written");
        // boot (~5 s under TCG), DHCP lease, dropbear: ask until the guest answers
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        Result r;
        do {
            r = ssh(null, "echo", "hello-from-guest");
            if (r.code() == 0) break;
            Thread.sleep(1000);
        } while (System.nanoTime() < deadline);
        assertEquals(0, r.code(), "vm ssh reached the guest:\n" + r.all());
        assertEquals("hello-from-guest", r.out().strip(), r.all());
        Result id = ssh(null, "id", "-un");
        assertEquals(0, id.code(), id.all());
        assertEquals("tester", id.out().strip(), "the seed's user (vm ssh's default user is the one from vm create)");
        // the key was installed for that user only: root has none, so batch-mode ssh is refused
        Result root = ssh("root", "true");
        assertNotEquals(0, root.code(), root.all());
        // the remote command's exit status comes back as vm ssh's
        assertEquals(7, ssh(null, "exit 7").code());
    }

    @Test
    @Order(2)
    void psShowsTheGuestAddress() throws Exception {
        Result addrs = cli("vm", "addresses", vm);
        assertEquals(0, addrs.code(), addrs.all());
        address = addrs.out().lines().findFirst().orElse("");
        assertTrue(address.startsWith("192.168.122."), addrs.all());
        Result json = cli("ps", "-a", "--format", "json");
        assertEquals(0, json.code(), json.all());
        JsonNode row = null;
        for (JsonNode n : JSON.readTree(json.out())) {
            if (vm.equals(n.path("name").asText())) row = n;
        }
        assertTrue(row != null, "VM listed:\n" + json.out());
        List<String> ports = new ArrayList<>();
        row.path("ports").forEach(p -> ports.add(p.asText()));
        assertTrue(ports.contains(address), row.toString());
        Result table = cli("ps");
        assertTrue(table.out().lines().anyMatch(l -> l.contains(vm) && l.contains(address)), table.all());
    }

    @Test
    @Order(3)
    void vmRmWithStorageLeavesNothingBehind() throws Exception {
        Result rm = cli("vm", "rm", "-f", "--storage", "-y", vm);
        assertEquals(0, rm.code(), rm.all());
        assertTrue(rm.out().contains("deleted " + IMAGES.resolve(vm + ".qcow2")), rm.all());
        assertTrue(rm.out().contains("deleted " + IMAGES.resolve(vm + "-seed.iso")), rm.all());
        assertNotEquals(0, Engines.run("virsh", "-c", "qemu:///system", "dominfo", vm), "domain gone");
        assertFalse(Files.exists(IMAGES.resolve(vm + ".qcow2")));
        assertFalse(Files.exists(IMAGES.resolve(vm + "-seed.iso")));
        assertTrue(Files.exists(GUEST.resolve("initrd.img")), "the kernel and initrd it booted stay");
    }
}
