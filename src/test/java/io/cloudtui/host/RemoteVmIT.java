package io.cloudtui.host;

import static io.cloudtui.host.RemoteHostsIT.builder;
import static io.cloudtui.host.RemoteHostsIT.cloudtui;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudtui.host.RemoteHostsIT.Result;
import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import io.cloudtui.testing.TestHosts.Host;
import io.cloudtui.testing.Tmux;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A VM on a remote host, through the real jar: the session libvirt of ctui-hdock on test host h3
 * (scripts/provision/50-hosts.sh; h3's sshd runs in a mount namespace of its own, so the session
 * daemon, its disks and QEMU are h3's, QEMU in h3's network namespace). vm create with a key and the
 * test guest's kernel + initrd (the config pins libvirt-session: its daemon is started as virsh does)
 * → discovery without the pin finds it (its VM defined) → ps with HOST → vm ssh through h3 runs a
 * command in the guest, a refused login is one line naming the VM and the host → libvirt and the
 * VM's ssh ride h3's one connection (TCP connections to h3 per process) → in the UI, a opens the
 * guest's serial console and x ssh in the guest, each returning to the table → snapshots → stop →
 * rm --storage leaves nothing on h3.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RemoteVmIT {
    static final Path GUEST = Path.of("/var/cache/cloudtui-test/guest");
    static final String VM = "ctui-it-rvm-" + UUID.randomUUID().toString().substring(0, 6);

    static TestHosts hosts;
    static Host h3;
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        hosts = TestHosts.requireHost("h3");
        h3 = hosts.host("h3");
        Engines.require(Files.isReadable(GUEST.resolve("vmlinuz")) && Files.isReadable(GUEST.resolve("initrd.img")),
                "test guest in " + GUEST + " (scripts/provision/30-libvirt.sh)");
        Engines.require(hosts.ssh(h3, "command -v virsh && command -v qemu-img").ok(), "virsh and qemu-img on the test hosts");
        dir = Files.createTempDirectory("ctui-rvm");
        Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("pinned.yaml"), "hosts:\n  - {name: h3, ssh: h3, backends: [libvirt-session]}\n");
        Files.writeString(dir.resolve("hosts.yaml"), "hosts:\n  - {name: h3, ssh: h3}\n");
        assertEquals(0, Engines.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ctui-it", "-f", dir.resolve("id").toString()));
        // ssh finds ~/.ssh through the passwd entry, not $HOME: an ssh first on PATH keeps the guests' host keys
        // (ssh to a VM names it with HostKeyAlias) out of root's known_hosts; every other ssh (to h3: the master,
        // the proxy) keeps the config's own known_hosts
        Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("bin/ssh"), "#!/bin/sh\ncase \" $* \" in *HostKeyAlias=cloudtui-vm-*) exec /usr/bin/ssh -o UserKnownHostsFile="
                + dir.resolve("known_hosts") + " \"$@\";; esac\nexec /usr/bin/ssh \"$@\"\n");
        Files.setPosixFilePermissions(dir.resolve("bin/ssh"), PosixFilePermissions.fromString("rwx------"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (hosts == null || dir == null) return;
        hosts.ssh(h3, "virsh -c qemu:///session destroy " + VM + "; virsh -c qemu:///session undefine " + VM
                + " --snapshots-metadata; rm -f ~/.local/share/libvirt/images/" + VM + ".qcow2 ~/.local/share/libvirt/images/" + VM
                + "-seed.iso");
        // the session libvirtd this test started ends when idle after 2 minutes; end it now when it has no VMs
        // (another test's discovery on h3 would find it meanwhile)
        hosts.ssh(h3, "if [ -z \"$(virsh -c qemu:///session list --all --name | tr -d '[:space:]')\" ] && [ -f ~/.cache/libvirt/libvirtd.pid ]; "
                + "then kill \"$(cat ~/.cache/libvirt/libvirtd.pid)\"; fi");
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static Map<String, String> env(String config) {
        Map<String, String> env = new HashMap<>();
        env.put("CLOUDTUI_CONFIG", dir.resolve(config).toString());
        env.put("CLOUDTUI_SSH_CONFIG", TestHosts.sshConfig().toString());
        env.put("CLOUDTUI_SSH_CONNECT_TIMEOUT", "5");
        env.put("XDG_RUNTIME_DIR", dir.resolve("run").toString());
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        env.put("DOCKER_CONFIG", dir.resolve("docker").toString());
        env.put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
        return env;
    }

    static Result ssh(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("vm", "ssh", VM, "--"));
        args.addAll(List.of(command));
        return cloudtui(env("hosts.yaml"), args.toArray(String[]::new));
    }

    @Test
    void aVmOnAHostsSessionLibvirtIsCreatedReachedSnapshottedAndRemovedThroughTheHost() throws Exception {
        Result created = cloudtui(env("pinned.yaml"), "vm", "create", VM, "--backend", "h3/libvirt-session", "--vcpus", "1", "--memory",
                "160m", "--kernel", GUEST.resolve("vmlinuz").toString(), "--initrd", GUEST.resolve("initrd.img").toString(), "--ssh-key",
                dir.resolve("id.pub").toString());
        assertEquals(0, created.code(), created.toString());
        assertTrue(created.out().strip().matches("[0-9a-f-]{36}"), created.toString());
        String xml = hosts.ssh(h3, "virsh -c qemu:///session dumpxml " + VM).out();
        Matcher m = Pattern.compile("<cloudtui:sshPort>(\\d+)</cloudtui:sshPort>").matcher(xml);
        assertTrue(m.find(), "the forwarded port is remembered with the VM:\n" + xml);
        String forwarded = "127.0.0.1:" + m.group(1) + "->22";
        assertTrue(xml.contains("/home/ctui-hdock/.local/share/libvirt/images/" + VM + ".qcow2"), "the disk is in h3's user's images:\n" + xml);
        assertTrue(hosts.ssh(h3, "test -s ~/.local/share/libvirt/images/" + VM + "-seed.iso").ok(), "the seed was written on h3");

        // discovery without the pin: the session libvirt is found (its daemon runs, a VM is defined)
        Result json = cloudtui(env("hosts.yaml"), "ps", "-a", "--format", "json");
        assertEquals(0, json.code(), json.toString());
        JsonNode row = null;
        for (JsonNode n : RemoteHostsIT.rows(json)) if (n.path("name").asText().equals(VM)) row = n;
        assertNotNull(row, json.toString());
        assertEquals("h3", row.path("host").asText(), json.toString());
        assertEquals("h3/libvirt-session", row.path("backend").asText(), json.toString());
        Result table = cloudtui(env("hosts.yaml"), "ps", "-a");
        assertTrue(table.out().startsWith("HOST "), table.toString());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("h3 ") && l.contains(VM) && l.contains("running") && l.contains(forwarded)),
                table.toString());

        // vm ssh through h3 (the guest's port is h3's loopback port): boot ~5 s under TCG, then dropbear
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        Result r;
        do {
            r = ssh("id", "-un");
            if (r.code() == 0) break;
            Thread.sleep(1000);
        } while (System.nanoTime() < deadline);
        assertEquals(0, r.code(), "vm ssh through h3:\n" + r);
        assertEquals("cloud", r.out().strip(), r.toString());
        // (Debian's ssh hashes the names it writes: ssh-keygen -F finds them)
        assertEquals(0, Engines.run("ssh-keygen", "-F", "cloudtui-vm-" + created.out().strip(), "-f", dir.resolve("known_hosts").toString()),
                "known_hosts names the VM, not an address as h3 sees it");
        Result refused = cloudtui(env("hosts.yaml"), "vm", "ssh", "-l", "nobody", VM, "--", "true");
        assertEquals(255, refused.code(), refused.toString());
        List<String> lines = refused.err().lines().filter(l -> l.startsWith("cloudtui: ")).toList();
        assertEquals(1, lines.size(), refused.toString());
        assertTrue(lines.get(0).startsWith("cloudtui: ssh to VM '" + VM + "' on host h3 as nobody@127.0.0.1:"), refused.toString());

        // libvirt (stats) and the VM's ssh are channels of h3's one connection: one TCP connection to h3's
        // sshd per cloudtui process (counted by the processes that own them: other tests may use h3 meanwhile)
        Process stats = builder(env("hosts.yaml"), "stats", "h3/libvirt-session:" + VM).redirectErrorStream(true).start();
        Process inGuest = builder(env("hosts.yaml"), "vm", "ssh", VM, "--", "echo in-guest; sleep 60").redirectErrorStream(true).start();
        try {
            assertTrue(firstLine(inGuest, "in-guest"), "vm ssh ran in the guest");
            assertTrue(firstLine(stats, VM), "stats of the VM");
            assertEquals(1, connections(h3, stats), "TCP connections to h3's sshd of cloudtui stats");
            assertEquals(1, connections(h3, inGuest), "TCP connections to h3's sshd of cloudtui vm ssh (its master, and ssh through it)");
        } finally {
            stats.destroy();
            inGuest.destroy();
            stats.waitFor(10, TimeUnit.SECONDS);
            inGuest.waitFor(10, TimeUnit.SECONDS);
        }

        ui();

        assertEquals(0, cloudtui(env("hosts.yaml"), "vm", "snapshot", "create", VM, "s1").code());
        Result list = cloudtui(env("hosts.yaml"), "vm", "snapshot", "list", VM);
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("s1 *") && l.contains("running") && l.contains("yes")), list.toString());
        assertEquals(0, ssh("touch", "after-s1").code());
        Result revert = cloudtui(env("hosts.yaml"), "vm", "snapshot", "revert", VM, "s1");
        assertEquals(0, revert.code(), revert.toString());
        Result gone = ssh("test", "-e", "after-s1");
        for (int i = 0; i < 30 && gone.code() == 255; i++) {
            Thread.sleep(1000);
            gone = ssh("test", "-e", "after-s1");
        }
        assertEquals(1, gone.code(), "reverted to before the file was made:\n" + gone);
        Result delete = cloudtui(env("hosts.yaml"), "vm", "snapshot", "delete", VM, "s1");
        assertEquals(0, delete.code(), delete.toString());
        assertFalse(cloudtui(env("hosts.yaml"), "vm", "snapshot", "list", VM).out().contains("s1"));

        Result stop = cloudtui(env("hosts.yaml"), "stop", "-t", "60", "h3/libvirt-session:" + VM);
        assertEquals(0, stop.code(), stop.toString());
        assertTrue(hosts.ssh(h3, "virsh -c qemu:///session domstate " + VM).out().contains("shut off"));

        Result rm = cloudtui(env("hosts.yaml"), "vm", "rm", "--storage", "-y", "h3/libvirt-session:" + VM);
        assertEquals(0, rm.code(), rm.toString());
        assertTrue(rm.out().contains("/home/ctui-hdock/.local/share/libvirt/images/" + VM + ".qcow2"), rm.toString());
        TestHosts.Result left = hosts.ssh(h3, "virsh -c qemu:///session list --all --name; ls ~/.local/share/libvirt/images");
        assertTrue(left.ok(), left.out());
        assertFalse(left.out().contains(VM), "nothing of the VM left on h3:\n" + left.out());
    }

    /** x on the remote VM's row: ssh in the guest through h3, then back at the table. */
    private void ui() throws Exception {
        Map<String, String> env = env("hosts.yaml");
        env.put("HOME", dir.toString());
        Path run = Tmux.launcher(dir, env);
        try (Tmux tmux = new Tmux(VM)) {
            tmux.start(run.toString(), 200, 40);
            tmux.await("the remote VM", s -> s.lines().anyMatch(l -> l.contains(VM) && l.contains("running")), Duration.ofSeconds(60));
            tmux.keys("/");
            tmux.type(VM);
            tmux.keys("Enter");
            tmux.await("only the VM", s -> s.contains("filter: " + VM), Duration.ofSeconds(20));
            // a: its serial console (a libvirt stream over h3's connection); ctrl-] back to the table
            tmux.keys("a");
            tmux.await("the console", s -> s.contains("console of " + VM), Duration.ofSeconds(30));
            String answer = null;
            for (int i = 0; i < 30 && answer == null; i++) {
                tmux.keys("Enter");
                tmux.type("echo vm-$((6*7))");
                tmux.keys("Enter");
                Thread.sleep(1000);
                if (tmux.capture().contains("vm-42")) answer = "vm-42";
            }
            assertEquals("vm-42", answer, "the guest's shell answered on the serial console:\n" + tmux.capture());
            tmux.keys("C-]");
            tmux.await("back at the table", x -> x.contains("filter: " + VM) && x.contains("NAME"), Duration.ofSeconds(30));
            tmux.keys("x");
            tmux.await("a shell prompt in the guest", x -> x.contains("~ $"), Duration.ofSeconds(60));
            tmux.type("echo user=$(id -un) ssh-$((6*7))");
            tmux.keys("Enter");
            tmux.await("user=cloud ssh-42");
            tmux.type("exit");
            tmux.keys("Enter");
            String s = tmux.await("back from ssh", x -> x.contains("exited with status 0") && x.contains("NAME"), Duration.ofSeconds(30));
            assertTrue(s.contains("filter: " + VM), "the table as it was:\n" + s);
            tmux.quitAndCheckTerminal();
        }
    }

    /** Established TCP connections to H's sshd that P or its descendants (ssh) hold, as ss -p shows their owners. */
    static int connections(Host h, Process p) {
        java.util.Set<Long> pids = new java.util.HashSet<>();
        pids.add(p.pid());
        p.descendants().forEach(d -> pids.add(d.pid()));
        TestHosts.Result r = TestHosts.run(List.of("ss", "-tnpH", "state", "established", "(", "dport", "=", ":22", "and", "dst", h.address(), ")"));
        assertTrue(r.ok(), r.out());
        Pattern pid = Pattern.compile("pid=(\\d+)");
        return (int) r.out().lines().filter(l -> {
            Matcher m = pid.matcher(l);
            while (m.find()) if (pids.contains(Long.parseLong(m.group(1)))) return true;
            return false;
        }).count();
    }

    /** Whether P prints a line containing TEXT before it ends (or 60 s pass). */
    static boolean firstLine(Process p, String text) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while (System.nanoTime() < deadline && (line = in.readLine()) != null) {
            if (line.contains(text)) return true;
        }
        return false;
    }
}
