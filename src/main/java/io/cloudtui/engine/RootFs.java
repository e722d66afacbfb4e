package io.cloudtui.engine;

import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.JsonTrees;
import io.cloudtui.engine.image.Image;
import io.cloudtui.engine.image.ImageStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A container's root filesystem in its directory: with overlayfs (image layers stored with overlay
 * whiteouts) {@code rootfs} is mounted from the layers plus {@code upper} and {@code work};
 * otherwise the image is copied into {@code rootfs} once (the copying fallback). {@code lower}
 * records the layer directories, so a mount after a reboot needs no image lookup. As root the
 * overlay is mounted here, on the host; rootless ({@code userns} marks it) the runtime mounts it
 * inside the container's user and mount namespaces at each start (Linux >= 5.11), so it never
 * exists on the host and goes away with the container's last process.
 */
final class RootFs {
    private RootFs() {}

    static void prepare(ImageStore images, Image img, Path d, String id) throws IOException {
        Path rootfs = d.resolve("rootfs");
        Files.createDirectories(rootfs);
        boolean userns = rootless();
        List<String> s = new ArrayList<>();
        if (overlayUsable(userns) && images.whiteouts(img).equals(userns ? "overlay-user" : "overlay")) {
            List<Path> layers = new ArrayList<>(images.layerDirs(img));
            Collections.reverse(layers); // overlayfs: the top layer first
            for (Path p : layers) s.add(p.toString());
        }
        // one mount's options must fit in a page: a very deep image is copied instead
        if (!s.isEmpty() && String.join(":", s).length() + 2 * d.toString().length() < 3800) {
            Files.createDirectories(d.resolve("upper"));
            Files.createDirectories(d.resolve("work"));
            Files.writeString(d.resolve("lower"), String.join(":", s) + "\n");
            if (userns) Files.writeString(d.resolve("userns"), "");
        } else {
            Files.delete(rootfs);
            images.flatten(img.id(), rootfs);
        }
    }

