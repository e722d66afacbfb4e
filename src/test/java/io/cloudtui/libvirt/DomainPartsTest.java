package io.cloudtui.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import io.cloudtui.core.CloudtuiException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing and generation that needs no libvirt: domain XML, typed parameters, snapshot trees, VM XML. */
class DomainPartsTest {
    static final String XML = """
            <domain type='qemu' id='3'>
              <name>web</name><uuid>0b6f1c3e-9a71-4c55-9d43-2f0e3c1b7a10</uuid>
              <metadata>
                <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
                  <libosinfo:os id="http://debian.org/debian/12"/>
                </libosinfo:libosinfo>
                <cloudtui:vm xmlns:cloudtui="https://cloudtui.io/xmlns/libvirt/1">
                  <cloudtui:user>me</cloudtui:user><cloudtui:sshKey>/home/me/.ssh/id.pub</cloudtui:sshKey>
                </cloudtui:vm>
              </metadata>
              <os><type arch='x86_64' machine='pc'>hvm</type></os>
              <devices>
                <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/img/web.qcow2'/><target dev='vda' bus='virtio'/></disk>
                <disk type='file' device='cdrom'><source file='/img/web-seed.iso'/><target dev='hdc' bus='ide'/></disk>
                <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/><target dev='vnet3'/></interface>
              </devices>
            </domain>""";

    @Test
    void domainXmlGivesDevicesOsAndCloudtuiMetadata() {
        DomainXml x = DomainXml.parse(XML);
        assertEquals("web", x.name());
        assertEquals(-1, x.vcpus());
        assertEquals(-1, x.memoryBytes());
        assertEquals("qemu", x.type());
        assertEquals("debian.org/debian/12", x.imageLabel());
        assertEquals("me", x.sshUser());
        assertEquals("/home/me/.ssh/id.pub", x.sshKey());
        assertEquals(List.of(new DomainXml.Disk("vda", "disk", "/img/web.qcow2", "qcow2"), new DomainXml.Disk("hdc", "cdrom", "/img/web-seed.iso", null)),
                x.disks());
        assertEquals(List.of(new DomainXml.Nic("vnet3", "52:54:00:aa:bb:cc", "default")), x.nics());
    }

    @Test
    void typedParametersAreReadWithLibvirtsLayout() {
        Memory m = new Memory(96 * 4);
        m.clear();
        put(m, 0, "cpu.time", 4, 123_456_789_000L);
        put(m, 1, "net.count", 2, 1);
        put(m, 2, "net.0.rx.bytes", 4, 5000);
        put(m, 3, "balloon.current", 4, 131072);
        Map<String, Object> params = DomainStats.read(m, 4);
        assertEquals(123_456_789_000L, params.get("cpu.time"));
        DomainStats.Sample s = DomainStats.toSample("u", 0, params);
        assertEquals(123_456_789_000L, s.cpuTimeNs());
        assertEquals(5000, s.netRx());
        assertEquals(0, s.netTx());
        assertEquals(-1, s.blockRead());
        assertEquals(128L << 20, s.memoryLimitBytes());
    }

    private static void put(Memory m, int i, String field, int type, long value) {
        byte[] name = field.getBytes(StandardCharsets.US_ASCII);
        m.write(i * 96L, name, 0, name.length);
        m.setInt(i * 96L + 80, type);
        if (type == 2) m.setInt(i * 96L + 88, (int) value);
        else m.setLong(i * 96L + 88, value);
    }

