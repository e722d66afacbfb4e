package io.cloudtui.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.State;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.core.WorkloadKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The backend against libvirt's in-process test driver (test:///default): no daemon, no QEMU. */
class LibvirtBackendTest {
    private LibvirtBackend b;

    @BeforeEach
    void open() {
        b = (LibvirtBackend) new LibvirtProvider().create(new BackendConfig("tst", "libvirt", true, null, null, null,
                "test:///default", null, null, null, null));
        // test:///default is one shared instance per process: put the domain back as the driver starts it.
        for (VmSupport.Snapshot s : b.snapshots("test")) b.snapshotDelete("test", s.name());
        if (b.get("test").state() == State.PAUSED) b.unpause("test");
        if (b.get("test").state() != State.RUNNING) b.start("test");
    }

    @AfterEach
    void close() {
        b.close();
    }

    @Test
    void listsTheTestDomainAsARunningVm() {
        List<Workload> all = b.list(true);
        Workload w = all.stream().filter(x -> x.name().equals("test")).findFirst().orElseThrow();
        assertEquals(WorkloadKind.VM, w.kind());
        assertEquals("tst", w.backend());
        assertTrue(w.nativeId().matches("[0-9a-f-]{36}"), w.nativeId());
        assertEquals(State.RUNNING, w.state());
        assertEquals("running", w.status());
        assertEquals(w.id(), b.get("test").id());
        assertEquals(w.id(), b.get(w.nativeId()).id());
        assertEquals(w.id(), b.get(w.nativeId().substring(0, 8)).id());
    }

    @Test
    void verbsChangeStateAndEventsReportThem() throws Exception {
        LinkedBlockingQueue<WorkloadEvent> events = new LinkedBlockingQueue<>();
        try (AutoCloseable h = b.events(events::add)) {
            String id = b.get("test").nativeId();
            b.pause("test");
            assertEquals(State.PAUSED, b.get("test").state());
            assertEquals("pause", next(events, id).action());
            b.unpause("test");
            assertEquals(State.RUNNING, b.get("test").state());
            assertEquals("unpause", next(events, id).action());
            b.kill("test", "KILL");
            assertEquals(State.STOPPED, b.get("test").state());
            assertEquals("destroy", next(events, id).action());
            assertFalse(b.list(false).stream().anyMatch(w -> w.name().equals("test")));
            b.start("test");
            assertEquals(State.RUNNING, b.get("test").state());
            assertEquals("start", next(events, id).action());
        }
    }

    private static WorkloadEvent next(LinkedBlockingQueue<WorkloadEvent> q, String id) throws InterruptedException {
        while (true) {
            WorkloadEvent e = q.poll(20, TimeUnit.SECONDS);
            if (e == null) throw new AssertionError("no event for " + id);
            if (e.id() != null && e.id().ref().equals(id)) return e;
        }
    }

