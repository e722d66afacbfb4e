package io.cloudtui.engine.image;

import io.cloudtui.core.CloudtuiException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks one layer tar into an empty directory without ever letting an entry write outside it:
 * every parent component is checked without following symlinks, hardlinks must name entries of the
 * same layer, devices and setuid bits and ownership need root. Whiteouts are kept in OCI form or
 * converted to overlayfs form: char device 0:0 (which Linux lets anyone create since 5.8) and
 * trusted.overlay.opaque=y as root, user.overlay.opaque=y otherwise (for an overlay mounted with
 * userxattr inside a user namespace).
 */
final class LayerUnpacker {
    static final String NOT_A_TAR = "layer is not a valid tar archive: ";
    static final String WH = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";
    static final String OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";
    static final String USER_OVERLAY_OPAQUE_XATTR = "user.overlay.opaque";

    /** Shared limits for one import or pull: all layers of it count against the same budget. */
    static final class Budget {
        final long maxBytes;
        final long maxEntries;
        long bytes;
        long entries;

        Budget(long maxBytes, long maxEntries) {
            this.maxBytes = maxBytes;
            this.maxEntries = maxEntries;
        }
    }

    record Result(String rawDigest, String diffId, long size, long entries) {}

    private final Path root;
    private final boolean privileged;
    private final boolean overlay;
    private final Budget budget;
    private final List<Object[]> dirFixups = new ArrayList<>();
    private long size;
    private long count;

    LayerUnpacker(Path root, boolean privileged, boolean overlayWhiteouts, Budget budget) {
        this.root = root;
        this.privileged = privileged;
        this.overlay = overlayWhiteouts;
        this.budget = budget;
    }

    static CloudtuiException refuse(String why) {
        return new CloudtuiException("refusing layer: " + why);
    }

