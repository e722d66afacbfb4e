package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.testing.Engines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Rootless: run as user nobody (via setpriv), the container gets a user namespace mapping nobody to root. */
class RootlessRuntimeIT {
    @Test
    void nobodyRunsAContainerAsRootInside() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.exists(Path.of("/usr/bin/setpriv")), "setpriv (util-linux)");
        BusyboxBundle b = BusyboxBundle.create("rootless", "sh", "-c", "echo uid=$(id -u) pid=$$; cat /proc/self/uid_map");
        Path xdg = Files.createTempDirectory("ctui-it-xdg-");
        try {
            // as runc's rootless spec: no cgroup limits, devpts without gid=5 (unmapped), no cgroupsPath
            b.linux().remove("cgroupsPath");
            // docker sends device rules rootless too: nothing to apply them to, and nothing to apply them
            // for (a user namespace cannot make device nodes), so they are not refused
            b.linux().putObject("resources").putArray("devices").addObject().put("allow", false).put("access", "rwm");
            for (var m : b.config.get("mounts")) {
                if (m.get("type").asText().equals("devpts")) {
                    ArrayNode opts = ((ObjectNode) m).putArray("options");
                    for (String o : List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")) opts.add(o);
                }
            }
            b.write();
            try (var s = Files.walk(b.dir)) {
                for (Path p : s.toList()) if (!Files.isSymbolicLink(p)) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            UserPrincipal nobody = xdg.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(xdg, nobody);
            List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "env", "HOME=/nonexistent", "XDG_RUNTIME_DIR=" + xdg, "CLOUDTUI_JAR=" + System.getProperty("cloudtui.jar"),
                    RuntimeCli.wrapper().toString(), "run", "--bundle", b.dir.toString(), "ctui-it-rootless"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("uid=0 pid=1"), "root inside, pid 1: " + out);
            assertTrue(out.replaceAll("\\s+", " ").contains("0 65534 1"), "nobody mapped to root: " + out);
            assertTrue(Files.isDirectory(xdg.resolve("cloudtui/runtime")), "state under $XDG_RUNTIME_DIR");
        } finally {
            b.delete();
            try (var s = Files.walk(xdg)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
