package io.cloudtui.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** ssh's stderr, as OpenSSH writes it, to the host's state and the user's one line. */
class SshFailureTest {
    private static SshFailure of(String stderr) {
        return SshFailure.classify("web1", "ops@web1", stderr);
    }

    @Test
    void hostKeys() {
        assertEquals(new SshFailure(Host.State.HOST_KEY_UNKNOWN, "web1: unknown host key; run 'ssh ops@web1' once to check and accept it"),
                of("No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n"));
        assertEquals(new SshFailure(Host.State.HOST_KEY_CHANGED, "web1: host key changed (possible attack); check it and fix known_hosts"),
                of("@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@\nIT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"
                        + "Host key for [127.0.0.1]:2222 has changed and you have requested strict checking.\nHost key verification failed.\n"));
    }

    @Test
    void authAndNetwork() {
        assertEquals(new SshFailure(Host.State.AUTH_FAILED, "web1: permission denied (publickey); 'ssh-add' your key or set IdentityFile"),
                of("root@127.0.0.1: Permission denied (publickey).\r\n"));
        assertEquals(new SshFailure(Host.State.UNREACHABLE,
                "web1: host name does not resolve (Could not resolve hostname nope.invalid: Name or service not known)"),
                of("ssh: Could not resolve hostname nope.invalid: Name or service not known\r\n"));
        assertEquals(Host.State.UNREACHABLE, of("ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n").state());
        assertEquals("web1: connection refused (is sshd running there, on that port?)",
                of("ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n").line());
        assertEquals("web1: connection timed out (no answer from its sshd)",
                of("Connection timed out during banner exchange\r\n").line());
        assertEquals("web1: ssh failed: kex_exchange_identification: Connection closed by remote host",
                of("kex_exchange_identification: Connection closed by remote host\r\n").line());
    }

    @Test
    void discoveryOutput() {
        String out = "ok /var/run/docker.sock\ndenied /run/user/1000/podman/podman.sock podman\nok /var/run/libvirt/libvirt-sock\nuser ops\n";
        assertEquals(List.of(new Host.Found("docker", "/var/run/docker.sock", true, null),
                new Host.Found("podman", "/run/user/1000/podman/podman.sock", false, "podman"),
                new Host.Found("libvirt", "/var/run/libvirt/libvirt-sock", true, null)), Host.parseDiscovery(out));
        assertEquals("ops", Host.user(out));
        assertEquals("'a'\\''b'", Host.shellQuote("a'b"));
    }

    @Test
    void aHostWithNeitherDockerdNorPodmanInstalledIsSaidSo() {
        assertTrue(Host.noEngine("user ops\nnoengine\n"));
        assertFalse(Host.noEngine("ok /var/run/libvirt/libvirt-sock\nuser ops\n"));
    }

    @Test
    void theSessionLibvirtOfTheSshUserIsFoundByItsSocketPath() {
        String out = "ok /var/run/docker.sock\nsession /home/ops/.cache/libvirt/libvirt-sock\nuser ops\n";
        assertEquals(List.of(new Host.Found("docker", "/var/run/docker.sock", true, null),
                new Host.Found("libvirt-session", "/home/ops/.cache/libvirt/libvirt-sock", true, null)), Host.parseDiscovery(out));
    }

    @Test
    void aVmsSshReachesItThroughTheHostsMasterWithTheSameOptions() {
        Host h = new Host("lab", SshTarget.parse("ops@lab.example:2222"), new SshOptions("/home/me/my ssh%config", 7),
                java.nio.file.Path.of("/run/user/1/cloudtui/ssh/42"), "h0");
        // run by the user's shell: words quoted for it; ssh expands %h:%p, any other % is doubled
        assertEquals("ssh -F '/home/me/my ssh%%config' -o BatchMode=yes -o ConnectTimeout=7 -o ServerAliveInterval=5"
                + " -o ServerAliveCountMax=3 -o StreamLocalBindUnlink=yes -S /run/user/1/cloudtui/ssh/42/h0.ctl -o ControlMaster=no"
                + " -W %h:%p -l ops -p 2222 -- lab.example", h.proxyCommand());
        assertEquals("lab", h.hostName());
    }

    @Test
    void aLostConnectionSaysWhy() {
        assertEquals(new SshFailure(Host.State.UNREACHABLE, "web1: no answer for 15 s (link down?); reconnecting by itself"),
                SshFailure.lost("web1", "Timeout, server 10.213.0.101 not responding.\r\n", 15));
        assertEquals(new SshFailure(Host.State.UNREACHABLE, "web1: connection closed by the host (sshd stopped?); reconnecting by itself"),
                SshFailure.lost("web1", "Connection to 10.213.0.101 closed by remote host.\r\n", 15));
        assertEquals("web1: connection lost; reconnecting by itself", SshFailure.lost("web1", "", 15).line());
    }
}
