package io.cloudtui.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudtui.core.CloudtuiException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strict view of one JSON object: every field read is marked, and {@link #done()} refuses any
 * field nobody read, so an unsupported config.json feature is an error, never silently ignored.
 */
final class Json {
    private final JsonNode node;
    private final String where;
    private final String file;
    private final Set<String> seen = new HashSet<>();

    Json(JsonNode node, String where, String file) {
        if (node == null || !node.isObject()) throw bad(file, where.isEmpty() ? "top level" : where, "must be an object");
        this.node = node;
        this.where = where;
        this.file = file;
    }

    static CloudtuiException bad(String file, String where, String what) {
        return new CloudtuiException(file + ": " + where + " " + what);
    }

    private String at(String key) {
        return where.isEmpty() ? key : where + "." + key;
    }

    private JsonNode get(String key) {
        seen.add(key);
        JsonNode n = node.get(key);
        return n == null || n.isNull() ? null : n;
    }

    boolean has(String key) {
        JsonNode n = node.get(key);
        return n != null && !n.isNull();
    }

    Json obj(String key) {
        JsonNode n = get(key);
        return n == null ? null : new Json(n, at(key), file);
    }

    String str(String key) {
        JsonNode n = get(key);
        if (n == null) return null;
        if (!n.isTextual()) throw bad(file, at(key), "must be a string");
        return n.asText();
    }

    String reqStr(String key) {
        String s = str(key);
        if (s == null || s.isEmpty()) throw bad(file, at(key), "is required");
        return s;
    }

    Long lng(String key) {
        JsonNode n = get(key);
        if (n == null) return null;
        if (!n.isIntegralNumber()) throw bad(file, at(key), "must be an integer");
        return n.asLong();
    }

    long lng(String key, long def) {
        Long l = lng(key);
        return l == null ? def : l;
    }

    boolean bool(String key) {
        JsonNode n = get(key);
        if (n == null) return false;
        if (!n.isBoolean()) throw bad(file, at(key), "must be true or false");
        return n.asBoolean();
    }

    List<String> strs(String key) {
        JsonNode n = get(key);
        List<String> out = new ArrayList<>();
        if (n == null) return out;
        if (!n.isArray()) throw bad(file, at(key), "must be an array of strings");
        for (JsonNode e : n) {
            if (!e.isTextual()) throw bad(file, at(key), "must be an array of strings");
            out.add(e.asText());
        }
        return out;
    }

    List<Long> longs(String key) {
        JsonNode n = get(key);
        List<Long> out = new ArrayList<>();
        if (n == null) return out;
        if (!n.isArray()) throw bad(file, at(key), "must be an array of integers");
        for (JsonNode e : n) {
            if (!e.isIntegralNumber()) throw bad(file, at(key), "must be an array of integers");
            out.add(e.asLong());
        }
        return out;
    }

    List<Json> objs(String key) {
        JsonNode n = get(key);
        List<Json> out = new ArrayList<>();
        if (n == null) return out;
        if (!n.isArray()) throw bad(file, at(key), "must be an array");
        int i = 0;
        for (JsonNode e : n) out.add(new Json(e, at(key) + "[" + i++ + "]", file));
        return out;
    }

    Map<String, String> strMap(String key) {
        JsonNode n = get(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null) return out;
        if (!n.isObject()) throw bad(file, at(key), "must be an object of strings");
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (!e.getValue().isTextual()) throw bad(file, at(key) + "." + e.getKey(), "must be a string");
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** Accepts a field only when it asks for nothing (absent, null, 0, false, "", empty). */
    void unsetOnly(String... keys) {
        for (String k : keys) {
            JsonNode n = get(k);
            if (n == null) continue;
            boolean empty = (n.isNumber() && n.asDouble() == 0) || (n.isBoolean() && !n.asBoolean())
                    || (n.isTextual() && n.asText().isEmpty()) || (n.isContainerNode() && n.isEmpty());
            if (!empty) throw bad(file, at(k), "is not supported by cloudtui's runtime");
        }
    }

    /** Refuses every field that was not read. */
    void done() {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!seen.contains(k)) throw bad(file, at(k), "is not supported by cloudtui's runtime");
        }
    }

    String where() {
        return where;
    }

    String file() {
        return file;
    }
}
