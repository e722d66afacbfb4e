package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.WorkloadKind;
import io.cloudtui.libvirt.VmSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VM parts of the UI: snapshots, the create-VM form, the ssh action, drill-in on a VM. */
class VmViewsTest {
    @TempDir
    Path tmp;
    FakeVms kvm;
    FakeBackend docker;
    Harness h;

    /** A fake libvirt backend: VMs with snapshots, creation and ssh targets, no logs. */
    static final class FakeVms extends FakeBackend implements VmSupport {
        final List<Snapshot> snaps = new CopyOnWriteArrayList<>();
        final List<CreateSpec> created = new CopyOnWriteArrayList<>();

        FakeVms() {
            super("kvm");
        }

        @Override
        public Set<Capability> capabilities() {
            Set<Capability> s = EnumSet.allOf(Capability.class);
            s.remove(Capability.LOGS);
            return s;
        }

        @Override
        public int console(String ref, Stdio stdio, boolean force) {
            calls.add("console " + ref + (force ? " --force" : ""));
            if (ref.equals("v2") && !force) throw new ConsoleBusyException("db");
            return 0;
        }

        @Override
        public void snapshotCreate(String ref, String name, String description, Boolean memory) {
            calls.add("snapshot-create " + ref + " " + name + " " + memory + " " + description);
            if (snaps.stream().anyMatch(s -> s.name().equals(name))) throw new CloudtuiException("snapshot " + name + " exists");
            List<Snapshot> next = new ArrayList<>();
            String parent = null;
            for (Snapshot s : snaps) {
                if (s.current()) parent = s.name();
                next.add(new Snapshot(s.name(), s.parent(), s.description(), s.created(), s.state(), s.memory(), false));
            }
            next.add(new Snapshot(name, parent, description, Instant.parse("2026-01-01T01:00:00Z"), "running", memory == null, true));
            snaps.clear();
            snaps.addAll(next);
        }

        @Override
        public List<Snapshot> snapshots(String ref) {
            return List.copyOf(snaps);
        }

        @Override
        public void snapshotRevert(String ref, String name) {
            calls.add("snapshot-revert " + ref + " " + name);
        }

        @Override
        public void snapshotDelete(String ref, String name) {
            calls.add("snapshot-delete " + ref + " " + name);
            snaps.removeIf(s -> s.name().equals(name));
        }

        // create holds at its "defining" step until released (null: does not hold)
        volatile java.util.concurrent.CountDownLatch holdCreate;
        volatile String whyNoSnapshots;

        @Override
        public String whyNoSnapshots(String ref) {
            return whyNoSnapshots;
        }

