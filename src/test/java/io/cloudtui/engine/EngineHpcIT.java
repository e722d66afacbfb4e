package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.engine.image.Sifs;
import io.cloudtui.testing.Engines;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HPC habits on the bundled engine, with the real CLI, real namespaces and a dedicated unprivileged
 * user: a SIF built here (mksquashfs and a SIF header written from the published format) imported
 * and run, as root and as the user; damaged single-file images refused in one line; {@code run
 * --hpc} as the user: its ids inside, files it writes in the bound working directory its own, the
 * host's network, the environment passed and cleaned, -B binds (ro refusing writes), exit codes.
 */
class EngineHpcIT {
    static final String USER = "ctui-hpc-it";
    static Path work;
    static Path jar;
    static Path sif;
    static Path home;
    static Path cwd;
    static Path rootConfig;
    static int uid;
    static int gid;

    record Out(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
        Engines.require(Files.isExecutable(Path.of("/usr/bin/mksquashfs")) && Files.isExecutable(Path.of("/usr/bin/unsquashfs")),
                "squashfs-tools (scripts/provision/60-hpc.sh)");
        EngineRootlessIT.userNamespacesOrSkip();
        if (Engines.run("id", "-u", USER) != 0) {
            assertEquals(0, Engines.run("useradd", "--create-home", "--user-group", "--shell", "/bin/sh", "--comment", "cloudtui hpc IT", USER));
        }
        uid = Integer.parseInt(host("id", "-u", USER).out().trim());
        gid = Integer.parseInt(host("id", "-g", USER).out().trim());
        home = Path.of(host("getent", "passwd", USER).out().trim().split(":")[5]);
        work = Files.createTempDirectory("ctui-it-hpc-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        jar = work.resolve("cloudtui.jar");
        Files.copy(Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")), jar);
        Path rootfs = Sifs.busyboxRootfs(work.resolve("rootfs"));
        Path sq = Sifs.mksquashfs(rootfs, work.resolve("rootfs.sqfs"));
        sif = work.resolve("busybox-hpc.sif");
        Files.write(sif, Sifs.sif(List.of(Sifs.Obj.deffile("Bootstrap: scratch\n"), Sifs.Obj.partition(Files.readAllBytes(sq)))));
        for (Path p : List.of(jar, sif)) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        for (String d : List.of("run", "data", "cache", "cwd", "bind")) {
            Path p = Files.createDirectories(work.resolve("u-" + d));
            host("chown", USER + ":" + USER, p.toString());
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(d.equals("run") ? "rwx------" : "rwxr-xr-x"));
        }
        cwd = work.resolve("u-cwd");
        // root's engine on a store of the test's own (not the machine's /var/lib/cloudtui)
        rootConfig = work.resolve("root.yaml");
        Files.writeString(rootConfig, "backends:\n  - name: hpcrt\n    type: runtime\n    store: " + work.resolve("root-store") + "\n    root: "
                + work.resolve("root-run") + "\n  - name: hpcprofile\n    type: runtime\n    store: " + work.resolve("root-store") + "\n    root: "
                + work.resolve("root-run") + "\n    options: {hpc: true}\n");
        Out imp = user("image", "import", "--backend", "runtime", sif.toString());
        assertEquals(0, imp.code(), imp.all());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (work == null) return;
        Out ps = user("ps", "-aq");
        for (String id : ps.out().split("\\s+")) if (!id.isBlank()) user("rm", "-f", id.trim());
        Out rps = root("ps", "-aq");
        for (String id : rps.out().split("\\s+")) if (!id.isBlank()) root("rm", "-f", id.trim());
        host("rm", "-rf", work.toString());
    }

    static Out host(String... cmd) throws Exception {
        return run(new ProcessBuilder(cmd), null);
    }

    static List<String> java() {
        return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xlog:disable", "-Xlog:all=off", "--enable-native-access=ALL-UNNAMED",
                "-jar", jar.toString()));
    }

    /** The CLI as the user, in its working directory, with a login's environment, MYVAR and TERM, and EXTRA (K=V). */
    static Out userEnv(List<String> extra, String... args) throws Exception {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups", "env", "-i", "HOME=" + home,
                "USER=" + USER, "LOGNAME=" + USER, "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "TERM=dumb", "MYVAR=from the host",
                "XDG_RUNTIME_DIR=" + work.resolve("u-run"), "XDG_DATA_HOME=" + work.resolve("u-data"), "XDG_CACHE_HOME=" + work.resolve("u-cache"),
                "XDG_CONFIG_HOME=" + work.resolve("u-cache/config"), "XDG_STATE_HOME=" + work.resolve("u-cache/state")));
        c.addAll(extra);
        c.addAll(java());
        c.addAll(List.of(args));
        return run(new ProcessBuilder(c), cwd);
    }

    static Out user(String... args) throws Exception {
        return userEnv(List.of(), args);
    }

    /** The CLI as root with the test's own store. */
    static Out root(String... args) throws Exception {
        List<String> c = java();
        c.addAll(List.of("--config", rootConfig.toString()));
        c.addAll(List.of(args));
        return run(new ProcessBuilder(c), work);
    }

    static Out run(ProcessBuilder pb, Path dir) throws Exception {
        if (dir != null) pb.directory(dir.toFile());
        Path err = Files.createTempFile("ctui-it-hpc-err", ".txt");
        try {
            Process p = pb.redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + pb.command());
            }
            return new Out(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    static void oneLine(Out o, String what) {
        assertNotEquals(0, o.code(), what + ": " + o.all());
        assertTrue(o.out().isEmpty(), what + ": nothing on stdout: " + o.out());
        assertTrue(o.err().startsWith("cloudtui: ") && o.err().indexOf('\n') == o.err().length() - 1, what + ": one line: " + o.err());
    }

    // ---------------------------------------------------------------- SIF

    @Test
    void sifRunsAsTheUserWithItsRunscriptAsDefaultCommand() throws Exception {
        Out r = user("run", "--rm", "--backend", "runtime", "busybox-hpc", "sha256sum", "/bin/busybox");
        assertEquals(0, r.code(), r.err());
        String want = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(Path.of("/bin/busybox"))));
        assertEquals(want + "  /bin/busybox\n", r.out(), "the image's busybox is the one packed into the SIF");
        Out rs = user("run", "--rm", "--backend", "runtime", "busybox-hpc");
        assertEquals(0, rs.code(), rs.all());
        assertEquals("runscript ran: \n", rs.out());
    }

    @Test
    void sifRunsAsRoot() throws Exception {
        Out imp = root("image", "import", "--backend", "hpcrt", sif.toString(), "ctui-it-hpc/sif:1");
        assertEquals(0, imp.code(), imp.all());
        Out r = root("run", "--rm", "--backend", "hpcrt", "ctui-it-hpc/sif:1", "sh", "-c", "echo from the sif; id -u");
        assertEquals(0, r.code(), r.all());
        assertEquals("from the sif\n0\n", r.out());
        // as Apptainer: root stays root under --hpc
        Out h = root("run", "--hpc", "--rm", "--backend", "hpcrt", "ctui-it-hpc/sif:1", "sh", "-c", "id -u; pwd");
        assertEquals(0, h.code(), h.all());
        assertEquals("0\n" + work + "\n", h.out());
        // a backend configured hpc: true runs every container that way
        Out p = root("run", "--rm", "--backend", "hpcprofile", "ctui-it-hpc/sif:1", "sh", "-c", "pwd; cat /proc/self/cgroup");
        assertEquals(0, p.code(), p.all());
        assertTrue(p.out().startsWith(work + "\n"), p.out());
        String ownCgroup = Files.readString(Path.of("/proc/self/cgroup"));
        assertFalse(p.out().contains("/cloudtui/"), "no cgroup of its own: " + p.out() + " (ours: " + ownCgroup + ")");
    }

    @Test
    void damagedSingleFileImagesAreRefusedInOneLine() throws Exception {
        byte[] good = Files.readAllBytes(sif);
        Path cut = work.resolve("cut.sif");
        Files.write(cut, Arrays.copyOf(good, good.length / 2));
        Path zeros = work.resolve("zeros.img");
        Files.write(zeros, new byte[4096]);
        for (Path p : List.of(cut, zeros)) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        Out c = user("image", "import", "--backend", "runtime", cut.toString(), "ctui-it-hpc/cut:1");
        oneLine(c, "truncated SIF");
        assertTrue(c.err().contains("cut short"), c.err());
        Out z = user("image", "import", "--backend", "runtime", zeros.toString(), "ctui-it-hpc/zeros:1");
        oneLine(z, "zero-filled file");
        Out nothing = userEnv(List.of("PATH=/nonexistent"), "image", "import", "--backend", "runtime", sif.toString(), "ctui-it-hpc/nope:1");
        oneLine(nothing, "no unsquashfs");
        assertTrue(nothing.err().contains("needs unsquashfs") && nothing.err().contains("squashfs-tools"), nothing.err());
        // rootless, a device node is refused as in any other import (ownership and setuid bits are dropped)
        Path devRoot = Files.createDirectories(work.resolve("devroot"));
        Files.writeString(devRoot.resolve("f"), "x");
        Path devSq = Sifs.mksquashfs(devRoot, work.resolve("dev.sqfs"), "dev d 755 0 0", "dev/null c 666 0 0 1 3", "f m 4755 123 456");
        Path devSif = work.resolve("dev.sif");
        Files.write(devSif, Sifs.sif(List.of(Sifs.Obj.partition(Files.readAllBytes(devSq)))));
        Files.setPosixFilePermissions(devSif, PosixFilePermissions.fromString("rw-r--r--"));
        Out dev = user("image", "import", "--backend", "runtime", devSif.toString(), "ctui-it-hpc/dev:1");
        oneLine(dev, "device node, rootless");
        assertEquals("cloudtui: refusing layer: device node 'dev/null' can only be created when running as root\n", dev.err());
        Out images = user("images", "--backend", "runtime");
        assertFalse(images.out().contains("ctui-it-hpc/"), "nothing stored: " + images.out());
    }

    // ---------------------------------------------------------------- run --hpc

    @Test
    void runsAsTheUserInItsWorkingDirectory() throws Exception {
        Files.writeString(home.resolve(".hpc-marker"), "");
        Out r = user("run", "--hpc", "--rm", "--backend", "runtime", "busybox-hpc", "sh", "-c",
                "id -u; id -g; id -un; pwd; echo written > out.txt; ls $HOME/.hpc-marker");
        assertEquals(0, r.code(), r.all());
        assertEquals(uid + "\n" + gid + "\n" + USER + "\n" + cwd + "\n" + home.resolve(".hpc-marker") + "\n", r.out());
        Path out = cwd.resolve("out.txt");
        assertEquals("written\n", Files.readString(out));
        assertEquals(uid, Files.getAttribute(out, "unix:uid"), "the file is the user's on the host");
        assertEquals(gid, Files.getAttribute(out, "unix:gid"));
    }

    @Test
    void seesTheHostsNetworkDevicesAndTmp() throws Exception {
        Set<String> hostNets;
        try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
            hostNets = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertTrue(hostNets.size() > 1, "the host has more than loopback: " + hostNets);
        Path tmpFile = Files.createTempFile("ctui-it-hpc-tmp", ".txt");
        try {
            Files.writeString(tmpFile, "host tmp");
            Files.setPosixFilePermissions(tmpFile, PosixFilePermissions.fromString("rw-r--r--"));
            Out r = user("run", "--hpc", "--rm", "--backend", "runtime", "busybox-hpc", "sh", "-c",
                    "ls /sys/class/net; echo ---; cat " + tmpFile + "; echo; test -c /dev/null && test -e /dev/" + anyHostDevice() + " && echo devices");
            assertEquals(0, r.code(), r.all());
            String[] parts = r.out().split("---\n");
            // other tests' containers come and go (veth pairs): those there before and after are there inside
            Set<String> inside = new TreeSet<>(Arrays.asList(parts[0].trim().split("\\s+")));
            try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
                hostNets.retainAll(s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
            }
            assertTrue(inside.containsAll(hostNets), "the host's interfaces " + hostNets + " inside: " + inside);
            assertEquals("host tmp\ndevices\n", parts[1]);
            // without --hpc the container has a network of its own: loopback alone
            Out plain = user("run", "--rm", "--backend", "runtime", "busybox-hpc", "ls", "/sys/class/net");
            assertEquals(0, plain.code(), plain.all());
            assertEquals("lo", plain.out().trim());
        } finally {
            Files.deleteIfExists(tmpFile);
        }
    }

    /** A device of the host that no container /dev has by default. */
    static String anyHostDevice() throws Exception {
        for (String d : List.of("loop-control", "kmsg", "mem", "vcs", "cpu_dma_latency", "fuse", "autofs")) {
            if (Files.exists(Path.of("/dev", d))) return d;
        }
        throw new AssertionError("no host device to look for in /dev");
    }

    @Test
    void passesTheEnvironmentAndCleanEnvDropsIt() throws Exception {
        Out r = user("run", "--hpc", "--rm", "--backend", "runtime", "-e", "SET=by -e", "busybox-hpc", "sh", "-c",
                "echo \"$MYVAR|$TERM|$SET|$HOME|$PATH\"");
        assertEquals(0, r.code(), r.all());
        assertEquals("from the host|dumb|by -e|" + home + "|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n", r.out(),
                "the host's variables, not its PATH");
        Out c = userEnv(List.of("http_proxy=http://proxy:3128"), "run", "--cleanenv", "--rm", "--backend", "runtime", "busybox-hpc", "sh", "-c",
                "echo \"$MYVAR|$TERM|$http_proxy|$USER|$HOME\"; id -u");
        assertEquals(0, c.code(), c.all());
        assertEquals("|dumb|http://proxy:3128||" + home + "\n" + uid + "\n", c.out(), "--cleanenv keeps TERM and proxies (and implies --hpc)");
    }

    @Test
    void bindsAsApptainerTakesThem() throws Exception {
        Path bind = work.resolve("u-bind");
        Files.writeString(bind.resolve("in.txt"), "bound");
        Out r = user("run", "--hpc", "--rm", "--backend", "runtime", "-B", bind + ":/data:ro," + bind + ":/rw", "-B", bind.toString(),
                "busybox-hpc", "sh", "-c", "cat /data/in.txt; echo; cat " + bind + "/in.txt; echo; echo new > /rw/new.txt; touch /data/x 2>/dev/null && echo wrote-ro; echo done");
        assertEquals(0, r.code(), r.all());
        assertEquals("bound\nbound\ndone\n", r.out());
        assertEquals("new\n", Files.readString(bind.resolve("new.txt")));
        assertFalse(Files.exists(bind.resolve("x")), "ro refused the write");
        Out bad = user("run", "--hpc", "--rm", "--backend", "runtime", "-B", "/nonexistent-ctui:/x", "busybox-hpc", "true");
        oneLine(bad, "missing bind source");
    }

    @Test
    void returnsTheCommandsExitCode() throws Exception {
        for (int code : List.of(0, 3)) {
            Out r = user("run", "--hpc", "--rm", "--backend", "runtime", "busybox-hpc", "sh", "-c", "exit " + code);
            assertEquals(code, r.code(), r.all());
        }
        Out notExec = user("run", "--hpc", "--rm", "--backend", "runtime", "busybox-hpc", "/etc/passwd");
        assertEquals(126, notExec.code(), notExec.all());
        Out missing = user("run", "--hpc", "--rm", "--backend", "runtime", "busybox-hpc", "no-such-command");
        assertEquals(127, missing.code(), missing.all());
        Out ps = user("ps", "-aq");
        assertEquals(0, ps.code(), ps.all());
        assertEquals("", ps.out().trim(), "--rm left no container");
    }
}
