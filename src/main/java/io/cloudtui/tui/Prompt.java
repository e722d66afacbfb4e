package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A one-line editor on the message line: filter, command palette, search. */
final class Prompt {
    enum Kind { FILTER, PALETTE, SEARCH }

    enum Result { EDITING, CHANGED, ACCEPTED, CANCELLED }

    final Kind kind;
    final String prefix;
    final StringBuilder text = new StringBuilder();
    int cursor;
    String hint = "";
    private final List<String> history;
    private int historyIndex;
    private final Function<String, List<String>> completer;

    Prompt(Kind kind, String prefix, String initial, List<String> history, Function<String, List<String>> completer) {
        this.kind = kind;
        this.prefix = prefix;
        this.history = history == null ? new ArrayList<>() : history;
        this.historyIndex = this.history.size();
        this.completer = completer;
        text.append(initial == null ? "" : initial);
        cursor = text.length();
    }

    String value() {
        return text.toString();
    }

    Result key(KeyStroke k) {
        KeyType t = k.getKeyType();
        switch (t) {
            case Escape:
                return Result.CANCELLED;
            case Enter:
                return Result.ACCEPTED;
            case Backspace:
                if (cursor > 0) {
                    text.deleteCharAt(--cursor);
                    return Result.CHANGED;
                }
                if (text.isEmpty()) return Result.CANCELLED;
                return Result.EDITING;
            case Delete:
                if (cursor < text.length()) {
                    text.deleteCharAt(cursor);
                    return Result.CHANGED;
                }
                return Result.EDITING;
            case ArrowLeft:
                cursor = Math.max(0, cursor - 1);
                return Result.EDITING;
            case ArrowRight:
                cursor = Math.min(text.length(), cursor + 1);
                return Result.EDITING;
            case Home:
                cursor = 0;
                return Result.EDITING;
            case End:
                cursor = text.length();
                return Result.EDITING;
            case ArrowUp:
                if (historyIndex > 0) set(history.get(--historyIndex));
                return Result.CHANGED;
            case ArrowDown:
                if (historyIndex < history.size() - 1) set(history.get(++historyIndex));
                else {
                    historyIndex = history.size();
                    set("");
                }
                return Result.CHANGED;
            case Tab:
                complete();
                return Result.CHANGED;
            case Character:
                char c = k.getCharacter();
                if (k.isCtrlDown()) {
                    if (c == 'u') {
                        set("");
                        return Result.CHANGED;
                    }
                    if (c == 'a') cursor = 0;
                    if (c == 'e') cursor = text.length();
                    return Result.EDITING;
                }
                if (c < 0x20 || c == 0x7f) return Result.EDITING;
                text.insert(cursor++, c);
                return Result.CHANGED;
            default:
                return Result.EDITING;
        }
    }

    private void set(String s) {
        text.setLength(0);
        text.append(s);
        cursor = text.length();
    }

    /** Completes the word before the cursor to the longest common prefix of the candidates. */
    void complete() {
        if (completer == null) return;
        String before = text.substring(0, cursor);
        List<String> cands = completer.apply(before);
        if (cands.isEmpty()) {
            hint = "no completions";
            return;
        }
        int ws = before.lastIndexOf(' ') + 1;
        String word = before.substring(ws);
        String common = cands.get(0);
        for (String c : cands) {
            int i = 0;
            while (i < common.length() && i < c.length() && common.charAt(i) == c.charAt(i)) i++;
            common = common.substring(0, i);
        }
        if (common.length() >= word.length()) {
            String add = common.substring(word.length()) + (cands.size() == 1 ? " " : "");
            text.insert(cursor, add);
            cursor += add.length();
        }
        hint = cands.size() == 1 ? "" : String.join(" ", cands.subList(0, Math.min(cands.size(), 12)))
                + (cands.size() > 12 ? " ..." : "");
    }

    void remember() {
        String v = value().trim();
        if (v.isEmpty()) return;
        history.remove(v);
        history.add(v);
        while (history.size() > 100) history.remove(0);
    }
}
