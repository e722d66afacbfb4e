package io.cloudtui.tui;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What the user typed after / : a case-insensitive substring, or a regex after {@code re:}; a
 * leading {@code !} inverts a filter. An invalid regex matches everything and carries the error.
 */
final class TextMatcher {
    final String source;
    final boolean inverted;
    final String error;
    private final String needle;
    private final Pattern regex;

    private TextMatcher(String source, boolean inverted, String needle, Pattern regex, String error) {
        this.source = source;
        this.inverted = inverted;
        this.needle = needle;
        this.regex = regex;
        this.error = error;
    }

    static TextMatcher parse(String s) {
        String src = s == null ? "" : s;
        String body = src;
        boolean inv = false;
        if (body.startsWith("!")) {
            inv = true;
            body = body.substring(1);
        }
        if (body.startsWith("re:")) {
            try {
                return new TextMatcher(src, inv, null, Pattern.compile(body.substring(3), Pattern.CASE_INSENSITIVE), null);
            } catch (PatternSyntaxException e) {
                return new TextMatcher(src, inv, "", null, "bad regex: " + e.getDescription());
            }
        }
        return new TextMatcher(src, inv, body.toLowerCase(Locale.ROOT), null, null);
    }

    boolean isEmpty() {
        return error != null || (regex == null && needle.isEmpty());
    }

    /** Does {@code text} match (ignoring inversion)? */
    boolean find(String text) {
        if (error != null) return true;
        if (regex != null) return regex.matcher(text).find();
        return needle.isEmpty() || text.toLowerCase(Locale.ROOT).contains(needle);
    }

    /** Filter semantics: inversion applied. */
    boolean accepts(String text) {
        if (isEmpty()) return true;
        return find(text) != inverted;
    }

    /** Match ranges in {@code text} as [start, end, start, end...], for highlighting (no inversion). */
    int[] ranges(String text) {
        if (isEmpty() || inverted) return null;
        List<Integer> out = new ArrayList<>();
        if (regex != null) {
            Matcher m = regex.matcher(text);
            while (m.find() && out.size() < 200) {
                if (m.end() == m.start()) continue;
                out.add(m.start());
                out.add(m.end());
            }
        } else {
            String lower = text.toLowerCase(Locale.ROOT);
            int i = 0;
            while ((i = lower.indexOf(needle, i)) >= 0 && out.size() < 200) {
                out.add(i);
                out.add(i + needle.length());
                i += needle.length();
            }
        }
        if (out.isEmpty()) return null;
        int[] r = new int[out.size()];
        for (int k = 0; k < r.length; k++) r[k] = out.get(k);
        return r;
    }
}
