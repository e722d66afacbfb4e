package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.testing.Engines;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The bundled engine run by an ordinary user: the real CLI (java -jar, as the launcher does) in a
 * process of a dedicated unprivileged user made here ({@value #USER}), with a clean environment
 * whose XDG_RUNTIME_DIR, XDG_DATA_HOME, XDG_STATE_HOME and XDG_CONFIG_HOME are temporary
 * directories of that user. Without sudo or setuid helpers it imports a docker save tar, runs
 * containers in a user namespace mapping it to root, and everything is checked from inside the
 * container and from the host (as root, this test's own view).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EngineRootlessIT {
    static final String USER = "cloudtui-rootless";
    /** A second user, made without subordinate ids: only root exists in its containers. */
    static final String NOSUB_USER = "cloudtui-rootless-nosub";
    static final ObjectMapper M = new ObjectMapper();
    static Path work;
    static Path home;
    static Path runDir;
    static Path dataDir;
    static Path stateDir;
    static Path configDir;
    static Path cacheDir;
    static Path jar;
    static Path imageTar;
    static Path marker;
    static int uid;
    static int gid;
    /** The user's first /etc/subuid range {start, count} when newuidmap and newgidmap are installed, else null. */
    static long[] sub;
    static Who main;

    /** A user the CLI runs as, with its home and its private XDG directories. */
    record Who(String name, int uid, int gid, Path home, Path run, Path data, Path state, Path config, Path cache) {
        List<String> env() {
            return List.of("HOME=" + home, "USER=" + name, "LOGNAME=" + name, "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8",
                    "XDG_RUNTIME_DIR=" + run, "XDG_DATA_HOME=" + data, "XDG_STATE_HOME=" + state, "XDG_CONFIG_HOME=" + config,
                    "XDG_CACHE_HOME=" + cache); // JNA unpacks its library under $XDG_CACHE_HOME/JNA
        }
    }

    /** Creates USER (with useradd EXTRA options) unless it exists, and its directories under work/PREFIX-*. */
    static Who user(String user, String prefix, String... extra) throws Exception {
        if (Engines.run("id", "-u", user) != 0) {
            List<String> cmd = new ArrayList<>(List.of("useradd", "--create-home", "--user-group", "--shell", "/bin/sh", "--comment", "cloudtui rootless IT"));
            cmd.addAll(List.of(extra));
            cmd.add(user);
            Out u = host(cmd.toArray(String[]::new));
            assertEquals(0, u.code, "useradd " + user + ": " + u.text);
        }
        int u = Integer.parseInt(host("id", "-u", user).text.trim());
        int g = Integer.parseInt(host("id", "-g", user).text.trim());
        assertNotEquals(0, u);
        Path h = Path.of(host("getent", "passwd", user).text.trim().split(":")[5]);
        return new Who(user, u, g, h, userDir(u, g, prefix + "-run"), userDir(u, g, prefix + "-data"), userDir(u, g, prefix + "-state"),
                userDir(u, g, prefix + "-config"), userDir(u, g, prefix + "-cache"));
    }

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
        Engines.require(Files.isExecutable(Path.of("/usr/sbin/useradd")) && Files.isExecutable(Path.of("/usr/bin/setpriv")), "useradd and setpriv");
        userNamespacesOrSkip();
        // everything of the users' in one temporary tree; its top is root's, readable by them
        work = Files.createTempDirectory("ctui-it-rl-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        main = user(USER, "u");
        uid = main.uid();
        gid = main.gid();
        home = main.home();
        runDir = main.run();
        dataDir = main.data();
        stateDir = main.state();
        configDir = main.config();
        cacheDir = main.cache();
        sub = subIds();
        // the jar (a checkout under /root is out of the user's reach) and the image, readable by the user
        jar = work.resolve("cloudtui.jar");
        Files.copy(Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")), jar);
        imageTar = buildImage(work.resolve("image"));
        for (Path p : List.of(jar, imageTar)) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        Out java = asUser(List.of(javaBin().toString(), "-XX:-UsePerfData", "-version"));
        assertEquals(0, java.code, USER + " cannot run the JDK at " + javaBin() + ": " + java.text);
        marker = work.resolve("marker");
        Files.writeString(marker, "");
    }

    static long[] subIds() throws IOException {
        if (!Files.isExecutable(Path.of("/usr/bin/newuidmap")) || !Files.isExecutable(Path.of("/usr/bin/newgidmap"))) return null;
        long[] u = null;
        long[] g = null;
        for (String l : Files.readAllLines(Path.of("/etc/subuid"))) {
            String[] f = l.split(":");
            if (u == null && f.length == 3 && (f[0].equals(USER) || f[0].equals(String.valueOf(uid)))) u = new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
        }
        for (String l : Files.readAllLines(Path.of("/etc/subgid"))) {
            String[] f = l.split(":");
            if (g == null && f.length == 3 && (f[0].equals(USER) || f[0].equals(String.valueOf(gid)))) g = new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
        }
        return u != null && g != null && u[1] >= 1000 && g[1] >= 1000 ? u : null;
    }

    /** The one reason to skip: user namespaces are switched off for unprivileged users. */
    static void userNamespacesOrSkip() throws IOException {
        Path max = Path.of("/proc/sys/user/max_user_namespaces");
        Assumptions.assumeTrue(Files.exists(max) && Long.parseLong(Files.readString(max).trim()) > 0,
                "user namespaces are disabled (user.max_user_namespaces is 0): rootless mode cannot work here");
        Path debian = Path.of("/proc/sys/kernel/unprivileged_userns_clone");
        Assumptions.assumeTrue(!Files.exists(debian) || Files.readString(debian).trim().equals("1"),
                "kernel.unprivileged_userns_clone is 0: unprivileged users may not create user namespaces here");
        Path apparmor = Path.of("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
        Assumptions.assumeTrue(!Files.exists(apparmor) || Files.readString(apparmor).trim().equals("0"),
                "kernel.apparmor_restrict_unprivileged_userns is set: AppArmor denies unprivileged user namespaces here");
    }

    static Path userDir(String name) throws Exception {
        return userDir(uid, gid, name);
    }

    static Path userDir(int u, int g, String name) throws Exception {
        Path d = Files.createDirectory(work.resolve(name), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        assertEquals(0, host("chown", u + ":" + g, d.toString()).code);
        return d;
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (work == null) return;
        // containers a failed test left behind: the user's own rm first, then the files
        Out ps = cli("ps", "-a", "-q", "--no-trunc");
        for (String id : ps.stdout().split("\\s+")) if (id.startsWith("runtime:")) cli("rm", "-f", id);
        host("pkill", "-KILL", "-U", String.valueOf(uid));
        host("pkill", "-KILL", "-U", NOSUB_USER);
        host("rm", "-rf", work.toString());
    }

    // ---------------------------------------------------------------- the image

    /**
     * A docker save tar of two layers: busybox-static with /etc/passwd, a setuid file, a file of
     * uid 1000 and a directory /data; then a layer that removes /gone (a whiteout) and replaces
     * /data (an opaque directory).
     */
    static Path buildImage(Path dir) throws Exception {
        Path l1 = Files.createDirectories(dir.resolve("l1"));
        for (String d : List.of("bin", "etc", "tmp", "root", "data")) Files.createDirectories(l1.resolve(d));
        Files.setPosixFilePermissions(l1.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.copy(Path.of("/bin/busybox"), l1.resolve("bin/busybox"));
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String a : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\\s+")) {
            if (!a.isEmpty() && !a.equals("busybox")) Files.createSymbolicLink(l1.resolve("bin").resolve(a), Path.of("busybox"));
        }
        Files.writeString(l1.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/:/bin/sh\n");
        Files.writeString(l1.resolve("etc/group"), "root:x:0:\napp:x:1000:\n");
        Files.writeString(l1.resolve("suid"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(l1.resolve("suid"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(0, host("chmod", "4755", l1.resolve("suid").toString()).code);
        Files.writeString(l1.resolve("owned"), "1000's\n");
        assertEquals(0, host("chown", "1000:1000", l1.resolve("owned").toString()).code);
        Files.writeString(l1.resolve("gone"), "removed by the next layer\n");
        Files.writeString(l1.resolve("data/old"), "hidden by the opaque /data above\n");
        Path l2 = Files.createDirectories(dir.resolve("l2/data"));
        Files.writeString(l2.resolve("new"), "upper\n");
        Files.writeString(l2.resolve(".wh..wh..opq"), "");
        Files.writeString(dir.resolve("l2/.wh.gone"), "");

        Path out = Files.createDirectories(dir.resolve("save"));
        List<String> diffIds = new ArrayList<>();
        List<String> layerPaths = new ArrayList<>();
        for (String l : List.of("l1", "l2")) {
            Path t = dir.resolve(l + ".tar");
            assertEquals(0, host("tar", "--numeric-owner", "-C", dir.resolve(l).toString(), "-cf", t.toString(), ".").code);
            String hex = sha256(Files.readAllBytes(t));
            diffIds.add("sha256:" + hex);
            Files.createDirectories(out.resolve(hex));
            Files.move(t, out.resolve(hex).resolve("layer.tar"));
            layerPaths.add(hex + "/layer.tar");
        }
        ObjectNode cfg = M.createObjectNode().put("architecture", "amd64").put("os", "linux");
        cfg.putObject("config").putArray("Cmd").add("sh");
        ((ObjectNode) cfg.get("config")).putArray("Env").add("PATH=/bin");
        ObjectNode rootfs = cfg.putObject("rootfs").put("type", "layers");
        diffIds.forEach(rootfs.putArray("diff_ids")::add);
        byte[] cfgBytes = M.writeValueAsBytes(cfg);
        String cfgName = sha256(cfgBytes) + ".json";
        Files.write(out.resolve(cfgName), cfgBytes);
        ObjectNode man = M.createObjectNode().put("Config", cfgName);
        man.putArray("RepoTags").add("local/rootless:1");
        layerPaths.forEach(man.putArray("Layers")::add);
        Files.write(out.resolve("manifest.json"), M.writeValueAsBytes(M.createArrayNode().add(man)));
        Path tar = work.resolve("rootless-image.tar");
        List<String> tarCmd = new ArrayList<>(List.of("tar", "-C", out.toString(), "-cf", tar.toString(), "manifest.json", cfgName));
        for (String l : layerPaths) tarCmd.add(l.substring(0, 64));
        assertEquals(0, host(tarCmd.toArray(String[]::new)).code);
        return tar;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    // ---------------------------------------------------------------- running things

    record Out(int code, String text, String stdout, String stderr) {}

    static Path javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** Runs a command as the test's own root. */
    static Out host(String... cmd) throws Exception {
        return run(new ProcessBuilder(cmd));
    }

    /** Runs CMD as the unprivileged user, with nothing of our environment but what a login would set and the XDG directories. */
    static Out asUser(List<String> cmd) throws Exception {
        return asUser(main, cmd);
    }

    static Out asUser(Who w, List<String> cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + w.uid(), "--regid=" + w.gid(), "--init-groups", "env", "-i"));
        c.addAll(w.env());
        c.addAll(cmd);
        return run(new ProcessBuilder(c).directory(w.run().toFile()));
    }

    /** The real cloudtui CLI as the user: the launcher's JVM options, no perf data file in /tmp. */
    static Out cli(String... args) throws Exception {
        return cliAs(main, args);
    }

    static Out cliAs(Who w, String... args) throws Exception {
        List<String> c = new ArrayList<>(List.of(javaBin().toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-Xlog:disable", "-Xlog:all=off", "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        c.addAll(List.of(args));
        return asUser(w, c);
    }

    static Out run(ProcessBuilder pb) throws Exception {
        Path err = Files.createTempFile("ctui-it-rl-err", ".txt");
        try {
            Process p = pb.redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("did not finish: " + pb.command());
            }
            String e = Files.readString(err);
            return new Out(p.exitValue(), out + e, out, e);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    static Out ok(String... args) throws Exception {
        return okAs(main, args);
    }

    static Out okAs(Who w, String... args) throws Exception {
        Out o = cliAs(w, args);
        assertEquals(0, o.code, String.join(" ", args) + ": " + o.text);
        return o;
    }

    /** A refusal: exit CODE and exactly one line on stderr (no stack trace), containing WHAT. */
    static void refused(int code, String what, String... args) throws Exception {
        refusedAs(main, code, what, args);
    }

    static void refusedAs(Who w, int code, String what, String... args) throws Exception {
        Out o = cliAs(w, args);
        assertEquals(code, o.code, String.join(" ", args) + ": " + o.text);
        // nothing about backends the user cannot reach and did not ask for (libvirt without a system bus)
        List<String> lines = o.stderr.lines().toList();
        assertEquals(1, lines.size(), "one line: " + o.stderr);
        assertTrue(lines.get(0).contains(what), o.stderr);
        assertFalse(o.stderr.contains("Exception") || o.stderr.contains("\tat "), o.stderr);
    }

    static JsonNode inspect(String name) throws Exception {
        return M.readTree(ok("inspect", name).stdout).get(0);
    }

    static String hostProcStatus(long pid, String key) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (l.startsWith(key + ":")) return l.substring(key.length() + 1).trim().replaceAll("\\s+", " ");
        }
        return "";
    }

    /** Host pids of the user's processes, from /proc. */
    static List<Long> userProcesses() throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue() == uid) {
                        out.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // gone
                }
            }
        }
        return out;
    }

    static String ns(long pid, String type) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "ns", type)).toString();
    }

    // ---------------------------------------------------------------- tests

    @Test
    @Order(1)
    void importsADockerSaveTarWithoutPrivileges() throws Exception {
        Out o = ok("image", "import", "--backend", "runtime", imageTar.toString());
        assertTrue(o.stdout.contains("sha256:"), o.text);
        assertTrue(ok("images", "--backend", "runtime").stdout.contains("local/rootless"), "listed");
        Path store = dataDir.resolve("cloudtui");
        for (Path d : List.of(store, runDir.resolve("cloudtui"))) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d, LinkOption.NOFOLLOW_LINKS)), d + " is private");
            assertEquals(uid, ((Number) Files.getAttribute(d, "unix:uid")).intValue(), d + " is the user's");
        }
        try (Stream<Path> s = Files.list(store.resolve("images/layers"))) {
            List<Path> layers = s.toList();
            assertEquals(2, layers.size());
            for (Path l : layers) {
                assertEquals("overlay-user", M.readTree(l.resolve("layer.json").toFile()).path("whiteouts").asText(), "whiteouts kept for a rootless overlay");
                try (Stream<Path> all = Files.walk(l)) {
                    assertTrue(all.allMatch(f -> uidOf(f) == uid), "every file of " + l + " is the user's: no chown");
                }
            }
        }
    }

    static int uidOf(Path p) {
        try {
            return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue();
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    @Order(2)
    void aForegroundRunIsRootInsideItsOwnNamespaces() throws Exception {
        Path vol = userDir("vol");
        Path rw = userDir("rw");
        Files.writeString(vol.resolve("f"), "from-the-host\n");
        Files.setPosixFilePermissions(vol.resolve("f"), PosixFilePermissions.fromString("rw-r--r--"));
        long me = ProcessHandle.current().pid();
        String script = String.join("; ", "echo uid=$(id -u) gid=$(id -g) pid=$$", "echo host=$(hostname)", "cat /vol/f", "echo foo=$FOO",
                "echo cwd=$(pwd)", "echo map=$(cat /proc/self/uid_map)", "echo init=$(cat /proc/1/comm)",
                "echo procs=$(ls /proc | grep -c '^[0-9][0-9]*$')", "test -e /proc/" + me + " && echo sees-host-pid",
                "echo net=$(ls /sys/class/net)", "touch /vol/x 2>&1 | grep -q Read-only && echo vol-ro", "echo made > /rw/made",
                "echo data=$(ls /data)", "test -e /gone || echo gone-hidden", "echo suid=$(stat -c %a /suid) owned=$(stat -c %u /owned)",
                "echo root=$(grep ' / ' /proc/mounts | cut -d' ' -f3)", "exit 7");
        Out o = cli("run", "--backend", "runtime", "--rm", "-v", vol + ":/vol:ro", "-v", rw + ":/rw", "-w", "/vol", "--hostname", "rlbox",
                "-e", "FOO=bar baz", "-u", "root", "local/rootless:1", "sh", "-c", script);
        assertEquals(7, o.code, "the command's exit code: " + o.text);
        String t = o.stdout;
        assertTrue(t.contains("uid=0 gid=0 pid=1\n"), "root inside, pid 1: " + t);
        assertTrue(t.contains("host=rlbox\n"), t);
        assertTrue(t.contains("from-the-host\n"), "the bind mount: " + t);
        assertTrue(t.contains("foo=bar baz\n") && t.contains("cwd=/vol\n"), t);
        String map = "0 " + uid + " 1" + (sub == null ? "" : " 1 " + sub[0] + " " + Math.min(sub[1], 65536));
        assertTrue(t.matches("(?s).*map=\\s*" + map + "\n.*"), "the user is root inside, and only it (and its subordinate ids) mapped: " + t);
        assertTrue(Files.isRegularFile(runDir.resolve("cloudtui/bin/current")), "the native stage is installed in the user's private dir");
        assertTrue(t.contains("init=sh\n"), "its own pid namespace: " + t);
        assertFalse(t.contains("sees-host-pid"), "host processes are not visible: " + t);
        int procs = Integer.parseInt(t.replaceAll("(?s).*procs=(\\d+).*", "$1"));
        assertTrue(procs < 10, "only its own few processes in /proc: " + t);
        assertTrue(t.contains("net=lo\n"), "its own network namespace, loopback only: " + t);
        assertTrue(t.contains("vol-ro\n"), ":ro volume: " + t);
        assertTrue(t.contains("data=new\n") && t.contains("gone-hidden\n"), "the upper layer's opaque dir and whiteout: " + t);
        assertTrue(t.contains("suid=755 owned=0\n"), "no setuid bit, no ownership from the image: " + t);
        assertTrue(t.contains("root=overlay\n"), "the root filesystem is an overlay mounted in the user namespace: " + t);
        assertEquals(uid, uidOf(rw.resolve("made")), "what root inside writes to a volume is the user's on the host");
        try (Stream<Path> s = Files.list(dataDir.resolve("cloudtui/containers"))) {
            assertEquals(List.of(), s.filter(p -> !p.getFileName().toString().startsWith(".")).toList(), "--rm removed it");
        }
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(work.toString()), "no mount on the host");
    }

    @Test
    @Order(3)
    void aDetachedContainerOutlivesTheCliAndIsTheUsersOnTheHost() throws Exception {
        // no --backend and no config: a user with no docker access gets the embedded runtime engine
        boolean dockerReachable = asUser(List.of("test", "-w", "/var/run/docker.sock")).code == 0;
        List<String> run = new ArrayList<>(List.of("run", "-d", "--name", "rl-web"));
        if (dockerReachable) run.addAll(List.of("--backend", "runtime"));
        run.addAll(List.of("local/rootless:1", "sh", "-c", "echo started; trap 'echo term; exit 3' TERM; while :; do sleep 0.1; done"));
        Out o = ok(run.toArray(String[]::new));
        String id = o.stdout.trim();
        assertTrue(id.matches("[0-9a-f]{64}"), o.text);
        assertTrue(Files.isDirectory(dataDir.resolve("cloudtui/containers").resolve(id)), "its directory is in $XDG_DATA_HOME/cloudtui");
        assertTrue(Files.isDirectory(runDir.resolve("cloudtui/engine").resolve(id)), "its state is in $XDG_RUNTIME_DIR/cloudtui");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("cloudtui/containers").resolve(id))));

        // the CLI has exited; the container runs on
        JsonNode rec = inspect("rl-web");
        assertEquals("running", rec.path("runtime").path("status").asText(), rec.toString());
        long pid = rec.path("runtime").path("pid").asLong();
        assertTrue(pid > 0 && Files.exists(Path.of("/proc", String.valueOf(pid))), rec.toString());
        assertEquals(uid + " " + uid + " " + uid + " " + uid, hostProcStatus(pid, "Uid"), "the host sees the user's uid");
        for (String type : List.of("user", "pid", "mnt", "uts", "ipc", "net")) {
            assertNotEquals(ns(ProcessHandle.current().pid(), type), ns(pid, type), "its own " + type + " namespace");
        }
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(id), "its overlay is not mounted on the host");
        assertTrue(Files.readString(Path.of("/proc", String.valueOf(pid), "mountinfo")).lines()
                .anyMatch(l -> l.contains(" / / ") && l.contains(" - overlay ")), "but in its own mount namespace");

        Out e = ok("exec", "rl-web", "sh", "-c", "echo $(id -u) $(hostname) $(cat /proc/1/comm)");
        assertEquals("0 " + id.substring(0, 12) + " sh\n", e.stdout, e.text);
        assertEquals(42, cli("exec", "rl-web", "sh", "-c", "exit 42").code, "exec returns the command's exit code");
        Out stats = ok("stats", "--no-stream", "rl-web");
        assertTrue(stats.stdout.lines().anyMatch(l -> l.startsWith("rl-web") && l.matches(".*\\s[1-9][0-9]*\\s*$")), "stats with PIDs: " + stats.text);
        assertTrue(ok("ps").stdout.lines().anyMatch(l -> l.contains("rl-web") && l.contains("running")));
        assertEquals("started\n", ok("logs", "rl-web").stdout);

        refused(1, "no cgroup", "pause", "rl-web");
        refused(125, "need a cgroup", "run", "--backend", "runtime", "--rm", "--memory", "64m", "local/rootless:1", "true");
        refused(125, "need a cgroup", "run", "--backend", "runtime", "--rm", "--pids-limit", "10", "local/rootless:1", "true");

        ok("stop", "rl-web");
        assertTrue(ok("ps", "-a").stdout.lines().anyMatch(l -> l.contains("rl-web") && l.contains("exited (3)")), "the TERM trap's exit code");
        assertEquals("started\nterm\n", ok("logs", "rl-web").stdout);
        ok("start", "rl-web");
        ok("kill", "rl-web");
        Out ps = null;
        for (int i = 0; i < 100; i++) {
            ps = ok("ps", "-a");
            if (ps.stdout.contains("exited (137)")) break;
            Thread.sleep(100);
        }
        assertTrue(ps.stdout.lines().anyMatch(l -> l.contains("rl-web") && l.contains("exited (137)")), ps.text);

        ok("rm", "rl-web");
        assertFalse(Files.exists(dataDir.resolve("cloudtui/containers").resolve(id)), "its directory is gone");
        assertFalse(Files.exists(runDir.resolve("cloudtui/engine").resolve(id)), "its state is gone");
        List<Long> left = userProcesses();
        for (int i = 0; i < 100 && !left.isEmpty(); i++) {
            Thread.sleep(100);
            left = userProcesses();
        }
        assertEquals(List.of(), left, "no process of the user is left (nor, so, a mount namespace with its overlay)");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(work.toString()), "no mount on the host");
        assertEquals("", leftovers(), "no file of the user's outside its own directories");
    }

    /**
     * Issue #19, rootless: the container's loopback is up (root of its user namespace owns its
     * network namespace), and a command that cannot run exits 127 or 126 as with docker, for run
     * and exec.
     */
    @Test
    @Order(3)
    void loopbackIsUpAndACommandThatCannotRunExits127Or126() throws Exception {
        for (String net : List.of("default", "none")) {
            Out o = ok("run", "--backend", "runtime", "--rm", "--network", net, "local/rootless:1", "sh", "-c", EngineIT.LOOPBACK);
            assertTrue(o.stdout.contains("<LOOPBACK,UP,LOWER_UP>"), net + ": " + o.text);
            assertTrue(o.stdout.contains("got:via-lo"), net + ": " + o.text);
        }
        refused(127, "exec: \"nosuchcmd\": executable file not found in $PATH", "run", "--backend", "runtime", "--rm", "local/rootless:1", "nosuchcmd");
        refused(126, "exec: \"/etc/passwd\": permission denied", "run", "--backend", "runtime", "--rm", "local/rootless:1", "/etc/passwd");
        refused(127, "executable file not found", "run", "--backend", "runtime", "-d", "--name", "rl-nocmd", "local/rootless:1", "nosuchcmd");
        ok("rm", "rl-nocmd");
        assertEquals("/new/dir\n", ok("run", "--backend", "runtime", "--rm", "-w", "/new/dir", "local/rootless:1", "pwd").stdout,
                "a missing working directory is made, as docker does");
        ok("run", "--backend", "runtime", "-d", "--name", "rl-codes", "local/rootless:1", "sleep", "1000");
        assertTrue(ok("exec", "rl-codes", "sh", "-c", EngineIT.LOOPBACK).stdout.contains("got:via-lo"), "exec sees it too");
        refused(127, "exec: \"nosuchcmd\": executable file not found in $PATH", "exec", "rl-codes", "nosuchcmd");
        refused(126, "exec: \"/etc\": permission denied", "exec", "rl-codes", "/etc");
        assertEquals(4, cli("exec", "rl-codes", "sh", "-c", "exit 4").code);
        ok("rm", "-f", "rl-codes");
    }

    /**
     * Users other than root: with subordinate ids (useradd gives a new user a range on Debian;
     * newuidmap and newgidmap from the uidmap package) they map to those; without, refused.
     */
    @Test
    @Order(4)
    void otherUsersMapToSubordinateIds() throws Exception {
        if (sub == null) {
            refused(125, "only root", "run", "--backend", "runtime", "--rm", "-u", "app", "local/rootless:1", "true");
            return;
        }
        String id = ok("run", "--backend", "runtime", "-d", "--name", "rl-app", "-u", "app", "local/rootless:1", "sh", "-c",
                "mkdir /tmp/mine && echo x > /tmp/mine/f && chmod 700 /tmp/mine && touch /tmp/ready; exec sleep 1000").stdout.trim();
        Out e = null;
        for (int i = 0; i < 100; i++) {
            e = cli("exec", "rl-app", "sh", "-c", "test -e /tmp/ready && echo $(id -u) $(id -g) $(stat -c %u /tmp/mine/f)");
            if (e.code == 0) break;
            Thread.sleep(100);
        }
        assertEquals("1000 1000 1000\n", e.stdout, e.text);
        Out asRoot = cli("exec", "-u", "root", "rl-app", "sh", "-c", "echo $(id -u) $HOME");
        assertEquals("0 /root\n", asRoot.stdout, "exec -u maps through the subordinate ids too: " + asRoot.text);
        long pid = inspect("rl-app").path("runtime").path("pid").asLong();
        long host = sub[0] + 999;
        assertEquals(host + " " + host + " " + host + " " + host, hostProcStatus(pid, "Uid"), "uid 1000 is subordinate uid " + host + " on the host");
        Path mine = dataDir.resolve("cloudtui/containers").resolve(id).resolve("upper/tmp/mine");
        assertEquals(host, uidOf(mine), "its files in the upper directory too");
        assertTrue(asUser(List.of("rm", "-rf", mine.toString())).code != 0, "which the user cannot delete on the host");
        ok("rm", "-f", "rl-app");
        assertFalse(Files.exists(dataDir.resolve("cloudtui/containers").resolve(id)), "rm removed them from inside a user namespace");
    }

    /**
     * Files of the user made or changed since the suite began, in the shared temporary and runtime
     * directories (what other runs on a shared machine left there before is not this suite's) and in its home.
     */
    static String leftovers() throws Exception {
        return leftovers(main);
    }

    static String leftovers(Who w) throws Exception {
        StringBuilder b = new StringBuilder();
        for (String d : List.of("/tmp", "/var/tmp", "/dev/shm", "/run")) {
            Out f = host("find", d, "-xdev", "-user", String.valueOf(w.uid()), "-not", "-path", work + "*", "-newer", marker.toString());
            b.append(f.stdout);
        }
        b.append(host("find", w.home().toString(), "-newer", marker.toString()).stdout.replace(w.home() + "\n", ""));
        return b.toString();
    }

    /**
     * Without subordinate ids only the user's own uid and gid exist in the container: devpts
     * without gid=5, other users refused. And the copying fallback for layers in OCI form.
     */
    @Test
    @Order(6)
    void withoutSubordinateIdsOnlyRootIsMapped() throws Exception {
        Who w = user(NOSUB_USER, "n", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0");
        assertFalse(Files.readString(Path.of("/etc/subuid")).contains(NOSUB_USER + ":"), NOSUB_USER + " was made without subordinate ids");
        // this user's store keeps the layers in OCI form (as one made before overlay whiteouts, or on a
        // filesystem without user xattrs): its containers get a copy of the image instead of an overlay
        Out t = asUser(w, List.of(javaBin().toString(), "-XX:-UsePerfData", "-cp", jar.toString(), "io.cloudtui.engine.image.ImageTool",
                "--root", w.data().resolve("cloudtui/images").toString(), "--unprivileged", "import", imageTar.toString()));
        assertEquals(0, t.code, t.text);
        Out o = cliAs(w, "run", "--backend", "runtime", "--rm", "local/rootless:1", "sh", "-c",
                "echo map=$(cat /proc/self/uid_map) gmap=$(cat /proc/self/gid_map) $(cat /proc/self/setgroups); echo tty=$(ls /dev/pts | wc -l);"
                        + " echo root=$(grep ' / ' /proc/mounts | cut -d' ' -f3) data=$(ls /data) $(test -e /gone || echo gone-hidden); id -G");
        assertEquals(0, o.code, o.text);
        assertTrue(o.stdout.matches("(?s)map=\\s*0 " + w.uid() + " 1 gmap=\\s*0 " + w.gid() + " 1 deny\n.*"), o.stdout);
        assertTrue(o.stdout.contains("tty=1\n") && o.stdout.endsWith("\n0\n"), "devpts mounted, root in no other group: " + o.stdout);
        assertTrue(o.stdout.contains("data=new gone-hidden\n") && !o.stdout.contains("root=overlay"), "a copy, with the whiteouts applied: " + o.stdout);
        try (Stream<Path> c = Files.list(w.data().resolve("cloudtui/containers"))) {
            assertEquals(List.of(), c.filter(p -> !p.getFileName().toString().startsWith(".")).toList(), "--rm removed the copy");
        }
        refusedAs(w, 125, "only root", "run", "--backend", "runtime", "--rm", "-u", "app", "local/rootless:1", "true");
        refusedAs(w, 125, "only root", "run", "--backend", "runtime", "--rm", "-u", "0:1000", "local/rootless:1", "true");
        Out d = cliAs(w, "run", "--backend", "runtime", "-d", "--name", "rl-nosub", "local/rootless:1", "sleep", "1000");
        assertEquals(0, d.code, d.text);
        refusedAs(w, 126, "only root", "exec", "-u", "app", "rl-nosub", "id");
        assertEquals(0, cliAs(w, "rm", "-f", "rl-nosub").code);
        assertEquals("", leftovers(w));
    }

    /** cloudtui pull as the user, from a registry on loopback filled by docker push. */
    @Test
    @Order(5)
    void pullsFromARegistry() throws Exception {
        Engines.requireDocker();
        Engines.require(Engines.run("docker-registry", "--version") == 0, "docker-registry (scripts/provision/40-registry.sh)");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path cfg = work.resolve("registry.yml");
        Files.writeString(cfg, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " + work.resolve("registry")
                + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
        Process reg = new ProcessBuilder("docker-registry", "serve", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("registry.log").toFile()).start();
        String ref = "localhost:" + port + "/ctui-it-rootless/busybox:latest";
        try {
            Out push = null;
            for (int i = 0; i < 100; i++) {
                if (push == null) assertEquals(0, host("docker", "tag", "local/busybox:latest", ref).code);
                push = host("docker", "push", ref);
                if (push.code == 0) break;
                Thread.sleep(100); // not listening yet
            }
            assertEquals(0, push.code, push.text);
            ok("pull", "--backend", "runtime", ref);
            Out o = cli("run", "--backend", "runtime", "--rm", ref, "sh", "-c", "echo pulled-$(id -u)");
            assertEquals(0, o.code, o.text);
            assertEquals("pulled-0\n", o.stdout);
            ok("rmi", ref);
        } finally {
            reg.destroy();
            reg.waitFor();
            host("docker", "rmi", ref);
        }
    }

    /** An image with a file and a directory of mode 000: imported, readable inside, removed without a trace. */
    @Test
    @Order(6)
    void modeZeroFilesAndDirectoriesImportRunAndGo() throws Exception {
        Path root = Files.createDirectories(work.resolve("mode0/root"));
        Files.createDirectories(root.resolve("etc"));
        Files.copy(Path.of("/bin/busybox"), root.resolve("busybox"));
        Files.writeString(root.resolve("etc/shadow"), "secret\n");
        Files.createDirectories(root.resolve("locked"));
        Files.writeString(root.resolve("locked/f"), "inside\n");
        Path tar = work.resolve("mode0/mode0.tar");
        assertEquals(0, host("chmod", "000", root.resolve("etc/shadow").toString(), root.resolve("locked").toString()).code);
        assertEquals(0, host("tar", "--numeric-owner", "-C", root.toString(), "-cf", tar.toString(), ".").code);
        assertEquals(0, host("chmod", "-R", "a+rX", work.resolve("mode0").toString()).code);
        assertEquals(0, host("chmod", "000", root.resolve("etc/shadow").toString(), root.resolve("locked").toString()).code);
        ok("image", "import", "--backend", "runtime", tar.toString(), "ctui-mode0:1");
        Out o = ok("run", "--rm", "--backend", "runtime", "ctui-mode0:1", "/busybox", "sh", "-c",
                "/busybox stat -c '%a %n' /etc/shadow /locked; /busybox cat /etc/shadow /locked/f");
        assertTrue(o.stdout.contains("0 /etc/shadow") && o.stdout.contains("0 /locked"), o.text);
        assertTrue(o.stdout.contains("secret\ninside\n"), o.text);
        ok("rmi", "ctui-mode0:1");
        // the layer went with the image: nothing of it left in the store, its trash included
        try (Stream<Path> all = Files.walk(dataDir.resolve("cloudtui/images"))) {
            List<Path> left = all.filter(f -> f.getFileName().toString().equals("locked")).toList();
            assertEquals(List.of(), left);
        }
        assertEquals(0, host("chmod", "-R", "u+rwX", work.resolve("mode0").toString()).code);
    }

    /** Nothing was written as the user outside its directories, whatever ran. */
    @Test
    @Order(7)
    void nothingIsLeftOutsideTheUsersDirectories() throws Exception {
        assertEquals("", leftovers());
    }
}
