package io.cloudtui.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Reads image files into pending images: docker save tars (legacy and with an OCI layout), OCI
 * layouts (directory or tar), rootfs tars and rootfs directories. Archives are read in one pass
 * (pipes work): every layer-looking entry is unpacked as it streams by, and the manifest, which
 * comes last in docker save tars, decides which of them belong to which image.
 */
final class Importer {
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    private static final Pattern BLOB_PATH = Pattern.compile("(?:.*/)?blobs/sha256/([0-9a-f]{64})");
    private static final Pattern LEGACY_CONFIG = Pattern.compile("([0-9a-f]{64})\\.json");
    private static final long MAX_METADATA = 64L << 20;

    private final ImageStore store;
    private final ImageStore.Op op;
    private final LayerUnpacker.Budget budget;
    private final ImageStore.Progress progress;

    Importer(ImageStore store, ImageStore.Op op, LayerUnpacker.Budget budget, ImageStore.Progress progress) {
        this.store = store;
        this.op = op;
        this.budget = budget;
        this.progress = progress == null ? ImageStore.Progress.NONE : progress;
    }

    /** An unpacked layer in the work area: dir holds root/. */
    record Unpacked(Path dir, LayerUnpacker.Result result) {}

    /** Files of an image archive or layout, by path relative to its top. */
    interface Content {
        byte[] read(String path) throws IOException;

        Unpacked layer(String path) throws IOException;
    }

    Unpacked unpack(InputStream raw, boolean plain, String label) throws IOException {
        Path dir = op.newDir("L");
        Path root = dir.resolve("root");
        Files.createDirectory(root);
        LayerUnpacker u = new LayerUnpacker(root, store.options().privileged(), store.options().overlayWhiteouts(), budget);
        LayerUnpacker.Result r = plain ? u.unpackPlain(raw) : u.unpackBlob(raw);
        progress.update(label, r.size(), r.size(), "unpacked");
        return new Unpacked(dir, r);
    }

    List<ImageStore.PendingImage> importPath(Path src, Reference ref) throws IOException {
        if (!Files.exists(src)) {
            throw new CloudtuiException("no such file or directory: " + src);
        }
        if (Files.isDirectory(src)) {
            if (Files.isRegularFile(src.resolve("manifest.json")) || Files.isRegularFile(src.resolve("index.json"))) {
                return fromLayout(new DirContent(src), ref);
            }
            return List.of(rootfs(tarDirectory(src), ref));
        }
        SingleFile.Kind kind = Files.isRegularFile(src) ? SingleFile.sniff(src) : null;
        if (kind != null) {
            SingleFile.Squashfs s = kind == SingleFile.Kind.SIF ? SingleFile.sif(src) : SingleFile.squashfs(src);
            return List.of(squashfs(s, ref != null ? ref : nameOf(src)));
        }
        try (InputStream raw = Files.newInputStream(src)) {
            return importStream(raw, src.toString(), src.getFileName().toString(), ref);
        }
    }

