package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A full-screen form of text and yes/no fields: up/down or tab move between fields, space (or y/n)
 * toggles a yes/no field, ctrl-u clears a text field, enter submits, esc cancels. Subclasses say
 * what the fields are, what tab completes and what submitting does.
 */
abstract class Form<F extends Enum<F> & Form.Field> implements View {
    interface Field {
        String label();

        boolean toggle();
    }

    private final F[] fields;
    final Map<F, StringBuilder> values = new LinkedHashMap<>();
    F focus;
    String error = "";

    Form(Class<F> type, F initialFocus) {
        fields = type.getEnumConstants();
        for (F f : fields) values.put(f, new StringBuilder());
        focus = initialFocus;
    }

    void set(F f, String v) {
        values.get(f).setLength(0);
        if (v != null) values.get(f).append(v);
    }

    String value(F f) {
        return values.get(f).toString().trim();
    }

    boolean yes(F f) {
        return value(f).equals("yes");
    }

    /** Tab on the focused field: completes it and returns true, or false to move to the next field. */
    boolean complete(F f) {
        return false;
    }

    /** Enter: validate and act; problems go into {@link #error} (and may move {@link #focus}). */
    abstract void submit();

    /** The help line under the fields. */
    abstract String help();

    @Override
    public Action.Scope[] scopes() {
        return new Action.Scope[0];
    }

    @Override
    public List<Action> hints() {
        return List.of(Action.BACK);
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        StringBuilder v = values.get(focus);
        int n = fields.length;
        switch (k.getKeyType()) {
            case ArrowUp, ReverseTab -> focus = fields[(focus.ordinal() + n - 1) % n];
            case ArrowDown -> focus = fields[(focus.ordinal() + 1) % n];
            case Tab -> {
                if (complete(focus)) return true;
                focus = fields[(focus.ordinal() + 1) % n];
            }
            case Backspace -> {
                if (!focus.toggle() && !v.isEmpty()) v.setLength(v.length() - 1);
            }
            case Enter -> submit();
            case Escape -> {
                return false;
            }
            case Character -> {
                char ch = k.getCharacter();
                if (k.isCtrlDown()) {
                    if (ch == 'u' && !focus.toggle()) v.setLength(0);
                    return ch == 'u';
                }
                if (focus.toggle()) {
                    if (ch == ' ' || ch == 'y' || ch == 'n') set(focus, (ch == ' ' ? !yes(focus) : ch == 'y') ? "yes" : "no");
                } else if (ch >= 0x20) {
                    v.append(ch);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    @Override
    public void render(Canvas c, int top, int bottom) {
        for (int y = top; y < bottom; y++) c.fillRow(y, Role.NORMAL);
        int lw = 0;
        for (F f : fields) lw = Math.max(lw, f.label().length());
        // two rows per field when there is room, one when the terminal is short
        int step = bottom - top - 3 >= 2 * fields.length ? 2 : 1;
        int y = top + 1;
        for (F f : fields) {
            if (y >= bottom - 2) break;
            boolean on = f == focus;
            c.put(2, y, f.label(), on ? Role.ACCENT : Role.DIM);
            String v = values.get(f).toString();
            Style st = on ? c.style(Role.SELECTION) : c.style(Role.NORMAL);
            int x0 = 4 + lw;
            c.pad(x0, y, st, c.width - 2);
            int from = Math.max(0, v.length() - (c.width - x0 - 4));
            int end = c.put(x0, y, (f.toggle() ? "[" + (v.equals("yes") ? "x" : " ") + "] " : "") + v.substring(from), st, c.width - 2);
            if (on && !f.toggle()) c.set(end, y, ' ', st.with(com.googlecode.lanterna.SGR.REVERSE));
            y += step;
        }
        if (y < bottom) c.put(2, y, help(), Role.DIM);
        if (!error.isEmpty() && y + 1 < bottom) c.put(2, y + 1, error, Role.ERROR);
    }

    /** Splits on blanks, keeping "double" or 'single' quoted words together. */
    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(s);
        while (m.find()) out.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        return out;
    }

    /** Longest common prefix of {@code candidates} starting with {@code cur}, or null when none extends it. */
    static String commonPrefix(String cur, List<String> candidates) {
        List<String> m = candidates.stream().filter(s -> s.startsWith(cur)).toList();
        if (m.isEmpty() || (m.size() == 1 && m.get(0).equals(cur))) return null;
        String common = m.get(0);
        for (String s : m) {
            int i = 0;
            while (i < common.length() && i < s.length() && common.charAt(i) == s.charAt(i)) i++;
            common = common.substring(0, i);
        }
        return common;
    }
}
