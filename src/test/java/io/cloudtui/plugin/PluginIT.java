package io.cloudtui.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third-party jar on the classpath adds a backend without any change to cloudtui: compile a
 * provider against the built cloudtui.jar, package it with its META-INF/services entry, and run
 * the real cloudtui with both jars on the classpath.
 */
class PluginIT {
    @TempDir
    static Path dir;
    static Path pluginJar;
    static final Path CLOUDTUI_JAR = Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar"));

    @BeforeAll
    static void buildPlugin() throws Exception {
        Path src = Path.of("src/test/resources/plugin/ExampleProvider.java");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-cp", CLOUDTUI_JAR.toString(), "-d", classes.toString(), src.toString());
        assertEquals(0, rc, "plugin compiles against cloudtui.jar");
        pluginJar = dir.resolve("example-plugin.jar");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(pluginJar))) {
            jar.putNextEntry(new JarEntry("META-INF/services/io.cloudtui.core.BackendProvider"));
            jar.write("example.plugin.ExampleProvider\n".getBytes(StandardCharsets.UTF_8));
            try (var files = Files.walk(classes)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    jar.putNextEntry(new JarEntry(classes.relativize(p).toString()));
                    jar.write(Files.readAllBytes(p));
                }
            }
        }
    }

    record Result(int code, String out, String err) {}

    static Result cloudtui(List<String> classpath, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", String.join(":", classpath), "io.cloudtui.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("XDG_STATE_HOME", dir.resolve("state").toString());
        pb.environment().put("XDG_CONFIG_HOME", dir.resolve("noconfig").toString());
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        OutputStream in = p.getOutputStream();
        in.close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "cloudtui finished");
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void configuredPluginBackendListsItsWorkloads() throws Exception {
        Path cfg = dir.resolve("cfg.yaml");
        Files.writeString(cfg, "backends:\n  - name: ext\n    type: example\n    options:\n      greeting: bonjour\n");
        Result r = cloudtui(List.of(CLOUDTUI_JAR.toString(), pluginJar.toString()), "--config", cfg.toString(), "ps", "--format", "json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"ext:ex-1\""), r.out());
        assertTrue(r.out().contains("plugin-bonjour"), r.out());
        Result inspect = cloudtui(List.of(CLOUDTUI_JAR.toString(), pluginJar.toString()), "--config", cfg.toString(), "inspect", "ext:plugin-bonjour");
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains("\"plugin\""), inspect.out());
    }

    @Test
    void pluginIsAutodetectedWithoutConfig() throws Exception {
        Result r = cloudtui(List.of(CLOUDTUI_JAR.toString(), pluginJar.toString()), "ps");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("plugin-auto"), r.out());
    }

    @Test
    void withoutThePluginJarTheTypeIsUnknown() throws Exception {
        Path cfg = dir.resolve("cfg2.yaml");
        Files.writeString(cfg, "backends:\n  - name: ext\n    type: example\n");
        Result r = cloudtui(List.of(CLOUDTUI_JAR.toString()), "--config", cfg.toString(), "ps");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("cloudtui: " + cfg + ":3:11: backend 'ext' has unknown type 'example' (known: "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }
}
