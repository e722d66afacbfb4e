package io.cloudtui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MainConfigFlagTest {
    @Test
    void configIsARootOptionOnly() {
        assertEquals(Path.of("a.yaml"), Main.configFlag(new String[] {"--config", "a.yaml", "ps"}));
        assertEquals(Path.of("b.yaml"), Main.configFlag(new String[] {"--config=b.yaml", "ps"}));
        // after the subcommand it belongs to the workload's command line, not to cloudtui
        assertNull(Main.configFlag(new String[] {"run", "img", "app", "--config", "x.yaml"}));
        assertNull(Main.configFlag(new String[] {"exec", "web", "--config", "x.yaml"}));
    }
}
