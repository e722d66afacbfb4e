package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import org.junit.jupiter.api.Test;

class SanitizerTest {
    private static void clean(StyledText t) {
        for (char c : t.text().toCharArray()) {
            assertTrue(c >= 0x20 && !(c >= 0x7f && c <= 0x9f), "control char " + (int) c + " in '" + t.text() + "'");
        }
    }

    @Test
    void stripsEveryKindOfControlSequence() {
        String[][] cases = {
            {"a\u001b[2Jb", "ab"},
            {"a\u001b[?1049hb", "ab"},
            {"a\u001b]0;title\u0007b", "ab"},
            {"a\u001b]52;c;ZXZpbA==\u001b\\b", "ab"},
            {"a\u001bP+q544e\u001b\\b", "ab"},
            {"a\u001b_apc\u001b\\b", "ab"},
            {"a\u001b^pm\u001b\\b", "ab"},
            {"a\u001bXsos\u001b\\b", "ab"},
            {"a\u001b(0b", "ab"},
            {"a\u001bcb", "ab"},
            {"a\u001b7\u001b8b", "ab"},
            {"a\u009b6nb", "ab"},
            {"a\u009d0;t\u009cb", "ab"},
            {"a\u0085b", "ab"},
            {"a\u0007\u0008\r\u0000\u007fb", "ab"},
            {"unterminated \u001b]0;forever", "unterminated "},
            {"trailing esc \u001b", "trailing esc "},
            {"half csi \u001b[12", "half csi "},
            {"\u001b[31;1;4;7;3;9mall\u001b[0m", "all"},
        };
        for (String[] c : cases) {
            StyledText t = Sanitizer.sanitize(c[0]);
            clean(t);
            assertEquals(c[1], t.text(), c[0].replace("\u001b", "ESC"));
        }
    }

    @Test
    void sgrBecomesStyles() {
        StyledText t = Sanitizer.sanitize("\u001b[1;31mbold red\u001b[22;39m plain \u001b[38;5;208morange\u001b[48;2;1;2;3mbg\u001b[m end");
        assertEquals("bold red plain orangebg end", t.text());
        Style s = t.styleAt(0);
        assertEquals(TextColor.ANSI.RED, s.fg());
        assertTrue(s.sgr().contains(SGR.BOLD));
        assertNull(t.styleAt(t.text().indexOf("plain")));
        assertEquals(new TextColor.Indexed(208), t.styleAt(t.text().indexOf("orange")).fg());
        assertEquals(new TextColor.RGB(1, 2, 3), t.styleAt(t.text().indexOf("bg")).bg());
        assertNull(t.styleAt(t.text().indexOf("end")));
    }

    @Test
    void bogusSgrParametersAreHarmless() {
        StyledText t = Sanitizer.sanitize("\u001b[38;2;999;1;1mx\u001b[38;5mY\u001b[99999999999mZ");
        assertEquals("xYZ", t.text());
        clean(t);
    }

    @Test
    void tabsExpandAndLongLinesAreCut() {
        assertEquals("a       b", Sanitizer.sanitize("a\tb").text());
        StyledText t = Sanitizer.sanitize("y".repeat(100_000));
        assertTrue(t.text().startsWith("y".repeat(Sanitizer.DEFAULT_MAX_CHARS)));
        assertTrue(t.text().endsWith("[+" + (100_000 - Sanitizer.DEFAULT_MAX_CHARS) + " chars cut] "), t.text().substring(8100));
    }

    @Test
    void astralCharactersBecomeAPlaceholder() {
        assertEquals("a\ufffdb", Sanitizer.sanitize("a\ud83d\ude00b").text());
    }
}
