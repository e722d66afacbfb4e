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
        if (overlayUsable() && images.overlayReady(img.id())) {
            List<Path> layers = new ArrayList<>(images.layerDirs(img.id()));
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

    static boolean mounted(Path dir) {
        return io.cloudtui.core.MountInfo.isMountPoint(dir);
    }

    /** Mounts the overlay (a no-op for a copied rootfs or one already mounted). */
    static void mount(Path d) {
        if (!isOverlay(d) || mounted(d.resolve("rootfs"))) return;
        String lower;
        try {
            lower = Files.readString(d.resolve("lower")).trim();
        } catch (IOException e) {
            throw new CloudtuiException("cannot mount the root filesystem: " + e.getMessage());
        }
        String opts = "lowerdir=" + lower + ",upperdir=" + d.resolve("upper") + ",workdir=" + d.resolve("work");
        run(List.of("mount", "-t", "overlay", "overlay", "-o", opts, d.resolve("rootfs").toString()), "mount the root filesystem");
    }

    static void unmount(Path d) {
        if (!isOverlay(d) || !mounted(d.resolve("rootfs"))) return;
        try {
            run(List.of("umount", d.resolve("rootfs").toString()), "unmount the root filesystem");
        } catch (CloudtuiException e) {
            // busy (a process still holds it): detach it lazily so removal can go on
            run(List.of("umount", "-l", d.resolve("rootfs").toString()), "unmount the root filesystem");
        }
    }

    /** Unmounts and deletes a container directory; nothing under a still-mounted rootfs is touched. */
    static void remove(Path d) {
        try {
            unmount(d);
        } catch (CloudtuiException e) {
            throw new CloudtuiException("cannot remove " + d + ": " + e.getMessage());
        }
        if (mounted(d.resolve("rootfs"))) throw new CloudtuiException("cannot remove " + d + ": its root filesystem is still mounted");
        try (var s = Files.walk(d)) {
            List<Path> all = new ArrayList<>(s.toList());
            Collections.reverse(all);
            for (Path p : all) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new CloudtuiException("cannot remove " + d + ": " + e.getMessage());
        }
    }

    private static void run(List<String> cmd, String what) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) throw new CloudtuiException("cannot " + what + ": " + (out.isEmpty() ? cmd.get(0) + " failed" : out.lines().findFirst().orElse("")));
        } catch (IOException e) {
            throw new CloudtuiException("cannot " + what + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException("interrupted");
        }
    }
}
