package io.cloudtui.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.TestHosts.Host;
import io.cloudtui.testing.TestHosts.Result;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The test hosts themselves (scripts/provision/50-hosts.sh, {@link TestHosts}): the ground the remote-host tests stand on. */
class TestHostsIT {
    private TestHosts hosts;
    private final List<Runnable> cleanup = new ArrayList<>();

    @BeforeEach
    void hosts() {
        hosts = TestHosts.require();
    }

    @AfterEach
    void heal() {
        for (Runnable r : cleanup) r.run();
        if (hosts == null) return; // skipped: no hosts
        for (Host h : hosts.hosts()) hosts.heal(h);
    }

    @Test
    void threeHostsEachWithItsOwnEngine() throws Exception {
        assertEquals(3, hosts.hosts().size());
        for (Host h : hosts.hosts()) {
            // the docker socket an ssh user sees is that host's, not this machine's
            Result seen = hosts.ssh(h, "stat", "-L", "-c", "%i", "/var/run/docker.sock");
            assertTrue(seen.ok(), seen.out());
            long inode = (Long) Files.getAttribute(h.dockerSocket(), "unix:ino");
            assertEquals(String.valueOf(inode), seen.out().trim(), h.name() + "'s /var/run/docker.sock");
            Result ps = hosts.ssh(h, "docker", "ps");
            assertTrue(ps.ok(), h.name() + ": " + ps.out());
            Result addr = hosts.ssh(h, "hostname", "-I");
            assertTrue(addr.out().contains(h.address()), addr.out());
            // named as the host, in its sessions and by its engine (docker info, swarm node names)
            assertEquals(h.name(), hosts.ssh(h, "hostname").out().trim());
            assertEquals(h.name(), hosts.docker(h, "info", "--format", "{{.Name}}").out().trim());
        }
        Host h1 = hosts.host("h1");
        String name = "ctui-hostsit-" + UUID.randomUUID().toString().substring(0, 8);
        cleanup.add(() -> hosts.docker(h1, "rm", "-f", name));
        Result run = hosts.ssh(h1, "docker", "run", "-d", "--name", name, "local/busybox", "sleep", "300");
        assertTrue(run.ok(), run.out());
        for (Host h : hosts.hosts()) {
            Result names = hosts.ssh(h, "docker", "ps", "-a", "--format", "{{.Names}}");
            assertTrue(names.ok(), names.out());
            assertEquals(h == h1, names.out().lines().anyMatch(name::equals), h.name() + " lists " + names.out());
        }
        // each host has its own homes: a file written in ~ on h1 is not on h2
        cleanup.add(() -> hosts.ssh(h1, "rm", "-f", name));
        assertTrue(hosts.ssh(h1, "touch", name).ok());
        assertTrue(hosts.ssh(h1, "test", "-e", name).ok());
        assertEquals(1, hosts.ssh(hosts.host("h2"), "test", "-e", name).exit(), "h1's home file seen on h2");
        Result local = TestHosts.run(List.of("docker", "ps", "-a", "--format", "{{.Names}}"));
        assertFalse(local.out().lines().anyMatch(name::equals), "this machine's dockerd lists the host's container");
        // and the hosts reach each other (bridged traffic passes this machine's FORWARD chain)
        Result peer = hosts.ssh(h1, "bash", "-c", "'exec 3<>/dev/tcp/" + hosts.host("h2").address() + "/22 && head -c 7 <&3'");
        assertEquals("SSH-2.0", peer.out().trim(), peer.out());
    }

    @Test
    void plainUserIsRefusedDocker() {
        Host h = hosts.host("h2");
        Result id = hosts.sshAs(TestHosts.PLAIN_USER, h, "id", "-un");
        assertEquals(TestHosts.PLAIN_USER, id.out().trim(), id.out());
        Result ps = hosts.sshAs(TestHosts.PLAIN_USER, h, "docker", "ps");
        assertFalse(ps.ok());
        assertTrue(ps.out().contains("permission denied"), ps.out());
    }

    @Test
    void cliUserReachesTheHostsByItsOwnSshConfig() {
        for (Host h : hosts.hosts()) {
            Result r = TestHosts.run(TestHosts.asCliUser("ssh", "-o", "BatchMode=yes", h.name(), "docker", "info", "--format", "{{.Name}}"));
            assertTrue(r.ok(), r.out());
        }
    }

