package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.RunSpec;
import io.cloudtui.engine.image.ImageConfig;
import io.cloudtui.runtime.oci.DefaultSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config.json of {@code run --hpc}: what Apptainer's defaults make of a run, as a tree (EngineHpcIT runs it). */
class BundleSpecHpcTest {
    @TempDir
    Path tmp;

    static final ImageConfig IMG = new ImageConfig(List.of("PATH=/opt/app/bin:/bin", "FROM_IMAGE=1", "MYVAR=image"), "/", "", List.of(),
            List.of("sh"), List.of(), Map.of(), "linux", "amd64");

    private ObjectNode config(RunSpec s, long uid, Map<String, String> hostEnv, boolean rootless) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path cwd = Files.createDirectories(tmp.resolve("home/work"));
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
        ObjectNode c = BundleSpec.build("id1", s, IMG, rootfs, etc, "h", null);
        BundleSpec.hpc(c, s, IMG, new BundleSpec.Invoker(uid, uid + 1, "u", home, cwd, hostEnv), etc, rootless);
        return c;
    }

    private static RunSpec spec(List<RunSpec.Mount> mounts, Map<String, String> env) {
        return new RunSpec("img", null, List.of("true"), null, env, mounts, null, null, false, false, false, true, null, null, null, null,
                null, false, null, null).withHpc(new RunSpec.Hpc(false));
    }

    private static List<String> mountTargets(JsonNode c) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : c.get("mounts")) out.add(m.path("destination").asText() + "<-" + m.path("source").asText());
        return out;
    }

    @Test
    void asTheUserWithTheHostsNamespacesDevicesAndDirectories() throws Exception {
        Map<String, String> host = new LinkedHashMap<>(Map.of("PATH", "/host/bin", "LD_LIBRARY_PATH", "/host/lib", "MYVAR", "host", "ONLYHOST", "x",
                "CLOUDTUI_JAR", "/j", "TERM", "xterm"));
        ObjectNode c = config(spec(List.of(), Map.of("SET", "e")), 1234, host, true);
        JsonNode p = c.get("process");
        assertEquals(1234, p.path("user").path("uid").asLong());
        assertEquals(1235, p.path("user").path("gid").asLong());
        assertEquals(tmp.resolve("home/work").toString(), p.path("cwd").asText());
        assertEquals(0, p.path("capabilities").path("bounding").size(), "a user gets no capabilities");
        assertFalse(c.has("hostname"), "the host's name (no UTS namespace)");
        assertTrue(c.path("root").path("readonly").asBoolean(), "the image is read-only");
        List<String> ns = new ArrayList<>();
        for (JsonNode n : c.path("linux").path("namespaces")) ns.add(n.path("type").asText());
        assertEquals(List.of("user", "pid", "mount"), ns, "the host's network, IPC and UTS");
        assertEquals("1234 1234 1", c.path("linux").path("uidMappings").get(0).path("containerID").asText() + " "
                + c.path("linux").path("uidMappings").get(0).path("hostID").asText() + " " + c.path("linux").path("uidMappings").get(0).path("size").asText());
        assertEquals(1235, c.path("linux").path("gidMappings").get(0).path("hostID").asLong());
        assertFalse(c.path("linux").has("resources"), "no cgroup, no device rules");
        assertEquals("true", c.path("annotations").path(DefaultSpec.NO_CGROUP).asText());
        List<String> m = mountTargets(c);
        assertTrue(m.contains("/dev<-/dev"), m.toString());
        assertTrue(m.stream().noneMatch(x -> x.startsWith("/dev/")), "nothing over the host's /dev: " + m);
        assertTrue(m.contains(tmp.resolve("home") + "<-" + tmp.resolve("home")), m.toString());
        assertTrue(m.contains("/tmp<-/tmp"), m.toString());
        assertFalse(m.contains(tmp.resolve("home/work") + "<-" + tmp.resolve("home/work")), "the cwd is under the bound home already: " + m);
        assertTrue(m.contains("/etc/passwd<-" + tmp.resolve("etc/passwd")), m.toString());
        List<String> env = new ArrayList<>();
        p.path("env").forEach(e -> env.add(e.asText()));
        assertTrue(env.contains("PATH=/opt/app/bin:/bin"), "the image's PATH, not the host's: " + env);
        assertTrue(env.contains("MYVAR=image"), "the image's Env over the host's: " + env);
        assertTrue(env.contains("ONLYHOST=x") && env.contains("TERM=xterm") && env.contains("SET=e") && env.contains("FROM_IMAGE=1"), env.toString());
        assertTrue(env.contains("HOME=" + tmp.resolve("home")), env.toString());
        assertTrue(env.stream().noneMatch(e -> e.startsWith("LD_LIBRARY_PATH=") || e.startsWith("CLOUDTUI_JAR=")), env.toString());
    }

    @Test
    void cleanEnvKeepsTermAndProxiesAndRootStaysRoot() throws Exception {
        RunSpec s = spec(List.of(), Map.of()).withHpc(new RunSpec.Hpc(true));
        ObjectNode c = config(s, 0, Map.of("MYSECRET", "x", "TERM", "vt100", "https_proxy", "http://p:1"), false);
        List<String> env = new ArrayList<>();
        c.path("process").path("env").forEach(e -> env.add(e.asText()));
        assertTrue(env.contains("TERM=vt100") && env.contains("https_proxy=http://p:1"), env.toString());
        assertTrue(env.stream().noneMatch(e -> e.startsWith("MYSECRET")), env.toString());
        assertEquals(0, c.path("process").path("user").path("uid").asLong());
        assertFalse(c.path("linux").has("uidMappings"), "root: no user namespace");
        assertTrue(c.path("process").path("capabilities").path("bounding").size() > 0, "root keeps the default capabilities");
    }

    @Test
    void bindsComeLastAndWhatDoesNotGoWithHpcIsRefused() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        ObjectNode c = config(spec(List.of(new RunSpec.Mount(data.toString(), "/tmp", true)), Map.of()), 1000, Map.of(), true);
        List<String> m = mountTargets(c);
        assertEquals("/tmp<-" + data, m.get(m.size() - 1), "a -B over a default bind wins: " + m);
        for (RunSpec bad : List.of(
                new RunSpec("img", null, List.of(), null, null, null, null, null, false, false, false, true, null, "0", null, null, null, false,
                        null, null).withHpc(new RunSpec.Hpc(false)),
                new RunSpec("img", null, List.of(), null, null, null, null, null, false, false, false, true, null, null, 1L << 20, null, null,
                        false, null, null).withHpc(new RunSpec.Hpc(false)),
                new RunSpec("img", null, List.of(), null, null, null, null, null, false, false, false, true, null, null, null, null, null, false,
                        "none", null).withHpc(new RunSpec.Hpc(false)))) {
            CloudtuiException e = assertThrows(CloudtuiException.class, () -> config(bad, 1000, Map.of(), true));
            assertTrue(e.getMessage().startsWith("--hpc "), e.getMessage());
        }
    }
}
