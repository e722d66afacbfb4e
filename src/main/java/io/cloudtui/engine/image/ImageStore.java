package io.cloudtui.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.JsonTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemonless, content-addressed image store.
 *
 * <pre>
 * ROOT/lock                 store lock (FileChannel lock) held only while committing or removing
 * ROOT/tmp/ID, ID.lock      one private work area per running operation; removed on the next open
 *                           when its owner is gone (crash, kill -9)
 * ROOT/blobs/sha256/HEX     image configs and manifests, by digest
 * ROOT/partial/sha256/HEX   downloads in progress, resumed with a Range request
 * ROOT/layers/HEX/          unpacked layers by diff-id: root/ (the tree) and layer.json; a layer
 *                           appears here by one rename, complete, and is shared between images
 * ROOT/images/HEX.json      image records (HEX of the image id)
 * ROOT/tags.json            name:tag to image id
 * </pre>
 */
public final class ImageStore {
    private static final Logger LOG = LoggerFactory.getLogger(ImageStore.class);
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    /** Lock files of this JVM's running operations: never opened by repair, since closing any descriptor
     * of a file drops every POSIX lock the process holds on it. */
    private static final Set<Path> LIVE_OPS = ConcurrentHashMap.newKeySet();

    /** Registry credentials for basic auth, and for token servers that want them. */
    public record Credentials(String username, String password) {}

    /** Reports a layer's progress: bytes done of total (total -1 when unknown) and a short status word. */
    @FunctionalInterface
    public interface Progress {
        void update(String layer, long done, long total, String status);

        Progress NONE = (l, d, t, s) -> {};
    }

    /**
     * Store options. Limits apply to one import or pull (all its layers together). privileged
     * (default: running as root) allows device nodes, setuid bits and ownership; overlayWhiteouts
     * (the default) stores whiteouts in overlayfs form: with the trusted.* opaque xattr when
     * privileged, else with user.* (for a rootless overlay mounted with userxattr); a store whose
     * filesystem cannot hold that form keeps OCI whiteouts instead (see the constructor).
     */
    public record Options(long maxBytes, long maxEntries, boolean privileged, boolean overlayWhiteouts, Set<String> insecureRegistries,
            Map<String, Credentials> credentials) {
        public Options {
            insecureRegistries = Set.copyOf(insecureRegistries);
            credentials = Map.copyOf(credentials);
        }

        public static Options defaults() {
            return new Options(20L << 30, 1_000_000, Posix.isRoot(), true, Set.of(), Map.of());
        }

        public Options withLimits(long bytes, long entries) {
            return new Options(bytes, entries, privileged, overlayWhiteouts, insecureRegistries, credentials);
        }

        public Options withPrivileged(boolean p) {
            return new Options(maxBytes, maxEntries, p, p && overlayWhiteouts, insecureRegistries, credentials);
        }

        public Options withOverlayWhiteouts(boolean o) {
            return new Options(maxBytes, maxEntries, privileged, o, insecureRegistries, credentials);
        }

        public Options withInsecureRegistry(String hostPort) {
            Set<String> s = new LinkedHashSet<>(insecureRegistries);
            s.add(hostPort);
            return new Options(maxBytes, maxEntries, privileged, overlayWhiteouts, s, credentials);
        }

        public Options withCredentials(String hostPort, String user, String password) {
            Map<String, Credentials> m = new LinkedHashMap<>(credentials);
            m.put(hostPort, new Credentials(user, password));
            return new Options(maxBytes, maxEntries, privileged, overlayWhiteouts, insecureRegistries, m);
        }
    }

    private final Path root;
    private Options options;
    final Path tmp;
    final Path blobs;
    final Path partial;
    final Path layers;
    final Path images;
    private final Path tagsFile;
    private final Path lockFile;

    public ImageStore(Path root) {
        this(root, Options.defaults());
    }

