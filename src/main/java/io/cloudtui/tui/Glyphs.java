package io.cloudtui.tui;

import java.util.Locale;
import java.util.Map;

/** The few non-ASCII characters the UI draws, with ASCII stand-ins for terminals that lack them. */
record Glyphs(char[] bars, char mark, char connected, char disconnected, char up, char down, char ellipsis) {
    static final Glyphs UNICODE = new Glyphs(new char[] {' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}, '●', '●', '○', '▲', '▼', '…');
    static final Glyphs ASCII = new Glyphs(new char[] {' ', '_', '.', '-', '-', '=', '=', '#', '#'}, '*', '+', '-', '^', 'v', '~');

    /** ASCII when the locale is not UTF-8 or the terminal is a plain VT100. */
    static Glyphs detect(Map<String, String> env) {
        String term = env.getOrDefault("TERM", "").toLowerCase(Locale.ROOT);
        if (term.startsWith("vt1") || term.startsWith("vt2") || term.equals("dumb")) return ASCII;
        String loc = env.getOrDefault("LC_ALL", "");
        if (loc.isEmpty()) loc = env.getOrDefault("LC_CTYPE", "");
        if (loc.isEmpty()) loc = env.getOrDefault("LANG", "");
        String l = loc.toLowerCase(Locale.ROOT);
        if (!loc.isEmpty() && !l.contains("utf-8") && !l.contains("utf8")) return ASCII;
        return UNICODE;
    }

    /** A sparkline of {@code values} scaled to {@code max}, right-aligned in {@code width} cells. */
    String sparkline(double[] values, double max, int width) {
        StringBuilder sb = new StringBuilder(width);
        int from = Math.max(0, values.length - width);
        for (int i = 0; i < width - (values.length - from); i++) sb.append(' ');
        for (int i = from; i < values.length; i++) {
            double v = values[i];
            int level = max <= 0 || v <= 0 ? 0 : (int) Math.ceil(Math.min(1.0, v / max) * (bars.length - 1));
            // a non-zero sample always shows, so an idle-but-alive row differs from a missing one
            if (v > 0 && level == 0) level = 1;
            sb.append(v < 0 ? ' ' : (level == 0 ? bars[1] : bars[level]));
        }
        return sb.toString();
    }
}