    @Test
    void snapshotsAreOrderedAsATree() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        List<VmSupport.Snapshot> in = List.of(
                new VmSupport.Snapshot("c", "a", null, t.plusSeconds(3), "running", true, true),
                new VmSupport.Snapshot("b", "a", null, t.plusSeconds(2), "running", true, false),
                new VmSupport.Snapshot("a", null, null, t, "shutoff", false, false),
                new VmSupport.Snapshot("d", "b", null, t.plusSeconds(4), "running", true, false));
        assertEquals(List.of("a", "b", "d", "c"), Snapshots.treeOrder(in).stream().map(VmSupport.Snapshot::name).toList());
        VmSupport.Snapshot parsed = Snapshots.parse("<domainsnapshot><name>s</name><state>running</state><parent><name>p</name></parent>"
                + "<creationTime>1700000000</creationTime><memory snapshot='internal'/></domainsnapshot>", "s");
        assertEquals("p", parsed.parent());
        assertTrue(parsed.current());
        assertTrue(parsed.memory());
        assertNull(Snapshots.parse("<domainsnapshot><name>r</name><state>shutoff</state></domainsnapshot>", "s").parent());
    }

    @Test
    void newVmXmlHasOverlaySeedConsoleAndMetadata() {
        VmSupport.CreateSpec spec = new VmSupport.CreateSpec("web", 2, 1L << 30, 10L << 30, Path.of("/img/debian.qcow2"), null, null, null,
                Path.of("/home/me/.ssh/id.pub"), "me", null, true);
        String xml = VmCreator.xml(spec, "qemu", Path.of("/var/lib/libvirt/images/web.qcow2"), Path.of("/var/lib/libvirt/images/web-seed.iso"), "default");
        DomainXml x = DomainXml.parse(xml);
        assertEquals("qemu", x.type());
        assertEquals("me", x.sshUser());
        assertEquals("debian.qcow2", x.imageLabel());
        assertEquals("/var/lib/libvirt/images/web.qcow2", x.disks().get(0).source());
        assertEquals("cdrom", x.disks().get(1).device());
        assertEquals("default", x.nics().get(0).network());
        assertEquals(2, x.vcpus());
        assertEquals(1L << 30, x.memoryBytes());
        assertTrue(xml.contains("<serial type='pty'>"));
    }

    @Test
    void aKeyWithoutUserRecordsTheDefaultUserTheSeedCreates() {
        VmSupport.CreateSpec spec = new VmSupport.CreateSpec("nu", 1, 256L << 20, 0, null, Path.of("/g/vmlinuz"), Path.of("/g/initrd.img"), null,
                Path.of("/home/me/.ssh/id.pub"), null, null, true);
        DomainXml x = DomainXml.parse(VmCreator.xml(spec, "qemu", Path.of("/var/lib/libvirt/images/nu.qcow2"),
                Path.of("/var/lib/libvirt/images/nu-seed.iso"), "default"));
        assertEquals("cloud", x.sshUser(), "vm ssh logs in as the user the seed made");
        assertEquals("/home/me/.ssh/id.pub", x.sshKey());
        VmSupport.CreateSpec noKey = new VmSupport.CreateSpec("nu", 1, 256L << 20, 0, null, Path.of("/g/vmlinuz"), null, null, null, null,
                null, true);
        assertNull(DomainXml.parse(VmCreator.xml(noKey, "qemu", null, null, null)).sshUser(), "no seed, no user");
    }

    @Test
    void aSessionVmGetsAUserModeNicWithItsSshForwardedToALoopbackPortItRemembers() {
        VmSupport.CreateSpec spec = new VmSupport.CreateSpec("sv", 1, 160L << 20, 0, null, Path.of("/g/vmlinuz"), Path.of("/g/initrd.img"), null,
                Path.of("/home/u/k.pub"), null, null, true);
        String xml = VmCreator.xml(spec, "qemu", Path.of("/home/u/.local/share/libvirt/images/sv.qcow2"), null, null, 40022,
                Path.of("/run/user/1000/libvirt/qemu/run/ga-0123456789ab.sock"));
        assertTrue(xml.startsWith("<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"), xml);
        assertTrue(xml.contains("<qemu:arg value='user,id=ctuinet0,hostfwd=tcp:127.0.0.1:40022-:22'/>"), xml);
        assertTrue(xml.contains("<qemu:arg value='virtio-net-pci,netdev=ctuinet0,bus=pci.0,addr=0x1f'/>"), xml);
        DomainXml x = DomainXml.parse(xml);
        assertEquals(40022, x.sshPort());
        assertEquals("127.0.0.1:40022->22", x.forwardedSsh());
        assertEquals("cloud", x.sshUser());
        assertTrue(xml.contains("<channel type='unix'><source mode='bind' path='/run/user/1000/libvirt/qemu/run/ga-0123456789ab.sock'/>"
                + "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>"), "a short agent socket path:\n" + xml);
        // a VM with a libvirt network (or none at all) has no forwarded port and no QEMU arguments
        String plain = VmCreator.xml(spec, "qemu", null, null, "default");
        assertFalse(plain.contains("qemu:"), plain);
        assertEquals(0, DomainXml.parse(plain).sshPort());
        assertNull(DomainXml.parse(plain).forwardedSsh());
    }

    @Test
    void aFreeLoopbackPortIsOneNothingListensOn() throws Exception {
        int port = VmCreator.freeLoopbackPort();
        assertTrue(port > 0 && port < 65536, "port " + port);
        try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertEquals(port, s.getLocalPort());
        }
    }

    @Test
    void aVmWithoutADiskCannotHaveSnapshotsAndTheReasonNamesIt() {
        VmSupport.CreateSpec spec = new VmSupport.CreateSpec("nu", 1, 256L << 20, 0, null, Path.of("/g/vmlinuz"), null, null, null, null,
                null, true);
        String why = Snapshots.whyNot("nu", DomainXml.parse(VmCreator.xml(spec, "qemu", null, Path.of("/i/nu-seed.iso"), null)));
        assertTrue(why.startsWith("VM 'nu' has no disk to keep snapshots in"), why);
        assertFalse(why.contains("\n"));
        assertNull(Snapshots.whyNot("nu", DomainXml.parse(VmCreator.xml(spec, "qemu", Path.of("/i/nu.qcow2"), null, null))));
    }

    @Test
    void cloudInitUserDataCarriesUserAndKey() {
        String ud = Images.userData("me", "ssh-ed25519 AAAA me@host\n");
        assertTrue(ud.startsWith("#cloud-config\n"));
        assertTrue(ud.contains("- name: me\n"));
        assertTrue(ud.contains("      - ssh-ed25519 AAAA me@host\n"));
    }

    @Test
    void invalidSnapshotNamesAreUsageErrors() {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> Snapshots.create(null, "a/b", null, null));
        assertEquals(2, e.exitCode());
    }
}
