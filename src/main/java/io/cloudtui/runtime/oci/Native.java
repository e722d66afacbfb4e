package io.cloudtui.runtime.oci;

import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The C stage ships inside the jar (native/cloudtui-nsexec, built from src/main/c). It is extracted
 * into a root-only directory and its SHA-256 checked against the one recorded at build time before
 * every use, so nobody can swap the binary the runtime runs as root.
 */
final class Native {
    private static Path cached;

    private Native() {}

    static synchronized Path binary() {
        // another cloudtui build on this host may have replaced ours meanwhile (it removes older stages): reinstall then
        if (cached != null && Files.exists(cached, LinkOption.NOFOLLOW_LINKS)) return cached;
        String want = resource("native/cloudtui-nsexec.sha256").trim();
        Path dir = privateDir();
        Path bin = dir.resolve("cloudtui-nsexec-" + want.substring(0, 16));
        try {
            if (!Files.exists(bin, LinkOption.NOFOLLOW_LINKS) || !verified(bin, want)) {
                byte[] data;
                try (InputStream in = Native.class.getClassLoader().getResourceAsStream("native/cloudtui-nsexec")) {
                    if (in == null) throw new CloudtuiException("the runtime's native stage is missing from this build (native/cloudtui-nsexec)");
                    data = in.readAllBytes();
                }
                if (!want.equals(sha256(data))) throw new CloudtuiException("the runtime's native stage in the jar does not match its recorded hash");
                Path tmp = Files.createTempFile(dir, "nsexec", ".tmp");
                Files.write(tmp, data);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
                Files.move(tmp, bin, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Files.writeString(dir.resolve(bin.getFileName() + ".verified"), signature(bin));
                removeOldBuilds(dir, bin);
            }
        } catch (IOException e) {
            throw new CloudtuiException("cannot install the runtime's native stage in " + dir + ": " + e.getMessage());
        }
        cached = bin;
        publishForWrapper(dir, bin);
        return bin;
    }

    /**
     * Hashing the binary costs ~100 ms in a C1-only JVM, on every call. So the full SHA-256 check runs
     * when the file's identity (inode, size, mtime, ctime) differs from the one recorded at its last
     * full check; ctime cannot be set back, so any change to the file forces a new full check.
     */
    private static boolean verified(Path bin, String want) throws IOException {
        Path record = bin.resolveSibling(bin.getFileName() + ".verified");
        String sig = signature(bin);
        if (Files.exists(record) && Files.readString(record).equals(sig)) return true;
        if (!want.equals(sha256(Files.readAllBytes(bin)))) return false;
        Files.writeString(record, sig);
        return true;
    }

    /**
     * Stages of earlier builds: safe to remove, running monitors execute from a sealed memfd copy.
     * Only those unused for a day go: another checkout on this host (a second build, a test run)
     * may be using its own stage right now.
     */
    private static void removeOldBuilds(Path dir, Path keep) {
        java.nio.file.attribute.FileTime dayAgo = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofDays(1)));
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("cloudtui-nsexec-") && !n.startsWith(keep.getFileName().toString())
                        && Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).compareTo(dayAgo) < 0) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // leftovers only cost disk space
        }
    }

    private static String signature(Path bin) throws IOException {
        java.util.Map<String, Object> a = Files.readAttributes(bin, "unix:ino,size,lastModifiedTime,ctime,mode,uid", LinkOption.NOFOLLOW_LINKS);
        return a.get("ino") + " " + a.get("size") + " " + ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toInstant()
                + " " + ((java.nio.file.attribute.FileTime) a.get("ctime")).toInstant() + " " + a.get("mode") + " " + a.get("uid");
    }

    /**
     * Tells bin/cloudtui-runtime which verified stage to use for its fast paths: DIR/current names it,
     * and is rewritten whenever this jar is newer (the wrapper ignores a current older than its jar).
     */
    private static void publishForWrapper(Path dir, Path bin) {
        try {
            Path current = dir.resolve("current");
            Path jar = Path.of(Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(jar)) return;
            if (Files.exists(current) && Files.readString(current).trim().equals(bin.toString())
                    && Files.getLastModifiedTime(current).compareTo(Files.getLastModifiedTime(jar)) >= 0) return;
            // a temporary name of our own: Files.createTempFile's random names cost a SecureRandom set-up
            Path tmp = dir.resolve("current." + ProcessHandle.current().pid() + ".tmp");
            Files.deleteIfExists(tmp);
            try (var ch = Files.newByteChannel(tmp, java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ch.write(java.nio.ByteBuffer.wrap((bin + "\n").getBytes(StandardCharsets.UTF_8)));
            }
            Files.move(tmp, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | java.net.URISyntaxException | SecurityException e) {
            // the wrapper then just always starts the JVM
        }
    }

    private static String resource(String name) {
        try (InputStream in = Native.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new CloudtuiException("the runtime's native stage is missing from this build (" + name + ")");
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new CloudtuiException("cannot read " + name + ": " + e.getMessage());
        }
    }

    /** /run/cloudtui/bin for root; else $XDG_RUNTIME_DIR/cloudtui/bin or ~/.cache/cloudtui/bin; 0700 and ours. */
    private static Path privateDir() {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        Path dir = OciRuntime.uid() == 0 ? Path.of("/run/cloudtui/bin")
                : xdg != null && !xdg.isEmpty() ? Path.of(xdg, "cloudtui", "bin")
                : io.cloudtui.core.Dirs.home().resolve(".cache").resolve("cloudtui").resolve("bin");
        try {
            Files.createDirectories(dir.getParent());
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // made by a concurrent CLI
        } catch (IOException e) {
            throw new CloudtuiException("cannot create " + dir + ": " + e.getMessage());
        }
        try {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isDirectory() || !a.owner().getName().equals(System.getProperty("user.name"))) {
                throw new CloudtuiException(dir + " is not a directory owned by " + System.getProperty("user.name"));
            }
            if (!a.permissions().equals(PosixFilePermissions.fromString("rwx------"))) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new CloudtuiException("cannot check " + dir + ": " + e.getMessage());
        }
        return dir;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
