package io.cloudtui.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Makes workload output safe to draw. SGR colour and attribute codes become style runs; every other
 * escape sequence (CSI cursor moves and erases, OSC titles and hyperlinks, DCS, SOS, PM, APC,
 * charset switches), the C1 controls that start them, and C0 controls other than tab are removed.
 * Tabs become spaces to the next multiple of 8. Lines longer than {@code maxChars} are cut, with a
 * note of how much was cut. What comes out contains only printable characters.
 */
final class Sanitizer {
    static final int DEFAULT_MAX_CHARS = 8192;
    private static final char ESC = 0x1b;

    private Sanitizer() {}

    static StyledText sanitize(String raw) {
        return sanitize(raw, DEFAULT_MAX_CHARS);
    }

    static StyledText sanitize(String raw, int maxChars) {
        if (raw == null || raw.isEmpty()) return StyledText.EMPTY;
        if (raw.length() <= maxChars && printable(raw)) return StyledText.plain(raw);
        StringBuilder out = new StringBuilder(Math.min(raw.length(), maxChars) + 16);
        List<Integer> starts = new ArrayList<>();
        List<Style> styles = new ArrayList<>();
        SgrState sgr = new SgrState();
        Style current = null;
        int n = raw.length();
        long cut = 0;
        int i = 0;
        while (i < n) {
            char c = raw.charAt(i);
            if (c == ESC || (c >= 0x80 && c <= 0x9f)) {
                // 7-bit ESC X or its 8-bit C1 form: same grammar after the introducer
                char kind;
                int j;
                if (c == ESC) {
                    if (i + 1 >= n) break;
                    kind = raw.charAt(i + 1);
                    j = i + 2;
                } else {
                    kind = (char) (c - 0x40);
                    j = i + 1;
                }
                switch (kind) {
                    case '[' -> {
                        int p = j;
                        while (p < n && raw.charAt(p) >= 0x20 && raw.charAt(p) <= 0x3f) p++;
                        if (p >= n) {
                            i = n;
                            continue;
                        }
                        char fin = raw.charAt(p);
                        if (fin == 'm' && fin >= 0x40) sgr.apply(raw.substring(j, p));
                        // anything that is not a valid final byte ends the sequence and is dropped too
                        i = p + 1;
                    }
                    case ']', 'P', 'X', '^', '_' -> i = skipString(raw, j);
                    default -> {
                        // ESC with intermediates (charset designation etc.) then one final byte
                        int p = j - 1;
                        if (c != ESC) {
                            i = j;
                            continue;
                        }
                        while (p < n && raw.charAt(p) >= 0x20 && raw.charAt(p) <= 0x2f) p++;
                        i = Math.min(n, p + 1);
                    }
                }
                continue;
            }
            i++;
            if (c == '\t') {
                int spaces = 8 - (out.length() % 8);
                for (int k = 0; k < spaces; k++) {
                    if (out.length() >= maxChars) {
                        cut++;
                        break;
                    }
                    current = mark(out, starts, styles, current, sgr.style());
                    out.append(' ');
                }
                continue;
            }
            if (c < 0x20 || c == 0x7f) continue;
            if (Character.isSurrogate(c)) {
                // wide and astral characters have unreliable widths across terminals: draw a placeholder
                if (Character.isHighSurrogate(c) && i < n && Character.isLowSurrogate(raw.charAt(i))) i++;
                c = '\ufffd';
            }
            if (out.length() >= maxChars) {
                cut++;
                continue;
            }
            current = mark(out, starts, styles, current, sgr.style());
            out.append(c);
        }
        if (cut > 0) {
            Style note = new Style(TextColor.ANSI.DEFAULT, TextColor.ANSI.DEFAULT, EnumSet.of(SGR.REVERSE));
            starts.add(out.length());
            styles.add(note);
            out.append(" [+").append(cut).append(" chars cut] ");
        }
        int[] s = new int[starts.size()];
        for (int k = 0; k < s.length; k++) s[k] = starts.get(k);
        return new StyledText(out.toString(), s, styles.toArray(new Style[0]));
    }