    public ImageStore(Path root, Options options) {
        this.root = root.toAbsolutePath().normalize();
        this.options = options;
        this.tmp = this.root.resolve("tmp");
        this.blobs = this.root.resolve("blobs/sha256");
        this.partial = this.root.resolve("partial/sha256");
        this.layers = this.root.resolve("layers");
        this.images = this.root.resolve("images");
        this.tagsFile = this.root.resolve("tags.json");
        this.lockFile = this.root.resolve("lock");
        try {
            for (Path d : List.of(tmp, blobs, partial, layers, images)) {
                Files.createDirectories(d);
            }
        } catch (IOException e) {
            throw new CloudtuiException("cannot create image store at " + this.root + ": " + e.getMessage(), e);
        }
        if (options.overlayWhiteouts() && !options.privileged() && !unprivilegedWhiteoutsWork(tmp)) {
            this.options = options.withOverlayWhiteouts(false);
        }
        locked(() -> {
            repair();
            return null;
        });
    }

    /**
     * Whether this user can write overlayfs whiteouts here: a char device 0:0 (unprivileged since
     * Linux 5.8) and the user.overlay.opaque xattr (not on every filesystem).
     */
    private static boolean unprivilegedWhiteoutsWork(Path tmp) {
        Path probe = null;
        try {
            probe = Files.createTempDirectory(tmp, "whiteout-probe");
            Posix.mknod(probe.resolve("w"), Posix.S_IFCHR, 0);
            Posix.lsetxattr(probe, LayerUnpacker.USER_OVERLAY_OPAQUE_XATTR, "y".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            if (probe != null) Fs.deleteQuietly(probe);
        }
    }

    /** /var/lib/cloudtui/images for root; $XDG_DATA_HOME/cloudtui/images (default ~/.local/share) otherwise. */
    public static Path defaultRoot() {
        if (Posix.isRoot()) {
            return Path.of("/var/lib/cloudtui/images");
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : io.cloudtui.core.Dirs.home().resolve(".local").resolve("share");
        return base.resolve("cloudtui/images");
    }

    public Path root() {
        return root;
    }

    public Options options() {
        return options;
    }

    // ---------------------------------------------------------------- public operations

    /**
     * Imports a docker save tar (legacy or with OCI layout), an OCI image layout (directory or tar), a
     * rootfs tar (plain or gzip) or a rootfs directory. reference tags the result (required for a
     * rootfs; for archives it replaces the tags they carry). Returns the imported image ids.
     */
    public List<String> importImage(Path source, String reference, Progress progress) {
        Reference ref = reference == null || reference.isBlank() ? null : Reference.parse(reference);
        if (ref != null && ref.tag() == null) {
            throw CloudtuiException.usage("import needs a tag, not a digest: " + reference);
        }
        try (Op op = newOp()) {
            List<PendingImage> pending = new Importer(this, op, budget(), progress).importPath(source, ref);
            return commit(op, pending);
        } catch (IOException e) {
            throw new CloudtuiException("import of " + source + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Imports an image archive read from IN in one pass (a docker save tar as from docker's GET
     * /images/NAME/get, an OCI layout tar, a rootfs tar, maybe gzipped), as {@link #importImage} does
     * a file; SOURCE names it in messages. IN is read to its end, not closed.
     */
    public List<String> importStream(InputStream in, String source, String reference, Progress progress) {
        Reference ref = reference == null || reference.isBlank() ? null : Reference.parse(reference);
        if (ref != null && ref.tag() == null) {
            throw CloudtuiException.usage("import needs a tag, not a digest: " + reference);
        }
        try (Op op = newOp()) {
            List<PendingImage> pending = new Importer(this, op, budget(), progress).importStream(in, source, source, ref);
            return commit(op, pending);
        } catch (IOException e) {
            throw new CloudtuiException("import of " + source + " failed: " + e.getMessage(), e);
        }
    }

    /** Pulls from a registry speaking the Docker Registry HTTP API v2; returns the image id. */
    public String pull(String reference, Progress progress) {
        Reference ref = Reference.parse(reference);
        try (Op op = newOp()) {
            PendingImage p = new RegistryClient(this, op, budget(), progress == null ? Progress.NONE : progress).pull(ref);
            return commit(op, List.of(p)).get(0);
        } catch (IOException e) {
            throw new CloudtuiException("pull of " + reference + " failed: " + e.getMessage(), e);
        }
    }

    /** A layer to push: a gzipped layer tar, its digest and size. */
    public record PushBlob(Path file, String digest, long size) {}

    /** Pushes an image (its CONFIG, whose diff_ids match LAYERS' uncompressed tars) to REFERENCE's registry; returns the manifest digest. */
    public String push(String reference, byte[] config, List<PushBlob> layers, Progress progress) {
        Reference ref = Reference.parse(reference);
        List<RegistryClient.Blob> blobs = new ArrayList<>();
        for (PushBlob b : layers) blobs.add(new RegistryClient.Blob(b.file(), b.digest(), b.size()));
        try (Op op = newOp()) {
            return new RegistryClient(this, op, budget(), progress == null ? Progress.NONE : progress).push(ref, config, blobs);
        } catch (IOException e) {
            throw new CloudtuiException("push of " + reference + " failed: " + e.getMessage(), e);
        }
    }

    public List<Image> list() {
        Map<String, List<String>> tagsById = tagsById(readTags());
        List<Image> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(images, "*.json")) {
            for (Path p : ds) {
                Image img = readImage(p, tagsById);
                if (img != null) {
                    out.add(img);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparing(Image::created, Comparator.nullsFirst(Comparator.naturalOrder())).reversed());
        return out;
    }

    /** The image named by a tag, a full id or an unambiguous id prefix. */
    public Image inspect(String ref) {
        String id = resolve(ref);
        Image img = readImage(images.resolve(Fs.hex(id) + ".json"), tagsById(readTags()));
        if (img == null) {
            throw new CloudtuiException("no such image '" + ref + "'");
        }
        return img;
    }

    /** The raw image config JSON (as in the image's config blob). */
    public String configJson(String ref) {
        String id = resolve(ref);
        try {
            return Files.readString(blobs.resolve(Fs.hex(id)));
        } catch (IOException e) {
            throw new CloudtuiException("config of image " + id + " is missing from the store");
        }
    }

    public void tag(String source, String target) {
        Reference t = Reference.parse(target);
        if (t.tag() == null) {
            throw CloudtuiException.usage("cannot tag with a digest: " + target);
        }
        String id = resolve(source);
        try (Op op = newOp()) {
            locked(() -> {
                if (!Files.exists(images.resolve(Fs.hex(id) + ".json"))) {
                    throw new CloudtuiException("no such image '" + source + "'");
                }
                Map<String, String> tags = readTags();
                tags.put(t.tagKey(), id);
                writeTags(op, tags);
                return null;
            });
        }
    }

    /**
     * rmi: a tag is removed, and the image with it when no other tag names it; an id removes the image
     * (with force when several tags name it). Unreferenced layers and blobs go too. Returns
     * "Untagged: ..." and "Deleted: ..." lines.
     */
    public List<String> remove(String ref, boolean force) {
        try (Op op = newOp()) {
            return locked(() -> {
                List<String> out = new ArrayList<>();
                Map<String, String> tags = readTags();
                String key = tagKeyOrNull(ref);
                String id;
                if (key != null && tags.containsKey(key)) {
                    id = tags.remove(key);
                    out.add("Untagged: " + key);
                } else {
                    id = resolveId(ref, tags);
                    List<String> names = tags.entrySet().stream().filter(e -> e.getValue().equals(id)).map(Map.Entry::getKey).toList();
                    if (names.size() > 1 && !force) {
                        throw new CloudtuiException("image " + shortHex(id) + " is tagged " + String.join(", ", names)
                                + "; remove the tags or use force");
                    }
                    for (String n : names) {
                        tags.remove(n);
                        out.add("Untagged: " + n);
                    }
                }
                writeTags(op, tags);
                if (!tags.containsValue(id)) {
                    Files.deleteIfExists(images.resolve(Fs.hex(id) + ".json"));
                    out.add("Deleted: " + id);
                    out.addAll(collectGarbage(op));
                }
                return out;
            });
        }
    }

    /** Removes untagged images, unreferenced layers and blobs, and abandoned partial downloads. */
    public List<String> prune() {
        return prune(Set.of());
    }

    /** {@link #prune()}, keeping the images in {@code keep} (ids of images containers still use) and their layers. */
    public List<String> prune(Set<String> keep) {
        try (Op op = newOp()) {
            return locked(() -> {
                List<String> out = new ArrayList<>();
                Set<String> tagged = new HashSet<>(readTags().values());
                tagged.addAll(keep);
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(images, "*.json")) {
                    for (Path p : ds) {
                        String id = "sha256:" + p.getFileName().toString().replace(".json", "");
                        if (!tagged.contains(id)) {
                            Files.deleteIfExists(p);
                            out.add("Deleted: " + id);
                        }
                    }
                }
                out.addAll(collectGarbage(op));
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(partial)) {
                    for (Path p : ds) {
                        if (!RegistryClient.ACTIVE.contains(p)) {
                            deletePartialUnlessLocked(p);
                        }
                    }
                }
                return out;
            });
        }
    }

    /** The unpacked layer trees of an image, bottom layer first: overlayfs lowerdirs are these, reversed. */
    public List<Path> layerDirs(String ref) {
        return layerDirs(inspect(ref));
    }

    /** {@link #layerDirs(String)} of an image already looked up. */
    public List<Path> layerDirs(Image img) {
        List<Path> out = new ArrayList<>();
        for (String d : img.layers()) {
            Path p = layers.resolve(Fs.hex(d)).resolve("root");
            if (!Files.isDirectory(p)) {
                throw new CloudtuiException("layer " + d + " of image " + img.shortId() + " is missing; pull or import it again");
            }
            out.add(p);
        }
        return out;
    }

    /** Whether every layer of the image keeps its whiteouts in overlayfs form (usable as lowerdirs). */
    public boolean overlayReady(String ref) {
        return "overlay".equals(whiteouts(inspect(ref)));
    }

    /** {@link #overlayReady(String)} of an image already looked up. */
    public boolean overlayReady(Image img) {
        return "overlay".equals(whiteouts(img));
    }

    /**
     * How the image's layers keep whiteouts, if all alike: "overlay" (lowerdirs for a root overlay
     * mount), "overlay-user" (lowerdirs for an overlay mounted with userxattr in a user namespace),
     * else "oci" (only the copying fallback can use them).
     */
    public String whiteouts(String ref) {
        return whiteouts(inspect(ref));
    }

    /** {@link #whiteouts(String)} of an image already looked up. */
    public String whiteouts(Image img) {
        String form = null;
        for (String d : img.layers()) {
            JsonNode meta = readJson(layers.resolve(Fs.hex(d)).resolve("layer.json"));
            String f = meta == null ? "oci" : meta.path("whiteouts").asText("oci");
            if (form != null && !form.equals(f)) return "oci";
            form = f;
        }
        return form == null ? "oci" : form;
    }

    /** Applies the image's layers in order into target (created if missing, must be empty): the copy fallback. */
    public void flatten(String ref, Path target) {
        List<Path> dirs = layerDirs(ref);
        try {
            if (Files.exists(target) && !Fs.isEmptyDir(target)) {
                throw new CloudtuiException("flatten target " + target + " is not empty");
            }
            new Flattener(target, options.privileged()).apply(dirs);
        } catch (IOException e) {
            throw new CloudtuiException("cannot build root filesystem in " + target + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- for the builder

    /**
     * Adds one layer, an uncompressed tar (OCI whiteouts), to the store as {@link #importImage} would
     * unpack it; returns its diff-id. The layer stays until a garbage collection (rmi, prune) finds
     * no image using it: a build's steps live that long as its cache.
     */
    public String addLayer(Path tarFile) {
        try (Op op = newOp()) {
            Importer.Unpacked u;
            try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(tarFile), 65536)) {
                u = new Importer(this, op, budget(), Progress.NONE).unpack(in, true, tarFile.getFileName().toString());
            }
            String diffId = u.result().diffId();
            PendingLayer l = new PendingLayer(diffId, u.dir(), u.result().size(), options.overlayWhiteouts());
            commitLayers(op, List.of(l));
            return diffId;
        } catch (IOException e) {
            throw new CloudtuiException("cannot store a layer: " + e.getMessage(), e);
        }
    }

    /** Whether P is an overlayfs whiteout (a char device 0:0). */
    public static boolean overlayWhiteout(Path p) {
        try {
            return Flattener.isOverlayWhiteout(p);
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether directory DIR is marked opaque for overlayfs (trusted.overlay.opaque or user.overlay.opaque). */
    public static boolean overlayOpaque(Path dir) {
        return Flattener.isOverlayOpaque(dir);
    }

    /** The runtime part of an image config JSON (Env, WorkingDir, User, Entrypoint, Cmd...). */
    public static ImageConfig configOf(JsonNode cfgJson) {
        return parseConfig(cfgJson);
    }

    /** Checks a reference (NAME[:TAG]) for a tag; a bad one fails with one line. */
    public static void checkTag(String ref) {
        if (Reference.parse(ref).tag() == null) throw CloudtuiException.usage("cannot tag with a digest: " + ref);
    }

    /** Whether the store holds the layer with this diff-id. */
    public boolean hasLayerDiff(String diffId) {
        return hasLayer(diffId);
    }

    /** The unpacked size of a stored layer, 0 when unknown. */
    public long layerSize(String diffId) {
        JsonNode meta = readJson(layers.resolve(Fs.hex(diffId)).resolve("layer.json"));
        return meta == null ? 0 : meta.path("size").asLong();
    }

    /** Stores an image made of layers already in the store and a config (its bytes give the id); sets TAGS. */
    public String addImage(byte[] config, List<String> diffIds, List<String> tags) {
        List<PendingLayer> ls = new ArrayList<>();
        for (String d : diffIds) {
            ls.add(new PendingLayer(d, null, layerSize(d), true));
        }
        List<String> keys = new ArrayList<>();
        for (String t : tags) {
            keys.add(Reference.parse(t).tagKey());
        }
        try (Op op = newOp()) {
            return commit(op, List.of(new PendingImage(config, ls, keys, null, null))).get(0);
        }
    }

    /** Applies the layers (diff-ids, bottom first) into target (created if missing, must be empty). */
    public void flattenLayers(List<String> diffIds, Path target) {
        Image img = new Image("sha256:" + "0".repeat(64), List.of(), List.of(), new ImageConfig(null, null, null, null, null, null, null, null, null),
                diffIds, 0, null);
        List<Path> dirs = layerDirs(img);
        try {
            Files.createDirectories(target);
            new Flattener(target, options.privileged()).apply(dirs);
        } catch (IOException e) {
            throw new CloudtuiException("cannot build root filesystem in " + target + ": " + e.getMessage(), e);
        }
    }

    private void commitLayers(Op op, List<PendingLayer> ls) throws IOException {
        for (PendingLayer l : ls) {
            if (l.dir() != null && !Files.exists(l.dir().resolve("layer.json"))) {
                ObjectNode meta = JsonTrees.object();
                meta.put("diffId", l.diffId());
                meta.put("size", l.size());
                meta.put("whiteouts", !l.overlay() ? "oci" : options.privileged() ? "overlay" : "overlay-user");
                Files.write(l.dir().resolve("layer.json"), JsonTrees.bytes(meta));
            }
        }
        Posix.syncfs(op.dir);
        locked(() -> {
            for (PendingLayer l : ls) {
                Path dest = layers.resolve(Fs.hex(l.diffId()));
                if (!Files.isRegularFile(dest.resolve("layer.json"))) {
                    Files.move(l.dir(), dest, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            Fs.fsyncDir(layers);
            return null;
        });
    }

    // ---------------------------------------------------------------- internals

    LayerUnpacker.Budget budget() {
        return new LayerUnpacker.Budget(options.maxBytes(), options.maxEntries());
    }

    boolean hasLayer(String diffId) {
        return Files.isRegularFile(layers.resolve(Fs.hex(diffId)).resolve("layer.json"));
    }

    static String shortHex(String id) {
        return id.startsWith("sha256:") ? id.substring(7, Math.min(id.length(), 19)) : id;
    }

    /** A pending layer: unpacked in an operation's work area (dir holds root/), or already in the store (dir null). */
    record PendingLayer(String diffId, Path dir, long size, boolean overlay) {}

    /** A pending image: config bytes, layers in order, tags to set, NAME@DIGEST and manifest if pulled. */
    record PendingImage(byte[] config, List<PendingLayer> layers, List<String> tags, String repoDigest, byte[] manifest) {}

    /** A private work area under tmp/, alive while its lock is held; a dead owner's area is removed on repair. */
    final class Op implements AutoCloseable {
        final Path dir;
        private final Path lockPath;
        private final FileChannel ch;
        private final FileLock lock;
        private int seq;

        private Op(Path dir, Path lockPath, FileChannel ch, FileLock lock) {
            this.dir = dir;
            this.lockPath = lockPath;
            this.ch = ch;
            this.lock = lock;
        }

        Path newDir(String prefix) throws IOException {
            Path d = dir.resolve(prefix + (seq++));
            Files.createDirectory(d);
            return d;
        }

        @Override
        public void close() {
            Fs.deleteQuietly(dir);
            try {
                Files.deleteIfExists(lockPath);
                lock.release();
                ch.close();
            } catch (IOException e) {
                LOG.warn("could not release {}: {}", lockPath, e.toString());
            } finally {
                LIVE_OPS.remove(lockPath);
            }
        }
    }

    Op newOp() {
        return locked(() -> {
            repair();
            String id = UUID.randomUUID().toString();
            Path lockPath = tmp.resolve(id + ".lock");
            FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            FileLock l = ch.lock();
            LIVE_OPS.add(lockPath);
            Path dir = tmp.resolve(id);
            Files.createDirectory(dir);
            return new Op(dir, lockPath, ch, l);
        });
    }

    /** Removes work areas whose owner died and layer directories without their metadata; under the store lock. */
    private void repair() throws IOException {
        Set<String> live = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp, "*.lock")) {
            for (Path lp : ds) {
                String id = lp.getFileName().toString().replace(".lock", "");
                if (LIVE_OPS.contains(lp)) {
                    live.add(id);
                    continue;
                }
                try (FileChannel ch = FileChannel.open(lp, StandardOpenOption.WRITE)) {
                    FileLock l;
                    try {
                        l = ch.tryLock();
                    } catch (OverlappingFileLockException e) {
                        l = null; // held by an operation of this JVM
                    }
                    if (l == null) {
                        live.add(id);
                        continue;
                    }
                    LOG.info("removing work area {} left by an interrupted operation", id);
                    Fs.deleteTree(tmp.resolve(id));
                    Files.deleteIfExists(lp);
                    l.release();
                } catch (NoSuchFileException e) {
                    // its owner finished meanwhile
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.endsWith(".lock") && !live.contains(name)) {
                    Fs.deleteTree(p);
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(layers)) {
            for (Path p : ds) {
                if (!Files.isRegularFile(p.resolve("layer.json"))) {
                    LOG.warn("removing incomplete layer {}", p);
                    Fs.deleteTree(p);
                }
            }
        }
    }

    interface IoCall<T> {
        T call() throws IOException;
    }

    /** Runs under the store lock: a JVM-wide lock for threads, a FileChannel lock for other processes. */
    <T> T locked(IoCall<T> body) {
        ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(root, k -> new ReentrantLock());
        jvm.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock l = ch.lock()) {
            return body.call();
        } catch (IOException e) {
            throw new CloudtuiException("image store " + root + ": " + e.getMessage(), e);
        } finally {
            jvm.unlock();
        }
    }

    /** Makes pending images visible: layers first (one rename each), then config, record, tags. */
    List<String> commit(Op op, List<PendingImage> pending) {
        // layer metadata and one filesystem flush happen before the lock, so other processes wait less
        try {
            boolean any = false;
            for (PendingImage p : pending) {
                for (PendingLayer l : p.layers()) {
                    if (l.dir() != null && !Files.exists(l.dir().resolve("layer.json"))) {
                        ObjectNode meta = JsonTrees.object();
                        meta.put("diffId", l.diffId());
                        meta.put("size", l.size());
                        meta.put("whiteouts", !l.overlay() ? "oci" : options.privileged() ? "overlay" : "overlay-user");
                        Files.write(l.dir().resolve("layer.json"), JsonTrees.bytes(meta));
                        any = true;
                    }
                }
            }
            if (any) {
                Posix.syncfs(op.dir);
            }
        } catch (IOException e) {
            throw new CloudtuiException("image store " + root + ": " + e.getMessage(), e);
        }
        return locked(() -> {
            List<String> ids = new ArrayList<>();
            Map<String, String> tags = readTags();
            for (PendingImage p : pending) {
                long size = 0;
                for (PendingLayer l : p.layers()) {
                    size += l.size();
                    Path dest = layers.resolve(Fs.hex(l.diffId()));
                    if (Files.isRegularFile(dest.resolve("layer.json"))) {
                        continue;
                    }
                    if (l.dir() == null || !Files.isDirectory(l.dir())) {
                        throw new CloudtuiException("layer " + l.diffId() + " was removed while this operation ran; try again");
                    }
                    Files.move(l.dir(), dest, StandardCopyOption.ATOMIC_MOVE);
                }
                Fs.fsyncDir(layers);
                String id = Fs.digest(p.config());
                Path blob = blobs.resolve(Fs.hex(id));
                if (!Files.exists(blob)) {
                    Fs.atomicWrite(op.dir, blob, p.config());
                }
                if (p.manifest() != null && p.repoDigest() != null) {
                    Path mb = blobs.resolve(Fs.hex(p.repoDigest().substring(p.repoDigest().indexOf('@') + 1)));
                    if (!Files.exists(mb)) {
                        Fs.atomicWrite(op.dir, mb, p.manifest());
                    }
                }
                JsonNode cfg = JsonTrees.read(p.config());
                Path recPath = images.resolve(Fs.hex(id) + ".json");
                JsonNode old = readJson(recPath);
                ObjectNode rec = JsonTrees.object();
                rec.put("id", id);
                ArrayNode ls = rec.putArray("layers");
                p.layers().forEach(l -> ls.add(l.diffId()));
                rec.put("size", size);
                rec.put("created", cfg.path("created").asText(""));
                ArrayNode rd = rec.putArray("repoDigests");
                Set<String> digests = new LinkedHashSet<>();
                if (old != null) {
                    old.path("repoDigests").forEach(n -> digests.add(n.asText()));
                }
                if (p.repoDigest() != null) {
                    digests.add(p.repoDigest());
                }
                digests.forEach(rd::add);
                Fs.atomicWrite(op.dir, recPath, JsonTrees.prettyBytes(rec));
                for (String t : p.tags()) {
                    tags.put(t, id);
                }
                ids.add(id);
            }
            writeTags(op, tags);
            return ids;
        });
    }

    /** An abandoned download is removed; one another process is writing (it holds its lock) is left alone. */
    private static void deletePartialUnlessLocked(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l != null) {
                Files.deleteIfExists(p);
                l.release();
            }
        } catch (NoSuchFileException e) {
            // finished meanwhile
        }
    }

    /** Under the store lock: drops layers and blobs no image references; returns "Deleted layer" lines. */
    private List<String> collectGarbage(Op op) throws IOException {
        Set<String> usedLayers = new HashSet<>();
        Set<String> usedBlobs = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(images, "*.json")) {
            for (Path p : ds) {
                JsonNode rec = readJson(p);
                if (rec == null) {
                    continue;
                }
                usedBlobs.add(Fs.hex(rec.path("id").asText()));
                rec.path("layers").forEach(n -> usedLayers.add(Fs.hex(n.asText())));
                rec.path("repoDigests").forEach(n -> {
                    String s = n.asText();
                    int at = s.indexOf('@');
                    if (at >= 0) {
                        usedBlobs.add(Fs.hex(s.substring(at + 1)));
                    }
                });
            }
        }
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(layers)) {
            for (Path p : ds) {
                String hex = p.getFileName().toString();
                if (!usedLayers.contains(hex)) {
                    // moved into this operation's area under the lock; deleted when the operation closes
                    Files.move(p, op.dir.resolve("trash-" + hex), StandardCopyOption.ATOMIC_MOVE);
                    out.add("Deleted layer: sha256:" + hex);
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(blobs)) {
            for (Path p : ds) {
                if (!usedBlobs.contains(p.getFileName().toString())) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return out;
    }

    Map<String, String> readTags() {
        JsonNode n = readJson(tagsFile);
        Map<String, String> tags = new TreeMap<>();
        if (n != null) {
            n.fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
        }
        return tags;
    }

    private void writeTags(Op op, Map<String, String> tags) throws IOException {
        ObjectNode n = JsonTrees.object();
        tags.forEach(n::put);
        Fs.atomicWrite(op.dir, tagsFile, JsonTrees.prettyBytes(n));
    }

    private static Map<String, List<String>> tagsById(Map<String, String> tags) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        tags.forEach((k, v) -> m.computeIfAbsent(v, x -> new ArrayList<>()).add(k));
        return m;
    }

    static JsonNode readJson(Path p) {
        try {
            return JsonTrees.read(Files.readAllBytes(p));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new CloudtuiException("damaged store file " + p + ": " + e.getMessage(), e);
        }
    }

    private Image readImage(Path recPath, Map<String, List<String>> tagsById) {
        JsonNode rec = readJson(recPath);
        if (rec == null) {
            return null;
        }
        String id = rec.path("id").asText();
        JsonNode cfg = readJson(blobs.resolve(Fs.hex(id)));
        List<String> ls = new ArrayList<>();
        rec.path("layers").forEach(n -> ls.add(n.asText()));
        List<String> rds = new ArrayList<>();
        rec.path("repoDigests").forEach(n -> rds.add(n.asText()));
        Instant created = null;
        try {
            String c = rec.path("created").asText("");
            created = c.isEmpty() ? null : Instant.parse(c);
        } catch (DateTimeParseException e) {
            created = null;
        }
        return new Image(id, tagsById.getOrDefault(id, List.of()), rds, parseConfig(cfg), ls, rec.path("size").asLong(), created);
    }

    static ImageConfig parseConfig(JsonNode cfgJson) {
        if (cfgJson == null) {
            return new ImageConfig(null, null, null, null, null, null, null, null, null);
        }
        JsonNode c = cfgJson.path("config");
        Map<String, String> labels = new TreeMap<>();
        c.path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        List<String> ports = new ArrayList<>();
        c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        return new ImageConfig(strings(c.path("Env")), c.path("WorkingDir").asText(""), c.path("User").asText(""),
                strings(c.path("Entrypoint")), strings(c.path("Cmd")), ports, labels, cfgJson.path("os").asText(null),
                cfgJson.path("architecture").asText(null));
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static String tagKeyOrNull(String ref) {
        try {
            return Reference.parse(ref).tagKey();
        } catch (CloudtuiException e) {
            return null;
        }
    }

    private String resolve(String ref) {
        return resolveId(ref, readTags());
    }

    private String resolveId(String ref, Map<String, String> tags) {
        String key = tagKeyOrNull(ref);
        if (key != null && tags.containsKey(key)) {
            return tags.get(key);
        }
        if (ref.contains("@sha256:")) {
            // NAME@DIGEST: the image pulled by that manifest digest
            Reference r = Reference.parse(ref);
            String want = r.familiarName() + "@" + r.digest();
            for (Image img : list()) {
                if (img.repoDigests().contains(want)) {
                    return img.id();
                }
            }
            throw new CloudtuiException("no such image '" + ref + "'");
        }
        String hex = ref.startsWith("sha256:") ? ref.substring(7) : ref;
        if (hex.matches("[0-9a-f]{4,64}")) {
            List<String> hits = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(images, hex + "*.json")) {
                ds.forEach(p -> hits.add("sha256:" + p.getFileName().toString().replace(".json", "")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (hits.size() == 1) {
                return hits.get(0);
            }
            if (hits.size() > 1) {
                throw new CloudtuiException("image id prefix '" + ref + "' is ambiguous");
            }
        }
        throw new CloudtuiException("no such image '" + ref + "'");
    }
}
