package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.config.ConfigProblem;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keys to actions: the defaults from {@link Action}, overridden by config's {@code keys:} section
 * (action name to key string: "l", "K", "ctrl-l", "F5", "enter", "space"). Arrows, home and end
 * always work as well, whatever the map says; ctrl-c always quits.
 */
final class KeyMap {
    private final Map<Action, String> keys;
    private final Map<Action.Scope, Map<String, Action>> byScope = new EnumMap<>(Action.Scope.class);

    private KeyMap(Map<Action, String> keys) {
        this.keys = keys;
        for (Action.Scope s : Action.Scope.values()) byScope.put(s, new HashMap<>());
        for (var e : keys.entrySet()) byScope.get(e.getKey().scope).put(e.getValue(), e.getKey());
    }

    static KeyMap defaults() {
        return of(Map.of());
    }

    /** Builds the map; unknown actions, bad key strings and clashes are usage errors naming the key. */
    static KeyMap of(Map<String, String> overrides) {
        Map<Action, String> keys = new EnumMap<>(Action.class);
        for (Action a : Action.values()) keys.put(a, a.defaultKey);
        for (var e : new TreeMap<>(overrides).entrySet()) {
            Action a = Action.ofConfigName(e.getKey());
            if (a == null) {
                List<String> names = new ArrayList<>();
                for (Action x : Action.values()) names.add(x.configName());
                throw new ConfigProblem("keys." + e.getKey(), true,
                        "config keys: unknown action '" + e.getKey() + "' (known: " + String.join(", ", names) + ")");
            }
            String k;
            try {
                k = normalize(e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new ConfigProblem("keys." + e.getKey(), false, "config keys: " + e.getKey() + ": " + ex.getMessage());
            }
            if (k.equals("ctrl-c")) throw new ConfigProblem("keys." + e.getKey(), false, "config keys: " + e.getKey() + ": ctrl-c is reserved for quitting");
            keys.put(a, k);
        }
        // one key, one meaning: an action's key must not clash in its scope or with a global key
        for (Action a : Action.values()) {
            for (Action b : Action.values()) {
                if (a.ordinal() >= b.ordinal() || !keys.get(a).equals(keys.get(b))) continue;
                if (overlap(a.scope, b.scope)) {
                    // at the binding the config made (the later one in the key map when it made both)
                    String at = overrides.containsKey(b.configName()) ? b.configName() : a.configName();
                    throw new ConfigProblem("keys." + at, false, "config keys: '" + display(keys.get(a)) + "' is bound to both "
                            + a.configName() + " and " + b.configName());
                }
            }
        }
        return new KeyMap(keys);
    }

    private static boolean overlap(Action.Scope a, Action.Scope b) {
        if (a == b || a == Action.Scope.GLOBAL || b == Action.Scope.GLOBAL) return true;
        java.util.Set<Action.Scope> lists = java.util.EnumSet.of(Action.Scope.LISTS, Action.Scope.TABLE, Action.Scope.RESOURCES, Action.Scope.SWARM);
        if ((a == Action.Scope.LISTS && lists.contains(b)) || (b == Action.Scope.LISTS && lists.contains(a))) return true;
        // the logs view is a detail tab showing text: its keys and TEXT/DETAIL keys are live together
        java.util.Set<Action.Scope> detail = java.util.EnumSet.of(Action.Scope.DETAIL, Action.Scope.LOGS, Action.Scope.TEXT);
        return detail.contains(a) && detail.contains(b);
    }

    String key(Action a) {
        return keys.get(a);
    }

    /** The action {@code k} triggers in the given scopes (searched in order), then global; null if none. */
    Action lookup(KeyStroke k, Action.Scope... scopes) {
        String s = name(k);
        if (s == null) return null;
        for (Action.Scope sc : scopes) {
            Action a = byScope.get(sc).get(s);
            if (a != null) return a;
        }
        Action a = byScope.get(Action.Scope.GLOBAL).get(s);
        if (a != null) return a;
        // fixed aliases that always work
        return switch (s) {
            case "up" -> Action.UP;
            case "down" -> Action.DOWN;
            case "home" -> Action.TOP;
            case "end" -> Action.BOTTOM;
            case "pgup" -> Action.PAGE_UP;
            case "pgdn" -> Action.PAGE_DOWN;
            default -> null;
        };
    }

    /** A key stroke as a key string ("k", "ctrl-l", "f5", "enter"); null for keys we never bind. */
    static String name(KeyStroke k) {
        if (k == null) return null;
        KeyType t = k.getKeyType();
        if (t == KeyType.Character) {
            char c = k.getCharacter();
            String base = c == ' ' ? "space" : String.valueOf(c);
            if (k.isCtrlDown()) return "ctrl-" + base.toLowerCase(Locale.ROOT);
            if (k.isAltDown()) return "alt-" + base;
            return base;
        }
        String base = switch (t) {
            case Enter -> "enter";
            case Escape -> "esc";
            case Tab -> "tab";
            case ReverseTab -> "shift-tab";
            case Backspace -> "backspace";
            case Delete -> "delete";
            case Insert -> "insert";
            case Home -> "home";
            case End -> "end";
            case PageUp -> "pgup";
            case PageDown -> "pgdn";
            case ArrowUp -> "up";
            case ArrowDown -> "down";
            case ArrowLeft -> "left";
            case ArrowRight -> "right";
            case F1 -> "f1"; case F2 -> "f2"; case F3 -> "f3"; case F4 -> "f4"; case F5 -> "f5"; case F6 -> "f6";
            case F7 -> "f7"; case F8 -> "f8"; case F9 -> "f9"; case F10 -> "f10"; case F11 -> "f11"; case F12 -> "f12";
            default -> null;
        };
        if (base == null) return null;
        if (k.isCtrlDown()) return "ctrl-" + base;
        if (k.isAltDown()) return "alt-" + base;
        return base;
    }

    private static final java.util.Set<String> NAMED = java.util.Set.of("enter", "esc", "tab", "shift-tab", "backspace",
            "delete", "insert", "home", "end", "pgup", "pgdn", "up", "down", "left", "right", "space",
            "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12");

    /** Canonical form of a user-written key string; throws IllegalArgumentException saying what is accepted. */
    static String normalize(String raw) {
        if (raw == null || raw.isEmpty()) throw bad(raw);
        if (raw.length() == 1) {
            char c = raw.charAt(0);
            if (c == ' ') return "space";
            if (c < 0x21 || c == 0x7f) throw bad(raw);
            return raw;
        }
        String s = raw.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        lower = switch (lower) {
            case "escape" -> "esc";
            case "return" -> "enter";
            case "pageup", "page-up" -> "pgup";
            case "pagedown", "page-down" -> "pgdn";
            case "backtab" -> "shift-tab";
            default -> lower;
        };
        if (NAMED.contains(lower)) return lower;
        for (String prefix : List.of("ctrl-", "ctrl+", "c-", "alt-", "alt+", "m-")) {
            if (lower.startsWith(prefix) && s.length() > prefix.length()) {
                String mod = prefix.startsWith("c") ? "ctrl-" : "alt-";
                String rest = s.substring(prefix.length());
                if (rest.length() == 1) {
                    char c = rest.charAt(0);
                    if (c < 0x21 || c == 0x7f) throw bad(raw);
                    // terminals cannot tell ctrl-a from ctrl-A
                    return mod + (mod.equals("ctrl-") ? rest.toLowerCase(Locale.ROOT) : rest);
                }
                String r;
                try {
                    r = normalize(rest);
                } catch (IllegalArgumentException e) {
                    throw bad(raw);
                }
                if (NAMED.contains(r)) return mod + r;
                throw bad(raw);
            }
        }
        throw bad(raw);
    }

    private static IllegalArgumentException bad(String raw) {
        return new IllegalArgumentException("bad key '" + raw + "' (examples: l, K, ctrl-l, alt-x, F5, enter, esc, tab, space, pgdn)");
    }

    /** How a key string is shown to the user. */
    static String display(String key) {
        if (key.matches("f\\d+")) return key.toUpperCase(Locale.ROOT);
        return key;
    }

    /** One help line: key and description, grouped by scope. */
    record Binding(Action.Scope scope, String key, Action action) {}

    List<Binding> bindings() {
        List<Binding> out = new ArrayList<>();
        for (Action a : Action.values()) out.add(new Binding(a.scope, display(keys.get(a)), a));
        return out;
    }

    static String scopeTitle(Action.Scope s) {
        return switch (s) {
            case GLOBAL -> "Everywhere";
            case LISTS -> "Workload, image, volume, network and swarm lists";
            case TABLE -> "Workload table";
            case RESOURCES -> "Image, volume and network lists";
            case SWARM -> "Swarm services, nodes and tasks";
            case SNAPSHOTS -> "A VM's snapshots";
            case DETAIL -> "Drill-in views";
            case LOGS -> "Logs";
            case TEXT -> "Logs, inspect, env, help";
        };
    }

    /** The key table as markdown, for README: generated from the same map the UI uses. */
    String markdown() {
        StringBuilder sb = new StringBuilder();
        Action.Scope cur = null;
        for (Binding b : bindings()) {
            if (b.scope() != cur) {
                cur = b.scope();
                sb.append("\n**").append(scopeTitle(cur)).append("**\n\n| key | action | config name |\n|---|---|---|\n");
            }
            sb.append("| `").append(b.key()).append("` | ").append(b.action().description).append(" | `")
                    .append(b.action().configName()).append("` |\n");
        }
        return sb.toString();
    }
}
