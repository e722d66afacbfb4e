package io.cloudtui.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.State;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.testing.Engines;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The libvirt backend against the real libvirtd and QEMU, with the tiny guest that
 * scripts/provision/30-libvirt.sh builds (Debian kernel, busybox shell on ttyS0). One guest is
 * booted once and taken through its whole life in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibvirtIT {
    static final Path GUEST = Path.of("/var/cache/cloudtui-test/guest");
    static final Path IMAGES = Path.of("/var/lib/libvirt/images");

    private final String vm = "ctui-it-" + UUID.randomUUID().toString().substring(0, 8);
    private final Path disk = IMAGES.resolve(vm + ".qcow2");
    private LibvirtBackend b;
    private final LinkedBlockingQueue<WorkloadEvent> events = new LinkedBlockingQueue<>();
    private AutoCloseable eventHandle;
    private String uuid;

    @BeforeAll
    void setUp() throws Exception {
        Engines.requireLibvirt();
        Engines.require(Files.isReadable(GUEST.resolve("vmlinuz")) && Files.isReadable(GUEST.resolve("initrd.img"))
                && Files.isReadable(GUEST.resolve("base.qcow2")), "test guest in " + GUEST + " (scripts/provision/30-libvirt.sh)");
        b = new LibvirtBackend("kvm", "qemu:///system", Map.of());
        eventHandle = b.events(events::add);
        Files.createDirectories(IMAGES);
        Images.overlay(GUEST.resolve("base.qcow2"), disk, 0);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (eventHandle != null) eventHandle.close();
        for (String name : List.of(vm, vm + "-gone", vm + "-new")) {
            Engines.run("virsh", "-c", "qemu:///system", "destroy", name);
            if (Engines.run("virsh", "-c", "qemu:///system", "undefine", name, "--snapshots-metadata", "--nvram") != 0) {
                Engines.run("virsh", "-c", "qemu:///system", "undefine", name, "--snapshots-metadata");
            }
        }
        for (Path p : List.of(disk, IMAGES.resolve(vm + "-new.qcow2"), IMAGES.resolve(vm + "-new-seed.iso"))) Files.deleteIfExists(p);
        if (b != null) b.close();
    }

    /** The default NAT network (provisioning starts it) gives the guest a DHCP lease. */
    static boolean defaultNetworkActive() {
        try {
            Process p = new ProcessBuilder("virsh", "-c", "qemu:///system", "net-info", "default").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 && out.lines().anyMatch(l -> l.startsWith("Active:") && l.endsWith("yes"));
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String guestXml(String name, String type, Path disk) {
        return "<domain type='" + type + "'><name>" + name + "</name><memory unit='MiB'>160</memory><vcpu>1</vcpu>"
                + "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>" + GUEST.resolve("vmlinuz") + "</kernel>"
                + "<initrd>" + GUEST.resolve("initrd.img") + "</initrd><cmdline>console=ttyS0 quiet</cmdline></os>"
                + "<features><acpi/></features><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot>"
                + "<devices>" + (disk == null ? "" : "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" + disk
                + "'/><target dev='vda' bus='virtio'/></disk>")
                + (disk != null && defaultNetworkActive() ? "<interface type='network'><source network='default'/><model type='virtio'/></interface>" : "")
                + "<serial type='pty'/><console type='pty'/><memballoon model='virtio'><stats period='2'/></memballoon></devices></domain>";
    }

    @Test
    @Order(1)
    void probeChoosesADomainTypeAndTheGuestIsListedStopped() {
        String type = b.domainType();
        assertTrue(type.equals("kvm") || type.equals("qemu"), type);
        if (!Files.exists(Path.of("/dev/kvm"))) {
            assertEquals("qemu", type);
        } else {
            // The real boot probe (the answer above may come from the cache) must agree with it.
            boolean boots = new DomainTypeProbe(b).bootsUnderKvm(GUEST.resolve("vmlinuz"));
            assertEquals(boots ? "kvm" : "qemu", type);
        }
        uuid = b.call("define", c -> c.domainDefineXML(guestXml(vm, type, disk)).getUUIDString());
        Workload w = b.get(vm);
        assertEquals(uuid, w.nativeId());
        assertEquals(State.STOPPED, w.state());
        assertTrue(b.list(true).stream().anyMatch(x -> x.nativeId().equals(uuid)));
        assertFalse(b.list(false).stream().anyMatch(x -> x.nativeId().equals(uuid)));
        awaitEvent("define");
    }

    @Test
    @Order(2)
    void startsAndAnswersOnTheSerialConsole() throws Exception {
        b.start(vm);
        awaitEvent("start");
        assertEquals(State.RUNNING, b.get(vm).state());
        assertNotNull(b.get(vm).started());
        try (Console c = Console.open(b, vm, false)) {
            int n = ThreadLocalRandom.current().nextInt(1000, 30000);
            // The shell computes the number, so the echoed command line cannot satisfy the check.
            assertTrue(c.typeUntil("echo hello-$((" + n + "+1))\r", "hello-" + (n + 1), Duration.ofSeconds(90)),
                    "console output: " + c.output());
        }
    }

    @Test
    @Order(3)
    void guestAddressComesFromTheDhcpLease() {
        Engines.require(defaultNetworkActive(), "libvirt network 'default' active (scripts/provision/30-libvirt.sh)");
        assertTrue(Console.await(() -> !b.addresses(vm).isEmpty(), Duration.ofSeconds(90)), "no address for the guest");
        String addr = b.addresses(vm).get(0);
        assertTrue(addr.startsWith("192.168.122."), addr);
        assertTrue(b.get(vm).ports().contains(addr), b.get(vm).ports().toString());
    }

    @Test
    @Order(3)
    void statsShowCpuTimeGrowing() {
        DomainStats.Sample s1 = DomainStats.fetch(b.conn().raw(), DomainStats.ALL_GROUPS, DomainStats.ONLY_ACTIVE).get(uuid);
        LibvirtBackend.sleep(1500);
        DomainStats.Sample s2 = DomainStats.fetch(b.conn().raw(), DomainStats.ALL_GROUPS, DomainStats.ONLY_ACTIVE).get(uuid);
        assertTrue(s2.cpuTimeNs() > s1.cpuTimeNs(), s1.cpuTimeNs() + " -> " + s2.cpuTimeNs());
        Stats st = b.stats(vm);
        assertEquals(Stats.CpuScale.ALL_CPUS, st.cpuScale());
        assertTrue(st.cpuPercent() >= 0 && st.cpuPercent() <= 100);
        assertTrue(st.memoryLimit() >= 100L << 20, "limit " + st.memoryLimit());
        assertTrue(st.memoryUsage() > 0, "usage " + st.memoryUsage());
        assertTrue(st.blockRead() >= 0, "block counters from vda");
        assertTrue(b.statsAll().containsKey(uuid));
    }

    @Test
    @Order(4)
    void consoleHeldByAnotherClientIsReportedAndCanBeForced() throws Exception {
        try (Console first = Console.open(b, vm, false)) {
            first.awaitAttached();
            CloudtuiException e = assertThrows(CloudtuiException.class, () -> {
                try (Console second = Console.open(b, vm, false)) {
                    second.join();
                }
            });
            assertTrue(e.getMessage().contains("in use by another client"), e.getMessage());
            assertTrue(e.getMessage().contains("--force"), e.getMessage());
            try (Console forced = Console.open(b, vm, true)) {
                int n = ThreadLocalRandom.current().nextInt(1000, 30000);
                assertTrue(forced.typeUntil("echo forced-$((" + n + "*2))\r", "forced-" + (n * 2), Duration.ofSeconds(60)));
                assertTrue(first.awaitEnd(Duration.ofSeconds(20)), "the first console was taken over");
            }
        }
    }

    @Test
    @Order(5)
    void suspendAndResume() {
        b.pause(vm);
        assertEquals(State.PAUSED, b.get(vm).state());
        awaitEvent("pause");
        b.unpause(vm);
        assertEquals(State.RUNNING, b.get(vm).state());
        awaitEvent("unpause");
    }

    @Test
    @Order(5)
    void rebootRunsTheGuestInitAgain() throws Exception {
        try (Console c = Console.open(b, vm, false)) {
            c.awaitAttached();
            b.restart(vm, Duration.ofSeconds(30));
            // The guest's init prints this once per boot, on the serial console.
            assertTrue(Console.await(() -> c.output().contains("ctui-guest ready"), Duration.ofSeconds(120)), c.output());
        }
        assertEquals(State.RUNNING, b.get(vm).state());
    }

    @Test
    @Order(6)
    void snapshotCreateListRevertDelete() throws Exception {
        try (Console c = Console.open(b, vm, false)) {
            assertTrue(c.typeUntil("echo before > /root/mark; cat /root/mark | tr a-z A-Z\r", "BEFORE", Duration.ofSeconds(60)));
        }
        b.snapshotCreate(vm, "s1", "with memory", null);
        CloudtuiException dup = assertThrows(CloudtuiException.class, () -> b.snapshotCreate(vm, "s1", null, null));
        assertEquals("snapshot 's1' already exists on VM '" + vm + "'", dup.getMessage());
        List<VmSupport.Snapshot> list = b.snapshots(vm);
        assertEquals(1, list.size());
        assertTrue(list.get(0).current());
        assertTrue(list.get(0).memory());
        assertEquals("with memory", list.get(0).description());
        try (Console c = Console.open(b, vm, false)) {
            assertTrue(c.typeUntil("echo after > /root/mark; cat /root/mark | tr a-z A-Z\r", "AFTER", Duration.ofSeconds(60)));
        }
        b.snapshotRevert(vm, "s1");
        assertEquals(State.RUNNING, b.get(vm).state());
        try (Console c = Console.open(b, vm, false)) {
            assertTrue(c.typeUntil("\rcat /root/mark | tr a-z A-Z\r", "BEFORE", Duration.ofSeconds(60)), c.output());
        }
        b.snapshotDelete(vm, "s1");
        assertTrue(b.snapshots(vm).isEmpty());
        assertTrue(Files.exists(disk), "deleting a snapshot keeps the disk");
    }

    @Test
    @Order(7)
    void shutdownByAcpiThenDestroy() {
        b.stop(vm, Duration.ofSeconds(120));
        assertEquals(State.STOPPED, b.get(vm).state());
        awaitEvent("shutdown");
        b.start(vm);
        awaitEvent("start");
        b.kill(vm, "KILL");
        assertEquals(State.STOPPED, b.get(vm).state());
        awaitEvent("destroy");
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> b.console(vm, new Stdio(null, OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream(), true, null, null), false));
        assertTrue(e.getMessage().contains("not running"), e.getMessage());
    }

    @Test
    @Order(8)
    void vmDeletedByAnotherClientIsGone() {
        String other = vm + "-gone";
        String id = b.call("define", c -> c.domainDefineXML(guestXml(other, "qemu", null)).getUUIDString());
        assertEquals(id, b.get(id).nativeId());
        assertEquals(0, Engines.run("virsh", "-c", "qemu:///system", "undefine", other));
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> b.start(id));
        assertEquals("no such workload 'kvm:" + id + "'", e.getMessage());
        assertFalse(b.list(true).stream().anyMatch(w -> w.nativeId().equals(id)));
        awaitEvent(id, "undefine");
    }

    @Test
    @Order(9)
    void undefineWithStorageDeletesOnlyItsOwnDisk() {
        assertTrue(Files.exists(disk));
        List<String> deleted = b.undefine(vm, false, true);
        assertEquals(List.of(disk.toString()), deleted);
        assertFalse(Files.exists(disk));
        assertTrue(Files.exists(GUEST.resolve("base.qcow2")), "the backing file stays");
        awaitEvent("undefine");
        assertThrows(CloudtuiException.class, () -> b.get(vm));
    }

    @Test
    @Order(10)
    void storageAnotherVmStandsOnIsKept() throws Exception {
        String a = vm + "-a";
        String c = vm + "-c";
        Path diskA = IMAGES.resolve(a + ".qcow2");
        Path diskC = IMAGES.resolve(c + ".qcow2");
        try {
            Images.overlay(GUEST.resolve("base.qcow2"), diskA, 0);
            Images.overlay(diskA, diskC, 0); // c's disk is layered on a's
            b.call("define", cc -> cc.domainDefineXML(guestXml(a, "qemu", diskA)));
            b.call("define", cc -> cc.domainDefineXML(guestXml(c, "qemu", diskC)));
            assertEquals(List.of(), b.undefine(a, false, true));
            assertTrue(Files.exists(diskA), "a disk another VM's image stands on is not deleted");
            assertEquals(List.of(diskC.toString()), b.undefine(c, false, true));
        } finally {
            for (String n : List.of(a, c)) Engines.run("virsh", "-c", "qemu:///system", "undefine", n);
            Files.deleteIfExists(diskA);
            Files.deleteIfExists(diskC);
        }
    }

    @Test
    @Order(11)
    void createDefinesAVmWithOverlayAndSeed() throws Exception {
        Path key = Files.createTempFile("ctui-it-key", ".pub");
        try {
            Files.writeString(key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGN0dWktaXQta2V5LW5vdC1yZWFs ctui-it\n");
            String id = b.create(new VmSupport.CreateSpec(vm + "-new", 1, 128L << 20, 256L << 20, GUEST.resolve("base.qcow2"), null, null,
                    null, key, "tester", null, false));
            Workload w = b.get(id);
            assertEquals(vm + "-new", w.name());
            assertEquals(State.STOPPED, w.state());
            assertEquals("1", w.labels().get("vcpus"));
            assertEquals(b.domainType(), w.labels().get("domainType"));
            Path overlay = IMAGES.resolve(vm + "-new.qcow2");
            assertTrue(Images.backingChain(overlay).contains(GUEST.resolve("base.qcow2").toString()));
            assertTrue(Files.size(IMAGES.resolve(vm + "-new-seed.iso")) > 0);
            String xml = b.inspect(id);
            assertTrue(xml.contains("tester"), "user kept in metadata");
            CloudtuiException dup = assertThrows(CloudtuiException.class, () -> b.create(new VmSupport.CreateSpec(vm + "-new", 1, 128L << 20,
                    0, GUEST.resolve("base.qcow2"), null, null, null, null, null, null, false)));
            assertTrue(dup.getMessage().contains("already exists"));
            List<String> deleted = b.undefine(id, true, true);
            assertEquals(2, deleted.size(), deleted.toString());
        } finally {
            Files.deleteIfExists(key);
        }
    }

    private void awaitEvent(String action) {
        awaitEvent(uuid, action);
    }

    private void awaitEvent(String id, String action) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                WorkloadEvent e = events.poll(1, TimeUnit.SECONDS);
                if (e != null && e.id() != null && e.id().ref().equals(id) && e.action().equals(action)) return;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("no '" + action + "' event for " + id);
    }

    /** A console session driven through pipes, as a script or test would. */
    static final class Console implements AutoCloseable {
        final PipedOutputStream keys = new PipedOutputStream();
        final StringBuffer out = new StringBuffer();
        final CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread thread;

        static Console open(LibvirtBackend b, String vm, boolean force) throws IOException {
            Console c = new Console();
            PipedInputStream in = new PipedInputStream(c.keys, 4096);
            OutputStream sink = new OutputStream() {
                @Override
                public void write(int x) {
                    c.out.append((char) x);
                }

                @Override
                public void write(byte[] buf, int off, int len) {
                    c.out.append(new String(buf, off, len, StandardCharsets.ISO_8859_1));
                }
            };
            c.thread = Thread.ofPlatform().daemon().start(() -> {
                try {
                    c.result.complete(b.console(vm, new Stdio(in, sink, sink, true, null, null), force));
                } catch (Throwable t) {
                    c.result.completeExceptionally(t);
                }
            });
            // Surface an immediate failure (console taken, VM not running) to the caller.
            try {
                c.result.get(1500, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new IllegalStateException(e.getCause());
            } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
                // still attached: the normal case
            }
            return c;
        }

        String output() {
            return out.toString();
        }

        void awaitAttached() {
            assertFalse(result.isDone(), "console ended early: " + output());
        }

        boolean typeUntil(String line, String expected, Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                keys.write(line.getBytes(StandardCharsets.US_ASCII));
                keys.flush();
                if (await(() -> output().contains(expected), Duration.ofSeconds(4))) return true;
                if (result.isDone()) return false;
            }
            return false;
        }

        boolean awaitEnd(Duration d) {
            return await(result::isDone, d);
        }

        void join() throws Exception {
            try {
                result.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw e;
            }
        }

        static boolean await(BooleanSupplier cond, Duration d) {
            long deadline = System.nanoTime() + d.toNanos();
            while (System.nanoTime() < deadline) {
                if (cond.getAsBoolean()) return true;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return cond.getAsBoolean();
        }

        @Override
        public void close() throws IOException {
            if (!result.isDone()) {
                keys.write(ConsoleSession.ESCAPE);
                keys.flush();
                if (!awaitEnd(Duration.ofSeconds(10))) thread.interrupt();
            }
            keys.close();
        }
    }
}
