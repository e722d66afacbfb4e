package io.cloudtui.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code .dockerignore} as docker reads it: one pattern a line, '#' comments, blank lines skipped,
 * each pattern cleaned (leading '/' and "./" dropped), Go's filepath.Match syntax plus '**' for any
 * number of directories, '!' to take an exclusion back; the last matching line decides. A pattern
 * matching a directory excludes what lies below it.
 */
final class DockerIgnore {
    private record Rule(Pattern pattern, boolean negate) {}

    private final List<Rule> rules = new ArrayList<>();

    DockerIgnore(String text) {
        for (String raw : text.split("\n")) {
            String l = raw.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            boolean neg = l.startsWith("!");
            if (neg) l = l.substring(1).strip();
            l = clean(l);
            if (l.isEmpty()) continue;
            rules.add(new Rule(glob(l), neg));
        }
    }

    static String clean(String p) {
        List<String> parts = new ArrayList<>();
        for (String c : p.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (!parts.isEmpty()) parts.remove(parts.size() - 1);
                continue;
            }
            parts.add(c);
        }
        return String.join("/", parts);
    }

    /** Whether REL (a path relative to the context, '/'-separated) is excluded. */
    boolean excluded(String rel) {
        boolean out = false;
        for (Rule r : rules) {
            if (matchesOrParent(r.pattern, rel)) out = !r.negate;
        }
        return out;
    }

    /**
     * Whether a directory may hold a file that a '!' line takes back (then its contents are walked
     * even though the directory itself is excluded).
     */
    /** Whether there is any rule at all. */
    boolean any() {
        return !rules.isEmpty();
    }

    boolean hasExceptions() {
        return rules.stream().anyMatch(Rule::negate);
    }

    private static boolean matchesOrParent(Pattern p, String rel) {
        String cur = rel;
        while (true) {
            if (p.matcher(cur).matches()) return true;
            int slash = cur.lastIndexOf('/');
            if (slash < 0) return false;
            cur = cur.substring(0, slash);
        }
    }

    /** A Go filepath.Match pattern (with '**') as a regular expression over '/'-separated paths. */
    static Pattern glob(String g) {
        StringBuilder r = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            switch (c) {
                case '*' -> {
                    if (i + 1 < g.length() && g.charAt(i + 1) == '*') {
                        i++;
                        if (i + 1 < g.length() && g.charAt(i + 1) == '/') {
                            i++;
                            r.append("(?:.*/)?");
                        } else {
                            r.append(".*");
                        }
                    } else {
                        r.append("[^/]*");
                    }
                }
                case '?' -> r.append("[^/]");
                case '[' -> {
                    int close = g.indexOf(']', i + 1);
                    if (close < 0) {
                        r.append("\\[");
                    } else {
                        String cls = g.substring(i + 1, close);
                        if (cls.startsWith("^") || cls.startsWith("!")) cls = "^" + cls.substring(1);
                        r.append('[').append(cls.replace("\\", "\\\\")).append(']');
                        i = close;
                    }
                }
                case '\\' -> {
                    if (i + 1 < g.length()) r.append(Pattern.quote(String.valueOf(g.charAt(++i))));
                }
                default -> r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(r.toString());
    }

    static boolean hasWildcard(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
    }
}
