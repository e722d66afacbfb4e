package io.cloudtui.tui;

import com.googlecode.lanterna.TerminalTextUtils;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.screen.Screen;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Draws on the back buffer of a lanterna screen in theme roles. Every string passes a last filter
 * here, so a control character can never reach the terminal whatever a backend returns.
 */
final class Canvas {
    /**
     * Lanterna validates every TextCharacter it is given (a grapheme BreakIterator per cell) and a
     * frame is thousands of cells: ASCII cells are made once per style and reused (they are immutable).
     */
    private static final Map<Style, TextCharacter[]> CELLS = new ConcurrentHashMap<>();
    private static final int CACHED_STYLES = 512;
    /** This frame's cells, row by row; null where nothing was drawn. */
    private final TextCharacter[] frame;
    private Style lastStyle;
    private TextCharacter[] lastCells;
    private final Screen screen;
    final Theme theme;
    final ColorDepth depth;
    final Glyphs glyphs;
    final int width;
    final int height;

    Canvas(Screen screen, Theme theme, ColorDepth depth, Glyphs glyphs, int width, int height) {
        this.screen = screen;
        this.theme = theme;
        this.depth = depth;
        this.glyphs = glyphs;
        this.width = width;
        this.height = height;
        this.frame = new TextCharacter[Math.max(0, width) * Math.max(0, height)];
    }

    /**
     * Hands the frame to the screen: only cells that differ from its back buffer, as lanterna
     * checks the width of every character it is given. Cells not drawn this frame keep what they had.
     * Returns whether any cell was handed over (none: the screen need not be refreshed).
     */
    boolean flush() {
        boolean changed = false;
        for (int row = 0; row < height; row++) {
            for (int col = 0; col < width; col++) {
                TextCharacter t = frame[row * width + col];
                if (t != null && t != screen.getBackCharacter(col, row)) {
                    screen.setCharacter(col, row, t);
                    changed = true;
                }
            }
        }
        return changed;
    }

    Style style(Role r) {
        return theme.style(r);
    }

    void fillRow(int row, Role role) {
        fillRow(row, style(role));
    }

    void fillRow(int row, Style st) {
        for (int c = 0; c < width; c++) set(c, row, ' ', st);
    }

    void set(int col, int row, char ch, Style st) {
        if (col < 0 || row < 0 || col >= width || row >= height) return;
        frame[row * width + col] = cell(ch, st);
    }

    /** The right half of a wide character: lanterna fills it in itself, so nothing drawn earlier may overwrite it. */
    private void padding(int col, int row) {
        if (col >= 0 && row >= 0 && col < width && row < height) frame[row * width + col] = null;
    }

    private TextCharacter cell(char ch, Style st) {
        if (ch >= 0x80) return wideCell(ch, st);
        TextCharacter[] cells = lastCells;
        if (st != lastStyle) {
            cells = CELLS.get(st);
            if (cells == null) {
                if (CELLS.size() >= CACHED_STYLES) CELLS.clear();
                cells = new TextCharacter[0x80];
                CELLS.put(st, cells);
            }
            lastStyle = st;
            lastCells = cells;
        }
        TextCharacter t = cells[ch];
        if (t == null) cells[ch] = t = new Cell(ch, st);
        return t;
    }

    /**
     * Non-ASCII cells (sparklines, box drawing, names) are reused too, per style and character, so
     * an unchanged one is the same object as in the screen's back buffer and is not handed over again.
     */
    private static final Map<Style, Map<Character, TextCharacter>> OTHER_CELLS = new ConcurrentHashMap<>();
    private static final int CACHED_OTHER = 4096;

    private static TextCharacter wideCell(char ch, Style st) {
        Map<Character, TextCharacter> m = OTHER_CELLS.get(st);
        if (m == null) {
            if (OTHER_CELLS.size() >= CACHED_STYLES) OTHER_CELLS.clear();
            m = new ConcurrentHashMap<>();
            OTHER_CELLS.put(st, m);
        }
        TextCharacter t = m.get(ch);
        if (t == null) {
            if (m.size() >= CACHED_OTHER) m.clear();
            t = new Cell(ch, st);
            m.put(ch, t);
        }
        return t;
    }

    /** Per character from U+1100 on: 0 not looked up yet, 1 single width, 2 double width. */
    private static final byte[] WIDTH = new byte[0x10000 - 0x1100];

