package io.cloudtui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.cloudtui.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which commands the warm agent serves with the same kept session: those of the same effective configuration. */
class MainWarmKeyTest {
    @TempDir
    Path dir;

    Config load(Path file, Map<String, String> env) {
        return Main.loader(env).load(file, env);
    }

    @Test
    void theSameConfigurationIsTheSameKeyAndAnythingThatMattersChangesIt() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "hosts:\n  - {name: web1, ssh: web1}\n");
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "PATH", "/usr/bin", "TERM", "xterm"));
        String[] ps = {"--config", f.toString(), "ps"};
        String k = Main.warmKey(ps, load(f, env), env, null);
        assertEquals(k, Main.warmKey(new String[] {"--config", f.toString(), "ps", "-a"}, load(f, env), env, null));
        // what changes from shell to shell does not matter
        Map<String, String> other = new HashMap<>(env);
        other.put("TERM", "screen");
        other.put("PWD", "/tmp");
        assertEquals(k, Main.warmKey(ps, load(f, other), other, null));
        // -H, the hosts the command is narrowed to, the environment, the config's content
        assertNotEquals(k, Main.warmKey(new String[] {"--config", f.toString(), "-H", "web1", "ps"}, load(f, env), env, null));
        assertNotEquals(k, Main.warmKey(ps, load(f, env), env, Set.of("web1")));
        other.put("CLOUDTUI_SSH_CONNECT_TIMEOUT", "3");
        assertNotEquals(k, Main.warmKey(ps, load(f, other), other, null));
        Files.writeString(f, "hosts:\n  - {name: web1, ssh: web2}\n");
        assertNotEquals(k, Main.warmKey(ps, load(f, env), env, null));
    }
}