    /** True when {@code raw} would come out unchanged: no escapes, controls, tabs or surrogates (most log lines). */
    private static boolean printable(String raw) {
        for (int i = 0, n = raw.length(); i < n; i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || (c >= 0x7f && (c <= 0x9f || Character.isSurrogate(c)))) return false;
        }
        return true;
    }

    private static Style mark(StringBuilder out, List<Integer> starts, List<Style> styles, Style current, Style want) {
        if (want == current) return current;
        if (want != null && want.equals(current)) return current;
        starts.add(out.length());
        styles.add(want);
        return want;
    }

    /** Skips an OSC/DCS/SOS/PM/APC body up to BEL, ST (ESC \) or 8-bit ST; unterminated runs to the end. */
    private static int skipString(String raw, int from) {
        int n = raw.length();
        for (int p = from; p < n; p++) {
            char c = raw.charAt(p);
            if (c == 0x07 || c == 0x9c) return p + 1;
            if (c == ESC) return p + 1 < n && raw.charAt(p + 1) == '\\' ? p + 2 : p + 1;
        }
        return n;
    }

    /** Colours and attributes set by SGR codes so far. */
    static final class SgrState {
        TextColor fg;
        TextColor bg;
        final EnumSet<SGR> attrs = EnumSet.noneOf(SGR.class);
        private Style cached;

        Style style() {
            if (fg == null && bg == null && attrs.isEmpty()) return null;
            if (cached == null) cached = new Style(fg, bg, attrs);
            return cached;
        }

        void apply(String params) {
            cached = null;
            if (params.isEmpty()) {
                reset();
                return;
            }
            String[] ps = params.split("[;:]", -1);
            for (int k = 0; k < ps.length; k++) {
                int p = num(ps[k]);
                if (p < 0) return;
                switch (p) {
                    case 0 -> reset();
                    case 1 -> attrs.add(SGR.BOLD);
                    case 3 -> attrs.add(SGR.ITALIC);
                    case 4 -> attrs.add(SGR.UNDERLINE);
                    case 7 -> attrs.add(SGR.REVERSE);
                    case 9 -> attrs.add(SGR.CROSSED_OUT);
                    case 22 -> attrs.remove(SGR.BOLD);
                    case 23 -> attrs.remove(SGR.ITALIC);
                    case 24 -> attrs.remove(SGR.UNDERLINE);
                    case 27 -> attrs.remove(SGR.REVERSE);
                    case 29 -> attrs.remove(SGR.CROSSED_OUT);
                    case 39 -> fg = null;
                    case 49 -> bg = null;
                    case 38, 48 -> {
                        TextColor col = null;
                        if (k + 2 < ps.length && num(ps[k + 1]) == 5) {
                            int idx = num(ps[k + 2]);
                            if (idx >= 0 && idx < 256) col = new TextColor.Indexed(idx);
                            k += 2;
                        } else if (k + 4 < ps.length && num(ps[k + 1]) == 2) {
                            int r = num(ps[k + 2]), g = num(ps[k + 3]), b = num(ps[k + 4]);
                            if (r >= 0 && r < 256 && g >= 0 && g < 256 && b >= 0 && b < 256) col = new TextColor.RGB(r, g, b);
                            k += 4;
                        } else {
                            return;
                        }
                        if (p == 38) fg = col;
                        else bg = col;
                    }
                    default -> {
                        if (p >= 30 && p <= 37) fg = TextColor.ANSI.values()[p - 30];
                        else if (p >= 40 && p <= 47) bg = TextColor.ANSI.values()[p - 40];
                        else if (p >= 90 && p <= 97) fg = bright(p - 90);
                        else if (p >= 100 && p <= 107) bg = bright(p - 100);
                    }
                }
            }
        }

        private static TextColor bright(int i) {
            return TextColor.ANSI.values()[i + 9];
        }

        private void reset() {
            fg = null;
            bg = null;
            attrs.clear();
        }

        private static int num(String s) {
            if (s.isEmpty()) return 0;
            if (s.length() > 3) return -1;
            for (int i = 0; i < s.length(); i++) {
                if (!Character.isDigit(s.charAt(i))) return -1;
            }
            return Integer.parseInt(s);
        }
    }
}