    /**
     * Below U+1100 (Hangul Jamo, the first wide block) nothing is double width; above, lanterna's
     * block lookup (a search over Unicode blocks) is done once per character and remembered.
     */
    static boolean wide(char c) {
        if (c < 0x1100) return false;
        byte w = WIDTH[c - 0x1100];
        if (w == 0) WIDTH[c - 0x1100] = w = TerminalTextUtils.isCharDoubleWidth(c) ? (byte) 2 : (byte) 1;
        return w == 2;
    }

    /** Writes {@code s} from {@code col}, stopping before {@code maxCol}; returns the column after it. */
    int put(int col, int row, String s, Style st, int maxCol) {
        if (s == null) return col;
        int end = Math.min(maxCol, width);
        for (int i = 0; i < s.length() && col < end; i++) {
            char c = safe(s.charAt(i));
            boolean wide = wide(c);
            if (wide && col + 1 >= end) break;
            set(col, row, c, st);
            if (wide) padding(col + 1, row);
            col += wide ? 2 : 1;
        }
        return col;
    }

    int put(int col, int row, String s, Role r, int maxCol) {
        return put(col, row, s, style(r), maxCol);
    }

    int put(int col, int row, String s, Role r) {
        return put(col, row, s, style(r), width);
    }

    /** Pads with spaces in {@code st} from {@code col} up to {@code maxCol}. */
    void pad(int col, int row, Style st, int maxCol) {
        for (int c = col; c < Math.min(maxCol, width); c++) set(c, row, ' ', st);
    }

    /** Draws styled text from character {@code from}; runs' colours are degraded to the terminal's depth. */
    int putStyled(int col, int row, StyledText t, int from, Style base, int maxCol, int[] highlight, Style hl) {
        int end = Math.min(maxCol, width);
        String s = t.text();
        int[] starts = t.starts();
        Style[] styles = t.styles();
        int run = -1;
        while (run + 1 < starts.length && starts[run + 1] <= from) run++;
        int h = 0;
        int styledRun = -2;
        Style runStyle = base;
        for (int i = from; i < s.length() && col < end; i++) {
            while (run + 1 < starts.length && starts[run + 1] <= i) run++;
            if (run != styledRun) {
                // one merged style per run, not one per character
                styledRun = run;
                Style rs = run >= 0 ? styles[run] : null;
                runStyle = rs == null ? base
                        : new Style(rs.fg() == com.googlecode.lanterna.TextColor.ANSI.DEFAULT ? base.fg() : depth.degrade(rs.fg()),
                                rs.bg() == com.googlecode.lanterna.TextColor.ANSI.DEFAULT ? base.bg() : depth.degrade(rs.bg()), merged(base, rs));
            }
            Style st = runStyle;
            if (highlight != null) {
                while (h + 1 < highlight.length && highlight[h + 1] <= i) h += 2;
                if (h + 1 < highlight.length && highlight[h] <= i && i < highlight[h + 1]) st = hl;
            }
            char c = safe(s.charAt(i));
            boolean wide = wide(c);
            if (wide && col + 1 >= end) break;
            set(col, row, c, st);
            if (wide) padding(col + 1, row);
            col += wide ? 2 : 1;
        }
        return col;
    }

    private static java.util.EnumSet<com.googlecode.lanterna.SGR> merged(Style a, Style b) {
        java.util.EnumSet<com.googlecode.lanterna.SGR> s = java.util.EnumSet.copyOf(a.sgr());
        s.addAll(b.sgr());
        return s;
    }

    static char safe(char c) {
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return '?';
        if (Character.isSurrogate(c)) return '\ufffd';
        return c;
    }

    /**
     * A cell that knows its width. Lanterna's delta refresh asks every cell of the screen whether it
     * is double width on every frame (two Unicode block look-ups per cell, 20,000 for a 200x50
     * screen), which was most of an idle UI's redraw of a stats refresh; a cell is reused across
     * frames, so its answer is worked out once, when it is made.
     */
    static final class Cell extends TextCharacter {
        private final boolean doubleWidth;

        Cell(char ch, Style st) {
            super(ch, st.fg(), st.bg(), st.sgr());
            doubleWidth = super.isDoubleWidth();
        }

        @Override
        public boolean isDoubleWidth() {
            return doubleWidth;
        }
    }
}
