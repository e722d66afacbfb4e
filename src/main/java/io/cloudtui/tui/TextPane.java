package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import java.util.ArrayList;
import java.util.List;

/** Scrollable, searchable plain text: inspect JSON, env/config, help. */
class TextPane {
    private List<StyledText> lines = new ArrayList<>();
    private List<String> raw = new ArrayList<>();
    int top;
    int hoff;
    TextMatcher search;
    int matchLine = -1;
    private int page = 10;
    String status = "";
    private final PaneHost app;

    TextPane(PaneHost app) {
        this.app = app;
    }

    void setText(String text) {
        List<String> r = new ArrayList<>();
        List<StyledText> s = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            StyledText st = Sanitizer.sanitize(line);
            s.add(st);
            r.add(st.text());
        }
        lines = s;
        raw = r;
        top = Math.min(top, Math.max(0, lines.size() - 1));
    }

    /** Adds a line at the end; a pane at its bottom stays there. */
    void append(String line) {
        boolean atEnd = follow;
        StyledText st = Sanitizer.sanitize(line);
        lines.add(st);
        raw.add(st.text());
        if (atEnd) top = Integer.MAX_VALUE / 2;
    }

    boolean follow;

    int lineCount() {
        return lines.size();
    }

    String line(int i) {
        return raw.get(i);
    }

    void render(Canvas c, int y0, int bottom) {
        int h = bottom - y0;
        page = Math.max(1, h - 1);
        top = Math.max(0, Math.min(top, Math.max(0, lines.size() - h)));
        Style normal = c.style(Role.NORMAL);
        Style hl = c.style(Role.MATCH);
        for (int y = y0; y < bottom; y++) {
            c.fillRow(y, Role.NORMAL);
            int i = top + y - y0;
            if (i >= lines.size()) continue;
            StyledText t = lines.get(i);
            int[] ranges = search == null ? null : search.ranges(t.text());
            Style base = i == matchLine ? c.style(Role.ACCENT) : normal;
            if (hoff < t.length()) c.putStyled(0, y, t, hoff, base, c.width, ranges, hl);
        }
        if (!status.isEmpty() && y0 < bottom && lines.size() <= 1) c.put(1, y0, status, Role.DIM);
    }

    boolean key(KeyStroke k, Action a) {
        if (k.getKeyType() == KeyType.ArrowLeft) {
            hoff = Math.max(0, hoff - 8);
            return true;
        }
        if (k.getKeyType() == KeyType.ArrowRight) {
            hoff += 8;
            return true;
        }
        if (a == null) return false;
        switch (a) {
            case UP -> top = Math.max(0, top - 1);
            case DOWN -> top++;
            case PAGE_UP -> top = Math.max(0, top - page);
            case PAGE_DOWN -> top += page;
            case TOP -> top = 0;
            case BOTTOM -> top = Integer.MAX_VALUE / 2;
            case SEARCH -> app.openSearch(this::search);
            case NEXT_MATCH -> next(1);
            case PREV_MATCH -> next(-1);
            default -> {
                return false;
            }
        }
        return true;
    }

    void search(TextMatcher m) {
        search = m.isEmpty() ? null : m;
        matchLine = top - 1;
        if (search != null) next(1);
    }

    private void next(int dir) {
        if (search == null) {
            app.info("no search: press " + KeyMap.display(app.keys().key(Action.SEARCH)) + " first");
            return;
        }
        int n = lines.size();
        for (int k = 1; k <= n; k++) {
            int i = Math.floorMod(matchLine + dir * k, n);
            if (search.find(raw.get(i))) {
                matchLine = i;
                top = Math.max(0, i - 3);
                return;
            }
        }
        app.info("no match for '" + search.source + "'");
    }
}
