package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        assertEquals(List.of("ssh", "-i", "/k/id", "-o", "StrictHostKeyChecking=accept-new", "me@192.168.122.5", "uptime"),
                new VmSupport.SshTarget("me", "192.168.122.5", Path.of("/k/id")).command(List.of("uptime")));
        assertEquals(List.of("ssh", "-o", "StrictHostKeyChecking=accept-new", "root@10.0.0.2"),
                new VmSupport.SshTarget("root", "10.0.0.2", null).command(List.of()));
        // vm ssh -o: the caller's options come first, so ssh keeps them over cloudtui's accept-new
        assertEquals(List.of("ssh", "-i", "/k/id", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o",
                "StrictHostKeyChecking=accept-new", "me@192.168.122.5", "id"),
                new VmSupport.SshTarget("me", "192.168.122.5", Path.of("/k/id"))
                        .command(List.of("StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"), List.of("id")));
    }
}
