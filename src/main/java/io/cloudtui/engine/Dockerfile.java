package io.cloudtui.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.JsonTrees;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A Dockerfile read as docker reads it: parser directives at the top ({@code # escape=`}), comment
 * lines, line continuations with the escape character, instructions case-insensitive, exec form
 * (a JSON array) or shell form, {@code --flag=value} options. Variables are expanded later, per
 * instruction, by {@link #expand}.
 */
final class Dockerfile {
    private Dockerfile() {}

    /** One instruction: KEYWORD (upper case), its flags, the rest as written, and its line number. */
    record Instruction(String keyword, Map<String, String> flags, String args, int line, String original, List<Heredoc> heredocs) {
        Instruction(String keyword, Map<String, String> flags, String args, int line, String original) {
            this(keyword, flags, args, line, original, List.of());
        }

        /** The exec form's words, or null for the shell form. */
        List<String> json() {
            String a = args.trim();
            if (!a.startsWith("[")) return null;
            try {
                JsonNode n = JsonTrees.read(a.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                if (!n.isArray()) return null;
                List<String> out = new ArrayList<>();
                for (JsonNode x : n) {
                    if (!x.isTextual()) return null;
                    out.add(x.asText());
                }
                return out;
            } catch (java.io.IOException | RuntimeException e) {
                return null;
            }
        }

        CloudtuiException error(String what) {
            return new CloudtuiException("Dockerfile line " + line + ": " + keyword + ": " + what);
        }
    }

    /** A here-document of RUN, COPY or ADD: {@code <<[-]WORD} and the lines up to WORD. */
    record Heredoc(String word, String content, boolean expand) {}

    private static final java.util.regex.Pattern HEREDOC = java.util.regex.Pattern.compile("<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\\2");

    /** What the file holds: instructions in order, and the escape character. */
    record Parsed(List<Instruction> instructions, char escape) {}

    static final java.util.Set<String> KEYWORDS = java.util.Set.of("FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY",
            "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL");

    static Parsed parse(String text) {
        char escape = '\\';
        String[] lines = text.replace("\r\n", "\n").split("\n", -1);
        int i = 0;
        // parser directives: "# key=value" lines before anything else
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (; i < lines.length; i++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^#\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$").matcher(lines[i]);
            if (!m.matches()) break;
            String key = m.group(1).toLowerCase(Locale.ROOT);
            if (!seen.add(key)) break;
            if (key.equals("escape")) {
                String v = m.group(2);
                if (!v.equals("\\") && !v.equals("`")) throw new CloudtuiException("Dockerfile line " + (i + 1) + ": invalid escape token '" + v + "' (\\ or `)");
                escape = v.charAt(0);
            }
        }
        List<Instruction> out = new ArrayList<>();
        StringBuilder cur = null;
        int start = 0;
        for (; i < lines.length; i++) {
            String line = lines[i];
            String trimmed = line.strip();
            if (cur == null) {
                if (trimmed.isEmpty() || trimmed.startsWith("#")) continue;
                cur = new StringBuilder();
                start = i + 1;
            } else if (trimmed.startsWith("#") || trimmed.isEmpty()) {
                continue; // comments and empty lines inside a continuation are dropped
            }
            String body = cur.isEmpty() ? line.stripLeading() : line;
            String end = body.stripTrailing();
            if (!end.isEmpty() && end.charAt(end.length() - 1) == escape) {
                cur.append(end, 0, end.length() - 1);
                continue;
            }
            cur.append(body);
            Instruction in = instruction(cur.toString(), start);
            cur = null;
            if (List.of("RUN", "COPY", "ADD").contains(in.keyword())) {
                // here-documents: their lines follow the instruction, each up to its word
                List<Heredoc> docs = new ArrayList<>();
                java.util.regex.Matcher m = HEREDOC.matcher(in.args());
                while (m.find()) {
                    boolean strip = !m.group(1).isEmpty();
                    StringBuilder content = new StringBuilder();
                    boolean closed = false;
                    while (++i < lines.length) {
                        String l = strip ? lines[i].replaceFirst("^\t+", "") : lines[i];
                        if (l.equals(m.group(3))) {
                            closed = true;
                            break;
                        }
                        content.append(l).append('\n');
                    }
                    if (!closed) throw new CloudtuiException("Dockerfile line " + start + ": here-document <<" + m.group(3) + " has no closing " + m.group(3) + " line");
                    docs.add(new Heredoc(m.group(3), content.toString(), m.group(2).isEmpty()));
                }
                if (!docs.isEmpty()) in = new Instruction(in.keyword(), in.flags(), in.args(), in.line(), in.original(), docs);
            }
            out.add(in);
        }
        if (cur != null && !cur.toString().isBlank()) out.add(instruction(cur.toString(), start));
        if (out.isEmpty()) throw new CloudtuiException("the Dockerfile has no instructions");
        return new Parsed(out, escape);
    }

    private static Instruction instruction(String text, int line) {
        String t = text.strip();
        int sp = 0;
        while (sp < t.length() && !Character.isWhitespace(t.charAt(sp))) sp++;
        String kw = t.substring(0, sp).toUpperCase(Locale.ROOT);
        if (!KEYWORDS.contains(kw)) throw new CloudtuiException("Dockerfile line " + line + ": unknown instruction: " + t.substring(0, sp));
        String rest = t.substring(sp).strip();
        Map<String, String> flags = new LinkedHashMap<>();
        if (List.of("FROM", "RUN", "COPY", "ADD", "HEALTHCHECK").contains(kw)) {
            while (rest.startsWith("--")) {
                int e = 0;
                while (e < rest.length() && !Character.isWhitespace(rest.charAt(e))) e++;
                String f = rest.substring(2, e);
                int eq = f.indexOf('=');
                String k = eq < 0 ? f : f.substring(0, eq);
                String v = eq < 0 ? "" : f.substring(eq + 1);
                // RUN --mount may come more than once: the values, one a line
                flags.merge(k, v, (a, b) -> a + "\n" + b);
                rest = rest.substring(e).strip();
            }
        }
        return new Instruction(kw, flags, rest, line, t);
    }

    /**
     * Expands $VAR, ${VAR}, ${VAR:-word} and ${VAR:+word} (and their forms without ':') with VARS;
     * the escape character keeps a '$' (or itself) literal; unknown variables are empty.
     */
    static String expand(String s, Function<String, String> vars, char escape) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        boolean single = false;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == escape && i + 1 < s.length() && (s.charAt(i + 1) == '$' || s.charAt(i + 1) == escape)) {
                out.append(s.charAt(i + 1));
                i += 2;
                continue;
            }
            if (c == '\'') single = !single;
            if (c != '$' || single || i + 1 >= s.length()) {
                out.append(c);
                i++;
                continue;
            }
            char n = s.charAt(i + 1);
            if (n == '{') {
                int close = s.indexOf('}', i + 2);
                if (close < 0) throw new CloudtuiException("missing '}' in '" + s + "'");
                String inner = s.substring(i + 2, close);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?").matcher(inner);
                if (!m.matches()) throw new CloudtuiException("bad substitution '${" + inner + "}'");
                String v = vars.apply(m.group(1));
                String op = m.group(2);
                if (op == null) out.append(v == null ? "" : v);
                else {
                    boolean set = op.startsWith(":") ? v != null && !v.isEmpty() : v != null;
                    String word = expand(m.group(3), vars, escape);
                    if (op.endsWith("-")) out.append(set ? v : word);
                    else out.append(set ? word : "");
                }
                i = close + 1;
            } else if (Character.isLetter(n) || n == '_') {
                int e = i + 1;
                while (e < s.length() && (Character.isLetterOrDigit(s.charAt(e)) || s.charAt(e) == '_')) e++;
                String v = vars.apply(s.substring(i + 1, e));
                out.append(v == null ? "" : v);
                i = e;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /**
     * Splits words as ENV, LABEL and ARG read them: whitespace separates, double and single quotes
     * group (and are removed), the escape character keeps the next character.
     */
    static List<String> words(String s, char escape) {
        List<String> out = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote == 0 && Character.isWhitespace(c)) {
                if (w != null) out.add(w.toString());
                w = null;
                continue;
            }
            if (w == null) w = new StringBuilder();
            if (c == escape && i + 1 < s.length() && quote != '\'') {
                char n = s.charAt(++i);
                if (n == '\n') continue;
                w.append(n);
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else {
                w.append(c);
            }
        }
        if (quote != 0) throw new CloudtuiException("unmatched quote in '" + s + "'");
        if (w != null) out.add(w.toString());
        return out;
    }

    /**
     * KEY=VALUE pairs of ENV and LABEL (quotes removed); the old form "KEY VALUE" (one pair, the
     * value the rest of the line) when the first word has no '='.
     */
    static List<String[]> pairs(String args, char escape, String keyword, int line) {
        List<String[]> out = new ArrayList<>();
        List<String> ws = words(args, escape);
        if (ws.isEmpty()) throw new CloudtuiException("Dockerfile line " + line + ": " + keyword + " needs at least one argument");
        if (!ws.get(0).contains("=")) {
            String a = args.strip();
            int sp = 0;
            while (sp < a.length() && !Character.isWhitespace(a.charAt(sp))) sp++;
            String value = a.substring(sp).strip();
            if (value.isEmpty()) throw new CloudtuiException("Dockerfile line " + line + ": " + keyword + " " + ws.get(0) + " needs a value");
            List<String> v = words(value, escape);
            out.add(new String[] {ws.get(0), String.join(" ", v)});
            return out;
        }
        for (String w : ws) {
            int eq = w.indexOf('=');
            if (eq <= 0) throw new CloudtuiException("Dockerfile line " + line + ": " + keyword + ": '" + w + "' is not KEY=VALUE");
            out.add(new String[] {w.substring(0, eq), w.substring(eq + 1)});
        }
        return out;
    }
}
