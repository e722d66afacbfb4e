package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Sshd;
import io.cloudtui.testing.Tmux;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Remote hosts in the UI, the real jar under tmux: {@code web1} is the loopback {@link Sshd} (this
 * machine's dockerd over ssh, as RemoteHostsIT), {@code down} a closed port. The HOST column, each
 * host's state in the header (down with its reason), {@code :host}, the group key, and the local
 * rows working while a host cannot connect.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TuiHostsTmuxIT {
    static final String PREFIX = "ctui-it-hostui-" + UUID.randomUUID().toString().substring(0, 6);
    static Path dir;
    static Sshd sshd;
    static boolean container;

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireDocker();
        dir = Files.createTempDirectory("ctui-hostui");
        sshd = Sshd.start(dir.resolve("sshd"));
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Path ssh = Files.createDirectories(dir.resolve("ssh"));
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(ssh.resolve("known_hosts"), "[127.0.0.1]:" + sshd.port + " " + Files.readString(sshd.dir.resolve("host.pub")).trim() + "\n");
        String user = System.getProperty("user.name");
        Files.writeString(ssh.resolve("config"), host("web1", sshd.port, user, sshd.key, ssh) + host("refused", closed, user, sshd.key, ssh)
                + "Host *\n  IdentitiesOnly yes\n  GlobalKnownHostsFile /dev/null\n  IdentityAgent none\n");
        Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("config.yaml"), "hosts:\n  - {name: web1, ssh: web1}\n  - {name: down, ssh: refused}\n");
        Engines.docker("run", "-d", "--name", PREFIX + "-a", "local/busybox", "sh", "-c", "echo hello-from-" + PREFIX + "; sleep 100000");
        container = true;
    }

    static String host(String alias, int port, String user, Path key, Path ssh) {
        return "Host " + alias + "\n  HostName 127.0.0.1\n  Port " + port + "\n  User " + user + "\n  IdentityFile " + key
                + "\n  UserKnownHostsFile " + ssh.resolve("known_hosts") + "\n";
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (container) Engines.run("docker", "rm", "-f", PREFIX + "-a");
        if (sshd != null) sshd.close();
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    /** The row lines of our container (local and through web1). */
    static List<String> rows(String screen) {
        return screen.lines().filter(l -> l.contains(PREFIX + "-a")).toList();
    }

    @Test
    void hostColumnHeaderStatesHostCommandAndGrouping() throws Exception {
        Map<String, String> env = Map.of("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString(),
                "CLOUDTUI_SSH_CONFIG", dir.resolve("ssh/config").toString(), "CLOUDTUI_SSH_CONNECT_TIMEOUT", "3",
                "XDG_RUNTIME_DIR", dir.resolve("run").toString(), "XDG_STATE_HOME", dir.resolve("state").toString(),
                "DOCKER_CONFIG", dir.resolve("docker").toString(), "TERM", "xterm-256color", "LANG", "C.UTF-8");
        Path run = Tmux.launcher(dir, env);
        try (Tmux tmux = new Tmux(PREFIX)) {
            tmux.start(run.toString(), 230, 40);
            // the header: web1 connected, down unreachable with its short reason
            String s = tmux.await("both hosts in the header", t -> t.contains("web1 connected") && t.contains("down unreachable: connection refused"),
                    Duration.ofSeconds(90));
            assertFalse(s.lines().findFirst().orElse("").contains("is sshd running"), "the header has the short reason:\n" + s);
            // our container twice: local and through web1, the HOST column says which
            tmux.keys("/");
            tmux.type(PREFIX);
            tmux.keys("Enter");
            s = tmux.await("both rows", t -> rows(t).size() == 2, Duration.ofSeconds(60));
            assertTrue(s.lines().anyMatch(l -> l.contains(" HOST ") && l.contains("BACKEND")), s);
            assertTrue(rows(s).stream().anyMatch(l -> l.trim().startsWith("local ")), s);
            assertTrue(rows(s).stream().anyMatch(l -> l.trim().startsWith("web1 ") && l.contains("web1/docker")), s);
            // :host web1 narrows, :host shows every host again
            tmux.keys(":");
            tmux.type("host web1");
            tmux.keys("Enter");
            s = tmux.await("only web1's row", t -> rows(t).size() == 1 && rows(t).get(0).trim().startsWith("web1 "), Duration.ofSeconds(30));
            assertTrue(s.lines().findFirst().orElse("").contains("host: web1"), s);
            tmux.keys(":");
            tmux.type("host");
            tmux.keys("Enter");
            tmux.await("both rows again", t -> rows(t).size() == 2 && !t.lines().findFirst().orElse("").contains("host: web1"),
                    Duration.ofSeconds(30));
            // grouped by host: local first; descending names do not change that
            tmux.keys("h");
            s = tmux.await("grouped", t -> t.lines().findFirst().orElse("").contains("grouped by host"), Duration.ofSeconds(30));
            assertTrue(rows(s).get(0).trim().startsWith("local ") && rows(s).get(1).trim().startsWith("web1 "), s);
            // the local rows work while a host cannot connect: logs of the local one
            tmux.keys("g");
            tmux.keys("l");
            tmux.await("hello-from-" + PREFIX);
            tmux.keys("Escape");
            // the full reason of the host that is down, in M
            tmux.keys("M");
            tmux.await("down: connection refused (is sshd running there, on that port?)");
            tmux.keys("Escape");
            tmux.quitAndCheckTerminal();
        }
    }
}
