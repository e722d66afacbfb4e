package io.cloudtui.tui;

import com.googlecode.lanterna.TextColor;
import java.util.Locale;
import java.util.Map;

/** How many colours the terminal shows; theme colours are degraded to fit before they are drawn. */
enum ColorDepth {
    NONE, ANSI16, INDEXED256, TRUECOLOR;

    /** Reads NO_COLOR, COLORTERM and TERM the way most terminal programs do. */
    static ColorDepth detect(Map<String, String> env) {
        String override = env.get("CLOUDTUI_COLORS");
        if (override != null && !override.isBlank()) return parse(override);
        if (env.containsKey("NO_COLOR") && !env.get("NO_COLOR").isEmpty()) return NONE;
        String term = env.getOrDefault("TERM", "").toLowerCase(Locale.ROOT);
        String colorterm = env.getOrDefault("COLORTERM", "").toLowerCase(Locale.ROOT);
        if (term.isEmpty() || term.equals("dumb") || term.startsWith("vt1") || term.startsWith("vt2")) return NONE;
        if (colorterm.equals("truecolor") || colorterm.equals("24bit")) return TRUECOLOR;
        if (term.contains("direct") || term.contains("truecolor")) return TRUECOLOR;
        if (term.contains("256color")) return INDEXED256;
        return ANSI16;
    }

    static ColorDepth parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "truecolor", "24bit", "rgb" -> TRUECOLOR;
            case "256" -> INDEXED256;
            case "16", "8" -> ANSI16;
            case "none", "0", "mono", "2" -> NONE;
            default -> throw new IllegalArgumentException("unknown colour depth '" + s + "' (truecolor, 256, 16, none)");
        };
    }

    /** The closest colour this depth can show; null means "terminal default". */
    TextColor degrade(TextColor c) {
        if (c == null || c == TextColor.ANSI.DEFAULT) return TextColor.ANSI.DEFAULT;
        return switch (this) {
            case NONE -> TextColor.ANSI.DEFAULT;
            case TRUECOLOR -> c;
            case INDEXED256 -> c instanceof TextColor.RGB ? TextColor.Indexed.fromRGB(c.getRed(), c.getGreen(), c.getBlue()) : c;
            case ANSI16 -> c instanceof TextColor.ANSI ? c : nearestAnsi(c.getRed(), c.getGreen(), c.getBlue());
        };
    }

    private static final TextColor.ANSI[] ANSI = {
        TextColor.ANSI.BLACK, TextColor.ANSI.RED, TextColor.ANSI.GREEN, TextColor.ANSI.YELLOW,
        TextColor.ANSI.BLUE, TextColor.ANSI.MAGENTA, TextColor.ANSI.CYAN, TextColor.ANSI.WHITE,
        TextColor.ANSI.BLACK_BRIGHT, TextColor.ANSI.RED_BRIGHT, TextColor.ANSI.GREEN_BRIGHT, TextColor.ANSI.YELLOW_BRIGHT,
        TextColor.ANSI.BLUE_BRIGHT, TextColor.ANSI.MAGENTA_BRIGHT, TextColor.ANSI.CYAN_BRIGHT, TextColor.ANSI.WHITE_BRIGHT,
    };

    // xterm's default palette, so the nearest match is the one the user will actually see
    private static final int[][] RGB = {
        {0, 0, 0}, {205, 0, 0}, {0, 205, 0}, {205, 205, 0}, {0, 0, 238}, {205, 0, 205}, {0, 205, 205}, {229, 229, 229},
        {127, 127, 127}, {255, 0, 0}, {0, 255, 0}, {255, 255, 0}, {92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255},
    };

    static TextColor.ANSI nearestAnsi(int r, int g, int b) {
        int best = 0;
        long bestD = Long.MAX_VALUE;
        for (int i = 0; i < RGB.length; i++) {
            long dr = r - RGB[i][0], dg = g - RGB[i][1], db = b - RGB[i][2];
            long d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
            if (d < bestD) {
                bestD = d;
                best = i;
            }
        }
        return ANSI[best];
    }
}