    /**
     * Unpacks a layer blob (plain or gzip tar, detected by magic bytes) into root, which must exist and
     * be empty; returns the blob's digest and the uncompressed tar's digest (the diff-id).
     */
    Result unpackBlob(InputStream raw) throws IOException {
        HashingPipe rawHash = new HashingPipe(raw);
        try {
            BufferedInputStream buffered = new BufferedInputStream(rawHash, 65536);
            buffered.mark(8);
            byte[] magic = buffered.readNBytes(4);
            buffered.reset();
            if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                HashingPipe diffHash = new HashingPipe(new GZIPInputStream(buffered, 65536));
                try {
                    unpackTar(new BufferedInputStream(diffHash, 65536));
                    Fs.drain(diffHash);
                    Fs.drain(buffered);
                    return new Result(rawHash.digest(), diffHash.digest(), size, count);
                } finally {
                    diffHash.abort();
                }
            } else if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                    && (magic[3] & 0xff) == 0xfd) {
                throw new CloudtuiException("zstd-compressed layers are not supported (use gzip or uncompressed layers)");
            }
            // an uncompressed layer is its own diff: hashing it once is enough
            unpackTar(buffered);
            Fs.drain(buffered);
            String d = rawHash.digest();
            return new Result(d, d, size, count);
        } finally {
            rawHash.abort();
        }
    }

    /** Unpacks an already uncompressed tar stream (a rootfs import): its digest is the diff-id. */
    Result unpackPlain(InputStream tarStream) throws IOException {
        HashingPipe diffHash = new HashingPipe(tarStream);
        try {
            BufferedInputStream b = new BufferedInputStream(diffHash, 65536);
            unpackTar(b);
            Fs.drain(b);
            String d = diffHash.digest();
            return new Result(d, d, size, count);
        } finally {
            diffHash.abort();
        }
    }

    private void unpackTar(InputStream in) throws IOException {
        // the tar stream must not be closed: callers keep hashing the bytes after the end-of-archive blocks
        TarArchiveInputStream tar = new TarArchiveInputStream(new NonClosing(in), StandardCharsets.UTF_8.name());
        TarArchiveEntry e;
        try {
            while ((e = tar.getNextEntry()) != null) {
                entry(tar, e);
            }
        } catch (CloudtuiException ex) {
            throw ex;
        } catch (IOException | IllegalArgumentException ex) {
            if (ex instanceof java.nio.file.FileSystemException) {
                throw ex;
            }
            throw new CloudtuiException(NOT_A_TAR + ex.getMessage(), ex);
        }
        for (int i = dirFixups.size() - 1; i >= 0; i--) {
            Object[] f = dirFixups.get(i);
            Path dir = (Path) f[0];
            // the time first: a directory of mode 000 cannot be opened to set it afterwards (rootless)
            if (f[2] != null) {
                Files.setLastModifiedTime(dir, (FileTime) f[2]);
            }
            Posix.chmod(dir, (Integer) f[1]);
        }
    }

    /** Path components of an entry name: leading "/" and "./" dropped, ".." refused. */
    static List<String> components(String name) {
        if (name.indexOf('\0') >= 0) {
            throw refuse("entry name contains a NUL byte");
        }
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                throw refuse("entry '" + name + "' has a '..' component (path traversal)");
            }
            parts.add(p);
        }
        return parts;
    }

    /** Resolves the entry's parent under root, creating missing directories, never following a symlink. */
    private Path parentOf(List<String> parts, String name) throws IOException {
        Path cur = root;
        for (int i = 0; i < parts.size() - 1; i++) {
            cur = cur.resolve(parts.get(i));
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(cur, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException ex) {
                Files.createDirectory(cur);
                continue;
            }
            if (a.isSymbolicLink()) {
                throw refuse("entry '" + name + "' goes through symlink '" + root.relativize(cur) + "'");
            }
            if (!a.isDirectory()) {
                throw refuse("entry '" + name + "' has a parent '" + root.relativize(cur) + "' that is not a directory");
            }
        }
        return cur;
    }

    /** Removes whatever an earlier entry of this layer left at p (a later entry replaces it). */
    private static void clear(Path p, boolean keepDir) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException ex) {
            return;
        }
        if (a.isDirectory() && keepDir) {
            return;
        }
        Fs.deleteTree(p);
    }

    private void entry(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
        String name = e.getName();
        if (++budget.entries > budget.maxEntries) {
            throw refuse("more than " + budget.maxEntries + " entries (limit)");
        }
        count++;
        List<String> parts = components(name);
        if (parts.isEmpty()) {
            // "./" itself: the layer root; its mode is not part of any path we expose
            return;
        }
        Path parent = parentOf(parts, name);
        String base = parts.get(parts.size() - 1);
        Path target = parent.resolve(base);

        if (base.startsWith(WH)) {
            whiteout(parent, base, name, e);
            return;
        }
        int mode = e.getMode() & (privileged ? 07777 : 01777);
        if (e.isDirectory()) {
            clear(target, true);
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(target);
            }
            owner(target, e);
            xattrs(target, e);
            // directory modes and times are applied last so read-only directories can still be filled
            dirFixups.add(new Object[] {target, mode, FileTime.from(e.getLastModifiedTime().toInstant())});
        } else if (e.isSymbolicLink()) {
            String link = e.getLinkName();
            if (link == null || link.isEmpty() || link.indexOf('\0') >= 0) {
                throw refuse("symlink '" + name + "' has an empty or invalid target");
            }
            clear(target, false);
            Files.createSymbolicLink(target, Path.of(link));
            owner(target, e);
        } else if (e.isLink()) {
            Path existing = hardlinkTarget(e.getLinkName(), name);
            if (target.equals(existing)) {
                throw refuse("hardlink '" + name + "' points at itself");
            }
            clear(target, false);
            Files.createLink(target, existing);
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            if (!privileged) {
                throw refuse("device node '" + name + "' can only be created when running as root");
            }
            clear(target, false);
            int type = e.isCharacterDevice() ? Posix.S_IFCHR : Posix.S_IFBLK;
            Posix.mknod(target, type | (mode & 0777), Posix.makedev(e.getDevMajor(), e.getDevMinor()));
            owner(target, e);
        } else if (e.isFIFO()) {
            clear(target, false);
            Posix.mknod(target, Posix.S_IFIFO | (mode & 0777), 0);
            owner(target, e);
        } else if (e.isFile()) {
            long len = e.getSize();
            if (len < 0 || budget.bytes + len > budget.maxBytes) {
                throw refuse("unpacked size exceeds the limit of " + budget.maxBytes + " bytes (at '" + name + "')");
            }
            budget.bytes += len;
            size += len;
            clear(target, false);
            // CREATE_NEW is O_EXCL: it never follows a symlink at the final component
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long n = copy(tar, out);
                if (n != len) {
                    throw new CloudtuiException("layer is truncated at '" + name + "'");
                }
            } catch (FileAlreadyExistsException ex) {
                throw refuse("entry '" + name + "' could not be created safely");
            }
            owner(target, e);
            // the time and extended attributes before the mode: a file of mode 000 can take neither afterwards (rootless)
            Files.setLastModifiedTime(target, FileTime.from(e.getLastModifiedTime().toInstant()));
            xattrs(target, e);
            Posix.chmod(target, mode);
        } else {
            org.slf4j.LoggerFactory.getLogger(LayerUnpacker.class).debug("skipping tar entry {} of unsupported type", name);
        }
    }

    private final byte[] buf = new byte[256 * 1024];

    private long copy(InputStream in, OutputStream out) throws IOException {
        long n = 0;
        int r;
        while ((r = in.read(buf)) > 0) {
            out.write(buf, 0, r);
            n += r;
        }
        return n;
    }

    private Path hardlinkTarget(String linkName, String name) throws IOException {
        if (linkName == null || linkName.isEmpty()) {
            throw refuse("hardlink '" + name + "' has no target");
        }
        List<String> parts = components(linkName);
        if (parts.isEmpty()) {
            throw refuse("hardlink '" + name + "' points at the layer root");
        }
        Path cur = root;
        for (int i = 0; i < parts.size(); i++) {
            cur = cur.resolve(parts.get(i));
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(cur, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException ex) {
                throw refuse("hardlink '" + name + "' points at '" + linkName + "', which is not an earlier entry of this layer");
            }
            boolean last = i == parts.size() - 1;
            if (!last && a.isSymbolicLink()) {
                throw refuse("hardlink '" + name + "' goes through symlink '" + root.relativize(cur) + "'");
            }
            if (last && a.isDirectory()) {
                throw refuse("hardlink '" + name + "' points at a directory");
            }
        }
        return cur;
    }

    private void whiteout(Path parent, String base, String name, TarArchiveEntry e) throws IOException {
        if (base.equals(OPAQUE)) {
            if (overlay) {
                Posix.lsetxattr(parent, privileged ? OVERLAY_OPAQUE_XATTR : USER_OVERLAY_OPAQUE_XATTR, "y".getBytes(StandardCharsets.US_ASCII));
            } else {
                marker(parent.resolve(base));
            }
            return;
        }
        if (base.startsWith(WH + WH)) {
            // other aufs metadata (.wh..wh.plnk and friends) has no meaning outside aufs
            return;
        }
        String hidden = base.substring(WH.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw refuse("whiteout '" + name + "' names no file");
        }
        if (overlay) {
            Path victim = parent.resolve(hidden);
            clear(victim, false);
            Posix.mknod(victim, Posix.S_IFCHR, 0);
        } else {
            marker(parent.resolve(base));
        }
    }

    private static void marker(Path p) throws IOException {
        clear(p, false);
        Files.createFile(p);
    }

    private void owner(Path p, TarArchiveEntry e) throws IOException {
        if (privileged) {
            Posix.lchown(p, e.getLongUserId(), e.getLongGroupId());
        }
    }

    /**
     * File capabilities and user xattrs from PAX headers; trusted.* is never taken from a tar, nor
     * user.overlay.*, which a rootless overlay mount would obey (opaque directories, redirects).
     */
    private void xattrs(Path p, TarArchiveEntry e) {
        Map<String, String> pax = e.getExtraPaxHeaders();
        if (pax.isEmpty()) {
            return;
        }
        for (Map.Entry<String, String> x : pax.entrySet()) {
            if (!x.getKey().startsWith("SCHILY.xattr.")) {
                continue;
            }
            String attr = x.getKey().substring("SCHILY.xattr.".length());
            boolean allowed = (attr.startsWith("user.") && !attr.startsWith("user.overlay.")) || (privileged && attr.equals("security.capability"));
            if (allowed) {
                try {
                    Posix.lsetxattr(p, attr, x.getValue().getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException ex) {
                    org.slf4j.LoggerFactory.getLogger(LayerUnpacker.class).debug("xattr {} not applied: {}", attr, ex.getMessage());
                }
            }
        }
    }

    /** Keeps TarArchiveInputStream from closing the hashed stream underneath it. */
    static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {}
    }
}
