package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.DelayRelay;
import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import io.cloudtui.testing.Tmux;
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
 * A slow link in the UI: test host h2 reached through a {@link DelayRelay} (this kernel has no netem),
 * the real jar under tmux. While h2's list is still on its way the UI answers keys: a key's effect
 * (grouping by host, said in the header) is on screen before h2's rows are, and the rows arrive after.
 * The order is made certain by the delay: the list after the connection needs round trips of
 * 2 x {@link #DELAY_MS} each (seconds), a key's effect a few hundred ms at worst. Speed itself is measured
 * in bench/hosts (25 ms each way, 10 hosts), not asserted here.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class TuiSlowHostTmuxIT {
    static final String PREFIX = "ctui-it-slowhost-" + UUID.randomUUID().toString().substring(0, 6);
    /** Each way; the slow link is 25 ms, here large enough that no scheduling hiccup reverses the order. */
    static final long DELAY_MS = 400;
    static TestHosts hosts;
    static TestHosts.Host h2;
    static DelayRelay relay;
    static Path dir;
    static boolean container;

    @BeforeAll
    static void setUp() throws Exception {
        hosts = TestHosts.require();
        h2 = hosts.host("h2");
        TestHosts.Result r = hosts.docker(h2, "run", "-d", "--name", PREFIX, "local/busybox", "sleep", "100000");
        assertEquals(0, r.exit(), r.out());
        container = true;
        relay = hosts.relay(h2, DELAY_MS);
        dir = Files.createTempDirectory("ctui-slowhost");
        Path ssh = Files.createDirectories(dir.resolve("ssh"));
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        // h2 through the relay: its own host key (HostKeyAlias), the test hosts' key and known_hosts
        Files.writeString(ssh.resolve("config"), "Host slow\n  HostName 127.0.0.1\n  Port " + relay.port() + "\n  HostKeyAlias h2\n  User "
                + TestHosts.DOCKER_USER + "\n  IdentityFile " + TestHosts.clientKey() + "\n  IdentitiesOnly yes\n  UserKnownHostsFile "
                + TestHosts.knownHosts() + "\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  IdentityAgent none\n");
        Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        // the slow host alone: no local engine whose rows would come first anyway
        Files.writeString(dir.resolve("config.yaml"), "backends:\n  - {name: docker, type: docker, enabled: false}\nhosts:\n  - {name: slow, ssh: slow}\n");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (relay != null) relay.close();
        if (container) hosts.docker(h2, "rm", "-f", PREFIX);
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    static List<String> rows(String screen) {
        return screen.lines().filter(l -> l.contains(PREFIX)).toList();
    }

    static boolean grouped(String screen) {
        return screen.lines().findFirst().orElse("").contains("grouped by host");
    }

    @Test
    void keysAreAnsweredWhileTheSlowHostLoadsAndItsRowsArrive() throws Exception {
        Map<String, String> env = Map.of("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString(),
                "CLOUDTUI_SSH_CONFIG", dir.resolve("ssh/config").toString(), "CLOUDTUI_SSH_CONNECT_TIMEOUT", "60",
                "XDG_RUNTIME_DIR", dir.resolve("run").toString(), "XDG_STATE_HOME", dir.resolve("state").toString(),
                "DOCKER_CONFIG", dir.resolve("docker").toString(), "TERM", "xterm-256color", "LANG", "C.UTF-8");
        Path run = Tmux.launcher(dir, env);
        try (Tmux tmux = new Tmux(PREFIX)) {
            tmux.start(run.toString(), 200, 40);
            // the UI is up once the host is connected; its list is still crossing the slow link
            String s = tmux.await("the slow host connected", t -> t.contains("slow connected"), Duration.ofSeconds(120));
            assertTrue(rows(s).isEmpty(), "the slow host's rows came with the first frame; the delay no longer orders this test:\n" + s);
            tmux.keys("h");
            s = tmux.await("the header saying grouped by host", TuiSlowHostTmuxIT::grouped, Duration.ofSeconds(60));
            assertTrue(rows(s).isEmpty(), "the key was answered only after the slow host's rows were on screen:\n" + s);
            // and its rows arrive, grouped under the host
            s = tmux.await("the slow host's row", t -> rows(t).size() == 1, Duration.ofSeconds(60));
            assertTrue(grouped(s) && rows(s).get(0).trim().startsWith("slow ") && rows(s).get(0).contains("slow/docker"), s);
            tmux.quitAndCheckTerminal();
        }
    }
}
