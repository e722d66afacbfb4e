package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Tmux;
import java.time.Duration;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real CLI (java -jar) run by an ordinary user made here ({@value #USER}), in none of the
 * 'docker' and 'libvirt' groups: what it is told about the engines it cannot use.
 */
class CliUnprivilegedIT {
    static final String USER = "cloudtui-nogroups";
    static final Path DOCKER_SOCKET = Path.of("/var/run/docker.sock");
    static Path work;
    static Path jar;
    static Path home;

    record Out(int code, String stdout, String stderr) {}

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.isExecutable(Path.of("/usr/sbin/useradd")) && Files.isExecutable(Path.of("/usr/bin/setpriv")), "useradd and setpriv");
        if (Engines.run("id", "-u", USER) != 0) {
            assertEquals(0, Engines.run("useradd", "--create-home", "--user-group", "--shell", "/bin/sh", "--comment", "cloudtui CLI IT", USER));
        }
        home = Path.of(host("getent", "passwd", USER).stdout.trim().split(":")[5]);
        // the jar (a checkout under /root is out of the user's reach), readable by the user
        work = Files.createTempDirectory("ctui-it-nogroups-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        jar = work.resolve("cloudtui.jar");
        Files.copy(Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")), jar);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (work != null) host("rm", "-rf", work.toString());
    }

    static Out host(String... cmd) throws Exception {
        return run(new ProcessBuilder(cmd));
    }

    /** The CLI as USER, with nothing of our environment but what a login sets. */
    static Out cli(String... args) throws Exception {
        return cliWithHome(home, args);
    }

    /** As {@link #cli}, with HOME set to {@code h} (not the passwd entry's home). */
    static Out cliWithHome(Path h, String... args) throws Exception {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups", "env", "-i",
                "HOME=" + h, "USER=" + USER, "LOGNAME=" + USER, "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData", "-Xlog:disable", "-Xlog:all=off", "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        c.addAll(List.of(args));
        return run(new ProcessBuilder(c).directory(home.toFile()));
    }

    static Out run(ProcessBuilder pb) throws Exception {
        Path err = Files.createTempFile("ctui-it-ng-err", ".txt");
        try {
            Process p = pb.redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("did not finish: " + pb.command());
            }
            return new Out(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    static void dockerSocketOutOfReach() throws Exception {
        Engines.requireDocker();
        Assumptions.assumeTrue(host("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups", "test", "-w", DOCKER_SOCKET.toString()).code != 0,
                USER + " may open " + DOCKER_SOCKET);
    }

    static final String DENIED = "cloudtui: docker: permission denied on /var/run/docker.sock (this user is not in the 'docker' group: "
            + "'sudo usermod -aG docker " + USER + "' and log in again, or use the bundled engine)\n";

    @Test
    void namingDockerSaysThisUserMayNotOpenItsSocketAndHowToFixThat() throws Exception {
        dockerSocketOutOfReach();
        Out copy = cli("image", "copy", "docker:local/busybox", "runtime");
        assertEquals(1, copy.code, copy.toString());
        assertEquals(DENIED, copy.stderr);
        assertEquals("", copy.stdout);
        // the same for a bare image (from the docker backend by default) and a docker: target
        Out bare = cli("image", "copy", "local/busybox");
        assertEquals(1, bare.code, bare.toString());
        assertEquals(DENIED, bare.stderr);
        Out logs = cli("logs", "docker:web");
        assertEquals(1, logs.code, logs.toString());
        assertEquals(DENIED, logs.stderr);
    }

    @Test
    void psSaysInOneShortLineWhyDockerIsLeftOutAndNothingOfAnUnreachableLibvirt() throws Exception {
        dockerSocketOutOfReach();
        Out ps = cli("ps", "-a");
        assertEquals(0, ps.code, ps.toString());
        assertTrue(ps.stdout.startsWith("ID "), ps.toString());
        assertEquals("cloudtui: warning: backend 'docker' not listed: permission denied on /var/run/docker.sock\n", ps.stderr);
    }

    @Test
    void anExplicitlyConfiguredLibvirtThisUserMayNotUseIsOneShortLine() throws Exception {
        Engines.requireLibvirt();
        Assumptions.assumeFalse(Files.exists(Path.of("/run/dbus/system_bus_socket")), "a D-Bus system bus: polkit decides, not tested here");
        Path cfg = work.resolve("libvirt.yaml");
        Files.writeString(cfg, "backends:\n  - {name: kvm, type: libvirt}\n  - {name: runtime, type: runtime}\n");
        Files.setPosixFilePermissions(cfg, PosixFilePermissions.fromString("rw-r--r--"));
        Out ps = cli("--config", cfg.toString(), "ps", "-a");
        assertEquals(0, ps.code, ps.toString());
        assertEquals("cloudtui: warning: backend 'kvm' not listed: this user may not connect to libvirt at qemu:///system "
                + "(run as root, join the 'libvirt' group, or configure uri: qemu:///session)\n", ps.stderr);
        assertFalse(ps.stderr.contains("bus"), ps.stderr);
    }

    @Test
    void theUiShowsDockerOutOfReachAndItsCopySaysWhy() throws Exception {
        dockerSocketOutOfReach();
        Engines.require(Engines.run("tmux", "-V") == 0, "tmux");
        StringBuilder script = new StringBuilder("#!/bin/sh\ncd '" + home + "'\n");
        for (String a : List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups", "env", "-i", "HOME=" + home, "USER=" + USER,
                "LOGNAME=" + USER, "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "TERM=xterm-256color",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xlog:disable", "-Xlog:all=off", "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString())) {
            script.append('\'').append(a.replace("'", "'\\''")).append("' ");
        }
        script.append("\necho \"CLOUDTUI-EXIT code=$?\"\nsleep 600\n");
        Path run = work.resolve("ui.sh");
        Files.writeString(run, script.toString());
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Tmux tmux = new Tmux("ctui-it-nogroups")) {
            tmux.start(run.toString(), 160, 30);
            // the header says docker is there but out of reach, instead of leaving it out silently
            String s = tmux.await("the header", x -> x.contains("cloudtui > workloads") && x.contains("docker no access"), Duration.ofSeconds(90));
            tmux.type(":copy docker:local/busybox runtime");
            tmux.keys("Enter");
            s = tmux.await("the copy's refusal", x -> x.contains("permission denied on /var/run/docker.sock"), Duration.ofSeconds(30));
            assertFalse(s.contains("say which backend"), s);
            tmux.keys("q");
            s = tmux.await("CLOUDTUI-EXIT");
            assertTrue(s.contains("CLOUDTUI-EXIT code=0"), s);
        }
    }

    @Test
    void filesGoUnderHomeAsSetNotThePasswdEntrysHome() throws Exception {
        Path other = work.resolve("other-home");
        Files.createDirectory(other);
        host("chown", USER + ":", other.toString());
        Out images = cliWithHome(other, "images", "--backend", "runtime");
        assertEquals(0, images.code, images.toString());
        // the bundled engine's store is where $HOME says, as docker's and ssh's files are
        assertTrue(Files.isDirectory(other.resolve(".local/share/cloudtui")), images.toString());
    }
}