    @Test
    void inspectGivesSummaryAndXml() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(b.inspect("test"));
        assertEquals("test", doc.path("summary").path("name").asText());
        assertEquals("running", doc.path("summary").path("state").asText());
        assertTrue(doc.path("xml").asText().contains("<domain"));
    }

    @Test
    void statsUseAllCpusScale() {
        Stats s = b.stats("test");
        assertEquals(Stats.CpuScale.ALL_CPUS, s.cpuScale());
        assertTrue(s.cpuPercent() >= 0 && s.cpuPercent() <= 100, "cpu% " + s.cpuPercent());
        assertTrue(s.memoryLimit() > 0, "memory limit " + s.memoryLimit());
    }

    @Test
    void snapshotsFormATreeWithTheCurrentMarked() {
        b.kill("test", "KILL");
        b.snapshotCreate("test", "base", "first", null);
        b.snapshotCreate("test", "next", null, null);
        CloudtuiException dup = assertThrows(CloudtuiException.class, () -> b.snapshotCreate("test", "base", null, null));
        assertEquals("snapshot 'base' already exists on VM 'test'", dup.getMessage());
        List<VmSupport.Snapshot> list = b.snapshots("test");
        assertEquals(List.of("base", "next"), list.stream().map(VmSupport.Snapshot::name).toList());
        assertEquals("base", list.get(1).parent());
        assertTrue(list.get(1).current());
        assertEquals("first", list.get(0).description());
        b.snapshotRevert("test", "base");
        assertTrue(b.snapshots("test").get(0).current());
        b.snapshotDelete("test", "base");
        List<VmSupport.Snapshot> after = b.snapshots("test");
        assertEquals(1, after.size());
        assertEquals(null, after.get(0).parent());
        assertThrows(CloudtuiException.class, () -> b.snapshotRevert("test", "base"));
    }

    @Test
    void unknownWorkloadAndBadSignalAreOneLineErrors() {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> b.start("no-such-vm"));
        assertEquals("no such workload 'tst:no-such-vm'", e.getMessage());
        CloudtuiException sig = assertThrows(CloudtuiException.class, () -> b.kill("test", "HUP"));
        assertFalse(sig.getMessage().contains("\n"));
        assertThrows(CloudtuiException.class, () -> b.logs("test", null, l -> {}, new Backend.Cancel()));
    }

    @Test
    void libvirtErrorsNameTheVmWhenGivenItsUuid() {
        // the CLI and the UI pass a VM's UUID: the message must still say which VM
        String uuid = b.get("test").nativeId();
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> b.unpause(uuid));
        assertTrue(e.getMessage().startsWith("resume VM 'test': "), e.getMessage());
        assertFalse(e.getMessage().contains(uuid), e.getMessage());
        CloudtuiException logs = assertThrows(CloudtuiException.class, () -> b.logs(uuid, null, l -> {}, new Backend.Cancel()));
        assertEquals("VM 'test' has no log stream in libvirt; open its serial console instead: cloudtui console test", logs.getMessage());
        CloudtuiException exec = assertThrows(CloudtuiException.class, () -> b.exec(uuid, List.of("true"), null));
        assertFalse(exec.getMessage().contains(uuid), exec.getMessage());
    }

    @Test
    void aVmWithoutADiskIsRefusedASnapshotInOneLineNamingIt() {
        String xml = "<domain type='test'><name>nodisk</name><memory>65536</memory><os><type>hvm</type></os></domain>";
        String uuid = b.call("define", c -> c.domainDefineXML(xml).getUUIDString());
        try {
            CloudtuiException e = assertThrows(CloudtuiException.class, () -> b.snapshotCreate(uuid, "s1", null, null));
            assertTrue(e.getMessage().startsWith("VM 'nodisk' has no disk to keep snapshots in"), e.getMessage());
            assertFalse(e.getMessage().contains(uuid));
            assertTrue(b.whyNoSnapshots(uuid).startsWith("VM 'nodisk' has no disk"), b.whyNoSnapshots(uuid));
            assertEquals(null, b.whyNoSnapshots("test"), "the test domain has a disk");
        } finally {
            b.call("undefine", c -> {
                c.domainLookupByUUIDString(uuid).undefine();
                return null;
            });
        }
    }

    @Test
    void unknownUriIsAOneLineError() {
        LibvirtBackend bad = new LibvirtBackend("bad", "nosuchdriver:///system", Map.of());
        try {
            CloudtuiException e = assertThrows(CloudtuiException.class, bad::ping);
            assertTrue(e.getMessage().startsWith("cannot connect to libvirt at nosuchdriver:///system: "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        } finally {
            bad.close();
        }
    }

    @Test
    void providerRejectsSettingsOfOtherBackends() {
        assertThrows(CloudtuiException.class, () -> new LibvirtProvider().create(new BackendConfig("x", "libvirt", true,
                "unix:///var/run/docker.sock", null, null, null, null, null, null, null)));
        assertThrows(CloudtuiException.class, () -> new LibvirtProvider().create(new BackendConfig("x", "libvirt", true,
                null, null, null, "not a uri", null, null, null, null)));
        assertThrows(CloudtuiException.class, () -> new LibvirtProvider().create(new BackendConfig("x", "libvirt", true,
                null, null, null, null, null, null, null, Map.of("bogus", 1))));
        assertEquals("qemu:///system", new LibvirtProvider().create(BackendConfig.of("y", "libvirt")).endpoint());
    }

    @Test
    void cpuPercentFollowsVirtTop() {
        // 2 s of CPU time in 1 s of wall time on 4 host CPUs: half of the host.
        assertEquals(50.0, DomainStats.cpuPercent(0, 0, 2_000_000_000L, 1_000_000_000L, 4), 1e-9);
        assertEquals(0.0, DomainStats.cpuPercent(5, 10, 4, 20, 4), 1e-9);
        assertEquals(100.0, DomainStats.cpuPercent(0, 0, 9_000_000_000L, 1_000_000_000L, 4), 1e-9);
    }

    @Test
    void stopWaitsThenReportsAGuestThatIgnoresAcpi() {
        // The test driver shuts down at once, so the wait ends early and nothing is thrown.
        b.stop("test", Duration.ofSeconds(5));
        assertEquals(State.STOPPED, b.get("test").state());
        b.start("test");
    }

    @Test
    void sshUrisAreOpenedWithNoTty() {
        assertEquals("qemu+ssh://root@h/system?no_tty=1", LibvirtBackend.connectUri("qemu+ssh://root@h/system"));
        assertEquals("qemu+ssh://h/system?keyfile=/k&no_tty=1", LibvirtBackend.connectUri("qemu+ssh://h/system?keyfile=/k"));
        assertEquals("qemu+ssh://h/system?no_tty=0", LibvirtBackend.connectUri("qemu+ssh://h/system?no_tty=0"), "the config's own choice");
        assertEquals("qemu+ssh://h/system?keyfile=/k&no_tty=1&no_verify=1",
                LibvirtBackend.connectUri("qemu+ssh://h/system?keyfile=/k&no_tty=1&no_verify=1"));
        assertEquals("qemu:///system", LibvirtBackend.connectUri("qemu:///system"));
        assertEquals("qemu+tcp://h/system", LibvirtBackend.connectUri("qemu+tcp://h/system"));
        assertEquals("qemu+unix:///system?socket=/s", LibvirtBackend.connectUri("qemu+unix:///system?socket=/s"));
    }
}
