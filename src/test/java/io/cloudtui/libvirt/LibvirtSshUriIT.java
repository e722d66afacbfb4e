package io.cloudtui.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Sshd;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A libvirt backend on a qemu+ssh:// URI, as a remote host is reached: the real CLI, configured with
 * {@code qemu+ssh://root@127.0.0.1:PORT/system?keyfile=...}, lists a domain through a private sshd
 * on loopback (libvirt runs virt-ssh-helper or nc on the far side), next to a second libvirt backend on
 * the local daemon. The host key is checked strictly against a known_hosts file in the temp dir (ssh
 * reads ~/.ssh from the passwd entry, not $HOME, so libvirt's ssh is pointed at it with the URI's
 * {@code command=} wrapper): nothing is written to the user's own ~/.ssh.
 */
class LibvirtSshUriIT {
    @TempDir
    Path tmp;

    String name;
    Sshd sshd;
    Path wrapper;

    @BeforeEach
    void setUp() throws Exception {
        Engines.requireLibvirt();
        name = "ctui-it-sshuri-" + UUID.randomUUID().toString().substring(0, 6);
        Path xml = tmp.resolve("d.xml");
        Files.writeString(xml, "<domain type='qemu'><name>" + name + "</name><memory unit='MiB'>64</memory>"
                + "<os><type arch='x86_64'>hvm</type></os></domain>\n");
        assertEquals(0, Engines.run("virsh", "-c", "qemu:///system", "define", xml.toString()));
        sshd = Sshd.start(tmp.resolve("ssh"));
        Files.writeString(tmp.resolve("known_hosts"), "[127.0.0.1]:" + sshd.port + " " + Files.readString(sshd.dir.resolve("host.pub")));
        wrapper = tmp.resolve("ssh-here");
        Files.writeString(wrapper, "#!/bin/sh\nexec ssh -o UserKnownHostsFile=" + tmp.resolve("known_hosts")
                + " -o GlobalKnownHostsFile=/dev/null \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
    }

    @AfterEach
    void tearDown() {
        if (sshd != null) sshd.close();
        if (name != null) Engines.run("virsh", "-c", "qemu:///system", "undefine", name);
    }

    String uri(Path key, String extra) {
        return "qemu+ssh://" + System.getProperty("user.name") + "@127.0.0.1:" + sshd.port + "/system?keyfile=" + key + "&command=" + wrapper
                + extra;
    }

    Path config(String uri) throws IOException {
        Path config = tmp.resolve("config.yaml");
        // two libvirt backends at once: the local daemon directly, and the same daemon as a remote host
        Files.writeString(config, "backends:\n  - name: remote\n    type: libvirt\n    uri: \"" + uri + "\"\n    options: {domainType: qemu}\n"
                + "  - name: local\n    type: libvirt\n    uri: qemu:///system\n    options: {domainType: qemu}\n");
        return config;
    }

    List<String> cloudtui(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")).toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void theCliListsDomainsOverQemuPlusSsh() throws Exception {
        Path config = config(uri(sshd.key, ""));
        ProcessBuilder pb = new ProcessBuilder(cloudtui("ps", "-a")).redirectErrorStream(true);
        pb.environment().put("CLOUDTUI_CONFIG", config.toString());
        pb.environment().put("XDG_STATE_HOME", tmp.resolve("state").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.lines().anyMatch(l -> l.contains(name) && l.contains("remote") && l.contains("shut off")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains(name) && l.contains("local") && l.contains("shut off")), out);
    }

    /**
     * On a terminal, with a key that needs a passphrase: with the URI as configured (no no_tty), the
     * backend adds no_tty=1 and ssh fails in batch mode instead of asking on the terminal; the
     * control run with no_tty=0 does ask (and, answered, lists the domain).
     */
    @Test
    void sshNeverPromptsOnTheTerminalUnlessTheUriAsksForIt() throws Exception {
        Engines.require(Engines.run("script", "--version") == 0, "util-linux script");
        Path locked = tmp.resolve("locked");
        assertEquals(0, Engines.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "s3cret-phrase", "-f", locked.toString()));
        Files.writeString(sshd.dir.resolve("authorized_keys"), Files.readString(locked.resolveSibling("locked.pub")),
                java.nio.file.StandardOpenOption.APPEND);

        Pty quiet = Pty.run(cloudtui("--config", config(uri(locked, "")).toString(), "ps", "-a"), tmp);
        assertTrue(quiet.process.waitFor(90, TimeUnit.SECONDS), "finished without waiting for a passphrase:\n" + quiet.output());
        assertFalse(quiet.output().toLowerCase(java.util.Locale.ROOT).contains("passphrase"), quiet.output());
        assertTrue(quiet.output().lines().anyMatch(l -> l.contains(name) && l.contains("local")), "the local backend still lists:\n" + quiet.output());
        assertFalse(quiet.output().lines().anyMatch(l -> l.contains(name) && l.contains("remote")), quiet.output());

        Pty asks = Pty.run(cloudtui("--config", config(uri(locked, "&no_tty=0")).toString(), "ps", "-a"), tmp);
        try {
            assertTrue(asks.await("passphrase", 60), "ssh asked on the terminal:\n" + asks.output());
            asks.type("s3cret-phrase\r");
            assertTrue(asks.process.waitFor(90, TimeUnit.SECONDS), asks.output());
            assertTrue(asks.output().lines().anyMatch(l -> l.contains(name) && l.contains("remote")), asks.output());
        } finally {
            asks.process.destroyForcibly();
        }
    }

    /** A command in a real pty (util-linux script), so ssh has a terminal it could prompt on. */
    record Pty(Process process, StringBuffer out) {
        static Pty run(List<String> cmd, Path tmp) throws IOException {
            String line = cmd.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
            ProcessBuilder pb = new ProcessBuilder("script", "-qec", line, "/dev/null").redirectErrorStream(true);
            pb.environment().put("XDG_STATE_HOME", tmp.resolve("state").toString());
            Process p = pb.start();
            StringBuffer out = new StringBuffer();
            Thread.ofPlatform().daemon().start(() -> {
                byte[] buf = new byte[4096];
                try (InputStream in = p.getInputStream()) {
                    for (int n; (n = in.read(buf)) > 0; ) out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // process gone
                }
            });
            return new Pty(p, out);
        }

        String output() {
            return out.toString();
        }

        boolean await(String text, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                if (output().toLowerCase(java.util.Locale.ROOT).contains(text)) return true;
                Thread.sleep(100);
            }
            return false;
        }

        void type(String s) throws IOException {
            OutputStream o = process.getOutputStream();
            o.write(s.getBytes(StandardCharsets.UTF_8));
            o.flush();
        }
    }
}
