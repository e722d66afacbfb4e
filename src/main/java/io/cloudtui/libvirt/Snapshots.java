package io.cloudtui.libvirt;

import io.cloudtui.core.CloudtuiException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.libvirt.Domain;
import org.libvirt.DomainSnapshot;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.w3c.dom.Element;

/**
 * Snapshot verbs on one domain. Deleting only ever asks libvirt to drop one snapshot (children are
 * re-parented); cloudtui never deletes a disk file here, and libvirt refuses to delete external
 * snapshots whose overlay files other snapshots or the VM still need.
 */
final class Snapshots {
    private Snapshots() {}

    static Void create(Domain d, String name, String description, Boolean memory) throws LibvirtException {
        if (name == null || name.isBlank() || !name.matches("[^/\\s][^/]*")) {
            throw CloudtuiException.usage("invalid snapshot name '" + name + "'");
        }
        String why = whyNot(d.getName(), DomainXml.parse(d.getXMLDesc(0)));
        if (why != null) throw new CloudtuiException(why);
        if (lookup(d, name) != null) {
            throw new CloudtuiException("snapshot '" + name + "' already exists on VM '" + d.getName() + "'");
        }
        boolean running = d.isActive() == 1;
        if (Boolean.TRUE.equals(memory) && !running) {
            throw new CloudtuiException("VM '" + d.getName() + "' is not running: there is no memory to save (omit --memory)");
        }
        if (Boolean.FALSE.equals(memory) && running) {
            throw new CloudtuiException("VM '" + d.getName() + "' is running: an internal snapshot of a running VM includes its memory;"
                    + " shut it down for a disk-only snapshot");
        }
        StringBuilder xml = new StringBuilder("<domainsnapshot><name>").append(escape(name)).append("</name>");
        if (description != null && !description.isBlank()) {
            xml.append("<description>").append(escape(description)).append("</description>");
        }
        xml.append("</domainsnapshot>");
        d.snapshotCreateXML(xml.toString(), 0);
        return null;
    }

    /**
     * Why libvirt cannot snapshot this VM, in one line naming it, or null when it can. QEMU keeps
     * internal snapshots (disk and memory) inside a qcow2 disk: a VM without any disk (a kernel
     * booted directly, made before {@code vm create} gave such VMs a scratch disk, or by hand) has
     * nowhere to put one, and libvirt's own refusal ("nothing selected for snapshot", "internal and
     * full system snapshots require all disks to be selected") does not say so.
     */
    static String whyNot(String vm, DomainXml x) {
        for (DomainXml.Disk disk : x.disks()) {
            if ("disk".equals(disk.device())) return null;
        }
        return "VM '" + vm + "' has no disk to keep snapshots in (QEMU keeps them in a qcow2 disk): attach a qcow2 disk to it,"
                + " or create it again with cloudtui vm create, which gives a kernel-booted VM one";
    }

    static List<VmSupport.Snapshot> list(Domain d) throws LibvirtException {
        String current = null;
        if (d.hasCurrentSnapshot() == 1) {
            current = DomainXml.text(DomainXml.parseDocument(d.snapshotCurrent().getXMLDesc()).getDocumentElement(), "name");
        }
        List<VmSupport.Snapshot> all = new ArrayList<>();
        for (String n : d.snapshotListNames(0)) {
            DomainSnapshot s = lookup(d, n);
            if (s == null) continue; // deleted meanwhile
            all.add(parse(s.getXMLDesc(), current));
        }
        return treeOrder(all);
    }

    static VmSupport.Snapshot parse(String xml, String current) {
        Element root = DomainXml.parseDocument(xml).getDocumentElement();
        Element parent = DomainXml.child(root, "parent");
        Element mem = DomainXml.child(root, "memory");
        String created = DomainXml.text(root, "creationTime");
        String name = DomainXml.text(root, "name");
        String state = DomainXml.text(root, "state");
        boolean memory = mem != null ? !"no".equals(mem.getAttribute("snapshot"))
                : "running".equals(state) || "paused".equals(state);
        return new VmSupport.Snapshot(name, parent != null ? DomainXml.text(parent, "name") : null, DomainXml.text(root, "description"),
                created != null ? Instant.ofEpochSecond(Long.parseLong(created)) : null, state, memory, name.equals(current));
    }

    /** Parents before children, siblings by creation time: the order a tree is drawn in. */
    static List<VmSupport.Snapshot> treeOrder(List<VmSupport.Snapshot> all) {
        Map<String, List<VmSupport.Snapshot>> children = new HashMap<>();
        Map<String, VmSupport.Snapshot> byName = new HashMap<>();
        for (VmSupport.Snapshot s : all) byName.put(s.name(), s);
        List<VmSupport.Snapshot> roots = new ArrayList<>();
        for (VmSupport.Snapshot s : all) {
            if (s.parent() == null || !byName.containsKey(s.parent())) roots.add(s);
            else children.computeIfAbsent(s.parent(), k -> new ArrayList<>()).add(s);
        }
        Comparator<VmSupport.Snapshot> byTime = Comparator.comparing((VmSupport.Snapshot s) -> s.created() == null ? Instant.EPOCH : s.created())
                .thenComparing(VmSupport.Snapshot::name);
        List<VmSupport.Snapshot> out = new ArrayList<>();
        roots.sort(byTime);
        for (VmSupport.Snapshot r : roots) walk(r, children, byTime, out);
        return out;
    }

    private static void walk(VmSupport.Snapshot s, Map<String, List<VmSupport.Snapshot>> children, Comparator<VmSupport.Snapshot> order,
            List<VmSupport.Snapshot> out) {
        out.add(s);
        List<VmSupport.Snapshot> kids = children.getOrDefault(s.name(), new ArrayList<>());
        kids.sort(order);
        for (VmSupport.Snapshot k : kids) walk(k, children, order, out);
    }

    static Void revert(Domain d, String name) throws LibvirtException {
        d.revertToSnapshot(require(d, name));
        return null;
    }

    static Void delete(Domain d, String name) throws LibvirtException {
        require(d, name).delete(0);
        return null;
    }

    private static DomainSnapshot require(Domain d, String name) throws LibvirtException {
        DomainSnapshot s = lookup(d, name);
        if (s == null) throw new CloudtuiException("VM '" + d.getName() + "' has no snapshot '" + name + "'");
        return s;
    }

    private static DomainSnapshot lookup(Domain d, String name) throws LibvirtException {
        try {
            return d.snapshotLookupByName(name);
        } catch (LibvirtException e) {
            if (e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_NO_DOMAIN_SNAPSHOT) return null;
            throw e;
        }
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&apos;");
    }
}
