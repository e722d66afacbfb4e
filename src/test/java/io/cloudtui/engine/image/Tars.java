package io.cloudtui.engine.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds tars entry by entry, including hostile ones, and image archives around them. */
final class Tars {
    /** For building image metadata in tests (the store itself uses io.cloudtui.core.JsonTrees). */
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream out;

    Tars() {
        out = new TarArchiveOutputStream(bytes);
        out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    private Tars put(TarArchiveEntry e, byte[] data) {
        try {
            out.putArchiveEntry(e);
            if (data != null) {
                out.write(data);
            }
            out.closeArchiveEntry();
            return this;
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    Tars dir(String name) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
        e.setMode(040755);
        return put(e, null);
    }

    /** A directory carrying an extended attribute (a SCHILY.xattr PAX header, as GNU tar writes it). */
    Tars dir(String name, String xattr, String value) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
        e.setMode(040755);
        e.addPaxHeader("SCHILY.xattr." + xattr, value);
        return put(e, null);
    }

    Tars file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0100644);
    }

    Tars file(String name, byte[] content, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(content.length);
        e.setMode(mode);
        return put(e, content);
    }

    Tars symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        return put(e, null);
    }

    Tars hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        return put(e, null);
    }

    Tars charDevice(String name, int major, int minor) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_CHR, true);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        e.setMode(020666);
        return put(e, null);
    }

    byte[] bytes() {
        try {
            out.finish();
            return bytes.toByteArray();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(b)) {
            g.write(data);
        }
        return b.toByteArray();
    }

    static String hex(byte[] data) {
        return Fs.digest(data).substring(7);
    }

    /** An image config for the given uncompressed layers. */
    static byte[] config(List<byte[]> layers, String cmd) throws IOException {
        ObjectNode c = Tars.JSON.createObjectNode();
        c.put("created", "2024-01-02T03:04:05Z");
        c.put("architecture", "amd64");
        c.put("os", "linux");
        ObjectNode cc = c.putObject("config");
        cc.putArray("Env").add("PATH=/bin").add("FOO=bar");
        cc.putArray("Cmd").add(cmd);
        cc.put("WorkingDir", "/work");
        cc.put("User", "65534:65534");
        cc.putObject("ExposedPorts").putObject("8080/tcp");
        cc.putObject("Labels").put("org.example", "yes");
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode d = rootfs.putArray("diff_ids");
        for (byte[] l : layers) {
            d.add(Fs.digest(l));
        }
        return Tars.JSON.writeValueAsBytes(c);
    }

    /** A legacy docker save tar: manifest.json, ID/layer.tar, HEX.json. */
    static byte[] dockerSave(List<byte[]> layers, String tag) throws IOException {
        byte[] cfg = config(layers, "/bin/sh");
        Tars t = new Tars();
        List<String> paths = new ArrayList<>();
        for (byte[] l : layers) {
            String id = hex(l);
            t.dir(id).file(id + "/VERSION", "1.0").file(id + "/layer.tar", l, 0100644);
            paths.add(id + "/layer.tar");
        }
        t.file(hex(cfg) + ".json", cfg, 0100644);
        ObjectNode m = Tars.JSON.createObjectNode();
        m.put("Config", hex(cfg) + ".json");
        m.putArray("RepoTags").add(tag);
        ArrayNode la = m.putArray("Layers");
        paths.forEach(la::add);
        t.file("manifest.json", Tars.JSON.writeValueAsBytes(Tars.JSON.createArrayNode().add(m)), 0100644);
        return t.bytes();
    }

    /**
     * The Docker 25+ form of docker save: an OCI layout (oci-layout, index.json, blobs/sha256/) whose
     * manifest.json names blobs, with the legacy ID/layer.tar paths as symlinks into blobs/.
     * Layers are gzip-compressed when gzipLayers (OCI allows both; docker writes them plain).
     */
    static byte[] dockerSaveOci(List<byte[]> layers, String tag, boolean gzipLayers, boolean withManifestJson) throws IOException {
        byte[] cfg = config(layers, "/bin/sh");
        Tars t = new Tars();
        t.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
        t.dir("blobs").dir("blobs/sha256");
        ObjectNode man = Tars.JSON.createObjectNode();
        man.put("schemaVersion", 2);
        man.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        ObjectNode cd = man.putObject("config");
        cd.put("mediaType", "application/vnd.oci.image.config.v1+json");
        cd.put("digest", Fs.digest(cfg));
        cd.put("size", cfg.length);
        ArrayNode ld = man.putArray("layers");
        List<String> blobPaths = new ArrayList<>();
        for (byte[] l : layers) {
            byte[] blob = gzipLayers ? gzip(l) : l;
            t.file("blobs/sha256/" + hex(blob), blob, 0100644);
            ObjectNode d = ld.addObject();
            d.put("mediaType", gzipLayers ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar");
            d.put("digest", Fs.digest(blob));
            d.put("size", blob.length);
            blobPaths.add("blobs/sha256/" + hex(blob));
            if (withManifestJson) {
                t.dir(hex(l)).symlink(hex(l) + "/layer.tar", "../blobs/sha256/" + hex(blob));
            }
        }
        t.file("blobs/sha256/" + hex(cfg), cfg, 0100644);
        byte[] manBytes = Tars.JSON.writeValueAsBytes(man);
        t.file("blobs/sha256/" + hex(manBytes), manBytes, 0100644);
        ObjectNode idx = Tars.JSON.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ObjectNode md = idx.putArray("manifests").addObject();
        md.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        md.put("digest", Fs.digest(manBytes));
        md.put("size", manBytes.length);
        md.putObject("annotations").put("io.containerd.image.name", tag).put("org.opencontainers.image.ref.name", "latest");
        t.file("index.json", Tars.JSON.writeValueAsBytes(idx), 0100644);
        if (withManifestJson) {
            ObjectNode m = Tars.JSON.createObjectNode();
            m.put("Config", "blobs/sha256/" + hex(cfg));
            m.putArray("RepoTags").add(tag);
            ArrayNode la = m.putArray("Layers");
            blobPaths.forEach(la::add);
            t.file("manifest.json", Tars.JSON.writeValueAsBytes(Tars.JSON.createArrayNode().add(m)), 0100644);
        }
        return t.bytes();
    }

    static Path write(Path dir, String name, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }
}
