package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Workload;
import io.cloudtui.engine.image.ImageStore;
import io.cloudtui.testing.Engines;
import io.cloudtui.testing.Registry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images into the bundled engine through the real CLI, each then run in a container: copied from
 * the real dockerd (its docker save streamed into the store, no file in between) and pulled from
 * Debian's docker-registry on loopback, filled by docker push.
 */
class EngineImagesIT {
    static Path work;
    static Path store;
    static Path runRoot;
    static Path config;
    static Registry registry;
    static String pushed;

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireRoot();
        Engines.requireDocker();
        work = Files.createTempDirectory("ctui-it-engimg");
        store = work.resolve("store");
        runRoot = Path.of("/run", "ctui-it-engimg-" + UUID.randomUUID().toString().substring(0, 8));
        config = work.resolve("config.yaml");
        Files.writeString(config, "backends:\n  - name: docker\n    type: docker\n  - name: rt\n    type: runtime\n    store: " + store
                + "\n    root: " + runRoot + "\n");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (store != null && Files.isDirectory(store)) {
            EngineBackend engine = new EngineBackend("rt", store, runRoot, null);
            for (Workload w : engine.list(true)) {
                try {
                    engine.remove(w.nativeId(), true);
                } catch (CloudtuiException e) {
                    // best effort
                }
            }
        }
        if (registry != null) registry.close();
        if (pushed != null) Engines.run("docker", "rmi", pushed);
        if (work != null) Engines.run("rm", "-rf", work.toString());
        if (runRoot != null) Engines.run("rm", "-rf", runRoot.toString());
    }

    record Out(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    static Out cli(String... args) throws Exception {
        Path jar = Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(work, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
        pb.environment().put("CLOUDTUI_CONFIG", config.toString());
        pb.environment().put("XDG_STATE_HOME", work.resolve("state").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), String.join(" ", args) + " did not finish");
        return new Out(p.exitValue(), out, Files.readString(err));
    }

    static String dockerId(String ref) throws Exception {
        Process p = new ProcessBuilder("docker", "image", "inspect", "-f", "{{.Id}}", ref).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    static void oneLineError(Out r) {
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r);
        assertTrue(r.err().startsWith("cloudtui: "), r.toString());
        assertFalse(r.err().contains("Exception") || r.out().contains("Exception"), r.toString());
    }

    @Test
    void copyFromTheLocalDockerEngineThenRun() throws Exception {
        Out r = cli("image", "copy", "docker:local/busybox", "rt");
        assertEquals(0, r.code(), r.toString());
        assertEquals(dockerId("local/busybox:latest"), r.out().trim(), "the image keeps docker's id (its config digest)");
        assertTrue(r.err().startsWith("copying docker:local/busybox:latest to rt (about "), r.toString());
        assertTrue(r.err().contains("%)"), "progress as bytes arrive: " + r.err());
        assertTrue(r.err().contains("received ") && r.err().contains(" from docker"), r.err());
        Out images = cli("images", "--backend", "rt");
        assertTrue(images.out().lines().anyMatch(l -> l.startsWith("local/busybox") && l.contains("latest")), images.toString());
        Out run = cli("run", "--backend", "rt", "--rm", "local/busybox", "sh", "-c", "echo from-docker-$((6*7))");
        assertEquals(0, run.code(), run.toString());
        assertEquals("from-docker-42\n", run.out());

        // under another name, then run by it
        r = cli("image", "copy", "docker:local/busybox:latest", "rt:copied/bb:2");
        assertEquals(0, r.code(), r.toString());
        run = cli("run", "--backend", "rt", "--rm", "copied/bb:2", "cat", "/etc/hostname");
        assertEquals(0, run.code(), run.toString());

        // bad input: one line each, nothing added to the store
        List<String> before = new ImageStore(store.resolve("images")).list().stream().map(i -> i.id()).toList();
        Out missing = cli("image", "copy", "docker:ctui-it/no-such-image:1", "rt");
        assertEquals(1, missing.code(), missing.toString());
        oneLineError(missing);
        assertTrue(missing.err().toLowerCase(java.util.Locale.ROOT).contains("no such image"), missing.toString());
        Out nowhere = cli("image", "copy", "docker:local/busybox", "nowhere");
        assertEquals(2, nowhere.code(), nowhere.toString());
        assertTrue(nowhere.err().startsWith("cloudtui: image copy: no backend 'nowhere'"), nowhere.toString());
        Out same = cli("image", "copy", "docker:local/busybox", "docker");
        assertEquals(2, same.code(), same.toString());
        assertEquals(before, new ImageStore(store.resolve("images")).list().stream().map(i -> i.id()).toList());
    }

    /**
     * Out of the store: an image built by the bundled engine (a RUN that deletes a file and makes a
     * directory anew, overlay whiteouts and an opaque directory in its layer; a COPY) copied into the
     * real dockerd and run there, and written by image save to a tar docker load takes.
     */
    @Test
    void copyABuiltImageOutOfTheStoreIntoDockerThenRun() throws Exception {
        String tag = "ctui-it-export-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            Out r = cli("image", "copy", "docker:local/busybox", "rt:ctui-it/bb:export");
            assertEquals(0, r.code(), r.toString());
            Path ctx = Files.createDirectories(work.resolve("ctx-export"));
            Files.writeString(ctx.resolve("Dockerfile"), """
                    FROM ctui-it/bb:export
                    COPY note.txt /note/
                    RUN mkdir /d && echo old > /d/old
                    RUN rm /bin/vi && rm -rf /d && mkdir /d && echo only > /d/only
                    CMD ["sh", "-c", "cat /note/note.txt; ls /bin/vi 2>/dev/null || echo vi-gone; ls /d"]
                    """);
            Files.writeString(ctx.resolve("note.txt"), "built by cloudtui\n");
            Out b = cli("build", "--backend", "rt", "-t", tag + ":1", ctx.toString());
            assertEquals(0, b.code(), b.toString());
            Out c = cli("image", "copy", "rt:" + tag + ":1", "docker");
            assertEquals(0, c.code(), c.toString());
            assertTrue(c.err().startsWith("copying rt:" + tag + ":1 to docker"), c.toString());
            assertEquals(dockerId(tag + ":1"), c.out().trim(), "docker's id of the loaded image");
            assertEquals("built by cloudtui\nvi-gone\nonly\n", docker("run", "--rm", tag + ":1"), "runs in docker with the layers' whiteouts");
            // image save: a docker save tar on disk, for docker load
            assertEquals(0, cli("image", "tag", "--backend", "rt", tag + ":1", tag + ":saved").code());
            Path tar = work.resolve("saved.tar");
            Out sv = cli("image", "save", "--backend", "rt", "-o", tar.toString(), tag + ":saved");
            assertEquals(0, sv.code(), sv.toString());
            assertTrue(docker("load", "-i", tar.toString()).contains("Loaded image: " + tag + ":saved"));
            assertEquals("built by cloudtui\nvi-gone\nonly\n", docker("run", "--rm", tag + ":saved"));
            Out missing = cli("image", "save", "--backend", "rt", "-o", work.resolve("none.tar").toString(), "ctui-it/no-such:1");
            assertEquals(1, missing.code(), missing.toString());
            oneLineError(missing);
            assertFalse(Files.exists(work.resolve("none.tar")), missing.toString());
            try (var left = java.util.stream.Stream.concat(Files.list(work), Files.list(store))) {
                assertEquals(List.of(), left.filter(x -> x.getFileName().toString().startsWith("export-") || x.getFileName().toString().endsWith(".part")).toList(),
                        "no work directory or partial file left");
            }
        } finally {
            Engines.run("docker", "rmi", "-f", tag + ":1", tag + ":saved");
        }
    }

    static String docker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** The full-screen UI in tmux, beside the real dockerd: an empty store's hint offers :copy, which streams the image in. */
    @Test
    void theUiOffersToCopyFromDockerIntoAnEmptyStore() throws Exception {
        Path uiStore = work.resolve("ui-store");
        Path uiConfig = work.resolve("ui.yaml");
        Files.writeString(uiConfig, "backends:\n  - name: docker\n    type: docker\n  - name: rt\n    type: runtime\n    store: " + uiStore
                + "\n    root: " + runRoot + "\n");
        Path ui = io.cloudtui.testing.Tmux.launcher(work, "ui.sh", java.util.Map.of("CLOUDTUI_CONFIG", uiConfig.toString(),
                "XDG_STATE_HOME", work.resolve("state").toString()), List.of());
        try (io.cloudtui.testing.Tmux tmux = new io.cloudtui.testing.Tmux("ctui-it-engimg")) {
            tmux.start(ui.toString(), 120, 35);
            tmux.await("docker connected", x -> x.contains("● docker"), java.time.Duration.ofSeconds(90));
            // docker's containers fill the table: a filter matching nothing shows the empty table and its hint
            tmux.keys("/");
            tmux.type("ctui-it-matches-nothing");
            tmux.keys("Enter");
            tmux.await("rt has no images yet: :copy IMAGE (from docker), :pull REF, :import FILE");
            tmux.type(":copy local/busybox");
            tmux.keys("Enter");
            String s = tmux.await("done: sha256:");
            assertTrue(s.contains("copying docker:local/busybox:latest to rt"), s);
            tmux.keys("Escape");
            // "no workloads match filter ..." beside docker's containers, "no workloads" when docker has none
            tmux.await("the hint gone", x -> x.contains("no workloads") && !x.contains("has no images yet"), java.time.Duration.ofSeconds(30));
            tmux.quitAndCheckTerminal();
        }
        assertEquals(dockerId("local/busybox:latest"), new ImageStore(uiStore.resolve("images")).inspect("local/busybox:latest").id());
    }

    @Test
    void pullFromARegistryOnLoopbackThenRun() throws Exception {
        Registry.require();
        Path regDir = Files.createDirectories(work.resolve("registry"));
        registry = Registry.start(regDir, "reg", Registry.freePort(), regDir.resolve("storage"), "");
        pushed = "127.0.0.1:" + registry.port + "/ctui-it-engine/busybox:1";
        assertEquals(0, Engines.run("docker", "tag", "local/busybox:latest", pushed));
        assertEquals(0, Engines.run("docker", "push", "-q", pushed), "docker push " + pushed);

        Out r = cli("pull", "--backend", "rt", pushed);
        assertEquals(0, r.code(), r.toString());
        assertEquals(dockerId("local/busybox:latest"), r.out().trim());
        assertTrue(r.err().contains("downloaded"), "pull progress: " + r.err());
        Out run = cli("run", "--backend", "rt", "--rm", "--name", "pulled", pushed, "sh", "-c", "echo pulled-$((6*7)); exit 3");
        assertEquals(3, run.code(), run.toString());
        assertEquals("pulled-42\n", run.out());
        assertTrue(new EngineBackend("rt", store, runRoot, null).list(true).stream().noneMatch(w -> w.name().equals("pulled")), "--rm removed it");

        Out missing = cli("pull", "--backend", "rt", "127.0.0.1:" + registry.port + "/ctui-it-engine/nope:1");
        assertEquals(1, missing.code(), missing.toString());
        oneLineError(missing);
        assertTrue(missing.err().contains("not found in registry"), missing.toString());

        // push: an image built on the bundled engine goes to the registry, and comes back by digest (into docker and into the store)
        Path ctx = Files.createDirectories(work.resolve("ctx-push"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + pushed + "\nRUN echo pushed-by-cloudtui > /p && rm /bin/vi\nCMD [\"cat\", \"/p\"]\n");
        String ref = "127.0.0.1:" + registry.port + "/ctui-it-engine/built:1";
        assertEquals(0, cli("build", "--backend", "rt", "-t", ref, ctx.toString()).code());
        Out push = cli("push", "--backend", "rt", ref);
        assertEquals(0, push.code(), push.toString());
        String digest = push.out().trim();
        assertTrue(digest.matches("sha256:[0-9a-f]{64}"), push.toString());
        String byDigest = "127.0.0.1:" + registry.port + "/ctui-it-engine/built@" + digest;
        try {
            assertEquals(0, Engines.run("docker", "pull", "-q", byDigest), "docker pull " + byDigest);
            assertEquals("pushed-by-cloudtui\n", docker("run", "--rm", byDigest));
            assertEquals("gone\n", docker("run", "--rm", byDigest, "sh", "-c", "ls /bin/vi 2>/dev/null || echo gone"));
        } finally {
            Engines.run("docker", "rmi", "-f", byDigest);
        }
        Out back = cli("pull", "--backend", "rt", byDigest);
        assertEquals(0, back.code(), back.toString());
        Out run2 = cli("run", "--backend", "rt", "--rm", byDigest);
        assertEquals("pushed-by-cloudtui\n", run2.out(), run2.toString());
        Out noRepo = cli("push", "--backend", "rt", "127.0.0.1:" + registry.port + "/ctui-it-engine/absent:1");
        assertEquals(1, noRepo.code(), noRepo.toString());
        oneLineError(noRepo);
    }
}
