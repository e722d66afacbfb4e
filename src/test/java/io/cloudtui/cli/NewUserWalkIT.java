package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Tmux;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue #19's "done when", its container part: the walk of a new user (build, run, run -v with
 * the current directory, run -d --name, ps, rm -f, run -it in a real terminal) with the real jar,
 * as root on docker and as a user outside the docker group on the bundled engine, rootless (its
 * build made by the bundled engine itself, then used by the rest of the walk). The
 * user is a dedicated one made here ({@value #USER}), with a fresh home and nothing configured.
 */
class NewUserWalkIT {
    static final String USER = "cloudtui-walker";
    static final String TAG = UUID.randomUUID().toString().substring(0, 8);
    static Path work;

    record Out(int code, String stdout, String stderr) {
        String text() {
            return "exit " + code + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireRoot();
        work = Files.createTempDirectory("ctui-it-walk-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (work == null) return;
        Engines.run("docker", "rm", "-f", "walk-" + TAG);
        Engines.run("docker", "rmi", "-f", "local/walk-" + TAG + ":1");
        Engines.run("rm", "-rf", work.toString());
    }

    static Path jar() {
        return Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")).toAbsolutePath();
    }

    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    static Out run(ProcessBuilder pb) throws Exception {
        Path err = Files.createTempFile(work, "err", ".txt");
        Process p = pb.redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "did not finish: " + pb.command());
        String e = Files.readString(err);
        Files.delete(err);
        return new Out(p.exitValue(), out, e);
    }

    /** A build context: the image's Dockerfile copies a file in and names a CMD. */
    static Path context(String from) throws Exception {
        Path ctx = Files.createDirectories(work.resolve("ctx-" + from.replaceAll("[^a-z0-9]", "-")));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + from + "\nCOPY greeting.txt /greeting.txt\nCMD [\"cat\", \"/greeting.txt\"]\n");
        Files.writeString(ctx.resolve("greeting.txt"), "hello from the image\n");
        return ctx;
    }

    /** A project directory, the current directory of the run -v $(pwd):/app step. */
    static Path project() throws Exception {
        Path proj = Files.createDirectories(work.resolve("project"));
        Files.writeString(proj.resolve("notes.txt"), "hello from the host\n");
        return proj;
    }

    /** The line a run -it session prints through the pane: the shell's prompt, a typed command's output, its exit. */
    static void interactive(Path script) throws Exception {
        try (Tmux tmux = new Tmux("ctui-it-walk")) {
            tmux.start(script.toString(), 100, 30);
            tmux.await("/ #");
            tmux.type("echo walk-$((6*7))");
            tmux.keys("Enter");
            tmux.await("walk-42");
            tmux.type("exit");
            tmux.keys("Enter");
            String s = tmux.await("CLOUDTUI-EXIT");
            assertTrue(s.contains("CLOUDTUI-EXIT code=0 stty=same"), s);
        }
    }

    // ---------------------------------------------------------------- root, docker

    /** As root with nothing configured (a fresh HOME): the default backend is docker. */
    static Out root(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java().toString(), "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().remove("CLOUDTUI_CONFIG");
        pb.environment().put("HOME", work.resolve("root-home").toString());
        pb.environment().remove("XDG_CONFIG_HOME");
        return run(pb);
    }

    static Out rootOk(Path cwd, String... args) throws Exception {
        Out o = root(cwd, args);
        assertEquals(0, o.code(), String.join(" ", args) + ": " + o.text());
        return o;
    }

    @Test
    void asRootOnDocker() throws Exception {
        Engines.requireDocker();
        Files.createDirectories(work.resolve("root-home"));
        String image = "local/walk-" + TAG + ":1";
        String name = "walk-" + TAG;
        Path ctx = context("local/busybox");
        Path proj = project();

        Out b = rootOk(work, "build", "-t", image, ctx.toString());
        assertTrue(rootOk(work, "images").stdout().contains("local/walk-" + TAG), "the built image is listed: " + b.text());
        assertEquals("hello from the image\n", rootOk(work, "run", "--rm", image).stdout(), "its CMD and its COPY");
        assertEquals("hello from the host\n", rootOk(proj, "run", "--rm", "-v", proj + ":/app", image, "cat", "/app/notes.txt").stdout());
        assertEquals("hello from the host\n", rootOk(proj, "run", "--rm", "-v", ".:/app", image, "cat", "/app/notes.txt").stdout(),
                "a relative path is the current directory's");

        String id = rootOk(work, "run", "-d", "--name", name, image, "sleep", "300").stdout().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        Out ps = rootOk(work, "ps");
        assertTrue(ps.stdout().lines().anyMatch(l -> l.contains(" " + name + " ") && l.contains(" Up ")), "ps shows it: " + ps.stdout());
        assertEquals(name + "\n", rootOk(work, "rm", "-f", name).stdout());
        assertFalse(rootOk(work, "ps", "-a").stdout().contains(" " + name + " "), "gone");

        Path script = work.resolve("root-it.sh");
        Files.writeString(script, "#!/bin/sh\nunset CLOUDTUI_CONFIG XDG_CONFIG_HOME\ncd " + work + "\nbefore=$(stty -g)\nHOME=" + work.resolve("root-home") + " " + java() + " -jar " + jar()
                + " run -it --rm " + image + " sh\ncode=$?\n[ \"$before\" = \"$(stty -g)\" ] && s=same || s=changed\n"
                + "echo \"CLOUDTUI-EXIT code=$code stty=$s\"\nsleep 600\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        interactive(script);
        assertEquals(0, rootOk(work, "rmi", image).code());
    }

    // ---------------------------------------------------------------- a user outside the docker group, the bundled engine rootless

    static int uid;
    static int gid;
    static Path userHome;

    /** As the user, with a login's environment (HOME, USER, PATH) and nothing else. */
    static List<String> asUser(List<String> cmd) {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups", "env", "-i",
                "HOME=" + userHome, "USER=" + USER, "LOGNAME=" + USER, "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"));
        c.addAll(cmd);
        return c;
    }

    static List<String> userCli(Path jar, String... args) {
        List<String> c = new ArrayList<>(List.of(java().toString(), "-jar", jar.toString()));
        c.addAll(List.of(args));
        return asUser(c);
    }

    static Out user(Path jar, Path cwd, String... args) throws Exception {
        return run(new ProcessBuilder(userCli(jar, args)).directory(cwd.toFile()));
    }

    static Out userOk(Path jar, Path cwd, String... args) throws Exception {
        Out o = user(jar, cwd, args);
        assertEquals(0, o.code(), String.join(" ", args) + ": " + o.text());
        return o;
    }

    @Test
    void asAUserOutsideTheDockerGroupOnTheBundledEngine() throws Exception {
        Engines.require(Files.isExecutable(Path.of("/usr/sbin/useradd")) && Files.isExecutable(Path.of("/usr/bin/setpriv")), "useradd and setpriv");
        Engines.require(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
        if (Engines.run("id", "-u", USER) != 0) {
            assertEquals(0, Engines.run("useradd", "--create-home", "--user-group", "--shell", "/bin/sh", "--comment", "cloudtui new-user walk IT", USER));
        }
        uid = Integer.parseInt(run(new ProcessBuilder("id", "-u", USER)).stdout().trim());
        gid = Integer.parseInt(run(new ProcessBuilder("id", "-g", USER)).stdout().trim());
        assertNotEquals(0, uid);
        assertFalse(run(new ProcessBuilder("id", "-nG", USER)).stdout().matches("(?s).*\\bdocker\\b.*"), USER + " is not in the docker group");
        // a fresh home each time: no store, no config, no state from an earlier run
        userHome = Files.createDirectory(work.resolve("walker-home"));
        assertEquals(0, Engines.run("chown", uid + ":" + gid, userHome.toString()));
        assertNotEquals(0, run(new ProcessBuilder(asUser(List.of("test", "-w", "/var/run/docker.sock")))).code(), "the user cannot reach dockerd");
        Path jar = work.resolve("cloudtui.jar"); // the checkout may be out of the user's reach
        Files.copy(jar(), jar);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Path tar = rootfsTar();
        Path ctx = context("walk/busybox:1");
        Path proj = project();
        for (Path p : List.of(ctx, proj)) assertEquals(0, Engines.run("chmod", "-R", "a+rX", p.toString()));

        // an image without docker: a rootfs tar, imported (the README's way)
        userOk(jar, userHome, "image", "import", tar.toString(), "walk/busybox:1");
        assertTrue(userOk(jar, userHome, "images").stdout().lines().anyMatch(l -> l.startsWith("walk/busybox ") && l.contains("runtime")),
                "listed on the bundled engine");
        // build on the bundled engine, rootless, then the built image for the rest of the walk
        Out b = userOk(jar, userHome, "build", "-t", "walk/app:1", ctx.toString());
        assertTrue(b.stdout().contains("naming to walk/app:1 done"), b.text());
        assertTrue(userOk(jar, userHome, "images").stdout().lines().anyMatch(l -> l.startsWith("walk/app ") && l.contains("runtime")), "the built image is listed");
        assertEquals("hello from the image\n", userOk(jar, userHome, "run", "--rm", "walk/app:1").stdout(), "its CMD and its COPY");

        assertEquals("hello from the host\n", userOk(jar, proj, "run", "--rm", "-v", proj + ":/app", "walk/app:1", "cat", "/app/notes.txt").stdout());
        assertEquals("hello from the host\n", userOk(jar, proj, "run", "--rm", "-v", ".:/app", "walk/app:1", "cat", "/app/notes.txt").stdout());

        String id = userOk(jar, userHome, "run", "-d", "--name", "walk", "walk/app:1", "sleep", "300").stdout().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertTrue(userOk(jar, userHome, "ps").stdout().lines().anyMatch(l -> l.contains(" walk ") && l.contains("running") && l.contains("runtime")),
                "ps shows it");
        assertEquals("walk\n", userOk(jar, userHome, "rm", "-f", "walk").stdout());
        assertFalse(userOk(jar, userHome, "ps", "-a").stdout().contains(" walk "), "gone");

        Path script = work.resolve("user-it.sh");
        StringBuilder cmd = new StringBuilder();
        for (String a : userCli(jar, "run", "-it", "--rm", "walk/app:1", "sh")) cmd.append(" '").append(a).append('\'');
        Files.writeString(script, "#!/bin/sh\ncd " + userHome + "\nbefore=$(stty -g)\n" + cmd + "\ncode=$?\n"
                + "[ \"$before\" = \"$(stty -g)\" ] && s=same || s=changed\necho \"CLOUDTUI-EXIT code=$code stty=$s\"\nsleep 600\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        interactive(script);
        assertEquals("", userOk(jar, userHome, "ps", "-a", "-q").stdout(), "run -it --rm left nothing");
    }

    /** A busybox-static root filesystem as a tar, readable by the user. */
    static Path rootfsTar() throws Exception {
        Path root = Files.createDirectories(work.resolve("rootfs"));
        for (String d : List.of("bin", "etc", "tmp", "root")) Files.createDirectories(root.resolve(d));
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String a : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\\s+")) {
            if (!a.isEmpty() && !a.equals("busybox")) Files.createSymbolicLink(root.resolve("bin").resolve(a), Path.of("busybox"));
        }
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Path tar = work.resolve("busybox-rootfs.tar");
        assertEquals(0, Engines.run("tar", "-C", root.toString(), "-cf", tar.toString(), "."));
        Files.setPosixFilePermissions(tar, PosixFilePermissions.fromString("rw-r--r--"));
        return tar;
    }
}
