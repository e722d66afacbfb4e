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

    @Test
    void hostIsARootOptionOnly() {
        assertEquals("web1", Main.hostFlag(new String[] {"-H", "web1", "ps"}));
        assertEquals("ssh://a@b", Main.hostFlag(new String[] {"--config", "c.yaml", "--host", "ssh://a@b", "ps"}));
        assertEquals("web2", Main.hostFlag(new String[] {"--host=web2", "ps"}));
        assertEquals("web3", Main.hostFlag(new String[] {"-Hweb3", "ps"}));
        assertNull(Main.hostFlag(new String[] {"run", "-h", "x", "img"}));
        assertNull(Main.hostFlag(new String[] {"exec", "web", "-H", "x"}));
        assertEquals(Path.of("c.yaml"), Main.configFlag(new String[] {"-H", "web1", "--config", "c.yaml", "ps"}));
        // -H HOST before the command: only that command is built
        assertEquals(java.util.Set.of("ps"), Main.neededSubcommands(new String[] {"-H", "web1", "ps"}));
    }
}
