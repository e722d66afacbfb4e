package io.cloudtui.tui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * A theme: a style for each {@link Role}, already degraded to the terminal's colour depth.
 * File format (themes/NAME.yaml):
 * <pre>
 * description: one line
 * roles:
 *   running: { fg: green, bold: true }
 *   selection: { fg: "#ffffff", bg: "#005f87" }
 * </pre>
 * Colours: {@code default}, an ANSI name ({@code red}, {@code bright_red}), {@code #rrggbb} or an
 * index 0-255. Attributes: {@code bold}, {@code reverse}, {@code underline}, {@code italic}.
 * Roles left out take {@code normal}'s style.
 */
final class Theme {
    private final String name;
    private final String description;
    private final Map<Role, Style> styles;

    Theme(String name, String description, Map<Role, Style> styles) {
        this.name = name;
        this.description = description;
        this.styles = new EnumMap<>(styles);
    }

    String name() {
        return name;
    }

    String description() {
        return description;
    }

    Style style(Role r) {
        Style s = styles.get(r);
        if (s != null) return s;
        Style n = styles.get(Role.NORMAL);
        return n != null ? n : Style.PLAIN;
    }

    /** This theme as the terminal can show it. */
    Theme degrade(ColorDepth depth) {
        Map<Role, Style> out = new EnumMap<>(Role.class);
        for (var e : styles.entrySet()) {
            Style s = e.getValue();
            out.put(e.getKey(), new Style(depth.degrade(s.fg()), depth.degrade(s.bg()), s.sgr()));
        }
        return new Theme(name, description, out);
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Parses a theme file; {@code where} names it in errors. */
    static Theme parse(String name, String text, String where) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (IOException e) {
            throw CloudtuiException.usage(where + ": not valid YAML: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) throw CloudtuiException.usage(where + ": a theme is a mapping with 'roles'");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("roles") && !f.equals("description")) {
                throw CloudtuiException.usage(where + ": unknown key '" + f + "' (known: description, roles)");
            }
        }
        JsonNode roles = root.get("roles");
        if (roles == null || !roles.isObject()) throw CloudtuiException.usage(where + ": missing 'roles' mapping");
        Map<Role, Style> map = new EnumMap<>(Role.class);
        for (Iterator<Map.Entry<String, JsonNode>> it = roles.fields(); it.hasNext(); ) {
            var e = it.next();
            Role r = Role.ofKey(e.getKey());
            if (r == null) {
                throw CloudtuiException.usage(where + ": unknown role '" + e.getKey() + "' (known: " + knownRoles() + ")");
            }
            map.put(r, style(e.getValue(), where + ": role '" + e.getKey() + "'"));
        }
        String desc = root.path("description").asText("");
        return new Theme(name, desc, map);
    }

    private static Style style(JsonNode n, String where) {
        if (!n.isObject()) throw CloudtuiException.usage(where + ": expected a mapping like { fg: red, bold: true }");
        TextColor fg = TextColor.ANSI.DEFAULT;
        TextColor bg = TextColor.ANSI.DEFAULT;
        EnumSet<SGR> sgr = EnumSet.noneOf(SGR.class);
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            String k = e.getKey();
            switch (k) {
                case "fg" -> fg = color(e.getValue().asText(), where);
                case "bg" -> bg = color(e.getValue().asText(), where);
                case "bold", "reverse", "underline", "italic" -> {
                    if (!e.getValue().isBoolean()) throw CloudtuiException.usage(where + ": '" + k + "' must be true or false");
                    if (e.getValue().asBoolean()) sgr.add(SGR.valueOf(k.toUpperCase(Locale.ROOT)));
                }
                default -> throw CloudtuiException.usage(where + ": unknown key '" + k + "' (known: fg, bg, bold, reverse, underline, italic)");
            }
        }
        return new Style(fg, bg, sgr);
    }

    static TextColor color(String s, String where) {
        String v = s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        if (v.equals("default") || v.isEmpty()) return TextColor.ANSI.DEFAULT;
        if (v.matches("#[0-9a-f]{6}")) {
            return new TextColor.RGB(Integer.parseInt(v.substring(1, 3), 16), Integer.parseInt(v.substring(3, 5), 16),
                    Integer.parseInt(v.substring(5, 7), 16));
        }
        if (v.matches("\\d{1,3}")) {
            int i = Integer.parseInt(v);
            if (i < 256) return new TextColor.Indexed(i);
        }
        String ansi = v.startsWith("bright_") ? v.substring(7) + "_bright" : v;
        try {
            return TextColor.ANSI.valueOf(ansi.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw CloudtuiException.usage(where + ": unknown colour '" + s
                    + "' (use default, an ANSI name like red or bright_blue, #rrggbb, or 0-255)");
        }
    }

    private static String knownRoles() {
        StringBuilder sb = new StringBuilder();
        for (Role r : Role.values()) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(r.key());
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