    @Test
    void linkDownTimesOutAndLinkUpBringsItBack() {
        Host h = hosts.host("h3");
        hosts.linkDown(h);
        List<String> ssh = new ArrayList<>(hosts.sshCommand(2));
        ssh.addAll(List.of(h.name(), "true"));
        Result down = TestHosts.run(ssh);
        assertEquals(255, down.exit(), down.out());
        assertTrue(down.out().contains("timed out") || down.out().contains("No route to host"), down.out());
        // the other hosts do not notice
        assertTrue(hosts.ssh(hosts.host("h1"), "true").ok());
        hosts.linkUp(h);
        Result up = TestHosts.run(ssh);
        assertTrue(up.ok(), up.out());
    }

    @Test
    void sshdKilledDropsItsSessionsAndRestarts() throws Exception {
        Host h = hosts.host("h2");
        int before = hosts.sshConnections(h);
        List<String> cmd = new ArrayList<>(hosts.sshCommand(5));
        cmd.addAll(List.of(h.name(), "echo started; sleep 120"));
        Process session = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        cleanup.add(session::destroyForcibly);
        InputStream in = session.getInputStream();
        assertEquals("started\n", new String(in.readNBytes(8), StandardCharsets.UTF_8));
        assertEquals(before + 1, hosts.sshConnections(h), "one more connection counted on " + h.name());
        hosts.killSshd(h);
        assertEquals(255, session.waitFor(), "the session's ssh ends when the host's sshd dies");
        assertEquals(0, hosts.sshConnections(h));
        Result refused = hosts.ssh(h, "true");
        assertEquals(255, refused.exit());
        assertTrue(refused.out().contains("Connection refused"), refused.out());
        hosts.startSshd(h);
        assertTrue(hosts.ssh(h, "true").ok());
    }

    @Test
    void dockerdStopsAndStarts() {
        Host h = hosts.host("h3");
        hosts.stopDocker(h);
        Result stopped = hosts.ssh(h, "docker", "ps");
        assertFalse(stopped.ok(), stopped.out());
        assertTrue(hosts.ssh(hosts.host("h1"), "docker", "ps").ok(), "h1's engine is not h3's");
        hosts.startDocker(h);
        Result started = hosts.ssh(h, "docker", "image", "inspect", "-f", "ok", "local/busybox");
        assertEquals("ok", started.out().trim(), started.out());
    }

    @Test
    void changedHostKeyIsRefused() {
        Host h = hosts.host("h1");
        hosts.changeHostKey(h);
        Result r = hosts.ssh(h, "true");
        assertEquals(255, r.exit());
        assertTrue(r.out().contains("REMOTE HOST IDENTIFICATION HAS CHANGED"), r.out());
        hosts.restoreHostKey(h);
        assertTrue(hosts.ssh(h, "true").ok());
    }

    @Test
    void relayDelaysEachWayAndCanStall() throws Exception {
        Host h = hosts.host("h1");
        try (DelayRelay relay = hosts.relay(h, 25)) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                readLine(in); // the server's banner
                long t0 = System.nanoTime();
                out.write("SSH-2.0-ctui_relay_test\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertTrue(in.read() >= 0, "the server's key exchange");
                long rtt = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(rtt >= 50, "a round trip through the relay takes at least 2 x 25 ms, took " + rtt + " ms");
                assertEquals(1, relay.connections());
            }
            List<String> ssh = new ArrayList<>(hosts.sshCommand(5));
            ssh.addAll(List.of("-o", "HostName=127.0.0.1", "-p", String.valueOf(relay.port()), "-o", "HostKeyAlias=" + h.name(),
                    h.name(), "docker", "info", "--format", "{{.Name}}"));
            Result through = TestHosts.run(ssh);
            assertTrue(through.ok(), through.out());
            // a host that accepts TCP and never answers
            relay.stall(true);
            ssh.set(ssh.indexOf("ConnectTimeout=5"), "ConnectTimeout=1");
            Result stalled = TestHosts.run(ssh);
            assertEquals(255, stalled.exit());
            assertTrue(stalled.out().contains("banner exchange"), stalled.out());
        }
    }

    private static String readLine(InputStream in) throws Exception {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') b.append((char) c);
        return b.toString();
    }
}
