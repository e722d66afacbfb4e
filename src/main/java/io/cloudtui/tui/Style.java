package io.cloudtui.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import java.util.EnumSet;

/** Foreground, background and attributes of one cell. */
record Style(TextColor fg, TextColor bg, EnumSet<SGR> sgr) {
    static final Style PLAIN = new Style(TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT, EnumSet.noneOf(SGR.class));

    Style {
        fg = fg == null ? TextColor.ANSI.DEFAULT : fg;
        bg = bg == null ? TextColor.ANSI.DEFAULT : bg;
        sgr = sgr == null ? EnumSet.noneOf(SGR.class) : EnumSet.copyOf(sgr);
    }

    Style with(SGR s) {
        EnumSet<SGR> n = EnumSet.copyOf(sgr);
        n.add(s);
        return new Style(fg, bg, n);
    }

    Style withBg(TextColor b) {
        return new Style(fg, b, sgr);
    }

    Style withFg(TextColor f) {
        return new Style(f, bg, sgr);
    }
}
