package io.cloudtui.engine.image;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies layers in order into one directory, honouring whiteouts in both forms the store keeps
 * (OCI ".wh." files, overlayfs char 0:0 devices and the opaque xattr): the copying fallback for
 * hosts without overlayfs. Never follows a symlink in the target: a lower symlink is replaced, not
 * written through.
 */
final class Flattener {
    private final Path target;
    private final boolean privileged;
    private final Map<Object, Path> copiedInodes = new HashMap<>();
    private final Map<Path, Integer> dirModes = new java.util.LinkedHashMap<>();

    Flattener(Path target, boolean privileged) {
        this.target = target;
        this.privileged = privileged;
    }

    void apply(List<Path> layerRootsBottomFirst) throws IOException {
        Files.createDirectories(target);
        for (Path layer : layerRootsBottomFirst) {
            copiedInodes.clear();
            applyDir(layer, target);
        }
        // modes last, so read-only directories could be filled; a directory removed by a later layer is skipped
        for (Map.Entry<Path, Integer> d : dirModes.entrySet()) {
            if (Files.isDirectory(d.getKey(), LinkOption.NOFOLLOW_LINKS)) {
                Posix.chmod(d.getKey(), d.getValue());
            }
        }
    }

    private static BasicFileAttributes attrs(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    static boolean isOverlayWhiteout(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
        return ((Integer) a.get("mode") & Posix.S_IFMT) == Posix.S_IFCHR && ((Long) a.get("rdev")) == 0L;
    }

    static boolean isOverlayOpaque(Path dir) {
        for (String name : new String[] {LayerUnpacker.OVERLAY_OPAQUE_XATTR, LayerUnpacker.USER_OVERLAY_OPAQUE_XATTR}) {
            byte[] v = Posix.lgetxattr(dir, name);
            if (v != null && v.length == 1 && v[0] == 'y') return true;
        }
        return false;
    }

    private void applyDir(Path src, Path dst) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(src)) {
            ds.forEach(children::add);
        }
        // whiteouts and opacity of this layer hide lower content only, so they go first
        boolean opaque = isOverlayOpaque(src);
        for (Path c : children) {
            if (c.getFileName().toString().equals(LayerUnpacker.OPAQUE)) {
                opaque = true;
            }
        }
        if (opaque) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dst)) {
                for (Path lower : ds) {
                    Fs.deleteTree(lower);
                }
            }
        }
        List<Path> rest = new ArrayList<>();
        for (Path c : children) {
            String name = c.getFileName().toString();
            BasicFileAttributes a = attrs(c);
            if (name.startsWith(LayerUnpacker.WH)) {
                if (!name.startsWith(LayerUnpacker.WH + LayerUnpacker.WH)) {
                    Fs.deleteTree(dst.resolve(name.substring(LayerUnpacker.WH.length())));
                }
            } else if (a != null && a.isOther() && isOverlayWhiteout(c)) {
                Fs.deleteTree(dst.resolve(name));
            } else {
                rest.add(c);
            }
        }
        for (Path c : rest) {
            Path d = dst.resolve(c.getFileName().toString());
            BasicFileAttributes a = attrs(c);
            if (a == null) {
                continue;
            }
            BasicFileAttributes existing = attrs(d);
            if (a.isDirectory()) {
                if (existing != null && !existing.isDirectory()) {
                    Fs.deleteTree(d);
                    existing = null;
                }
                if (existing == null) {
                    Files.createDirectory(d);
                }
                Map<String, Object> u = Files.readAttributes(c, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
                if (privileged) {
                    Posix.lchown(d, (Integer) u.get("uid"), (Integer) u.get("gid"));
                }
                dirModes.put(d, (Integer) u.get("mode") & 07777);
                applyDir(c, d);
                continue;
            }
            if (existing != null) {
                Fs.deleteTree(d);
            }
            Object key = a.fileKey();
            Path sameInode = key == null ? null : copiedInodes.get(key);
            if (sameInode != null && !a.isDirectory()) {
                Files.createLink(d, sameInode);
            } else if (a.isSymbolicLink()) {
                Files.createSymbolicLink(d, Files.readSymbolicLink(c));
                if (privileged) {
                    Map<String, Object> u = Files.readAttributes(c, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
                    Posix.lchown(d, (Integer) u.get("uid"), (Integer) u.get("gid"));
                }
            } else if (a.isRegularFile()) {
                Files.copy(c, d, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            } else {
                Map<String, Object> u = Files.readAttributes(c, "unix:mode,rdev,uid,gid", LinkOption.NOFOLLOW_LINKS);
                Posix.mknod(d, (Integer) u.get("mode"), (Long) u.get("rdev"));
                if (privileged) {
                    Posix.lchown(d, (Integer) u.get("uid"), (Integer) u.get("gid"));
                }
            }
            if (key != null && sameInode == null) {
                copiedInodes.put(key, d);
            }
        }
    }
}