        @Override
        public String create(CreateSpec spec, java.util.function.Consumer<String> progress) {
            progress.accept("defining the VM (libvirtd)");
            java.util.concurrent.CountDownLatch l = holdCreate;
            if (l != null) {
                try {
                    l.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return create(spec);
        }

        @Override
        public String create(CreateSpec spec) {
            created.add(spec);
            add("uuid-" + spec.name(), spec.name(), WorkloadKind.VM, State.RUNNING);
            return "uuid-" + spec.name();
        }

        @Override
        public String domainType() {
            return "qemu";
        }

        @Override
        public void setAutostart(String ref, boolean on) {}

        @Override
        public List<String> addresses(String ref) {
            return List.of("192.168.122.7");
        }

        @Override
        public SshTarget sshTarget(String ref, String userOverride) {
            if (ref.equals("v2")) throw new CloudtuiException("no address known for db yet (no DHCP lease, agent or ARP entry)");
            return new SshTarget("tester", "192.168.122.7", Path.of("/keys/id_ed25519"));
        }

        @Override
        public List<String> undefine(String ref, boolean force, boolean storage) {
            return List.of();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        kvm = new FakeVms();
        kvm.add("v1", "web", WorkloadKind.VM, State.RUNNING).add("v2", "db", WorkloadKind.VM, State.RUNNING);
        kvm.snaps.add(new VmSupport.Snapshot("base", null, "fresh install", Instant.parse("2026-01-01T00:00:00Z"), "shutoff", false, false));
        kvm.snaps.add(new VmSupport.Snapshot("tuned", "base", "after tuning", Instant.parse("2026-01-01T00:30:00Z"), "running", true, true));
        docker = new FakeBackend("docker").add("c1", "alpha", WorkloadKind.CONTAINER, State.RUNNING);
        h = new Harness(List.of(docker, kvm), tmp);
        h.await("alpha", t -> t.contains(" alpha ") && t.contains(" web ") && t.contains(" db "));
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private void select(String name) {
        h.press('g');
        for (int i = 0; i < 5 && !h.app.table.selectedRow().w.name().equals(name); i++) h.press('j');
        assertEquals(name, h.app.table.selectedRow().w.name());
    }

    @Test
    void snapshotsShowAsATreeWithTheCurrentOneMarked() {
        select("web");
        h.press('z');
        String s = h.await("tuned");
        assertTrue(s.contains("snapshots of web"), s);
        String base = h.line(h.rowOf("base"));
        String tuned = h.line(h.rowOf("tuned"));
        assertTrue(tuned.indexOf("tuned") > base.indexOf("base"), "child indented under its parent:\n" + s);
        assertTrue(tuned.contains("●"), "current one marked: " + tuned);
        assertTrue(s.contains("after tuning"), s);
    }

    @Test
    void takeSnapshotAsksForANameAndRefreshes() {
        select("web");
        h.press('z');
        h.await("tuned");
        h.press('c');
        h.await(":snapshot create ");
        h.type("upgrade --no-memory before the upgrade");
        h.press(KeyType.Enter);
        h.await("took snapshot upgrade of web");
        assertTrue(kvm.calls.contains("snapshot-create v1 upgrade false before the upgrade"), kvm.calls.toString());
        h.await("upgrade", t -> h.rowOf("upgrade") > 2 && h.line(h.rowOf("upgrade")).contains("before the upgrade"));
        // a name that exists is a message, not a broken screen
        h.press('c');
        h.type("base");
        h.press(KeyType.Enter);
        h.await("snapshot base failed: snapshot base exists");
    }

    @Test
    void revertAndDeleteAskFirst() {
        select("web");
        h.press('z');
        h.await("tuned");
        h.press('r');
        h.await("Revert web to snapshot base?");
        h.press('n');
        h.awaitGone("Revert web");
        h.press('d');
        h.await("Delete snapshot base of web?");
        assertTrue(h.text().contains("disk files are never deleted"), h.text());
        h.press(KeyType.Escape);
        h.awaitGone("Delete snapshot");
        assertTrue(kvm.calls.stream().noneMatch(c -> c.startsWith("snapshot-")), kvm.calls.toString());
        h.press('j');
        h.press('r');
        h.await("Revert web to snapshot tuned?");
        h.press('y');
        h.await("reverted web to tuned");
        assertTrue(kvm.calls.contains("snapshot-revert v1 tuned"), kvm.calls.toString());
        h.press('d');
        h.press('y');
        h.await("deleted snapshot tuned");
        h.awaitGone("after tuning");
    }

    @Test
    void snapshotsOfAContainerSayWhyNot() {
        select("alpha");
        h.press('z');
        h.await("snapshots: alpha is not a VM");
        h.press('x');
        h.await("ssh: alpha is not a VM");
    }

    @Test
    void sshRunsSshWithTheKeyAndUserAndReportsItsStatus() {
        select("web");
        h.press('x');
        h.await("exited with status 0");
        assertEquals(List.of("ssh tester@192.168.122.7 [ssh, -i, /keys/id_ed25519, -o, BatchMode=yes, -o, StrictHostKeyChecking=accept-new,"
                + " tester@192.168.122.7]"), h.sessions);
        h.sessionExit = 255;
        h.press('x');
        h.await("ssh to VM 'web' (tester@192.168.122.7) failed (ssh could not connect or log in)");
        // ctrl-c (SIGINT: 128 + 2) stopped an ssh that was still connecting
        h.sessionExit = 130;
        h.press('x');
        h.await("ssh to VM 'web' (tester@192.168.122.7) interrupted (ctrl-c)");
        select("db");
        h.press('x');
        h.await("ssh db: no address known for db yet");
        assertEquals(3, h.sessions.size());
    }

    @Test
    void newVmFormValidatesThenCreates() throws Exception {
        Path kernel = Files.writeString(tmp.resolve("vmlinuz"), "k");
        Path initrd = Files.writeString(tmp.resolve("initrd.img"), "i");
        h.press('N');
        h.await("create a new VM");
        h.type("tiny");
        h.press(KeyType.ArrowDown);
        h.ctrl('u');
        h.type("two");
        h.press(KeyType.Enter);
        h.await("vCPUs: a number from 1 to 256");
        h.ctrl('u');
        h.type("2");
        h.press(KeyType.ArrowDown);
        h.ctrl('u');
        h.type("256m");
        h.press(KeyType.Enter);
        h.await("give a base image or a kernel");
        assertTrue(kvm.created.isEmpty());
        // the error put the cursor on the kernel field
        h.type(kernel.toString());
        h.press(KeyType.ArrowDown);
        h.type(initrd.toString());
        kvm.holdCreate = new java.util.concurrent.CountDownLatch(1);
        h.press(KeyType.Enter);
        // while libvirtd defines it, the message line says so
        h.await("creating VM tiny: defining the VM (libvirtd)");
        kvm.holdCreate.countDown();
        h.await("created VM tiny");
        VmSupport.CreateSpec spec = kvm.created.get(0);
        assertEquals("tiny", spec.name());
        assertEquals(2, spec.vcpus());
        assertEquals(256L << 20, spec.memoryBytes());
        assertEquals(10L << 30, spec.diskBytes());
        assertEquals(kernel, spec.kernel());
        assertEquals(initrd, spec.initrd());
        assertNull(spec.image());
        assertNull(spec.network());
        assertTrue(spec.start());
        h.await(" tiny ");
    }

    @Test
    void theNewVmFormTakesARemoteHostsPathsAsPathsOnThatHost() {
        VmForm f = new VmForm(n -> null, (b, vs, spec) -> {}, null, Map.of("HOME", tmp.toString()));
        f.set(VmForm.Field.NAME, "r1");
        f.set(VmForm.Field.SSH_KEY, "");
        f.set(VmForm.Field.KERNEL, "/not/on/this/machine/vmlinuz");
        // a local backend: the kernel must be readable here
        f.set(VmForm.Field.BACKEND, "kvm");
        IllegalArgumentException local = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, f::spec);
        assertEquals("or kernel: cannot read /not/on/this/machine/vmlinuz", local.getMessage());
        // a host's backend (HOST/TYPE): a path there, checked there when the VM is made
        f.set(VmForm.Field.BACKEND, "h3/libvirt-session");
        assertEquals(Path.of("/not/on/this/machine/vmlinuz"), f.spec().kernel());
        f.set(VmForm.Field.KERNEL, "vmlinuz");
        IllegalArgumentException relative = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, f::spec);
        assertEquals("or kernel: an absolute path on h3", relative.getMessage());
    }

    @Test
    void theSnapshotViewOfAVmWithoutADiskSaysWhyInsteadOfOfferingSnapshots() {
        kvm.whyNoSnapshots = "VM 'web' has no disk to keep snapshots in";
        select("web");
        h.press('z');
        h.await("snapshots of web");
        h.await("VM 'web' has no disk to keep snapshots in");
        h.press('c');
        h.awaitGone(":snapshot create");
        assertTrue(kvm.calls.stream().noneMatch(c -> c.startsWith("snapshot-create")), kvm.calls.toString());
    }

    @Test
    void enterOnAVmOpensItsStatsAndTheConsoleKeyOpensTheSerialConsole() {
        select("web");
        h.press(KeyType.Enter);
        h.await("CPU", t -> t.contains("Stats") && t.contains("CPU"));
        h.press(KeyType.Escape);
        h.press('a');
        h.await("exited with status 0");
        assertTrue(h.sessions.get(0).startsWith("console of web [ctrl-]]"), h.sessions.toString());
        assertTrue(kvm.calls.contains("console v1"), kvm.calls.toString());
    }

    @Test
    void aConsoleHeldByAnotherClientIsReportedWithAnOfferToTakeItOver() {
        select("db");
        h.press('e');
        h.await("The console of db is in use by another client. Take it over?");
        h.press('n');
        h.awaitGone("Take it over?");
        assertEquals(List.of("console v2"), kvm.calls.stream().filter(c -> c.startsWith("console")).toList());
        h.press('a');
        h.await("Take it over?");
        h.press('y');
        h.await("console of db: exited with status 0");
        assertTrue(kvm.calls.contains("console v2 --force"), kvm.calls.toString());
    }
}
