package io.cloudtui.engine;

import io.cloudtui.core.CloudtuiException;
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
 * A container's root filesystem in its directory: with overlayfs (root, image layers stored with
 * overlay whiteouts) {@code rootfs} is mounted from the layers plus {@code upper} and {@code work};
 * otherwise the image is copied into {@code rootfs} once (the copying fallback). {@code lower}
 * records the layer directories, so a mount after a reboot needs no image lookup.
 */
final class RootFs {
    private RootFs() {}

    static void prepare(ImageStore images, Image img, Path d, String id) throws IOException {
        Path rootfs = d.resolve("rootfs");
        Files.createDirectories(rootfs);
        if (overlayUsable() && images.overlayReady(img)) {
            List<Path> layers = new ArrayList<>(images.layerDirs(img));
            Collections.reverse(layers); // overlayfs: the top layer first
            Files.createDirectories(d.resolve("upper"));
            Files.createDirectories(d.resolve("work"));
            List<String> s = new ArrayList<>();
            for (Path p : layers) s.add(p.toString());
            Files.writeString(d.resolve("lower"), String.join(":", s) + "\n");
        } else {
            Files.delete(rootfs);
            images.flatten(img.id(), rootfs);
        }
    }

    private static boolean overlayUsable() {
        if (!"root".equals(System.getProperty("user.name"))) return false;
        try {
            return Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n");
        } catch (IOException e) {
            return false;
        }
    }

    static boolean isOverlay(Path d) {
        return Files.isRegularFile(d.resolve("lower"));
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

    /** Mounts the overlay (a no-op for a copied rootfs or one already mounted). */
    static void mount(Path d) {
        if (isOverlay(d) && !mounted(d.resolve("rootfs"))) mountOverlay(d);
    }

    /** Mounts the overlay of a container directory just made by {@link #prepare} (so nothing is mounted there yet). */
    static void mountNew(Path d) {
        if (isOverlay(d)) mountOverlay(d);
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
        if (!isOverlay(d) || !mounted(d.resolve("rootfs"))) return false;
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
        try (var s = Files.walk(d)) {
            List<Path> all = new ArrayList<>(s.toList());
            Collections.reverse(all);
            for (Path p : all) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new CloudtuiException("cannot remove " + d + ": " + e.getMessage());
        }
    }
}