    /**
     * An image archive read in one pass from RAW: a docker save tar (either form), an OCI layout tar
     * or a rootfs tar, each maybe gzip-compressed. WHAT names the source in messages, LABEL a rootfs
     * layer in progress reports.
     */
    List<ImageStore.PendingImage> importStream(InputStream raw, String what, String label, Reference ref) throws IOException {
        BufferedInputStream b = new BufferedInputStream(raw, 65536);
        b.mark(SingleFile.SIF_HEADER);
        byte[] magic = b.readNBytes(SingleFile.SIF_HEADER);
        b.reset();
        SingleFile.Kind kind = SingleFile.sniff(magic);
        if (kind != null) {
            throw new CloudtuiException(what + " is a " + (kind == SingleFile.Kind.SIF ? "SIF" : "squashfs")
                    + " image, which is read from a file, not from a stream: save it and import the file");
        }
        InputStream outer = b;
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            outer = new GZIPInputStream(b, 65536);
        } else if (magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5) {
            throw new CloudtuiException("zstd-compressed files are not supported: " + what);
        }
        BufferedInputStream tar = new BufferedInputStream(outer, 65536);
        String first = firstEntryName(tar);
        if (first == null || first.isEmpty()) {
            throw new CloudtuiException(what + " is not a tar archive (nor gzip-compressed tar), or it is empty");
        }
        try {
            if (isArchiveTop(first)) {
                TarContent c = collect(tar);
                return fromLayout(c, ref);
            }
            Unpacked u = unpack(tar, true, label);
            return List.of(rootfs(u, ref));
        } catch (CloudtuiException e) {
            if (e.getMessage().startsWith(LayerUnpacker.NOT_A_TAR)) {
                throw new CloudtuiException(what + " is damaged or cut short: " + e.getMessage(), e);
            }
            throw e; // a refused entry says what it is
        } catch (java.nio.file.FileSystemException e) {
            throw e; // the store's side (disk full, permissions), not the archive
        } catch (IOException e) {
            throw new CloudtuiException(what + " is damaged or cut short: " + e.getMessage(), e);
        }
    }

    /**
     * The first entry's name, read ahead and rewound; "" for an archive that ends at once (the first
     * block zero), null when the stream is not a tar: its first block must be a whole header whose
     * checksum holds (any 512 bytes parse as some header, a SIF's launch script as an entry name).
     */
    private static String firstEntryName(BufferedInputStream in) throws IOException {
        in.mark(1 << 20);
        try {
            byte[] block = in.readNBytes(512);
            if (block.length < 512) {
                return null;
            }
            boolean zero = true;
            for (byte x : block) {
                zero &= x == 0;
            }
            if (zero) {
                return "";
            }
            if (!org.apache.commons.compress.archivers.tar.TarUtils.verifyCheckSum(block)) {
                return null;
            }
            in.reset();
            TarArchiveInputStream t = new TarArchiveInputStream(new LayerUnpacker.NonClosing(in));
            TarArchiveEntry e = t.getNextEntry();
            return e == null ? "" : e.getName();
        } catch (IOException | IllegalArgumentException e) {
            return null;
        } finally {
            in.reset();
        }
    }

    private static String normalize(String name) {
        String n = name;
        while (n.startsWith("./") || n.startsWith("/")) {
            n = n.startsWith("./") ? n.substring(2) : n.substring(1);
        }
        return n;
    }

    static boolean isArchiveTop(String name) {
        String n = normalize(name);
        return n.equals("manifest.json") || n.equals("index.json") || n.equals("oci-layout") || n.equals("repositories")
                || n.startsWith("blobs/") || n.equals("blobs") || n.matches("[0-9a-f]{64}(/.*|\\.json)?");
    }

    // ---------------------------------------------------------------- archives

    static final class TarContent implements Content {
        final Map<String, byte[]> small = new HashMap<>();
        final Map<String, Unpacked> layers = new HashMap<>();
        final Map<String, String> links = new HashMap<>();

        private String resolve(String path) {
            String p = normalize(path);
            for (int i = 0; i < 16 && links.containsKey(p); i++) {
                p = links.get(p);
            }
            return p;
        }

        @Override
        public byte[] read(String path) {
            return small.get(resolve(path));
        }

        @Override
        public Unpacked layer(String path) {
            return layers.get(resolve(path));
        }
    }

    private TarContent collect(InputStream in) throws IOException {
        TarContent c = new TarContent();
        TarArchiveInputStream t = new TarArchiveInputStream(new LayerUnpacker.NonClosing(in));
        long meta = 0;
        TarArchiveEntry e;
        while ((e = t.getNextEntry()) != null) {
            String name = normalize(e.getName());
            if (e.isSymbolicLink()) {
                c.links.put(name, joinRelative(name, e.getLinkName()));
                continue;
            }
            if (e.isLink()) {
                c.links.put(name, normalize(e.getLinkName()));
                continue;
            }
            if (!e.isFile()) {
                continue;
            }
            BufferedInputStream b = new BufferedInputStream(new LayerUnpacker.NonClosing(t), 65536);
            b.mark(1024);
            byte[] head = b.readNBytes(512);
            b.reset();
            if (looksLikeLayer(head)) {
                c.layers.put(name, unpack(b, false, name));
            } else if (e.getSize() <= MAX_METADATA && (meta += e.getSize()) <= MAX_METADATA) {
                c.small.put(name, b.readAllBytes());
            }
        }
        Fs.drain(in);
        return c;
    }

    private static String joinRelative(String name, String link) {
        if (link.startsWith("/")) {
            return normalize(link);
        }
        List<String> parts = new ArrayList<>(List.of(name.split("/")));
        parts.remove(parts.size() - 1);
        for (String p : link.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
            } else {
                parts.add(p);
            }
        }
        return String.join("/", parts);
    }

    private static boolean looksLikeLayer(byte[] h) {
        if (h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
            return true;
        }
        if (h.length >= 4 && (h[0] & 0xff) == 0x28 && (h[1] & 0xff) == 0xb5 && (h[2] & 0xff) == 0x2f && (h[3] & 0xff) == 0xfd) {
            return true;
        }
        if (h.length >= 262 && h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r') {
            return true;
        }
        if (h.length == 512) {
            for (byte x : h) {
                if (x != 0) {
                    return false;
                }
            }
            return true; // an empty layer: just the end-of-archive blocks
        }
        return false;
    }

    final class DirContent implements Content {
        private final Path dir;
        private final Map<String, Unpacked> cache = new HashMap<>();

        DirContent(Path dir) {
            this.dir = dir;
        }

        private Path file(String path) {
            LayerUnpacker.components(path); // refuses ".." in paths named by the layout's own JSON
            return dir.resolve(normalize(path));
        }

        @Override
        public byte[] read(String path) throws IOException {
            Path f = file(path);
            if (!Files.isRegularFile(f) || Files.size(f) > MAX_METADATA) {
                return null;
            }
            return Files.readAllBytes(f);
        }

        @Override
        public Unpacked layer(String path) throws IOException {
            String key = normalize(path);
            Unpacked u = cache.get(key);
            if (u == null) {
                Path f = file(path);
                if (!Files.isRegularFile(f)) {
                    return null;
                }
                try (InputStream in = Files.newInputStream(f)) {
                    u = unpack(in, false, key);
                }
                cache.put(key, u);
            }
            return u;
        }
    }

    private static String hexInPath(String path) {
        String n = normalize(path);
        Matcher m = BLOB_PATH.matcher(n);
        if (m.matches()) {
            return m.group(1);
        }
        m = LEGACY_CONFIG.matcher(n);
        return m.matches() ? m.group(1) : null;
    }

    List<ImageStore.PendingImage> fromLayout(Content c, Reference ref) throws IOException {
        List<ImageStore.PendingImage> out = new ArrayList<>();
        byte[] mj = c.read("manifest.json");
        if (mj != null) {
            JsonNode arr = io.cloudtui.core.JsonTrees.read(mj);
            if (!arr.isArray() || arr.isEmpty()) {
                throw new CloudtuiException("manifest.json of the archive lists no image");
            }
            for (JsonNode item : arr) {
                String cfgPath = item.path("Config").asText();
                byte[] cfg = c.read(cfgPath);
                if (cfg == null) {
                    throw new CloudtuiException("archive lacks the image config " + cfgPath);
                }
                String hex = hexInPath(cfgPath);
                if (hex != null && !Fs.digest(cfg).equals("sha256:" + hex)) {
                    throw new CloudtuiException("image config " + cfgPath + " does not match its digest (archive damaged)");
                }
                List<Unpacked> ls = new ArrayList<>();
                for (JsonNode l : item.path("Layers")) {
                    Unpacked u = c.layer(l.asText());
                    if (u == null) {
                        throw new CloudtuiException("archive lacks layer " + l.asText());
                    }
                    String lh = hexInPath(l.asText());
                    if (lh != null && !u.result().rawDigest().equals("sha256:" + lh)) {
                        throw new CloudtuiException("layer " + l.asText() + " does not match its digest (archive damaged)");
                    }
                    ls.add(u);
                }
                List<String> tags = new ArrayList<>();
                for (JsonNode t : item.path("RepoTags")) {
                    tags.add(Reference.parse(t.asText()).tagKey());
                }
                out.add(pending(cfg, ls, tags));
            }
        } else {
            byte[] ij = c.read("index.json");
            if (ij == null) {
                throw new CloudtuiException("not an image archive: neither manifest.json nor index.json found");
            }
            for (JsonNode d : io.cloudtui.core.JsonTrees.read(ij).path("manifests")) {
                JsonNode desc = d;
                byte[] manifest = blob(c, desc);
                JsonNode m = io.cloudtui.core.JsonTrees.read(manifest);
                if (isIndex(desc, m)) {
                    desc = choosePlatform(m.path("manifests"), "archive");
                    manifest = blob(c, desc);
                    m = io.cloudtui.core.JsonTrees.read(manifest);
                }
                byte[] cfg = blob(c, m.path("config"));
                List<Unpacked> ls = new ArrayList<>();
                for (JsonNode l : m.path("layers")) {
                    checkLayerType(l.path("mediaType").asText());
                    String path = "blobs/sha256/" + Fs.hex(l.path("digest").asText());
                    Unpacked u = c.layer(path);
                    if (u == null) {
                        throw new CloudtuiException("layout lacks layer blob " + l.path("digest").asText());
                    }
                    if (!u.result().rawDigest().equals(l.path("digest").asText())) {
                        throw new CloudtuiException("layer blob " + l.path("digest").asText() + " does not match its digest");
                    }
                    ls.add(u);
                }
                List<String> tags = new ArrayList<>();
                String name = d.path("annotations").path("io.containerd.image.name").asText("");
                if (name.isEmpty()) {
                    String rn = d.path("annotations").path("org.opencontainers.image.ref.name").asText("");
                    name = rn.contains(":") || rn.contains("/") ? rn : "";
                }
                if (!name.isEmpty()) {
                    tags.add(Reference.parse(name).tagKey());
                }
                out.add(pending(cfg, ls, tags));
            }
            if (out.isEmpty()) {
                throw new CloudtuiException("index.json of the layout lists no image");
            }
        }
        if (ref != null) {
            if (out.size() > 1) {
                throw CloudtuiException.usage("the archive holds " + out.size() + " images; import it without a reference");
            }
            ImageStore.PendingImage p = out.get(0);
            out.set(0, new ImageStore.PendingImage(p.config(), p.layers(), List.of(ref.tagKey()), null, null));
        }
        return out;
    }

    static boolean isIndex(JsonNode desc, JsonNode m) {
        String mt = m.path("mediaType").asText(desc.path("mediaType").asText(""));
        return mt.equals(OCI_INDEX) || mt.equals(DOCKER_LIST) || (m.has("manifests") && !m.has("layers"));
    }

    static void checkLayerType(String mediaType) {
        if (mediaType.contains("zstd")) {
            throw new CloudtuiException("zstd-compressed layers are not supported (" + mediaType + ")");
        }
        if (mediaType.contains("foreign") || mediaType.contains("nondistributable")) {
            throw new CloudtuiException("foreign (non-distributable) layers are not supported (" + mediaType + ")");
        }
    }

    /** linux/amd64 from a manifest list or OCI index (the only entry if there is just one). */
    static JsonNode choosePlatform(JsonNode manifests, String where) {
        List<String> seen = new ArrayList<>();
        for (JsonNode m : manifests) {
            JsonNode p = m.path("platform");
            String os = p.path("os").asText("");
            String arch = p.path("architecture").asText("");
            if (os.equals("linux") && arch.equals("amd64")) {
                return m;
            }
            seen.add(os + "/" + arch);
        }
        if (manifests.size() == 1 && manifests.get(0).path("platform").isMissingNode()) {
            return manifests.get(0);
        }
        throw new CloudtuiException("no linux/amd64 image in the " + where + " (it has " + String.join(", ", seen) + ")");
    }

    private static byte[] blob(Content c, JsonNode desc) throws IOException {
        String digest = desc.path("digest").asText();
        byte[] b = c.read("blobs/sha256/" + Fs.hex(digest));
        if (b == null) {
            throw new CloudtuiException("layout lacks blob " + digest);
        }
        if (!Fs.digest(b).equals(digest)) {
            throw new CloudtuiException("blob " + digest + " does not match its digest (layout damaged)");
        }
        return b;
    }

    /** Checks the config's diff-ids against what the layers unpacked to, in order. */
    private ImageStore.PendingImage pending(byte[] cfg, List<Unpacked> ls, List<String> tags) throws IOException {
        JsonNode diffIds = io.cloudtui.core.JsonTrees.read(cfg).path("rootfs").path("diff_ids");
        if (diffIds.size() != ls.size()) {
            throw new CloudtuiException("image config lists " + diffIds.size() + " layers but the manifest " + ls.size());
        }
        List<ImageStore.PendingLayer> pl = new ArrayList<>();
        for (int i = 0; i < ls.size(); i++) {
            String want = diffIds.get(i).asText();
            Unpacked u = ls.get(i);
            if (!want.equals(u.result().diffId())) {
                throw new CloudtuiException("layer " + (i + 1) + " has diff-id " + u.result().diffId() + " but the config says " + want
                        + " (archive damaged)");
            }
            pl.add(new ImageStore.PendingLayer(want, u.dir(), u.result().size(), store.options().overlayWhiteouts()));
        }
        return new ImageStore.PendingImage(cfg, pl, tags, null, null);
    }

    // ---------------------------------------------------------------- single-file images

    /** The reference a SIF or squashfs file gets when none is given: its name without the extension, tag latest. */
    static Reference nameOf(Path file) {
        String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).replaceAll("\\.(sif|simg|sqsh|sqfs|squashfs|img)$", "");
        n = n.replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[^a-z0-9]+", "").replaceAll("[^a-z0-9]+$", "");
        if (n.isEmpty()) {
            throw CloudtuiException.usage("give a reference (NAME[:TAG]) for the image in " + file);
        }
        return Reference.parse(n + ":latest");
    }

    /** A squashfs root filesystem (a SIF's system partition or a bare squashfs) unpacked and stored as one layer. */
    private ImageStore.PendingImage squashfs(SingleFile.Squashfs s, Reference ref) throws IOException {
        Path work = op.newDir("Q");
        Path tree = work.resolve("root");
        SingleFile.unsquash(s, tree, store.options().privileged());
        String label = s.file().getFileName().toString();
        progress.update(label, 0, 0, "unsquashed");
        try {
            Unpacked u = tarDirectory(tree, label);
            boolean runscript = Files.isRegularFile(tree.resolve(".singularity.d/runscript"), LinkOption.NOFOLLOW_LINKS);
            ImageStore.PendingImage p = rootfs(u, ref);
            if (!runscript) {
                return p;
            }
            // as `apptainer run`: the image's runscript is its default command
            ObjectNode cfg = (ObjectNode) io.cloudtui.core.JsonTrees.read(p.config());
            ((ObjectNode) cfg.path("config")).putArray("Cmd").add("/.singularity.d/runscript");
            return new ImageStore.PendingImage(io.cloudtui.core.JsonTrees.bytes(cfg), p.layers(), p.tags(), null, null);
        } finally {
            Fs.deleteTree(work);
        }
    }

    // ---------------------------------------------------------------- rootfs

    private ImageStore.PendingImage rootfs(Unpacked u, Reference ref) throws IOException {
        if (ref == null) {
            throw CloudtuiException.usage("importing a root filesystem needs a reference (NAME[:TAG]) for the new image");
        }
        String now = Instant.now().toString();
        ObjectNode cfg = io.cloudtui.core.JsonTrees.object();
        cfg.put("created", now);
        cfg.put("architecture", "amd64");
        cfg.put("os", "linux");
        cfg.putObject("config").putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        ObjectNode rootfs = cfg.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add(u.result().diffId());
        cfg.putArray("history").addObject().put("created", now).put("created_by", "cloudtui image import");
        byte[] bytes = io.cloudtui.core.JsonTrees.bytes(cfg);
        ImageStore.PendingLayer l = new ImageStore.PendingLayer(u.result().diffId(), u.dir(), u.result().size(),
                store.options().overlayWhiteouts());
        return new ImageStore.PendingImage(bytes, List.of(l), List.of(ref.tagKey()), null, null);
    }

    /** Tars a directory (sorted, symlinks as links, hardlinks kept) and unpacks it through the same safe path. */
    private Unpacked tarDirectory(Path src) throws IOException {
        return tarDirectory(src, src.getFileName().toString());
    }

    /** As above, LABEL naming it in progress reports. */
    private Unpacked tarDirectory(Path src, String label) throws IOException {
        Path tarFile = op.dir.resolve("rootfs.tar");
        Map<Object, String> inodes = new HashMap<>();
        try (OutputStream fo = new java.io.BufferedOutputStream(Files.newOutputStream(tarFile), 65536);
                TarArchiveOutputStream out = new TarArchiveOutputStream(fo)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            Files.walkFileTree(src, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) throws IOException {
                    if (!dir.equals(src)) {
                        TarArchiveEntry e = new TarArchiveEntry(src.relativize(dir) + "/");
                        meta(e, dir);
                        out.putArchiveEntry(e);
                        out.closeArchiveEntry();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    String name = src.relativize(f).toString();
                    TarArchiveEntry e;
                    Map<String, Object> u = Files.readAttributes(f, "unix:mode,rdev,nlink", LinkOption.NOFOLLOW_LINKS);
                    int type = (Integer) u.get("mode") & Posix.S_IFMT;
                    if (a.isSymbolicLink()) {
                        e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                        e.setLinkName(Files.readSymbolicLink(f).toString());
                    } else if (a.isRegularFile() && (Integer) u.get("nlink") > 1 && inodes.containsKey(a.fileKey())) {
                        e = new TarArchiveEntry(name, TarConstants.LF_LINK);
                        e.setLinkName(inodes.get(a.fileKey()));
                    } else if (a.isRegularFile()) {
                        e = new TarArchiveEntry(name);
                        e.setSize(a.size());
                        if ((Integer) u.get("nlink") > 1) {
                            inodes.put(a.fileKey(), name);
                        }
                    } else if (type == Posix.S_IFCHR || type == Posix.S_IFBLK || type == Posix.S_IFIFO) {
                        e = new TarArchiveEntry(name, type == Posix.S_IFCHR ? TarConstants.LF_CHR
                                : type == Posix.S_IFBLK ? TarConstants.LF_BLK : TarConstants.LF_FIFO);
                        long rdev = (Long) u.get("rdev");
                        e.setDevMajor((int) (((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL)));
                        e.setDevMinor((int) ((rdev & 0xff) | ((rdev >> 12) & ~0xffL)));
                    } else {
                        return FileVisitResult.CONTINUE; // sockets are not part of an image
                    }
                    meta(e, f);
                    out.putArchiveEntry(e);
                    if (a.isRegularFile() && e.getLinkFlag() != TarConstants.LF_LINK) {
                        Files.copy(f, out);
                    }
                    out.closeArchiveEntry();
                    return FileVisitResult.CONTINUE;
                }
            });
            out.finish();
        }
        try (InputStream in = Files.newInputStream(tarFile)) {
            return unpack(new BufferedInputStream(in, 65536), true, label);
        } finally {
            Files.deleteIfExists(tarFile);
        }
    }

    private static void meta(TarArchiveEntry e, Path p) throws IOException {
        Map<String, Object> u = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) u.get("mode");
        e.setMode(mode);
        e.setUserId((Integer) u.get("uid"));
        e.setGroupId((Integer) u.get("gid"));
        e.setModTime((java.nio.file.attribute.FileTime) u.get("lastModifiedTime"));
    }
}
