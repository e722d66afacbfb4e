package io.cloudtui.tui;

/**
 * Printable text with style runs: {@code styles[i]} applies from {@code starts[i]} up to the next
 * start; a null style means "the view's normal style". Holds no control characters, ever.
 */
record StyledText(String text, int[] starts, Style[] styles) {
    private static final int[] NO_STARTS = new int[0];
    private static final Style[] NO_STYLES = new Style[0];
    static final StyledText EMPTY = new StyledText("", NO_STARTS, NO_STYLES);

    static StyledText plain(String s) {
        return new StyledText(s, NO_STARTS, NO_STYLES);
    }

    /** Style at character index {@code i} (null for normal). */
    Style styleAt(int i) {
        Style s = null;
        for (int k = 0; k < starts.length && starts[k] <= i; k++) s = styles[k];
        return s;
    }

    int length() {
        return text.length();
    }

    /** {@code prefix} in {@code style}, then {@code t} as it was (its runs moved along). */
    static StyledText prefixed(String prefix, Style style, StyledText t) {
        int p = prefix.length();
        boolean gap = t.starts.length == 0 || t.starts[0] > 0;
        int n = 1 + (gap ? 1 : 0) + t.starts.length;
        int[] starts = new int[n];
        Style[] styles = new Style[n];
        starts[0] = 0;
        styles[0] = style;
        int k = 1;
        if (gap) {
            starts[k] = p;
            styles[k++] = null;
        }
        for (int i = 0; i < t.starts.length; i++, k++) {
            starts[k] = t.starts[i] + p;
            styles[k] = t.styles[i];
        }
        return new StyledText(prefix + t.text, starts, styles);
    }
}
