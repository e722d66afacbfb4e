package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cloudtui.core.CloudtuiException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Validation of the container log's parameters (the logging itself: OciLogsIT). */
class LogSpecTest {
    @Test
    void logSpecIsValidated() {
        assertThrows(CloudtuiException.class, () -> new OciRuntime.LogSpec(Path.of("relative.log"), 4096, 1));
        assertThrows(CloudtuiException.class, () -> new OciRuntime.LogSpec(null, 4096, 1));
        assertThrows(CloudtuiException.class, () -> new OciRuntime.LogSpec(Path.of("/"), 4096, 1));
        assertThrows(CloudtuiException.class, () -> new OciRuntime.LogSpec(Path.of("/tmp/x.log"), 4095, 1));
        assertThrows(CloudtuiException.class, () -> new OciRuntime.LogSpec(Path.of("/tmp/x.log"), 4096, 0));
        assertThrows(CloudtuiException.class, () -> new OciRuntime.LogSpec(Path.of("/tmp/x.log"), 4096, 101));
        assertEquals(Path.of("/tmp/x.log"), new OciRuntime.LogSpec(Path.of("/tmp/a/../x.log"), 4096, 100).file());
    }

    @Test
    void attachNeedsALog() {
        OciRuntime rt = new OciRuntime(Path.of("/nonexistent-root"), m -> { });
        assertThrows(CloudtuiException.class, () -> rt.create("x", Path.of("/nonexistent"), null, null, null, true));
    }
}
