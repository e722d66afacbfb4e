package io.cloudtui.tui;

import java.util.List;
import java.util.function.IntFunction;

/**
 * A selectable list of text rows under a header: the cursor, scrolling and drawing the image,
 * volume, network and snapshot lists share. Columns are as wide as their widest cell (up to
 * {@code maxColumn}); the last one takes the rest of the line.
 */
final class Grid {
    int selected;
    private int scroll;
    private int page = 10;

    /** Moves the cursor for the navigation actions; false for any other action. */
    boolean move(Action a, int size) {
        int last = Math.max(0, size - 1);
        switch (a) {
            case UP -> selected = Math.max(0, selected - 1);
            case DOWN -> selected = Math.min(last, selected + 1);
            case PAGE_UP -> selected = Math.max(0, selected - page);
            case PAGE_DOWN -> selected = Math.min(last, selected + page);
            case TOP -> selected = 0;
            case BOTTOM -> selected = last;
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Keeps the cursor on a row after the list changed size. */
    void clamp(int size) {
        selected = Math.min(selected, Math.max(0, size - 1));
    }

    /**
     * Draws the header and rows; {@code role} gives a row's colour when it is not selected. A
     * non-empty {@code status} goes under the last row, dim for "loading..." and "no ...", else as
     * an error.
     */
    void render(Canvas c, int top, int bottom, String[] headers, List<String[]> rows, int maxColumn, IntFunction<Role> role, String status) {
        int n = headers.length;
        int[] w = new int[n];
        for (int i = 0; i < n; i++) w[i] = headers[i].length();
        for (String[] r : rows) for (int i = 0; i < n; i++) w[i] = Math.max(w[i], Math.min(maxColumn, r[i] == null ? 0 : r[i].length()));
        c.fillRow(top, Role.TITLE);
        int[] xs = new int[n];
        for (int i = 0, x = 2; i < n; x += w[i] + 2, i++) {
            xs[i] = x;
            c.put(x, top, headers[i], Role.TITLE);
        }
        int first = top + 1;
        int visible = Math.max(1, bottom - first);
        page = Math.max(1, visible - 1);
        if (selected < scroll) scroll = selected;
        if (selected >= scroll + visible) scroll = selected - visible + 1;
        for (int y = first; y < bottom; y++) {
            c.fillRow(y, Role.NORMAL);
            int idx = scroll + y - first;
            if (idx >= rows.size()) continue;
            Role r = idx == selected ? Role.SELECTION : role.apply(idx);
            c.fillRow(y, r);
            for (int i = 0; i < n; i++) {
                String cell = rows.get(idx)[i] == null ? "" : rows.get(idx)[i];
                int max = i == n - 1 ? c.width : xs[i] + w[i];
                c.put(xs[i], y, Fmt.fit(cell, max - xs[i]), r, max);
            }
        }
        if (!status.isEmpty()) {
            c.put(2, Math.min(bottom - 1, first + rows.size()), status,
                    status.startsWith("loading") || status.startsWith("no ") ? Role.DIM : Role.ERROR);
        }
    }
}