    /** Not uid 0: containers get a user namespace mapping us to root. */
    static boolean rootless() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() != 0;
        } catch (IOException | RuntimeException e) {
            return !"root".equals(System.getProperty("user.name"));
        }
    }

    /** Our uid and gid, and the subordinate ids a rootless container can map (null without them). */
    static BundleSpec.Ids ids() {
        try {
            Path self = Path.of("/proc/self");
            return new BundleSpec.Ids(((Number) Files.getAttribute(self, "unix:uid")).longValue(),
                    ((Number) Files.getAttribute(self, "unix:gid")).longValue(), io.cloudtui.runtime.oci.SubIds.current());
        } catch (IOException e) {
            throw new CloudtuiException("cannot read this process's ids: " + e.getMessage());
        }
    }

    /** overlayfs is there; rootless it must also be mountable in a user namespace (Linux 5.11 and later). */
    private static boolean overlayUsable(boolean userns) {
        if (userns && !kernelAtLeast(System.getProperty("os.version", ""), 5, 11)) return false;
        try {
            return Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n");
        } catch (IOException e) {
            return false;
        }
    }

    static boolean kernelAtLeast(String release, int major, int minor) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) return false;
        int a = Integer.parseInt(m.group(1));
        return a > major || (a == major && Integer.parseInt(m.group(2)) >= minor);
    }

    static boolean isOverlay(Path d) {
        return Files.isRegularFile(d.resolve("lower"));
    }

    /** An overlay the runtime mounts inside the container's namespaces (rootless), never here. */
    static boolean inUserns(Path d) {
        return isOverlay(d) && Files.isRegularFile(d.resolve("userns"));
    }

    /** The overlay options for the runtime (see NativeSpec.ROOT_OVERLAY); null for a copied rootfs or a host mount. */
    static String usernsOverlay(Path d) {
        if (!inUserns(d)) return null;
        try {
            return "lowerdir=" + Files.readString(d.resolve("lower")).trim() + ",upperdir=" + d.resolve("upper") + ",workdir=" + d.resolve("work");
        } catch (IOException e) {
            throw new CloudtuiException("cannot read " + d.resolve("lower") + ": " + e.getMessage());
        }
    }

    /**
     * Finds a file of the container's image without mounting it: the path (relative to the root,
     * like "etc/passwd") in the topmost layer that has it, as overlayfs would show it (whiteouts,
     * opaque directories); null when the image has none or shows something other than a file.
     * A copied or host-mounted rootfs is read directly.
     */
    static Path imageFile(Path d, String rel) {
        if (!inUserns(d)) return d.resolve("rootfs").resolve(rel);
        List<String> lower;
        try {
            lower = List.of(Files.readString(d.resolve("lower")).trim().split(":"));
        } catch (IOException e) {
            return null;
        }
        String[] parts = rel.split("/");
        List<Path> layers = new ArrayList<>();
        layers.add(d.resolve("upper"));
        for (String l : lower) layers.add(Path.of(l));
        for (Path layer : layers) {
            Path cur = layer;
            boolean opaque = false;
            for (int i = 0; i < parts.length; i++) {
                cur = cur.resolve(parts[i]);
                java.nio.file.attribute.BasicFileAttributes a;
                try {
                    a = Files.readAttributes(cur, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    a = null;
                }
                if (a == null) break; // not in this layer: look further down, unless a directory on the way was opaque
                if (i == parts.length - 1) return a.isRegularFile() ? cur : null;
                if (!a.isDirectory()) return null; // a whiteout, a file or a symlink hides whatever lies below
                if (opaque(cur)) opaque = true;
            }
            if (opaque) return null;
        }
        return null;
    }

    private static boolean opaque(Path dir) {
        try {
            var v = Files.getFileAttributeView(dir, java.nio.file.attribute.UserDefinedFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (v == null || !v.list().contains("overlay.opaque")) return false;
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8);
            int n = v.read("overlay.opaque", b);
            return n == 1 && b.get(0) == 'y';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether something is mounted on DIR: surely when DIR is on another device than its parent (an
     * overlay mount: one stat each, no mount table read); else, since a bind mount of the same
     * filesystem keeps the device, by the mount table.
     */
    static boolean mounted(Path dir) {
        try {
            Object dev = Files.getAttribute(dir, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Object parentDev = Files.getAttribute(dir.toAbsolutePath().getParent(), "unix:dev");
            if (!dev.equals(parentDev)) return true;
        } catch (IOException | RuntimeException e) {
            // no such directory, or no unix view: ask the mount table
        }
        return io.cloudtui.core.MountInfo.isMountPoint(dir);
    }

    /** Mounts the overlay (a no-op for a copied rootfs, one already mounted, or one the runtime mounts). */
    static void mount(Path d) {
        if (isOverlay(d) && !inUserns(d) && !mounted(d.resolve("rootfs"))) mountOverlay(d);
    }

    /**
     * Mounts the overlay of a container directory just made by {@link #prepare} (so nothing is
     * mounted there yet). If the kernel refuses it (the container store on a filesystem overlayfs
     * takes no upper directory from: NFS, another overlay as inside a container), the image is
     * copied into rootfs instead, as where there is no overlayfs; WARN hears why.
     */
    static void mountNew(ImageStore images, Image img, Path d, java.util.function.Consumer<String> warn) throws IOException {
        if (!isOverlay(d) || inUserns(d)) return;
        try {
            mountOverlay(d);
        } catch (CloudtuiException e) {
            warn.accept(e.getMessage() + "; the image is copied instead");
            for (String f : List.of("lower", "upper", "work")) deleteOwnTree(d.resolve(f));
            Files.delete(d.resolve("rootfs"));
            images.flatten(img.id(), d.resolve("rootfs"));
        }
    }

    private static void mountOverlay(Path d) {
        String lower;
        try {
            lower = Files.readString(d.resolve("lower")).trim();
        } catch (IOException e) {
            throw new CloudtuiException("cannot mount the root filesystem: " + e.getMessage());
        }
        String opts = "lowerdir=" + lower + ",upperdir=" + d.resolve("upper") + ",workdir=" + d.resolve("work");
        try {
            io.cloudtui.runtime.oci.OciRuntime.mountOverlay(d.resolve("rootfs"), opts);
        } catch (CloudtuiException e) {
            throw new CloudtuiException("cannot mount the root filesystem: " + e.getMessage());
        }
    }

    /**
     * Unmounts the overlay, detaching it lazily if busy (a process still holds it). True when the
     * native stage made sure nothing is mounted on rootfs any more.
     */
    static boolean unmount(Path d) {
        if (!isOverlay(d) || inUserns(d) || !mounted(d.resolve("rootfs"))) return false;
        try {
            io.cloudtui.runtime.oci.OciRuntime.unmountAll(d.resolve("rootfs"));
        } catch (CloudtuiException e) {
            throw new CloudtuiException("cannot unmount the root filesystem: " + e.getMessage());
        }
        return true;
    }

    /** Unmounts and deletes a container directory; nothing under a still-mounted rootfs is touched. */
    static void remove(Path d) {
        boolean unmounted;
        try {
            unmounted = unmount(d);
        } catch (CloudtuiException e) {
            throw new CloudtuiException("cannot remove " + d + ": " + e.getMessage());
        }
        if (!unmounted && mounted(d.resolve("rootfs"))) throw new CloudtuiException("cannot remove " + d + ": its root filesystem is still mounted");
        if (rootless()) {
            List<io.cloudtui.runtime.oci.OciConfig.IdMap> uids = mappings(d, "uidMappings");
            if (uids.size() > 1) {
                // its other users' files belong to subordinate ids: removed from inside a user namespace like the container's
                io.cloudtui.runtime.oci.OciRuntime.removeAsMapped(d, uids, mappings(d, "gidMappings"));
                return;
            }
            try {
                deleteOwnTree(d);
            } catch (IOException e) {
                throw new CloudtuiException("cannot remove " + d + ": " + e.getMessage());
            }
            return;
        }
        try (var s = Files.walk(d)) {
            List<Path> all = new ArrayList<>(s.toList());
            Collections.reverse(all);
            for (Path p : all) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new CloudtuiException("cannot remove " + d + ": " + e.getMessage());
        }
    }

    /** linux.uidMappings or gidMappings of the container's config.json (none without one). */
    static List<io.cloudtui.runtime.oci.OciConfig.IdMap> mappings(Path d, String key) {
        List<io.cloudtui.runtime.oci.OciConfig.IdMap> out = new ArrayList<>();
        Path f = d.resolve("bundle/config.json");
        if (!Files.isRegularFile(f)) return out;
        try {
            for (var m : JsonTrees.read(f).path("linux").path(key)) {
                out.add(new io.cloudtui.runtime.oci.OciConfig.IdMap(m.path("containerID").asLong(), m.path("hostID").asLong(), m.path("size").asLong()));
            }
        } catch (IOException e) {
            throw new CloudtuiException("cannot read " + f + ": " + e.getMessage());
        }
        return out;
    }

    /** Deletes a tree of our own files without following symlinks ({@link io.cloudtui.engine.image.Fs#deleteTree}). */
    static void deleteOwnTree(Path p) throws IOException {
        io.cloudtui.engine.image.Fs.deleteTree(p);
    }
}
