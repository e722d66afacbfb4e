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
}
