package io.cloudtui.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jline.terminal.Attributes;
import org.jline.terminal.Attributes.ControlChar;
import org.jline.terminal.Attributes.LocalFlag;
import org.junit.jupiter.api.Test;

class ForegroundProcessTest {
    /** The full-screen UI (lanterna, ctrl-c trapped) leaves the terminal with no interrupt character (stty intr undef). */
    @Test
    void ctrlCInterruptsTheProgramEvenWhenTheCallerHadItUndefined() {
        Attributes ui = new Attributes();
        ui.setControlChar(ControlChar.VINTR, 0);
        ui.setControlChar(ControlChar.VSUSP, 26);
        Attributes cooked = ForegroundProcess.cookedAttributes(ui);
        assertTrue(cooked.getLocalFlag(LocalFlag.ISIG));
        assertEquals(3, cooked.getControlChar(ControlChar.VINTR), "ctrl-c sends SIGINT");
        assertEquals(0, cooked.getControlChar(ControlChar.VSUSP), "no ctrl-z");
    }
}
