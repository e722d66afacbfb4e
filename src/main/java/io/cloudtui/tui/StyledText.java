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
}
