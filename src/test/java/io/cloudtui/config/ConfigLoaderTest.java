package io.cloudtui.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private final ConfigLoader loader = new ConfigLoader();
    private final Path file = Path.of("/etc/cloudtui.yaml");

    private CloudtuiException fails(String yaml) {
        return assertThrows(CloudtuiException.class, () -> loader.parse(yaml, file));
    }

    @Test
    void readsEveryKnownSection() {
        Config c = loader.parse("""
                backends:
                  - name: local
                    type: docker
                    host: unix:///run/docker.sock
                  - name: vms
                    type: libvirt
                    uri: qemu:///system
                defaultBackend: local
                ui:
                  theme: light
                  statsInterval: 500ms
                  logBufferLines: 2000
                  shell: [zsh, sh]
                keys:
                  logs: L
                logFile: /tmp/x.log
                """, file);
        assertEquals(List.of("local", "vms"), c.backends().stream().map(BackendConfig::name).toList());
        assertEquals("unix:///run/docker.sock", c.backends().get(0).host());
        assertEquals("qemu:///system", c.backends().get(1).uri());
        assertEquals("local", c.defaultBackend());
        assertEquals("light", c.ui().theme());
        assertEquals(Duration.ofMillis(500), c.ui().statsInterval());
        assertEquals(2000, c.ui().logBufferLines());
        assertEquals(List.of("zsh", "sh"), c.ui().shell());
        // unset UI keys keep their defaults
        assertEquals("ctrl-p,ctrl-q", c.ui().detachKeys());
        assertEquals(Map.of("logs", "L"), c.keys());
        assertEquals(file, c.source());
    }

    @Test
    void emptyFileMeansDefaults() {
        Config c = loader.parse("\n# only a comment\n", file);
        assertTrue(c.backends().isEmpty());
        assertEquals(UiConfig.DEFAULTS, c.ui());
    }

    @Test
    void unknownKeyIsReportedWithLineAndColumn() {
        CloudtuiException e = fails("ui:\n  theme: dark\n  colour: red\n");
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith("/etc/cloudtui.yaml:3:3: unknown key 'colour'"), e.getMessage());
    }

    @Test
    void unknownKeyInsideABackendIsReported() {
        CloudtuiException e = fails("backends:\n  - name: d\n    type: docker\n    socket: /x\n");
        assertTrue(e.getMessage().startsWith("/etc/cloudtui.yaml:4:5: unknown key 'socket'"), e.getMessage());
    }

    @Test
    void wrongTypeIsReported() {
        CloudtuiException e = fails("ui:\n  logBufferLines: lots\n");
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith("/etc/cloudtui.yaml:2:19: wrong type for 'ui.logBufferLines'"), e.getMessage());
    }

    @Test
    void listWhereAMappingBelongsIsReported() {
        CloudtuiException e = fails("ui: [1, 2]\n");
        assertTrue(e.getMessage().startsWith("/etc/cloudtui.yaml:1:5: wrong type for 'ui'"), e.getMessage());
    }

    @Test
    void badDurationIsReported() {
        CloudtuiException e = fails("ui:\n  statsInterval: soon\n");
        assertTrue(e.getMessage().contains("expected a duration"), e.getMessage());
        assertTrue(e.getMessage().startsWith("/etc/cloudtui.yaml:2:"), e.getMessage());
    }

    @Test
    void yamlSyntaxErrorIsReportedWithPosition() {
        CloudtuiException e = fails("ui:\n  theme: dark\n  shell: [sh\nkeys: {}\n");
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().matches("/etc/cloudtui\\.yaml:\\d+:\\d+: syntax error: .*"), e.getMessage());
    }

    @Test
    void backendWithoutTypeIsReported() {
        CloudtuiException e = fails("backends:\n  - name: d\n");
        assertTrue(e.getMessage().contains("missing key 'type'"), e.getMessage());
    }

    @Test
    void duplicateBackendNamesAreRefused() {
        CloudtuiException e = fails("backends:\n  - {name: d, type: docker}\n  - {name: d, type: libvirt}\n");
        assertTrue(e.getMessage().contains("'d' is used twice"), e.getMessage());
    }

    @Test
    void defaultBackendMustExist() {
        CloudtuiException e = fails("backends:\n  - {name: d, type: docker}\ndefaultBackend: x\n");
        assertTrue(e.getMessage().contains("defaultBackend 'x'"), e.getMessage());
    }

    @Test
    void whatConfigValidationFindsIsReportedWithLineAndColumn() {
        assertEquals("/etc/cloudtui.yaml:3:12: backend name 'd' is used twice",
                fails("backends:\n  - {name: d, type: docker}\n  - {name: d, type: libvirt}\n").getMessage());
        assertEquals("/etc/cloudtui.yaml:3:17: defaultBackend 'x' is not a configured backend",
                fails("backends:\n  - {name: d, type: docker}\ndefaultBackend: x\n").getMessage());
        assertEquals("/etc/cloudtui.yaml:2:19: ui.logBufferLines must be at least 100", fails("ui:\n  logBufferLines: 5\n").getMessage());
    }

    /** The loader every command uses: backend types, themes, detach keys and key bindings are checked at load. */
    private CloudtuiException failsFully(String yaml) {
        ConfigLoader full = io.cloudtui.Main.loader(Map.of("HOME", "/nonexistent"));
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> full.parse(yaml, file));
        assertEquals(2, e.exitCode());
        return e;
    }

    @Test
    void unknownBackendTypeIsReportedAtItsValueWithTheKnownTypes() {
        assertEquals("/etc/cloudtui.yaml:4:11: backend 'vm' has unknown type 'libvrit' (known: docker, libvirt, runtime, slurm)",
                failsFully("backends:\n  - {name: d, type: docker}\n  - name: vm\n    type: libvrit\n").getMessage());
    }

    @Test
    void unknownThemeIsReportedAtItsValueWithTheAvailableOnes() {
        String m = failsFully("ui:\n  theme: drak\n").getMessage();
        assertTrue(m.startsWith("/etc/cloudtui.yaml:2:10: ui.theme: unknown theme 'drak' (known: default, high-contrast, light, monochrome, solarized"), m);
    }

    @Test
    void keyBindingsAreCheckedAtLoad() {
        assertEquals("/etc/cloudtui.yaml:3:9: keys: 'q' is bound to both quit and logs",
                failsFully("keys:\n  help: H\n  logs: q\n").getMessage());
        String m = failsFully("keys:\n  lgos: l\n").getMessage();
        assertTrue(m.startsWith("/etc/cloudtui.yaml:2:3: keys: unknown action 'lgos' (known: quit, help"), m);
        assertTrue(failsFully("keys:\n  logs: ctrl-shift-x\n").getMessage().startsWith("/etc/cloudtui.yaml:2:9: keys: logs: bad key"));
    }

    @Test
    void detachKeysAreCheckedAtLoad() {
        String m = failsFully("ui:\n  detachKeys: ctrl-pq\n").getMessage();
        assertTrue(m.startsWith("/etc/cloudtui.yaml:2:15: ui.detachKeys: invalid detach keys 'ctrl-pq'"), m);
    }

    @Test
    void aGoodFileAndTheExamplePassTheFullChecks() throws Exception {
        ConfigLoader full = io.cloudtui.Main.loader(Map.of("HOME", "/nonexistent"));
        Config c = full.parse("backends:\n  - {name: d, type: docker}\nui:\n  theme: light\n  detachKeys: ctrl-a,x\nkeys:\n  logs: L\n", file);
        assertEquals("light", c.ui().theme());
        full.parse(Files.readString(Path.of("config.example.yaml")), Path.of("config.example.yaml"));
    }

    @Test
    void locateFollowsFlagThenEnvThenXdg() {
        assertEquals(Path.of("/a.yaml"), ConfigLoader.locate(Path.of("/a.yaml"), Map.of("CLOUDTUI_CONFIG", "/b.yaml")));
        assertEquals(Path.of("/b.yaml"), ConfigLoader.locate(null, Map.of("CLOUDTUI_CONFIG", "/b.yaml", "XDG_CONFIG_HOME", "/x")));
        assertEquals(Path.of("/x/cloudtui/config.yaml"), ConfigLoader.locate(null, Map.of("XDG_CONFIG_HOME", "/x", "HOME", "/h")));
        assertEquals(Path.of("/h/.config/cloudtui/config.yaml"), ConfigLoader.locate(null, Map.of("HOME", "/h")));
    }

    @Test
    void explicitFileMustExistButDefaultMayNot(@TempDir Path dir) throws Exception {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> loader.load(dir.resolve("nope.yaml"), Map.of()));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith("config file not found: "));
        assertEquals(Config.defaults(), loader.load(null, Map.of("XDG_CONFIG_HOME", dir.toString())));
        Path f = dir.resolve("cloudtui/config.yaml");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "ui:\n  theme: light\n");
        assertEquals("light", loader.load(null, Map.of("XDG_CONFIG_HOME", dir.toString())).ui().theme());
    }

    @Test
    void exampleConfigAtTheRootIsValid() throws Exception {
        Path example = Path.of("config.example.yaml");
        Config c = loader.parse(Files.readString(example), example);
        assertEquals(UiConfig.DEFAULTS, c.ui());
    }

    @Test
    void hostsAreRead() {
        Config c = loader.parse("""
                hosts:
                  - name: web1
                    ssh: web1
                  - name: lab
                    ssh: ssh://ops@10.0.0.5:2222
                    enabled: false
                    backends: [libvirt]
                """, file);
        assertEquals(List.of(new HostConfig("web1", "web1", null, List.of()), new HostConfig("lab", "ssh://ops@10.0.0.5:2222", false, List.of("libvirt"))),
                c.hosts());
        assertTrue(c.hosts().get(0).isEnabled());
    }

    @Test
    void badHostsAreReportedWithLineAndColumn() {
        assertEquals("/etc/cloudtui.yaml:3:12: host 'a' is listed twice",
                fails("hosts:\n  - {name: a, ssh: x}\n  - {name: a, ssh: y}\n").getMessage());
        assertEquals("/etc/cloudtui.yaml:3:20: host 'b': ssh 'x' is host 'a' already",
                fails("hosts:\n  - {name: a, ssh: x}\n  - {name: b, ssh: x}\n").getMessage());
        assertEquals("/etc/cloudtui.yaml:2:20: bad ssh host 'ssh://u:pw@x': a password in the URL is not supported"
                + " (use a key: 'ssh-add' it, or set IdentityFile in ~/.ssh/config)",
                fails("hosts:\n  - {name: a, ssh: 'ssh://u:pw@x'}\n").getMessage());
        assertEquals("/etc/cloudtui.yaml:2:20: bad ssh host 'ssh://x/srv': a path ('/srv') is not supported: the host's engines are found on it",
                fails("hosts:\n  - {name: a, ssh: 'ssh://x/srv'}\n").getMessage());
        assertEquals("/etc/cloudtui.yaml:2:12: host name 'a b' may hold only letters, digits, '_', '.', '-'",
                fails("hosts:\n  - {name: a b, ssh: x}\n").getMessage());
        assertEquals("/etc/cloudtui.yaml:2:12: host name 'local' is this machine's",
                fails("hosts:\n  - {name: local, ssh: x}\n").getMessage());
        assertEquals("/etc/cloudtui.yaml:2:34: host 'a': unknown backend 'lxc' (known: docker, podman, libvirt, libvirt-session, runtime)",
                fails("hosts:\n  - {name: a, ssh: x, backends: [lxc]}\n").getMessage());
        assertTrue(fails("hosts:\n  - {name: a}\n").getMessage().contains("missing key 'ssh'"));
        assertTrue(fails("hosts:\n  - {name: a, ssh: x, user: y}\n").getMessage().contains("unknown key 'user'"));
    }
}
