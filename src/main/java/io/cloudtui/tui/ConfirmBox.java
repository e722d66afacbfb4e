package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import java.util.ArrayList;
import java.util.List;

/** The y/n box drawn over the view before a destructive action: the question, what will happen, the action run on y. UI thread only. */
final class ConfirmBox {
    /** A pending confirmation: the question, what it will do, and the action run on y. */
    record Question(String question, List<String> details, Runnable onYes) {}

    private Question pending;

    /** Asks before {@code onYes} runs; {@code details} say what will happen. */
    void ask(String question, List<String> details, Runnable onYes) {
        pending = new Question(question, details, onYes);
    }

    boolean isOpen() {
        return pending != null;
    }

    /** A key while the box is open: y runs the action, n, q, esc or enter cancel, any other does nothing. */
    void key(KeyStroke k, Notifier notes) {
        if (k.getKeyType() == KeyType.Character && (k.getCharacter() == 'y' || k.getCharacter() == 'Y') && !k.isCtrlDown()) {
            Question q = pending;
            pending = null;
            q.onYes().run();
        } else if (k.getKeyType() == KeyType.Escape
                || (k.getKeyType() == KeyType.Character && (k.getCharacter() == 'n' || k.getCharacter() == 'N' || k.getCharacter() == 'q'))
                || k.getKeyType() == KeyType.Enter) {
            pending = null;
            notes.info("cancelled");
        }
    }

    /** Draws the box in the middle of a {@code w} x {@code h} screen, above the footer. */
    void render(Canvas c, int w, int h, Glyphs glyphs) {
        Question cf = pending;
        List<String> lines = new ArrayList<>();
        lines.add(cf.question());
        int room = Math.max(1, h - 9);
        List<String> d = cf.details();
        for (int i = 0; i < d.size() && i < room; i++) lines.add(d.get(i));
        if (d.size() > room) lines.add("  ... and " + (d.size() - room) + " more");
        lines.add("");
        lines.add("y: yes, do it     n or esc: no");
        int bw = 0;
        for (String l : lines) bw = Math.max(bw, l.length());
        bw = Math.min(w - 2, bw + 4);
        int bh = lines.size() + 2;
        int x0 = Math.max(0, (w - bw) / 2);
        int y0 = Math.max(1, (h - bh) / 2);
        Style border = c.style(Role.BORDER);
        Style body = c.style(Role.NORMAL);
        boolean ascii = glyphs == Glyphs.ASCII;
        char hz = ascii ? '-' : '─', vt = ascii ? '|' : '│';
        for (int y = y0; y < y0 + bh && y < h - 1; y++) {
            for (int x = x0; x < x0 + bw; x++) {
                boolean top = y == y0, bot = y == y0 + bh - 1, left = x == x0, right = x == x0 + bw - 1;
                char ch = ' ';
                if ((top || bot) && (left || right)) ch = ascii ? '+' : top ? (left ? '┌' : '┐') : (left ? '└' : '┘');
                else if (top || bot) ch = hz;
                else if (left || right) ch = vt;
                c.set(x, y, ch, top || bot || left || right ? border : body);
            }
        }
        c.put(x0 + 2, y0, " Confirm ", Role.TITLE, x0 + bw - 1);
        for (int i = 0; i < lines.size(); i++) {
            Role r = i == 0 ? Role.ACCENT : i == lines.size() - 1 ? Role.KEY : Role.NORMAL;
            c.put(x0 + 2, y0 + 1 + i, lines.get(i), r, x0 + bw - 2);
        }
    }
}
