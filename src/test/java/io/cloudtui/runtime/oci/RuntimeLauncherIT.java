package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * bin/cloudtui-runtime's start-up archive (an AOT cache, or CDS below JDK 25) belongs to one jar and
 * JDK: called with another jar (another checkout's), it records a new one instead of handing the
 * JVM an archive it would silently ignore. Run as nobody with a private XDG_RUNTIME_DIR, so the
 * shared archive under /run/cloudtui is left alone.
 */
class RuntimeLauncherIT {
    @Test
    void theArchiveFollowsTheJarItIsCalledWith() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.exists(Path.of("/usr/bin/setpriv")), "setpriv (util-linux)");
        Path xdg = Files.createTempDirectory("ctui-it-launch-");
        try {
            Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path jar = Path.of(System.getProperty("cloudtui.jar")).toAbsolutePath().normalize();
            Path other = xdg.resolve("other/cloudtui.jar");
            Files.createDirectories(other.getParent());
            Files.copy(jar, other, StandardCopyOption.COPY_ATTRIBUTES);
            Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-r--r--"));
            Path run = xdg.resolve("run");
            Files.createDirectories(run);
            UserPrincipal nobody = xdg.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(run, nobody);
            String from = null;
            for (Path j : List.of(jar, other, jar)) {
                Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/nonexistent",
                        "XDG_RUNTIME_DIR=" + run, "CLOUDTUI_JAR=" + j, RuntimeCli.wrapper().toString(), "--root", run.resolve("state").toString(), "list")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), out);
                assertTrue(out.startsWith("ID "), "the call itself works: " + out);
                Path marker = null;
                try (var s = Files.list(run)) {
                    for (Path f : s.toList()) if (f.getFileName().toString().endsWith(".from") && !f.toString().contains(".failed")) marker = f;
                }
                assertTrue(marker != null, "an archive was recorded, with the jar it is for");
                from = Files.readString(marker).trim();
                assertTrue(from.endsWith(" " + j), "recorded for " + j + ": " + from);
                Path archive = Path.of(marker.toString().replaceFirst("\\.from$", ""));
                assertTrue(Files.size(archive) > 0, "the archive itself");
            }
        } finally {
            try (var s = Files.walk(xdg)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
