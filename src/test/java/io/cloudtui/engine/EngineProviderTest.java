package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.CloudtuiException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The runtime backend's settings: store, root and log rotation options; anything else is a usage error. */
class EngineProviderTest {
    static BackendConfig cfg(String host, Map<String, Object> options) {
        return new BackendConfig("rt", "runtime", true, host, null, null, null, "/tmp/ctui-rt-root", "/tmp/ctui-rt-store", null, options);
    }

    @Test
    void optionsAreChecked() {
        EngineProvider p = new EngineProvider();
        assertEquals("rt", p.create(cfg(null, Map.of("logMaxSize", "1m", "logKeep", 3))).name());
        CloudtuiException keep = assertThrows(CloudtuiException.class, () -> p.create(cfg(null, Map.of("logKeep", 0))));
        assertTrue(keep.getMessage().contains("logKeep must be 1 to 100"), keep.getMessage());
        CloudtuiException size = assertThrows(CloudtuiException.class, () -> p.create(cfg(null, Map.of("logMaxSize", "1k"))));
        assertTrue(size.getMessage().contains("at least 4k"), size.getMessage());
        CloudtuiException unknown = assertThrows(CloudtuiException.class, () -> p.create(cfg(null, Map.of("colour", "red"))));
        assertTrue(unknown.getMessage().contains("unknown runtime option 'colour'"), unknown.getMessage());
        CloudtuiException host = assertThrows(CloudtuiException.class, () -> p.create(cfg("unix:///x", Map.of())));
        assertTrue(host.getMessage().contains("not docker or libvirt settings"), host.getMessage());
        assertEquals(2, keep.exitCode());
    }

    /** Autodetected (no backends list): "runtime" can be named before its store holds anything; configured: only what is listed. */
    @Test
    void theBundledEngineCanBeNamedBeforeItIsInUse() {
        try (io.cloudtui.core.Backends auto = io.cloudtui.core.Backends.open(io.cloudtui.config.Config.defaults(), getClass().getClassLoader())) {
            assertEquals("runtime", auto.get("runtime").type());
            assertTrue(auto.all().stream().anyMatch(b -> b.name().equals("runtime")), "and it stays in the session");
            CloudtuiException other = assertThrows(CloudtuiException.class, () -> auto.get("nonesuch"));
            assertTrue(other.getMessage().startsWith("no such backend 'nonesuch'"), other.getMessage());
        }
        io.cloudtui.config.Config onlyDocker = new io.cloudtui.config.Config(java.util.List.of(
                new BackendConfig("docker", "docker", true, "unix:///nonexistent.sock", null, null, null, null, null, null, Map.of())),
                null, null, Map.of(), null, null);
        try (io.cloudtui.core.Backends configured = io.cloudtui.core.Backends.open(onlyDocker, getClass().getClassLoader())) {
            CloudtuiException e = assertThrows(CloudtuiException.class, () -> configured.get("runtime"));
            assertTrue(e.getMessage().contains("enabled: docker"), e.getMessage());
        }
    }
}
