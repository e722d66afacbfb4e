package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cloudtui.core.Stdio;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionTailTest {
    /** A raw terminal's output as TerminalSession makes it: cooked() adds CR before LF. */
    static final class Raw extends ByteArrayOutputStream implements Stdio.RawTerminalOutput {
        @Override
        public OutputStream cooked() {
            Raw self = this;
            return new OutputStream() {
                @Override
                public void write(int b) {
                    if (b == '\n') self.write('\r');
                    self.write(b);
                }
            };
        }
    }

    @Test
    void aRawTerminalStaysRawThroughTheTailSoOutputWithoutATtyIsCooked() throws Exception {
        Raw screen = new Raw();
        SessionTail tail = new SessionTail();
        Stdio given = tail.wrap(new Stdio(new ByteArrayInputStream(new byte[0]), screen, screen, false, null, null));
        Stdio plain = given.forWorkloadWithoutTty();
        plain.stdout().write("tick 8\ntick 9\n".getBytes(StandardCharsets.UTF_8));
        plain.stdout().flush();
        // no staircase on the screen, and the tail still saw what was printed
        assertEquals("tick 8\r\ntick 9\r\n", screen.toString(StandardCharsets.UTF_8));
        assertEquals(List.of("tick 8", "tick 9"), tail.lines());
    }
}
