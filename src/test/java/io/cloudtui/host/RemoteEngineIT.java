package io.cloudtui.host;

import static io.cloudtui.host.RemoteHostsIT.cloudtui;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.host.RemoteHostsIT.Result;
import io.cloudtui.testing.Engines;
import io.cloudtui.testing.TestHosts;
import io.cloudtui.testing.TestHosts.Host;
import io.cloudtui.testing.Tmux;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * cloudtui's own engine on a test host as {@link TestHosts#PLAIN_USER} (no Docker there), pinned with
 * {@code backends: [runtime]}, through the real jar: the jar is put in the user's
 * ~/.cache/cloudtui/jars once (a second command puts nothing: same inode); run -d, ps, logs, stop and
 * rm of a container of the bundled engine there (rootless, from a busybox rootfs imported on the
 * host), its row and logs in the full-screen UI under tmux, the row following a stop; no JDK >= 21 there gives the one line; a remote cloudtui of another protocol is refused in
 * one line.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RemoteEngineIT {
    static final String NAME = "ctui-it-re-" + UUID.randomUUID().toString().substring(0, 6);
    static final String IMAGE = "ctui-it-re/bb:1";
    static final ObjectMapper JSON = new ObjectMapper();
    static TestHosts hosts;
    static Host host;
    static Path dir;
    static String sha;

    @BeforeAll
    static void setUp() throws Exception {
        hosts = TestHosts.require();
        host = hosts.hosts().get(1);
        dir = Files.createTempDirectory("ctui-re");
        Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("c.yaml"), "hosts:\n  - {name: p, ssh: '" + TestHosts.PLAIN_USER + "@" + host.name()
                + "', backends: [runtime]}\n");
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(Files.readAllBytes(Path.of("target/cloudtui.jar")));
        sha = HexFormat.of().formatHex(md.digest());
        // this build's jar is not there yet (an earlier run of the same jar put it)
        TestHosts.Result r = plain("rm -f ~/.cache/cloudtui/jars/" + sha + ".jar ~/.local/bin/cloudtui");
        assertTrue(r.ok(), r.out());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (hosts != null) {
            plain("rm -f ~/.local/bin/cloudtui");
            cloudtui(env(), "-H", "p", "rm", "-f", "p/runtime:" + NAME);
            // the image goes too (imported by this test in the user's store there), and this build's jar
            cloudtui(env(), "-H", "p", "rmi", "--backend", "p/runtime", IMAGE);
            plain("rm -f ~/.cache/cloudtui/jars/" + sha + ".jar");
        }
        if (dir != null) Engines.run("rm", "-rf", dir.toString());
    }

    static TestHosts.Result plain(String script) {
        return hosts.sshAs(TestHosts.PLAIN_USER, host, script);
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("CLOUDTUI_CONFIG", dir.resolve("c.yaml").toString());
        env.put("CLOUDTUI_SSH_CONFIG", TestHosts.sshConfig().toString());
        env.put("CLOUDTUI_SSH_CONNECT_TIMEOUT", "5");
        env.put("XDG_RUNTIME_DIR", dir.resolve("run").toString());
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("CLOUDTUI_NO_AGENT", "1");
        return env;
    }

    static List<JsonNode> rows(Result r) throws Exception {
        return StreamSupport.stream(JSON.readTree(r.out()).spliterator(), false).toList();
    }

    @Test
    void theBundledEngineOnAHostWithoutDocker() throws Exception {
        Result first = cloudtui(env(), "-H", "p", "ps", "-a", "--format", "json");
        assertEquals(0, first.code(), first.toString());
        assertEquals("", first.err(), first.toString());
        String jar = "~/.cache/cloudtui/jars/" + sha + ".jar";
        TestHosts.Result put = plain("stat -c '%i %a %U' " + jar);
        assertTrue(put.ok(), put.out());
        assertTrue(put.out().strip().endsWith(" 600 " + TestHosts.PLAIN_USER), put.out());
        Result second = cloudtui(env(), "-H", "p", "ps", "-a");
        assertEquals(0, second.code(), second.toString());
        // not put again: the same file
        assertEquals(put.out(), plain("stat -c '%i %a %U' " + jar).out());
        assertEquals("", plain("ls -A ~/.cache/cloudtui/jars | grep -v '\\.jar$' || true").out().strip(), "no temporary file left");

        // an image for the rootless engine there: a busybox rootfs made here, imported through the channel
        Path rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        assertEquals(0, Engines.run("tar", "-C", rootfs.toString(), "-cf", dir.resolve("rootfs.tar").toString(), "."));
        Result imp = cloudtui(env(), "-H", "p", "image", "import", "--backend", "p/runtime", dir.resolve("rootfs.tar").toString(), IMAGE);
        assertEquals(0, imp.code(), imp.toString());
        assertTrue(imp.out().strip().startsWith("sha256:"), imp.toString());
        Result images = cloudtui(env(), "-H", "p", "images");
        assertTrue(images.out().lines().anyMatch(l -> l.startsWith("ctui-it-re/bb ") && l.contains(" p/runtime ")), images.toString());
        // the file went only for the import
        assertEquals("", plain("ls -A ~/.cache/cloudtui | grep '^import' || true").out().strip());

        Result run = cloudtui(env(), "-H", "p", "run", "-d", "--name", NAME, IMAGE, "sh", "-c", "echo hello-from-$(id -u); sleep 100000");
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().strip().matches("[0-9a-f]{64}"), run.toString());
        Result ps = cloudtui(env(), "-H", "p", "ps", "--format", "json");
        assertEquals(0, ps.code(), ps.toString());
        JsonNode row = rows(ps).stream().filter(n -> n.path("name").asText().equals(NAME)).findFirst().orElseThrow(() -> new AssertionError(ps));
        assertEquals("p/runtime:" + run.out().strip(), row.path("id").asText());
        assertEquals("p", row.path("host").asText());
        assertEquals("running", row.path("state").asText());
        Result table = cloudtui(env(), "-H", "p", "ps");
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("p ") && l.contains(NAME) && l.contains("p/runtime")), table.toString());

        // the full-screen UI: the row under its host, its logs; then stopped from the CLI, the row follows
        try (Tmux tmux = new Tmux("ctui-it-re")) {
            tmux.start(Tmux.launcher(dir, "ui.sh", env(), List.of("-H", "p")).toString(), 200, 30);
            tmux.await("p's runtime row", t -> t.lines().anyMatch(l -> l.trim().startsWith("p ") && l.contains(" p/runtime ")
                    && l.contains(NAME) && l.contains("running")), Duration.ofSeconds(90));
            tmux.keys("/");
            tmux.type(NAME);
            tmux.keys("Enter");
            tmux.keys("l");
            tmux.await("its log line", t -> t.contains("p/runtime:" + NAME) && t.lines().anyMatch(l -> l.strip().equals("hello-from-0")),
                    Duration.ofSeconds(60));
            tmux.keys("Escape");
            Result stopped = cloudtui(env(), "-H", "p", "stop", "-t", "1", "p/runtime:" + NAME);
            assertEquals(0, stopped.code(), stopped.toString());
            tmux.await("the row stopped", t -> t.lines().anyMatch(l -> l.contains(NAME) && !l.contains("running")
                    && (l.contains("exited") || l.contains("stopped"))), Duration.ofSeconds(60));
            tmux.quitAndCheckTerminal();
        }
        Result restarted = cloudtui(env(), "-H", "p", "start", "p/runtime:" + NAME);
        assertEquals(0, restarted.code(), restarted.toString());

        Result exec = cloudtui(env(), "-H", "p", "exec", "p/runtime:" + NAME, "sh", "-c", "echo out-$(id -u); echo err >&2; exit 3");
        assertEquals(3, exec.code(), exec.toString());
        assertEquals("out-0\n", exec.out(), exec.toString());
        assertEquals("err\n", exec.err(), exec.toString());

        Result logs = cloudtui(env(), "-H", "p", "logs", "p/runtime:" + NAME);
        assertEquals(0, logs.code(), logs.toString());
        // rootless there: the container's root is the user outside
        assertEquals("hello-from-0\nhello-from-0\n", logs.out(), logs.toString());

        Result stop = cloudtui(env(), "-H", "p", "stop", "-t", "1", "p/runtime:" + NAME);
        assertEquals(0, stop.code(), stop.toString());
        Result after = cloudtui(env(), "-H", "p", "ps", "-a", "--format", "json");
        assertEquals("exited", rows(after).stream().filter(n -> n.path("name").asText().equals(NAME)).findFirst()
                .orElseThrow(() -> new AssertionError(after)).path("state").asText().replace("stopped", "exited"), after.toString());
        Result rm = cloudtui(env(), "-H", "p", "rm", "p/runtime:" + NAME);
        assertEquals(0, rm.code(), rm.toString());
        Result gone = cloudtui(env(), "-H", "p", "ps", "-a", "--format", "json");
        assertFalse(rows(gone).stream().anyMatch(n -> n.path("name").asText().equals(NAME)), gone.toString());
    }

    /**
     * Only a host with neither dockerd nor podman installed gets the bundled engine unasked: a user who
     * may not open the Docker socket (this one), or a dockerd stopped, is not taken for one.
     */
    @Test
    void discoverySaysNoEngineOnlyWhenNoneIsInstalled() {
        TestHosts.Result d = plain(io.cloudtui.host.Host.DISCOVER);
        assertTrue(d.ok(), d.out());
        assertFalse(io.cloudtui.host.Host.noEngine(d.out()), d.out());
        // the same script with no dockerd or podman to be found (an empty PATH; the fixed paths taken out)
        TestHosts.Result none = plain("PATH=/nonexistent; " + io.cloudtui.host.Host.DISCOVER.replace("/usr/sbin/dockerd", "/nonexistent/a")
                .replace("/usr/bin/dockerd", "/nonexistent/b"));
        assertTrue(io.cloudtui.host.Host.noEngine(none.out()), none.out());
    }

    @Test
    void noJavaOnTheHostIsOneLine() throws Exception {
        // the host's PATH has Debian's java 17 only; no JDK directory to look in
        Map<String, String> env = env();
        env.put("CLOUDTUI_REMOTE_JVM_DIR", "/nonexistent");
        Result r = cloudtui(env, "-H", "p", "ps");
        assertEquals(1, r.code(), r.toString());
        assertEquals("cloudtui: p: no Java 21 or newer on the host (install a JDK >= 21, or put cloudtui on its PATH)\n", r.err(), r.toString());
    }

    @Test
    void aRemoteCloudtuiOfAnotherProtocolIsRefused() throws Exception {
        // a cloudtui on the user's PATH there whose serve says hello with protocol 99 (build old)
        TestHosts.Result w = plain("mkdir -p ~/.local/bin && printf '#!/bin/sh\\nprintf \"\\\\001\\\\000\\\\000\\\\000\\\\007\\\\000\\\\000\\\\000\\\\143old\"\\n'"
                + " > ~/.local/bin/cloudtui && chmod 755 ~/.local/bin/cloudtui");
        assertTrue(w.ok(), w.out());
        try {
            Result r = cloudtui(env(), "-H", "p", "ps");
            assertEquals(1, r.code(), r.toString());
            assertEquals("cloudtui: p: cloudtui on its PATH (/home/" + TestHosts.PLAIN_USER + "/.local/bin/cloudtui) speaks protocol 99 (build old),"
                    + " this cloudtui 1: update it there, or take it off the PATH for cloudtui to put its own jar\n", r.err(), r.toString());
        } finally {
            plain("rm -f ~/.local/bin/cloudtui");
        }
    }
}
