package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TextCharacter;
import io.cloudtui.core.FakeBackend;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CanvasCellTest {
    @TempDir
    Path tmp;

    /**
     * Every cell the UI draws reaches lanterna as a {@link Canvas.Cell}, whose width was worked out
     * once (lanterna's delta refresh asks each cell of the screen on every frame), and that answer is
     * lanterna's own, for ASCII, box drawing, sparklines and wide characters alike.
     */
    @Test
    void drawnCellsKnowTheirWidthAsLanternaDoes() throws Exception {
        try (Harness h = new Harness(List.of(new FakeBackend("docker")), tmp)) {
            h.step();
            int cells = 0;
            for (int row = 0; row < 30; row++) {
                for (int col = 0; col < 100; col++) {
                    TextCharacter t = h.app.screen.getBackCharacter(col, row);
                    if (t == null || t == TextCharacter.DEFAULT_CHARACTER || t.getCharacter() == ' ' && !(t instanceof Canvas.Cell)) continue;
                    assertTrue(t instanceof Canvas.Cell, "at " + col + "," + row + ": " + t);
                    cells++;
                }
            }
            assertTrue(cells > 100, "drawn cells: " + cells);
        }
        Style st = new Style(com.googlecode.lanterna.TextColor.ANSI.DEFAULT, com.googlecode.lanterna.TextColor.ANSI.DEFAULT, java.util.EnumSet.noneOf(com.googlecode.lanterna.SGR.class));
        for (char ch : new char[] {'a', ' ', '│', '▁', '█', '中', '한', 'é'}) {
            Canvas.Cell c = new Canvas.Cell(ch, st);
            assertEquals(new TextCharacter(ch).isDoubleWidth(), c.isDoubleWidth(), "width of " + ch);
        }
    }
}
