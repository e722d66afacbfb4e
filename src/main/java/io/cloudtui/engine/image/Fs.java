package io.cloudtui.engine.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** File and digest helpers shared by the store. */
final class Fs {
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

    /** Deletes a tree without following symlinks, making read-only directories writable on the way. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(root);
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                // a 0555 directory from an image cannot be emptied by a non-root owner until made writable
                try {
                    Posix.chmod(dir, 0700);
                } catch (IOException e) {
                    // not ours to change: deletion below reports the real problem
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
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
