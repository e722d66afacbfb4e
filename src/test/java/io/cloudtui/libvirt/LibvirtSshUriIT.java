package io.cloudtui.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Sshd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A libvirt backend on a qemu+ssh:// URI, as a remote host is reached: the real CLI, configured with
 * {@code qemu+ssh://root@127.0.0.1:PORT/system?keyfile=...}, lists a domain through a private sshd
 * on loopback (libvirt runs virt-ssh-helper or nc on the far side), next to a second libvirt backend on
 * the local daemon.
 */
class LibvirtSshUriIT {
    @TempDir
    Path tmp;

    @Test
    void theCliListsDomainsOverQemuPlusSsh() throws Exception {
        Engines.requireLibvirt();
        String name = "ctui-it-sshuri-" + UUID.randomUUID().toString().substring(0, 6);
        Path xml = tmp.resolve("d.xml");
        Files.writeString(xml, "<domain type='qemu'><name>" + name + "</name><memory unit='MiB'>64</memory>"
                + "<os><type arch='x86_64'>hvm</type></os></domain>\n");
        assertEquals(0, Engines.run("virsh", "-c", "qemu:///system", "define", xml.toString()));
        try (Sshd sshd = Sshd.start(tmp.resolve("ssh"))) {
            String uri = "qemu+ssh://" + System.getProperty("user.name") + "@127.0.0.1:" + sshd.port + "/system?keyfile=" + sshd.key
                    + "&no_verify=1&no_tty=1";
            Path config = tmp.resolve("config.yaml");
            // two libvirt backends at once: the local daemon directly, and the same daemon as a remote host
            Files.writeString(config, "backends:\n  - name: remote\n    type: libvirt\n    uri: \"" + uri + "\"\n    options: {domainType: qemu}\n"
                    + "  - name: local\n    type: libvirt\n    uri: qemu:///system\n    options: {domainType: qemu}\n");
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Path jar = Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")).toAbsolutePath();
            ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-jar", jar.toString(), "ps", "-a")).redirectErrorStream(true);
            pb.environment().put("CLOUDTUI_CONFIG", config.toString());
            pb.environment().put("XDG_STATE_HOME", tmp.resolve("state").toString());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.lines().anyMatch(l -> l.contains(name) && l.contains("remote") && l.contains("shut off")), out);
            assertTrue(out.lines().anyMatch(l -> l.contains(name) && l.contains("local") && l.contains("shut off")), out);
        } finally {
            Engines.run("virsh", "-c", "qemu:///system", "undefine", name);
        }
    }
}
