package io.cloudtui.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jline.terminal.Attributes;
import org.jline.terminal.Attributes.ControlChar;
import org.jline.terminal.Attributes.LocalFlag;
import org.junit.jupiter.api.Test;

class ForegroundProcessTest {
    @Test
    void ctrlCInterruptsAgainAfterAUiThatUndefinedTheInterruptCharacter() {
        // as lanterna leaves a terminal whose ctrl-c it traps: raw, no signals, intr and susp undefined
        Attributes trapped = new Attributes();
        trapped.setLocalFlags(java.util.EnumSet.of(LocalFlag.ICANON, LocalFlag.ECHO, LocalFlag.ISIG), false);
        trapped.setControlChar(ControlChar.VINTR, 0);
        trapped.setControlChar(ControlChar.VSUSP, 0);
        trapped.setControlChar(ControlChar.VERASE, 127);
        Attributes a = ForegroundProcess.cookedAttributes(trapped);
        assertTrue(a.getLocalFlag(LocalFlag.ISIG) && a.getLocalFlag(LocalFlag.ICANON) && a.getLocalFlag(LocalFlag.ECHO));
        assertEquals(3, a.getControlChar(ControlChar.VINTR));
        assertEquals(0, a.getControlChar(ControlChar.VSUSP), "ctrl-z stays off");
        assertEquals(127, a.getControlChar(ControlChar.VERASE), "what was defined is kept");
    }
}
