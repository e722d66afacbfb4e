package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
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
 * {@code cloudtui build} on the bundled engine with the real jar, real namespaces and real overlay
 * mounts, as root and rootless (a user with subordinate ids and one without): the built image's
 * files and config checked from inside a container of it, the layer cache, multi-stage builds into
 * scratch, and a failing RUN that leaves nothing behind.
 */
class EngineBuildIT {
    static final String SUB_USER = "cloudtui-rootless";
    static final String NOSUB_USER = "cloudtui-rootless-nosub";
    static Path work;
    static Path rootfsTar;
    static final Path RUN_ROOT = Path.of("/run", "ctui-it-build-" + UUID.randomUUID().toString().substring(0, 8));

    record Out(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Who runs the CLI: root with a private store, or an unprivileged user with private XDG directories. */
    record Who(String name, int uid, int gid, Path home) {
        boolean root() {
            return uid == 0;
        }

        Path store() {
            return root() ? home.resolve("store") : home.resolve("data/cloudtui");
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
        work = Files.createTempDirectory("ctui-it-build-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = work.resolve("cloudtui.jar");
        Files.copy(Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")), jar);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        rootfsTar = rootfsTar();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (work == null) return;
        Path root = work.resolve("root");
        if (Files.isDirectory(root.resolve("store"))) {
            EngineBackend e = new EngineBackend("rt", root.resolve("store"), RUN_ROOT, null);
            for (var w : e.list(true)) e.remove(w.nativeId(), true);
        }
        Engines.run("rm", "-rf", work.toString(), RUN_ROOT.toString());
    }

    /** A busybox-static rootfs with root and app (1000) users and a 1777 /tmp, as a tar anyone can read. */
    static Path rootfsTar() throws Exception {
        Path root = Files.createDirectories(work.resolve("rootfs"));
        for (String d : List.of("bin", "etc", "tmp", "root", "home/app")) Files.createDirectories(root.resolve(d));
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String a : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\\s+")) {
            if (!a.isEmpty() && !a.equals("busybox")) Files.createSymbolicLink(root.resolve("bin").resolve(a), Path.of("busybox"));
        }
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\napp:x:1000:\n");
        Path tar = work.resolve("busybox-rootfs.tar");
        assertEquals(0, Engines.run("chmod", "1777", root.resolve("tmp").toString()));
        assertEquals(0, Engines.run("tar", "--numeric-owner", "-C", root.toString(), "-cf", tar.toString(), "."));
        Files.setPosixFilePermissions(tar, PosixFilePermissions.fromString("rw-r--r--"));
        return tar;
    }

    static Who root() throws Exception {
        Path h = Files.createDirectories(work.resolve("root"));
        Files.writeString(h.resolve("config.yaml"), "backends:\n  - name: runtime\n    type: runtime\n    store: " + h.resolve("store") + "\n    root: "
                + RUN_ROOT + "\n");
        return new Who("root", 0, 0, h);
    }

    /** USER (created if missing, as EngineRootlessIT makes it) with a fresh home of its own here. */
    static Who user(String name, boolean subIds) throws Exception {
        Engines.require(Files.isExecutable(Path.of("/usr/sbin/useradd")) && Files.isExecutable(Path.of("/usr/bin/setpriv")), "useradd and setpriv");
        if (Engines.run("id", "-u", name) != 0) {
            List<String> cmd = new ArrayList<>(List.of("useradd", "--create-home", "--user-group", "--shell", "/bin/sh"));
            if (!subIds) cmd.add("--no-subordinate-ids");
            cmd.add(name);
            assertEquals(0, Engines.run(cmd.toArray(String[]::new)), "useradd " + name);
        }
        int uid = Integer.parseInt(exec(new ProcessBuilder("id", "-u", name)).out().trim());
        int gid = Integer.parseInt(exec(new ProcessBuilder("id", "-g", name)).out().trim());
        assertNotEquals(0, uid);
        String subuid = Files.readString(Path.of("/etc/subuid"));
        boolean has = subuid.lines().anyMatch(l -> l.startsWith(name + ":") || l.startsWith(uid + ":"));
        Engines.require(has == subIds && (!subIds || Files.isExecutable(Path.of("/usr/bin/newuidmap"))),
                name + (subIds ? " with subordinate ids and newuidmap" : " without subordinate ids"));
        Path h = Files.createDirectories(work.resolve(name));
        for (String d : List.of("run", "data", "state", "config", "cache")) Files.createDirectories(h.resolve(d));
        assertEquals(0, Engines.run("chown", "-R", uid + ":" + gid, h.toString()));
        assertEquals(0, Engines.run("chmod", "700", h.resolve("run").toString()));
        return new Who(name, uid, gid, h);
    }

    static Out exec(ProcessBuilder pb) throws Exception {
        Path err = Files.createTempFile("ctui-it-build-err", ".txt");
        try {
            Process p = pb.redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("did not finish: " + pb.command());
            }
            return new Out(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    static Out cli(Who w, String... args) throws Exception {
        List<String> c = new ArrayList<>();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (!w.root()) {
            Path h = w.home();
            c.addAll(List.of("setpriv", "--reuid=" + w.uid(), "--regid=" + w.gid(), "--init-groups", "env", "-i", "HOME=" + h, "USER=" + w.name(),
                    "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "XDG_RUNTIME_DIR=" + h.resolve("run"), "XDG_DATA_HOME=" + h.resolve("data"),
                    "XDG_STATE_HOME=" + h.resolve("state"), "XDG_CONFIG_HOME=" + h.resolve("config"), "XDG_CACHE_HOME=" + h.resolve("cache")));
        }
        c.addAll(List.of(java.toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-jar", work.resolve("cloudtui.jar").toString()));
        c.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(c).directory(w.home().toFile());
        if (w.root()) {
            pb.environment().put("CLOUDTUI_CONFIG", w.home().resolve("config.yaml").toString());
            pb.environment().put("XDG_STATE_HOME", w.home().resolve("state").toString());
        }
        return exec(pb);
    }

    static Out ok(Who w, String... args) throws Exception {
        Out o = cli(w, args);
        assertEquals(0, o.code(), String.join(" ", args) + ": " + o);
        return o;
    }

    /** A build context (files by name, then content) the user can read. */
    static Path context(Who w, String name, String... files) throws Exception {
        Path ctx = Files.createDirectories(w.home().resolve(name));
        for (int i = 0; i < files.length; i += 2) {
            Path f = ctx.resolve(files[i]);
            Files.createDirectories(f.getParent());
            Files.writeString(f, files[i + 1]);
        }
        assertEquals(0, Engines.run("chown", "-R", w.uid() + ":" + w.gid(), ctx.toString()));
        return ctx;
    }

    static void write(Who w, Path f, String text) throws Exception {
        Files.writeString(f, text);
        assertEquals(0, Engines.run("chown", w.uid() + ":" + w.gid(), f.toString()));
    }

    /** The step lines of a build's output that say CACHED, by the instruction they follow. */
    static List<String> cached(String out) {
        List<String> steps = new ArrayList<>();
        java.util.Map<String, String> names = new java.util.HashMap<>();
        for (String l : out.lines().toList()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(#\\d+) \\[[^\\]]*\\] (.*)$").matcher(l);
            if (m.matches()) names.put(m.group(1), m.group(2));
            if (l.endsWith(" CACHED")) steps.add(names.get(l.substring(0, l.indexOf(' '))));
        }
        return steps;
    }

    // ---------------------------------------------------------------- the scenarios, run by each user

    static final String DOCKERFILE = """
            # escape=\\
            ARG BASE=bb:1
            FROM ${BASE}
            ARG GREETING=hi
            ENV NAME=world \\
                SPACED="a b"
            WORKDIR /app
            # a glob, and .dockerignore keeps secret.txt out
            COPY *.txt ./
            COPY --chown=app:app owned.conf /home/app/
            RUN echo "$GREETING $NAME" > /app/greeting && rm /bin/vi && mkdir -p /made
            LABEL org.example.k="v 1"
            EXPOSE 8080
            STOPSIGNAL SIGTERM
            CMD ["cat", "/app/greeting"]
            """;

    void semantics(Who w, boolean users) throws Exception {
        ok(w, "image", "import", "--backend", "runtime", rootfsTar.toString(), "bb:1");
        Path ctx = context(w, "ctx", "Dockerfile", DOCKERFILE + (users ? "USER app\nRUN id -u > /tmp/uid\n" : ""),
                "a.txt", "A\n", "b.txt", "B\n", "secret.txt", "S\n", "owned.conf", "O\n", ".dockerignore", "# secrets\nsecret.txt\n");
        Out b = ok(w, "build", "--backend", "runtime", "-t", "built/app:1", "--build-arg", "GREETING=hello", ctx.toString());
        assertTrue(b.out().contains("#2 [2/") || b.out().contains("] ARG GREETING=hi"), b.toString());
        assertTrue(b.out().lines().anyMatch(l -> l.matches("#\\d+ DONE \\d+\\.\\ds")), "plain progress: " + b);
        assertTrue(b.out().contains("naming to built/app:1 done"), b.toString());
        assertTrue(ok(w, "images").out().lines().anyMatch(l -> l.startsWith("built/app ") && l.contains(" 1 ")), "listed");
        assertEquals("hello world\n", ok(w, "run", "--rm", "built/app:1").out(), "CMD, RUN, ARG from --build-arg, ENV");
        String probe = "pwd; echo \"$SPACED\"; ls /app; ls /bin/vi 2>/dev/null || echo vi-gone; ls -d /made; "
                + "stat -c '%u:%g %n' /home/app/owned.conf /app/a.txt";
        String inside = ok(w, "run", "--rm", "built/app:1", "sh", "-c", probe).out();
        String owner = w.root() ? "1000:1000" : "0:0"; // rootless: ownership in layers is dropped (README)
        assertEquals("/app\na b\na.txt\nb.txt\ngreeting\nvi-gone\n/made\n" + owner + " /home/app/owned.conf\n0:0 /app/a.txt\n", inside,
                "WORKDIR, ENV with a continuation, COPY glob without the ignored file, RUN rm as a whiteout, --chown");
        if (users) {
            assertEquals("1000\n", ok(w, "run", "--rm", "built/app:1", "cat", "/tmp/uid").out(), "USER app ran the RUN");
            assertEquals("1000\n", ok(w, "run", "--rm", "built/app:1", "id", "-u").out(), "USER is the image's user");
        }
        var cfg = config(w, "built/app:1");
        assertEquals("v 1", cfg.path("config").path("Labels").path("org.example.k").asText(), cfg.toString());
        assertTrue(cfg.path("config").path("ExposedPorts").has("8080/tcp"), cfg.toString());
        assertEquals("SIGTERM", cfg.path("config").path("StopSignal").asText(), cfg.toString());
        assertEquals(cfg.path("rootfs").path("diff_ids").size(), java.util.stream.StreamSupport.stream(cfg.path("history").spliterator(), false)
                .filter(h -> !h.path("empty_layer").asBoolean()).count(), "one history entry per layer: " + cfg);
    }

    /** The image config of REF as the store keeps it. */
    static com.fasterxml.jackson.databind.JsonNode config(Who w, String ref) throws Exception {
        var m = new com.fasterxml.jackson.databind.ObjectMapper();
        Path images = w.store().resolve("images");
        String id = m.readTree(images.resolve("tags.json").toFile()).path(ref).asText();
        assertTrue(id.startsWith("sha256:"), ref + " is tagged");
        return m.readTree(images.resolve("blobs/sha256").resolve(id.substring(7)).toFile());
    }

    void cache(Who w) throws Exception {
        Path ctx = w.home().resolve("ctx");
        String first = ok(w, "build", "--backend", "runtime", "-q", "-t", "built/app:1", "--build-arg", "GREETING=hello", ctx.toString()).out();
        Out again = ok(w, "build", "--backend", "runtime", "-t", "built/app:1", "--build-arg", "GREETING=hello", ctx.toString());
        List<String> c = cached(again.out());
        assertTrue(c.contains("COPY *.txt ./") && c.stream().anyMatch(s -> s.startsWith("RUN echo")), "all cached: " + again);
        assertTrue(again.out().contains("writing image " + first.strip() + " done"), "the same image: " + first + again);
        // a touched file is the same content: still cached
        assertEquals(0, Engines.run("touch", "-d", "2001-01-01", ctx.resolve("a.txt").toString()));
        Out touched = ok(w, "build", "--backend", "runtime", "-t", "built/app:1", "--build-arg", "GREETING=hello", ctx.toString());
        assertTrue(cached(touched.out()).contains("COPY *.txt ./"), touched.toString());
        assertTrue(touched.out().contains("writing image " + first.strip() + " done"), touched.toString());
        // an edited one is not, and neither is what follows it
        write(w, ctx.resolve("a.txt"), "A2\n");
        Out edited = ok(w, "build", "--backend", "runtime", "-t", "built/app:1", "--build-arg", "GREETING=hello", ctx.toString());
        List<String> e = cached(edited.out());
        assertFalse(e.contains("COPY *.txt ./") || e.stream().anyMatch(s -> s.startsWith("RUN echo")), edited.toString());
        assertEquals("A2\n", ok(w, "run", "--rm", "built/app:1", "cat", "/app/a.txt").out());
        // an edit to an ignored file changes nothing
        write(w, ctx.resolve("secret.txt"), "S2\n");
        Out ignored = ok(w, "build", "--backend", "runtime", "-t", "built/app:1", "--build-arg", "GREETING=hello", ctx.toString());
        assertTrue(cached(ignored.out()).contains("COPY *.txt ./"), ignored.toString());
        Out none = ok(w, "build", "--backend", "runtime", "--no-cache", "-t", "built/app:1", "--build-arg", "GREETING=hello", ctx.toString());
        assertEquals(List.of(), cached(none.out()), none.toString());
    }

    void multiStage(Who w) throws Exception {
        Path ctx = context(w, "ctx-ms", "Dockerfile", """
                FROM bb:1 AS build
                RUN ["/bin/sh", "-c", "mkdir -p /out && cp /bin/busybox /out/ && echo from-the-build-stage > /out/msg && ln -s out /lnk"]
                # through the image's symlink, into /out
                COPY note /lnk/
                FROM scratch
                COPY --from=build /out/ /bin/
                ENTRYPOINT ["/bin/busybox"]
                CMD ["cat", "/bin/msg"]
                """, "note", "N\n");
        ok(w, "build", "--backend", "runtime", "-t", "built/scratch:1", ctx.toString());
        assertEquals("from-the-build-stage\n", ok(w, "run", "--rm", "built/scratch:1").out());
        assertEquals("busybox\nmsg\nnote\n", ok(w, "run", "--rm", "built/scratch:1", "ls", "/bin").out(), "only what was copied");
        Out target = ok(w, "build", "--backend", "runtime", "--target", "build", "-t", "built/stage:1", ctx.toString());
        assertFalse(target.out().contains("FROM scratch"), target.toString());
        assertEquals("from-the-build-stage\n", ok(w, "run", "--rm", "built/stage:1", "cat", "/out/msg").out());
    }

    void failingRun(Who w) throws Exception {
        Path ctx = context(w, "ctx-fail", "Dockerfile", "FROM bb:1\nRUN echo partial > /left && echo about-to-fail && exit 7\n");
        int images = ok(w, "images", "-q").out().lines().toList().size();
        Out f = cli(w, "build", "--backend", "runtime", "-t", "built/fail:1", ctx.toString());
        assertEquals(1, f.code(), f.toString());
        assertTrue(f.out().lines().anyMatch(l -> l.matches("#2 \\d+\\.\\d{3} about-to-fail")), "its output, streamed: " + f);
        assertEquals(1, f.err().strip().lines().count(), f.toString());
        assertTrue(f.err().startsWith("cloudtui: ") && f.err().contains("exit code 7") && !f.err().contains("Exception"), f.toString());
        assertEquals("", ok(w, "ps", "-a", "-q").out(), "no container left");
        assertEquals(images, ok(w, "images", "-q").out().lines().toList().size(), "no image made");
        assertFalse(Files.readString(Path.of("/proc/mounts")).contains(w.home().toString()), "nothing mounted");
        try (var s = Files.list(w.store())) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith("build-") && !p.getFileName().toString().equals("build-cache")).toList(),
                    "no work directory left");
        }
    }

    /** The UI's build action (b in the images view, then DIR TAG in the palette) on the bundled engine, seen through tmux. */
    @Test
    void theUisBuildActionBuildsOnTheBundledEngine() throws Exception {
        Who w = root();
        ok(w, "image", "import", "--backend", "runtime", rootfsTar.toString(), "bb:1");
        Path ctx = context(w, "ctx-ui", "Dockerfile", "FROM bb:1\nCOPY hello.txt /\nRUN echo built-in-the-ui\nCMD [\"cat\", \"/hello.txt\"]\n",
                "hello.txt", "hello from the ui build\n");
        Path run = io.cloudtui.testing.Tmux.launcher(w.home(), "ui.sh", java.util.Map.of("CLOUDTUI_CONFIG", w.home().resolve("config.yaml").toString(),
                "XDG_STATE_HOME", w.home().resolve("state").toString()), List.of());
        try (io.cloudtui.testing.Tmux tmux = new io.cloudtui.testing.Tmux("ctui-it-build")) {
            tmux.start(run.toString(), 120, 35);
            tmux.await("runtime connected", x -> x.contains("● runtime"), java.time.Duration.ofSeconds(90));
            tmux.keys("2");
            tmux.await("the images", x -> x.contains("> images") && x.contains("bb"), java.time.Duration.ofSeconds(30));
            tmux.keys("b");
            // tmux drops a line's trailing blanks: the prompt reads ":build" until a hint follows it
            tmux.await("the palette", x -> x.lines().anyMatch(l -> l.startsWith(":build")), java.time.Duration.ofSeconds(30));
            tmux.type(ctx + " built/ui:1");
            tmux.keys("Enter");
            String s = tmux.await("the build's progress, done", x -> x.contains("done: sha256:"), java.time.Duration.ofSeconds(120));
            assertTrue(s.contains("built-in-the-ui") && s.contains("naming to built/ui:1 done"), s);
            tmux.keys("Escape");
            // back in the images view before q (under load a run ended still showing the progress view, the q lost)
            tmux.await("the images view again", x -> x.contains("> images"), java.time.Duration.ofSeconds(30));
            tmux.quitAndCheckTerminal();
        }
        assertEquals("hello from the ui build\n", ok(w, "run", "--rm", "built/ui:1").out());
    }

    /** A build stopped during a RUN (SIGTERM, as ctrl-c's SIGINT: the JVM's exit) leaves no container, mount or work directory. */
    void interrupted(Who w) throws Exception {
        Path ctx = context(w, "ctx-int", "Dockerfile", "FROM bb:1\nRUN echo sleeping && sleep 120\n");
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                work.resolve("cloudtui.jar").toString(), "build", "--backend", "runtime", ctx.toString()));
        ProcessBuilder pb = new ProcessBuilder(c).directory(w.home().toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("CLOUDTUI_CONFIG", w.home().resolve("config.yaml").toString());
        pb.environment().put("XDG_STATE_HOME", w.home().resolve("state").toString());
        Process p = pb.start();
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String l;
            while ((l = r.readLine()) != null && !l.endsWith(" sleeping")) {
                // up to the RUN's first line
            }
            assertTrue(l != null, "the RUN started");
            assertFalse(ok(w, "ps", "-a", "-q").out().isBlank(), "its container is there while it runs");
            p.destroy();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the build stopped");
        }
        assertEquals("", ok(w, "ps", "-a", "-q").out(), "no container left");
        assertFalse(Files.readString(Path.of("/proc/mounts")).contains(w.store().toString()), "nothing mounted");
        try (var s = Files.list(w.store())) {
            assertEquals(List.of(), s.filter(x -> x.getFileName().toString().startsWith("build-") && !x.getFileName().toString().equals("build-cache")).toList(),
                    "no work directory left");
        }
    }

    /** RUN gets the host's network by default (as docker's builds get one), only a loopback with --network none. */
    void network(Who w) throws Exception {
        Path ctx = context(w, "ctx-net", "Dockerfile", "FROM bb:1\nRUN tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort > /ifs\n");
        ok(w, "build", "--backend", "runtime", "--network", "none", "-t", "built/net:none", ctx.toString());
        assertEquals("lo\n", ok(w, "run", "--rm", "built/net:none", "cat", "/ifs").out());
        ok(w, "build", "--backend", "runtime", "-t", "built/net:host", ctx.toString());
        String host = ok(w, "run", "--rm", "built/net:host", "cat", "/ifs").out();
        assertTrue(host.lines().count() > 1 && host.contains("lo\n"), "the host's interfaces: " + host);
    }

    /** Here-documents: RUN <<EOF as the script, a command reading one, COPY <<EOF as a file (variables expanded unless quoted). */
    void heredocs(Who w) throws Exception {
        Path ctx = context(w, "ctx-heredoc", "Dockerfile", """
                FROM bb:1
                ENV WHO=doc
                RUN <<EOF
                echo line-one > /h1
                echo line-two >> /h1
                EOF
                RUN cat <<EOF > /h2
                from a command
                EOF
                COPY <<EOF <<'RAW' /docs/
                hello $WHO
                EOF
                kept $WHO
                RAW
                """);
        ok(w, "build", "--backend", "runtime", "-t", "built/heredoc:1", ctx.toString());
        assertEquals("line-one\nline-two\nfrom a command\nhello doc\nkept $WHO\n",
                ok(w, "run", "--rm", "built/heredoc:1", "cat", "/h1", "/h2", "/docs/EOF", "/docs/RAW").out());
    }

    /** The Debian 12 minbase rootfs scripts/provision/25-debian-image.sh makes with mmdebstrap. */
    static final Path DEBIAN_TAR = Path.of("/var/lib/cloudtui-test/debian/debian-bookworm-minbase.tar");

    /**
     * The first Dockerfile people write, on a Debian base image (provisioning's mmdebstrap rootfs,
     * imported here as debian-test): WORKDIR /app, COPY hello.py, RUN apt-get install python3 from
     * Debian's mirror through the host's network, CMD python3 hello.py; then {@code run --rm} prints
     * the greeting and {@code run -v DIR:/app} runs the host's own (edited) copy of the script.
     */
    void debian(Who w) throws Exception {
        Engines.require(Files.isReadable(DEBIAN_TAR), DEBIAN_TAR + " (scripts/provision/25-debian-image.sh)");
        ok(w, "image", "import", "--backend", "runtime", DEBIAN_TAR.toString(), "debian-test:latest");
        Path ctx = context(w, "ctx-debian", "Dockerfile", """
                FROM debian-test
                WORKDIR /app
                COPY hello.py .
                RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*
                CMD ["python3", "hello.py"]
                """, "hello.py", "print('hello from python in a cloudtui build')\n");
        Out b = ok(w, "build", "--backend", "runtime", "-t", "built/hello_python:1", ctx.toString());
        assertTrue(b.out().contains("Setting up python3"), b.toString());
        assertEquals("hello from python in a cloudtui build\n", ok(w, "run", "--rm", "built/hello_python:1").out());
        // the host's files, bound over the image's /app, are what runs
        write(w, ctx.resolve("hello.py"), "import os\nprint('edited on the host', os.getcwd())\n");
        assertEquals("edited on the host /app\n", ok(w, "run", "--rm", "-v", ctx + ":/app", "built/hello_python:1").out());
    }

    /** ONBUILD triggers of a base run when it is used as FROM: in order, first, from the child's context; the child's image does not keep them. */
    void onbuild(Who w) throws Exception {
        Path base = context(w, "ctx-onbuild-base", "Dockerfile", """
                FROM bb:1
                ONBUILD COPY marker.txt /from-trigger/
                ONBUILD RUN echo first > /order && cat /from-trigger/marker.txt >> /order
                ONBUILD RUN echo second >> /order
                ONBUILD LABEL onbuild.label=set
                """);
        ok(w, "build", "--backend", "runtime", "-t", "built/onbuild-base:1", base.toString());
        assertEquals("no-order\n", ok(w, "run", "--rm", "built/onbuild-base:1", "sh", "-c", "cat /order 2>/dev/null || echo no-order").out(),
                "stored, not run, by the build that declares them");
        assertEquals(4, config(w, "built/onbuild-base:1").path("config").path("OnBuild").size());
        Path child = context(w, "ctx-onbuild-child", "Dockerfile", "FROM built/onbuild-base:1\nRUN echo after >> /order\n", "marker.txt", "child-marker\n");
        Out c = ok(w, "build", "--backend", "runtime", "-t", "built/onbuild-child:1", child.toString());
        assertTrue(c.out().contains("] ONBUILD RUN echo second >> /order"), c.toString());
        assertEquals("first\nchild-marker\nsecond\nafter\n", ok(w, "run", "--rm", "built/onbuild-child:1", "cat", "/order").out(),
                "the triggers, in order, after FROM and before the child's own steps, COPY from the child's context");
        var cfg = config(w, "built/onbuild-child:1");
        assertEquals("set", cfg.path("config").path("Labels").path("onbuild.label").asText(), cfg.toString());
        assertTrue(cfg.path("config").path("OnBuild").isMissingNode() || cfg.path("config").path("OnBuild").isEmpty(), "not inherited: " + cfg);
        Path grand = context(w, "ctx-onbuild-grand", "Dockerfile", "FROM built/onbuild-child:1\nRUN echo grand >> /order\n");
        Out g = ok(w, "build", "--backend", "runtime", "-t", "built/onbuild-grand:1", grand.toString());
        assertFalse(g.out().contains("ONBUILD"), g.toString());
        assertEquals("first\nchild-marker\nsecond\nafter\ngrand\n", ok(w, "run", "--rm", "built/onbuild-grand:1", "cat", "/order").out());
        Path bad = context(w, "ctx-onbuild-bad", "Dockerfile", "FROM bb:1\nONBUILD ONBUILD RUN true\n");
        Out b = cli(w, "build", "--backend", "runtime", bad.toString());
        assertEquals(1, b.code(), b.toString());
        assertTrue(b.err().startsWith("cloudtui: Dockerfile line 2: ONBUILD: ONBUILD is not allowed") && b.err().strip().lines().count() == 1, b.toString());
    }

    /**
     * RUN --mount: a cache directory kept between builds (by id, the target by default), a read-only
     * bind of the context (its content in the step's cache key, .dockerignore honoured) or a writable
     * one whose writes are discarded, a bind from another stage, a tmpfs; none of them, nor their
     * mount points, in the image. secret and ssh are refused in one line.
     */
    void runMounts(Who w) throws Exception {
        Path ctx = context(w, "ctx-mounts", "Dockerfile", """
                FROM bb:1 AS build
                RUN mkdir /out && echo from-build > /out/msg
                FROM bb:1
                RUN --mount=type=cache,target=/cache echo run >> /cache/runs && wc -l < /cache/runs > /cache-count
                RUN --mount=type=cache,target=/other,id=/cache wc -l < /other/runs > /shared-count
                RUN --mount=type=bind,source=data,target=/data cat /data/a.txt > /seen && (touch /data/x 2>/dev/null && echo writable || echo read-only) >> /seen
                RUN --mount=type=bind,target=/ctx,rw ls /ctx > /ctx-list && touch /ctx/written
                RUN --mount=type=bind,from=build,source=/out,target=/o --mount=type=tmpfs,target=/scratch cat /o/msg > /from-stage && grep " /scratch " /proc/mounts | cut -d" " -f3 > /tmpfs-type && echo t > /scratch/f
                """, "data/a.txt", "A\n", "secret.txt", "S\n", ".dockerignore", "secret.txt\n");
        String probe = "cat /cache-count /shared-count /seen /ctx-list /from-stage /tmpfs-type; for d in /cache /other /data /ctx /o /scratch; do [ -e $d ] && echo $d; done; true";
        ok(w, "build", "--backend", "runtime", "-t", "built/mounts:1", ctx.toString());
        assertEquals("1\n1\nA\nread-only\nDockerfile\ndata\nfrom-build\ntmpfs\n", ok(w, "run", "--rm", "built/mounts:1", "sh", "-c", probe).out());
        assertFalse(Files.exists(ctx.resolve("written")), "a write to the rw bind is discarded");
        // the bind's files are in its step's cache key; a cache mount's are not
        write(w, ctx.resolve("data/a.txt"), "A2\n");
        Out edited = ok(w, "build", "--backend", "runtime", "-t", "built/mounts:1", ctx.toString());
        List<String> c = cached(edited.out());
        assertTrue(c.stream().anyMatch(x -> x.startsWith("RUN --mount=type=cache,target=/cache ")), edited.toString());
        assertFalse(c.stream().anyMatch(x -> x.startsWith("RUN --mount=type=bind,source=data")), edited.toString());
        assertEquals("A2\nread-only\n", ok(w, "run", "--rm", "built/mounts:1", "cat", "/seen").out());
        // the cache directory persists between builds
        ok(w, "build", "--backend", "runtime", "--no-cache", "-t", "built/mounts:1", ctx.toString());
        assertEquals("2\n2\n", ok(w, "run", "--rm", "built/mounts:1", "cat", "/cache-count", "/shared-count").out());
        for (String type : List.of("secret", "ssh")) {
            Path bad = context(w, "ctx-mount-" + type, "Dockerfile", "FROM bb:1\nRUN --mount=type=" + type + ",id=x true\n");
            Out b = cli(w, "build", "--backend", "runtime", bad.toString());
            assertEquals(1, b.code(), b.toString());
            assertTrue(b.err().startsWith("cloudtui: Dockerfile line 2: RUN: --mount=type=" + type + " is not supported") && b.err().strip().lines().count() == 1,
                    b.toString());
        }
        // a bind source that leads out of the context through a symlink is refused
        Path esc = context(w, "ctx-mount-escape", "Dockerfile", "FROM bb:1\nRUN --mount=type=bind,source=escape/passwd,target=/e cat /e\n");
        Files.createSymbolicLink(esc.resolve("escape"), Path.of("/etc"));
        Out e = cli(w, "build", "--backend", "runtime", esc.toString());
        assertEquals(1, e.code(), e.toString());
        assertTrue(e.err().contains("leads outside the build context through a symlink") && e.err().strip().lines().count() == 1, e.toString());
        assertEquals("", ok(w, "ps", "-a", "-q").out(), "no container left");
    }

    @Test
    void asRoot() throws Exception {
        Who w = root();
        debian(w);
        semantics(w, true);
        onbuild(w);
        runMounts(w);
        cache(w);
        multiStage(w);
        failingRun(w);
        interrupted(w);
        network(w);
        heredocs(w);
    }

    @Test
    void rootlessWithSubordinateIds() throws Exception {
        Who w = user(SUB_USER, true);
        semantics(w, true);
        multiStage(w);
        failingRun(w);
        // a step leaves files only another (subordinate) user may read: the layer is written from inside the
        // container's user namespace, so it holds them, owned as the container sees it (issue #16)
        Path ctx = context(w, "ctx-private", "Dockerfile", "FROM bb:1\nRUN mkdir /p && echo s > /p/f && ln /p/f /p/g && chmod 700 /p && chown -R 1000:1000 /p\n");
        ok(w, "build", "--backend", "runtime", "-t", "built/private:1", ctx.toString());
        Path saved = w.home().resolve("private.tar");
        ok(w, "image", "save", "--backend", "runtime", "-o", saved.toString(), "built/private:1");
        java.util.Map<String, String> entries = layerEntries(saved);
        entries.keySet().removeIf(n -> !n.startsWith("p/"));
        // the store keeps a rootless user's layers unpacked as that user's own files, so the owners read back are 0 (README)
        assertEquals("{p/=d 700 0:0, p/f=- 644 0:0 s\n, p/g=h p/f}", entries.toString());
        assertEquals("s\n", ok(w, "run", "--rm", "built/private:1", "cat", "/p/g").out());
        assertEquals("", ok(w, "ps", "-a", "-q").out(), "no container left");
        debian(w);
    }

    /**
     * The entries of all layers of an {@code image save} tar, by name: "d MODE UID:GID" for a
     * directory, "- MODE UID:GID CONTENT" for a file, "h TARGET" for a hard link.
     */
    static java.util.Map<String, String> layerEntries(Path saved) throws Exception {
        java.util.Map<String, byte[]> files = new java.util.HashMap<>();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(saved))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.isFile()) files.put(e.getName(), in.readAllBytes());
            }
        }
        var manifest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(files.get("manifest.json"));
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (var layer : manifest.get(0).get("Layers")) {
            try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new java.io.ByteArrayInputStream(files.get(layer.asText())))) {
                for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    String owner = " " + Integer.toOctalString(e.getMode() & 07777) + " " + e.getLongUserId() + ":" + e.getLongGroupId();
                    if (e.isLink()) out.put(e.getName(), "h " + e.getLinkName());
                    else if (e.isDirectory()) out.put(e.getName(), "d" + owner);
                    else if (e.isFile()) out.put(e.getName(), "-" + owner + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    @Test
    void rootlessWithoutSubordinateIds() throws Exception {
        Who w = user(NOSUB_USER, false);
        semantics(w, false);
        cache(w);
        // only root exists in its containers: a RUN as another user is refused in one line
        Path ctx = context(w, "ctx-user", "Dockerfile", "FROM bb:1\nUSER app\nRUN id\n");
        Out u = cli(w, "build", "--backend", "runtime", ctx.toString());
        assertEquals(1, u.code(), u.toString());
        assertTrue(u.err().startsWith("cloudtui: user 'app' is uid 1000") && u.err().strip().lines().count() == 1, u.toString());
        assertEquals("", ok(w, "ps", "-a", "-q").out(), "no container left");
        // nor can apt drop to its _apt user (as with podman): the cause and the remedies in one line, before any download
        Engines.require(Files.isReadable(DEBIAN_TAR), DEBIAN_TAR + " (scripts/provision/25-debian-image.sh)");
        ok(w, "image", "import", "--backend", "runtime", DEBIAN_TAR.toString(), "debian-test:latest");
        Path apt = context(w, "ctx-apt", "Dockerfile", "FROM debian-test\nRUN apt-get update\n");
        Out a = cli(w, "build", "--backend", "runtime", apt.toString());
        assertEquals(1, a.code(), a.toString());
        assertTrue(a.err().strip().lines().count() == 1 && a.err().contains("apt cannot drop to its _apt user")
                && a.err().contains("-o APT::Sandbox::User=root") && a.err().contains("subordinate ids"), a.toString());
        assertEquals("", ok(w, "ps", "-a", "-q").out(), "no container left");
    }
}
