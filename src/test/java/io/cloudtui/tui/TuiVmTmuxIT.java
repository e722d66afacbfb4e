package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.SocketRelay;
import io.cloudtui.testing.Tmux;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real cloudtui in tmux against the real libvirtd and a real QEMU guest (the tiny test guest):
 * creates a VM with the N form as a new user does (a kernel, an SSH key, no disk, no user), opens its
 * serial console with a and comes back with ctrl-], logs in with x as the remembered user (ctrl-c
 * stops an ssh that hangs), takes a snapshot and reverts to it from the z view, and leaves the
 * terminal as it was.
 */
class TuiVmTmuxIT {
    static final Path GUEST = Path.of("/var/cache/cloudtui-test/guest");
    final String vm = "ctui-it-uivm-" + UUID.randomUUID().toString().substring(0, 6);
    Path dir;
    Tmux tmux;

    @BeforeEach
    void setUp() throws Exception {
        Engines.requireLibvirt();
        Engines.require(Files.isReadable(GUEST.resolve("vmlinuz")) && Files.isReadable(GUEST.resolve("initrd.img")),
                "the test guest in " + GUEST + " (scripts/provision/30-libvirt.sh)");
        dir = Files.createTempDirectory("ctui-vmtmux");
        Files.writeString(dir.resolve("config.yaml"), "backends:\n  - name: kvm\n    type: libvirt\n    uri: qemu:///system\n"
                + "    options: {domainType: qemu}\nui:\n  statsInterval: 1s\n");
        assertEquals(0, Engines.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("id").toString()));
        // ssh finds ~/.ssh through the passwd entry, not $HOME: an ssh first on PATH keeps the guest's host
        // key (new every boot, on an address a later guest may get) out of the user's own known_hosts
        Files.createDirectories(dir.resolve("bin"));
        // with DIR/hang present, ssh waits for a proxy that never answers (as for a host that never
        // answers): the test of ctrl-c reaching ssh
        Files.writeString(dir.resolve("bin/ssh"), "#!/bin/sh\nif [ -e " + dir.resolve("hang") + " ]; then set -- -o 'ProxyCommand=sleep 600' \"$@\"; fi\n"
                + "exec /usr/bin/ssh -o UserKnownHostsFile=" + dir.resolve("known_hosts") + " \"$@\"\n");
        Files.setPosixFilePermissions(dir.resolve("bin/ssh"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path run = Tmux.launcher(dir, Map.of("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString(), "XDG_STATE_HOME",
                dir.resolve("state").toString(), "HOME", dir.toString(), "PATH", path()));
        // ctrl-c goes to the terminal's foreground process group: in a user's shell that is cloudtui's job
        // alone; here it takes in the launcher too, which must outlive it as an interactive shell does
        Files.writeString(run, Files.readString(run).replaceFirst("#!/bin/sh\n", "#!/bin/sh\ntrap : INT\n"));
        tmux = new Tmux(vm);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (tmux != null) tmux.close();
        Engines.run("virsh", "-c", "qemu:///system", "destroy", vm);
        Engines.run("virsh", "-c", "qemu:///system", "undefine", vm, "--snapshots-metadata", "--nvram");
        Files.deleteIfExists(Path.of("/var/lib/libvirt/images", vm + ".qcow2"));
        Files.deleteIfExists(Path.of("/var/lib/libvirt/images", vm + "-seed.iso"));
        if (dir != null) {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    String path() {
        return dir.resolve("bin") + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    }

    static String virsh(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("virsh", "-c", "qemu:///system"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.trim();
    }

    @Test
    void createsAVmOpensItsConsoleAndSnapshotsItFromTheUi() throws Exception {
        tmux.start(dir.resolve("run.sh").toString(), 120, 40);
        tmux.await("the libvirt backend connected", s -> s.contains("● kvm"), Duration.ofSeconds(60));

        // N: the create-VM form, filled in as a person would
        tmux.keys("N");
        tmux.await("create a new VM");
        // as a new user does: CPUs, RAM, a kernel and initrd, an SSH key; no disk, no user
        tmux.type(vm);
        tmux.keys("Down", "C-u");
        tmux.type("2");
        tmux.keys("Down", "C-u");
        tmux.type("160m");
        tmux.keys("Down", "C-u");
        tmux.keys("Down", "Down");
        tmux.type(GUEST.resolve("vmlinuz").toString());
        tmux.keys("Down");
        tmux.type(GUEST.resolve("initrd.img").toString());
        tmux.keys("Down", "Down", "C-u");
        tmux.type(dir.resolve("id.pub").toString());
        tmux.keys("Enter");
        // the message line says what it waits for (libvirtd takes ~40 s to define a domain here), then that it is done
        tmux.await("the create's progress", x -> x.contains("creating VM " + vm + ": ") || x.contains("created VM " + vm), Duration.ofSeconds(60));
        tmux.await("the new VM running", s -> s.lines().anyMatch(l -> l.contains(vm) && l.contains("running")), Duration.ofSeconds(240));
        String xml = virsh("dumpxml", vm);
        assertTrue(xml.contains("<memory unit='KiB'>163840</memory>"), xml);
        assertTrue(xml.contains(vm + "-seed.iso"), "cloud-init seed attached:\n" + xml);
        assertTrue(xml.contains("<cloudtui:user>cloud</cloudtui:user>"), "the user the seed makes is remembered:\n" + xml);
        assertTrue(xml.contains("/var/lib/libvirt/images/" + vm + ".qcow2"), "a qcow2 disk for snapshots:\n" + xml);

        // only this VM in view, then its serial console
        tmux.keys("/");
        tmux.type(vm);
        tmux.keys("Enter");
        tmux.await("only the VM", s -> s.contains("filter: " + vm), Duration.ofSeconds(20));
        tmux.keys("a");
        tmux.await("the console", s -> s.contains("console of " + vm), Duration.ofSeconds(30));
        // the guest may still be booting: ask until its shell answers
        String answer = null;
        for (int i = 0; i < 60 && answer == null; i++) {
            tmux.keys("Enter");
            tmux.type("echo vm-$((6*7))");
            tmux.keys("Enter");
            Thread.sleep(1000);
            if (tmux.capture().contains("vm-42")) answer = "vm-42";
        }
        assertEquals("vm-42", answer, "the guest's shell answered on the serial console:\n" + tmux.capture());
        tmux.keys("C-]");
        String s = tmux.await("back at the table", x -> x.contains("filter: " + vm) && x.contains("NAME"), Duration.ofSeconds(30));
        assertTrue(s.lines().anyMatch(l -> l.contains(vm) && l.contains("running")), s);

        // x: ssh with the key given in the form as the user the seed made (cloud), remembered with the VM
        // once the table shows the guest's address (its DHCP lease); dropbear may need a moment more
        tmux.await("the guest's address", x -> x.lines().anyMatch(l -> l.contains(vm) && l.contains("192.168.")), Duration.ofSeconds(90));
        String shell = null;
        for (int i = 0; i < 20 && shell == null; i++) {
            tmux.keys("x");
            String t = tmux.await("a shell prompt in the guest, or ssh's failure",
                    x -> x.contains("~ $") || x.contains("exited with status 255"), Duration.ofSeconds(60));
            if (t.contains("~ $")) {
                shell = t;
            } else {
                tmux.await("the failure message gone", x -> !x.contains("exited with status 255"), Duration.ofSeconds(30));
            }
        }
        assertTrue(shell != null, "ssh to the guest worked:\n" + tmux.capture());
        tmux.type("echo user=$(id -un) ssh-$((6*7))");
        tmux.keys("Enter");
        tmux.await("user=cloud ssh-42");
        tmux.type("exit");
        tmux.keys("Enter");
        s = tmux.await("back from ssh", x -> x.contains("exited with status 0") && x.contains("NAME"), Duration.ofSeconds(30));
        assertTrue(s.contains("filter: " + vm), "the table as it was:\n" + s);
        // an ssh that waits and waits (here for a proxy that never answers): ctrl-c ends it, the UI says so in one line
        Files.writeString(dir.resolve("hang"), "");
        // the first ssh's banner is still on the normal screen, above its "Connection ... closed.": the new
        // one is the last line (the hanging ssh prints nothing), and only then is ctrl-c an interrupt for ssh
        tmux.keys("x");
        tmux.await("a new ssh banner", x -> x.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("").contains("cloudtui: ssh cloud@"),
                Duration.ofSeconds(60));
        tmux.keys("C-c");
        s = tmux.await("back from the stopped ssh", x -> x.contains("ssh to VM '" + vm + "' (cloud@") && x.contains("interrupted (ctrl-c)")
                && x.contains("NAME"),
                Duration.ofSeconds(30));
        assertTrue(s.contains("filter: " + vm), "the table as it was:\n" + s);
        Files.delete(dir.resolve("hang"));
        // the same from the CLI: vm ssh runs a command and passes its output and status through
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")).toAbsolutePath().toString(), "vm", "ssh", vm, "--",
                "echo cli-$(id -un); exit 3").redirectErrorStream(true);
        pb.environment().put("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString());
        pb.environment().put("HOME", dir.toString());
        pb.environment().put("PATH", path());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(3, p.waitFor(), out);
        assertTrue(out.contains("cli-cloud"), out);

        // z: snapshots; c takes one through the palette; r reverts after asking
        tmux.keys("z");
        tmux.await("snapshots of " + vm);
        tmux.keys("c");
        tmux.await(":snapshot create");
        tmux.type("first the first one");
        tmux.keys("Enter");
        tmux.await("took snapshot first of " + vm);
        tmux.await("the snapshot listed", x -> x.lines().anyMatch(l -> l.contains("first") && l.contains("the first one")), Duration.ofSeconds(30));
        assertTrue(virsh("snapshot-list", vm, "--name").contains("first"));
        tmux.keys("r");
        tmux.await("Revert " + vm + " to snapshot first?");
        tmux.keys("y");
        tmux.await("reverted " + vm + " to first");
        tmux.keys("Escape");
        tmux.await("the table again", x -> x.contains("filter: " + vm) && x.contains("NAME"), Duration.ofSeconds(20));
        // another client deletes the selected VM: its row goes, the UI carries on
        virsh("destroy", vm);
        virsh("undefine", vm, "--snapshots-metadata");
        tmux.await("the VM gone", x -> x.lines().noneMatch(l -> l.contains(vm) && !l.contains("filter")), Duration.ofSeconds(60));
        tmux.keys("z");
        tmux.await("no workload selected");
        tmux.quitAndCheckTerminal();
    }

    @Test
    void libvirtdGoingAwayShowsDisconnectedAndTheUiReconnects() throws Exception {
        Path sock = dir.resolve("libvirt.sock");
        try (SocketRelay relay = new SocketRelay(sock, Path.of("/var/run/libvirt/libvirt-sock"))) {
            relay.start();
            Files.writeString(dir.resolve("config.yaml"), "backends:\n  - name: kvm\n    type: libvirt\n    uri: qemu+unix:///system?socket=" + sock
                    + "\n    options: {domainType: qemu, pollInterval: 2}\n");
            tmux.start(dir.resolve("run.sh").toString(), 120, 40);
            tmux.await("the libvirt backend connected", s -> s.contains("● kvm"), Duration.ofSeconds(60));
            relay.stop();
            tmux.await("kvm disconnected");
            // the UI still answers keys while libvirtd is away
            tmux.keys("?");
            tmux.await("Workload table");
            tmux.keys("Escape");
            relay.start();
            tmux.await("reconnected", x -> x.contains("● kvm") && !x.contains("kvm disconnected"), Duration.ofSeconds(90));
            tmux.quitAndCheckTerminal();
        }
    }
}
