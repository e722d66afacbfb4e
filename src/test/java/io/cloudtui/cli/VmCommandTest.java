package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.libvirt.VmSupport;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VmCommandTest {
    @Test
    void snapshotTreeIndentsChildrenAndMarksTheCurrent() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        String out = VmCommand.renderTree(List.of(
                new VmSupport.Snapshot("base", null, "first", t, "shutoff", false, false),
                new VmSupport.Snapshot("next", "base", null, t, "running", true, true),
                new VmSupport.Snapshot("deep", "next", null, t, "running", true, false)));
        List<String> lines = out.lines().toList();
        assertEquals(4, lines.size());
        assertEquals("NAME", lines.get(0).split("\\s+")[0]);
        assertEquals(true, lines.get(1).startsWith("base "));
        assertEquals(true, lines.get(2).startsWith("└─ next * "));
        assertEquals(true, lines.get(3).startsWith("  └─ deep "));
        assertEquals("no snapshots\n", VmCommand.renderTree(List.of()));
    }

    @Test
    void sshCommandUsesKeyUserAndAddress() {
        assertEquals(List.of("ssh", "-i", "/k/id", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "me@192.168.122.5", "uptime"),
                new VmSupport.SshTarget("me", "192.168.122.5", Path.of("/k/id")).command(List.of("uptime")));
        assertEquals(List.of("ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "root@10.0.0.2"),
                new VmSupport.SshTarget("root", "10.0.0.2", null).command(List.of()));
        // vm ssh -o: the caller's options come first, so ssh keeps them over cloudtui's accept-new
        assertEquals(List.of("ssh", "-i", "/k/id", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o",
                "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "me@192.168.122.5", "id"),
                new VmSupport.SshTarget("me", "192.168.122.5", Path.of("/k/id"))
                        .command(List.of("StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"), List.of("id")));
    }

    @Test
    void aSessionVmsSshGoesToItsForwardedLoopbackPort() {
        VmSupport.SshTarget t = new VmSupport.SshTarget("cloud", "127.0.0.1", 40022, Path.of("/k/id"), "cloudtui-vm-a9dc454b");
        // known_hosts keeps the VM's key under its own name: a later VM on the same port is not taken for it
        assertEquals(List.of("ssh", "-i", "/k/id", "-p", "40022", "-o", "HostKeyAlias=cloudtui-vm-a9dc454b", "-o", "BatchMode=yes", "-o",
                "StrictHostKeyChecking=accept-new", "cloud@127.0.0.1", "id"), t.command(List.of("id")));
        assertEquals("ssh to VM 'sv' (cloud@127.0.0.1:40022) failed: ssh: connect to host 127.0.0.1 port 40022: Connection refused",
                t.failure("sv", "ssh: connect to host 127.0.0.1 port 40022: Connection refused"));
        assertTrue(t.failure("sv", "cloud@127.0.0.1: Permission denied (publickey).").startsWith("ssh to VM 'sv' as cloud@127.0.0.1:40022 was refused"));
        assertEquals("ssh to VM 'sv' (cloud@127.0.0.1:40022) interrupted (ctrl-c)", t.interrupted("sv"));
    }

    @Test
    void aRemoteHostsVmIsReachedThroughThatHostAndNamedWithIt() {
        VmSupport.SshTarget t = new VmSupport.SshTarget("cloud", "127.0.0.1", 40022, Path.of("/k/id"), "cloudtui-vm-a9dc454b",
                "ssh -S /run/h0.ctl -W %h:%p -- h3", "h3");
        assertEquals(List.of("ssh", "-i", "/k/id", "-p", "40022", "-o", "HostKeyAlias=cloudtui-vm-a9dc454b", "-o",
                "ProxyCommand=ssh -S /run/h0.ctl -W %h:%p -- h3", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new",
                "cloud@127.0.0.1", "id"), t.command(List.of("id")));
        assertEquals("ssh to VM 'sv' on host h3 (cloud@127.0.0.1:40022) failed: ssh: connect to host 127.0.0.1 port 40022: Connection refused",
                t.failure("sv", "ssh: connect to host 127.0.0.1 port 40022: Connection refused"));
        assertTrue(t.failure("sv", "cloud@127.0.0.1: Permission denied (publickey).")
                .startsWith("ssh to VM 'sv' on host h3 as cloud@127.0.0.1:40022 was refused"));
        assertEquals("ssh to VM 'sv' on host h3 (cloud@127.0.0.1:40022) interrupted (ctrl-c)", t.interrupted("sv"));
    }

    @Test
    void sshFailureIsOneLineNamingTheVmAndTheRemedy() {
        VmSupport.SshTarget t = new VmSupport.SshTarget("cloud", "192.168.122.5", Path.of("/k/id"));
        String refused = t.failure("web", "cloud@192.168.122.5: Permission denied (publickey).");
        assertEquals("ssh to VM 'web' as cloud@192.168.122.5 was refused: cloud@192.168.122.5: Permission denied (publickey)."
                + " (the VM does not take the key /k/id for cloud; log in as the user it was created with: cloudtui vm ssh -l USER web)",
                refused);
        assertEquals("ssh to VM 'web' (cloud@192.168.122.5) failed: ssh: connect to host 192.168.122.5 port 22: No route to host",
                t.failure("web", "ssh: connect to host 192.168.122.5 port 22: No route to host"));
        assertEquals("ssh to VM 'web' (cloud@192.168.122.5) failed (ssh could not connect or log in)", t.failure("web", null));
        assertEquals("ssh to VM 'web' (cloud@192.168.122.5) interrupted (ctrl-c)", t.interrupted("web"));
    }

    @Test
    void progressLineSaysWhatItWaitsForAndStaysQuietWhenNotATerminal() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = new java.io.PrintStream(buf, true);
        try (ProgressLine quiet = ProgressLine.on(err, "creating VM web")) {
            quiet.step("defining the VM (libvirtd)");
        }
        assertEquals("", buf.toString(), "nothing on a stream that is not the terminal");
        ProgressLine p = new ProgressLine(err, "creating VM web", false);
        p.step("defining the VM (libvirtd)");
        assertEquals("| creating VM web: defining the VM (libvirtd) 0s", p.render(0, 0));
        assertEquals("/ creating VM web: defining the VM (libvirtd) 42s", p.render(1, 42));
        p.step("x".repeat(200));
        assertEquals(79, p.render(2, 1).length(), "one terminal line");
    }
}
