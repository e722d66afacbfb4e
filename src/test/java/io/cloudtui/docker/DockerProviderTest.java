package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.BackendProvider;
import io.cloudtui.core.Backends;
import io.cloudtui.core.Capability;
import io.cloudtui.core.ImageSupport;
import io.cloudtui.core.NetworkSupport;
import io.cloudtui.core.RunSupport;
import io.cloudtui.core.VolumeSupport;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerProviderTest {
    @Test
    void foundThroughServiceLoader() {
        Map<String, BackendProvider> providers = Backends.discover(DockerProviderTest.class.getClassLoader());
        assertInstanceOf(DockerProvider.class, providers.get("docker"));
    }

    @Test
    void createDoesNotConnect() {
        BackendConfig cfg = new BackendConfig("prod", "docker", true, "unix:///tmp/ctui-nonexistent.sock", null, null, null, null, null, null, null);
        try (Backend b = new DockerProvider().create(cfg)) {
            assertEquals("prod", b.name());
            assertEquals("docker", b.type());
            assertEquals("unix:///tmp/ctui-nonexistent.sock", b.endpoint());
            assertTrue(b.supports(Capability.EXEC) && b.supports(Capability.RUN) && !b.supports(Capability.CONSOLE));
            assertInstanceOf(RunSupport.class, b);
            assertInstanceOf(ImageSupport.class, b);
            assertInstanceOf(VolumeSupport.class, b);
            assertInstanceOf(NetworkSupport.class, b);
        }
    }
}
