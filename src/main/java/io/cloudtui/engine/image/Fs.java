package io.cloudtui.engine.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** File and digest helpers shared by the store. */
public final class Fs {
    private Fs() {}

    static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String digest(MessageDigest md) {
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    static String digest(byte[] data) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(data));
    }

    /** The hex part of "sha256:HEX", refusing anything else (digests name files in the store). */
    static String hex(String digest) {
        if (digest == null || !digest.startsWith("sha256:") || !HEX64.matcher(digest.substring(7)).matches()) {
            throw new io.cloudtui.core.CloudtuiException("unsupported or malformed digest '" + digest + "' (only sha256 is supported)");
        }
        return digest.substring(7);
    }

    static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[65536];
        while (in.read(buf) >= 0) {
            // reading is the point: the digest covers every byte
        }
    }

    /** Writes data next to nothing visible: a temp file in tmpDir, fsynced, then renamed over target. */
    static void atomicWrite(Path tmpDir, Path target, byte[] data) throws IOException {
        Path tmp = Files.createTempFile(tmpDir, "w-", ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(data));
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDir(target.getParent());
    }

    static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some filesystems refuse fsync on directories; the rename is still atomic
        }
    }

    /**
     * Deletes a tree of our own files without following symlinks; each directory is made ours to
     * empty (mode 0700) before it is listed: an image's 0555 or 0000 directories, overlayfs's 0000
     * work directory, which a non-root owner could otherwise neither list nor empty.
     */
    public static void deleteTree(Path p) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (a.isDirectory()) {
            try {
                Posix.chmod(p, 0700);
            } catch (IOException e) {
                // not ours: listing or deleting below says why
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
                for (Path c : s) deleteTree(c);
            }
        }
        Files.deleteIfExists(p);
    }

    static void deleteQuietly(Path p) {
        try {
            deleteTree(p);
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(Fs.class).warn("could not delete {}: {}", p, e.toString());
        }
    }

    static boolean isEmptyDir(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            return !ds.iterator().hasNext();
        }
    }
}
