package io.cloudtui.libvirt;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** The parts of a domain's XML description that cloudtui shows or acts on. */
record DomainXml(
        String name,
        String uuid,
        String type,
        String title,
        String description,
        String osType,
        String arch,
        String kernel,
        String osId,
        String sshUser,
        String sshKey,
        int sshPort,
        int vcpus,
        long memoryBytes,
        List<Disk> disks,
        List<Nic> nics) {

    static final String NS = "https://cloudtui.io/xmlns/libvirt/1";

    /** A disk: target device (vda), device kind (disk, cdrom), file or volume path, format. */
    record Disk(String target, String device, String source, String format) {}

    /** A network interface: host-side device (vnet0, only while running), MAC, network or bridge. */
    record Nic(String target, String mac, String network) {}

    /**
     * The guest's ssh as forwarded to this host ({@code 127.0.0.1:PORT->22}) when the VM has a
     * user-mode NIC (a session VM without a libvirt network), else null.
     */
    String forwardedSsh() {
        return sshPort > 0 ? VmCreator.LOOPBACK + ":" + sshPort + "->22" : null;
    }

    /** What the image column shows: the title, the libosinfo OS, the kernel, else the OS type. */
    String imageLabel() {
        if (title != null && !title.isBlank()) return title;
        if (osId != null) return osId.replaceFirst("^https?://", "");
        if (description != null && !description.isBlank()) return description.lines().findFirst().orElse("");
        if (kernel != null) return "kernel " + kernel.substring(kernel.lastIndexOf('/') + 1);
        for (Disk d : disks) {
            if ("disk".equals(d.device) && d.source != null) return d.source.substring(d.source.lastIndexOf('/') + 1);
        }
        return osType + (arch != null ? " " + arch : "");
    }

    static DomainXml parse(String xml) {
        Document doc = parseDocument(xml);
        Element root = doc.getDocumentElement();
        List<Disk> disks = new ArrayList<>();
        List<Nic> nics = new ArrayList<>();
        Element devices = child(root, "devices");
        if (devices != null) {
            for (Element d : children(devices, "disk")) {
                Element src = child(d, "source");
                String source = src == null ? null
                        : firstNonEmpty(src.getAttribute("file"), src.getAttribute("dev"), src.getAttribute("volume"), src.getAttribute("name"));
                Element drv = child(d, "driver");
                Element tgt = child(d, "target");
                disks.add(new Disk(tgt != null ? tgt.getAttribute("dev") : null, d.getAttribute("device"), source,
                        drv != null ? emptyToNull(drv.getAttribute("type")) : null));
            }
            for (Element i : children(devices, "interface")) {
                Element tgt = child(i, "target");
                Element mac = child(i, "mac");
                Element src = child(i, "source");
                nics.add(new Nic(tgt != null ? emptyToNull(tgt.getAttribute("dev")) : null,
                        mac != null ? mac.getAttribute("address") : null,
                        src != null ? firstNonEmpty(src.getAttribute("network"), src.getAttribute("bridge"), src.getAttribute("dev")) : null));
            }
        }
        Element os = child(root, "os");
        Element osTypeEl = os != null ? child(os, "type") : null;
        String osId = null;
        String sshUser = null;
        String sshKey = null;
        int sshPort = 0;
        Element meta = child(root, "metadata");
        if (meta != null) {
            for (Element e : descendants(meta)) {
                if ("os".equals(e.getLocalName()) && e.getAttribute("id") != null && !e.getAttribute("id").isEmpty()) osId = e.getAttribute("id");
                if (NS.equals(e.getNamespaceURI()) && "user".equals(e.getLocalName())) sshUser = e.getTextContent().trim();
                if (NS.equals(e.getNamespaceURI()) && "sshKey".equals(e.getLocalName())) sshKey = e.getTextContent().trim();
                if (NS.equals(e.getNamespaceURI()) && "sshPort".equals(e.getLocalName())) sshPort = intOr(e.getTextContent(), 0);
            }
        }
        return new DomainXml(text(root, "name"), text(root, "uuid"), root.getAttribute("type"), text(root, "title"),
                text(root, "description"), osTypeEl != null ? osTypeEl.getTextContent().trim() : "hvm",
                osTypeEl != null ? emptyToNull(osTypeEl.getAttribute("arch")) : null,
                os != null ? text(os, "kernel") : null, osId, sshUser, sshKey, sshPort, intOr(text(root, "vcpu"), -1),
                bytes(child(root, "memory")), List.copyOf(disks), List.copyOf(nics));
    }

    private static int intOr(String s, int dflt) {
        try {
            return s == null ? dflt : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** A libvirt scaled integer (unit attribute, default KiB) in bytes; -1 when absent. */
    static long bytes(Element e) {
        if (e == null) return -1;
        long v;
        try {
            v = Long.parseLong(e.getTextContent().trim());
        } catch (NumberFormatException ex) {
            return -1;
        }
        String unit = e.getAttribute("unit");
        return switch (unit == null || unit.isEmpty() ? "KiB" : unit) {
            case "b", "bytes" -> v;
            case "KB" -> v * 1000;
            case "k", "KiB" -> v << 10;
            case "MB" -> v * 1000_000;
            case "M", "MiB" -> v << 20;
            case "GB" -> v * 1000_000_000L;
            case "G", "GiB" -> v << 30;
            case "T", "TiB" -> v << 40;
            default -> v << 10;
        };
    }

    static Document parseDocument(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder b = f.newDocumentBuilder();
            return b.parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new IllegalArgumentException("unreadable XML from libvirt: " + e.getMessage(), e);
        }
    }

    static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(localName(e))) return e;
        }
        return null;
    }

    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(localName(e))) out.add(e);
        }
        return out;
    }

    private static List<Element> descendants(Element parent) {
        List<Element> out = new ArrayList<>();
        NodeList all = parent.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) out.add((Element) all.item(i));
        return out;
    }

    static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : emptyToNull(e.getTextContent().trim());
    }

    private static String localName(Element e) {
        return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
    }

    private static String firstNonEmpty(String... values) {
        for (String v : values) if (v != null && !v.isEmpty()) return v;
        return null;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
