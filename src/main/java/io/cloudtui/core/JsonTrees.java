package io.cloudtui.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * Jackson trees read and written as ObjectMapper's readTree, writeValueAs* and
 * writerWithDefaultPrettyPrinter do (the same nodes, the same text, the same errors; JsonTreesTest
 * compares), without an ObjectMapper on the common path: its class initialisation sets up date
 * formats, calendar and locale data, and the first Jackson parser initialises BigDecimal, which
 * together cost each command of the bundled engine tens of milliseconds for a few small files.
 * Well-formed documents are read by a strict reader of its own and written through a jackson-core
 * generator; anything else is left to an ObjectMapper. (A node's toString() uses an ObjectMapper:
 * use {@link #write} on these paths.)
 */
public final class JsonTrees {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees() {}

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    /** The document in BYTES: a MissingNode when there is none, the last of duplicate keys. */
    public static JsonNode read(byte[] bytes) throws IOException {
        String text = Strict.utf8(bytes);
        JsonNode n = text == null ? null : Strict.parse(text);
        return n != null ? n : Mapper.M.readTree(bytes);
    }

    public static JsonNode read(String text) throws IOException {
        JsonNode n = Strict.parse(text);
        return n != null ? n : Mapper.M.readTree(text);
    }

    public static JsonNode read(Path file) throws IOException {
        return read(Files.readAllBytes(file));
    }

    /**
     * A reader for strict JSON (RFC 8259) as Jackson reads it by default, into the same nodes: the
     * first Jackson parser of a process initialises BigDecimal, whose set-up (large powers of ten)
     * cost each command tens of milliseconds before any JSON was read. It gives up (null) on
     * anything it is not sure of, errors included; Jackson then reads the text and reports them.
     */
    private static final class Strict {
        private static final int MAX_DEPTH = 100;
        private static final int MAX_NUMBER = 1000;
        private final String s;
        private int i;

        private Strict(String s) {
            this.s = s;
        }

        /** BYTES as UTF-8, or null when they are not well-formed UTF-8. */
        static String utf8(byte[] bytes) {
            try {
                return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                return null;
            }
        }

        static JsonNode parse(String text) {
            Strict p = new Strict(text);
            try {
                p.ws();
                if (p.i == text.length()) return NODES.missingNode();
                return p.value(0); // what follows the root value is not read, as by readTree
            } catch (RuntimeException e) {
                return null;
            }
        }

        private static RuntimeException giveUp() {
            return new IllegalArgumentException();
        }

        private void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
                i++;
            }
        }

        private JsonNode value(int depth) {
            if (depth > MAX_DEPTH || i >= s.length()) throw giveUp();
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    ObjectNode o = NODES.objectNode();
                    ws();
                    if (peek() == '}') {
                        i++;
                        return o;
                    }
                    while (true) {
                        if (peek() != '"') throw giveUp();
                        String name = string();
                        ws();
                        if (peek() != ':') throw giveUp();
                        i++;
                        ws();
                        o.replace(name, value(depth + 1));
                        ws();
                        char d = peek();
                        i++;
                        if (d == '}') return o;
                        if (d != ',') throw giveUp();
                        ws();
                    }
                }
                case '[': {
                    i++;
                    ArrayNode a = NODES.arrayNode();
                    ws();
                    if (peek() == ']') {
                        i++;
                        return a;
                    }
                    while (true) {
                        a.add(value(depth + 1));
                        ws();
                        char d = peek();
                        i++;
                        if (d == ']') return a;
                        if (d != ',') throw giveUp();
                        ws();
                    }
                }
                case '"':
                    return NODES.textNode(string());
                case 't':
                    literal("true");
                    return NODES.booleanNode(true);
                case 'f':
                    literal("false");
                    return NODES.booleanNode(false);
                case 'n':
                    literal("null");
                    return NODES.nullNode();
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw giveUp();
            }
        }

        private char peek() {
            if (i >= s.length()) throw giveUp();
            return s.charAt(i);
        }

        /** After a literal or number: the end, white space or a separator, as Jackson demands. */
        private void delimited() {
            if (i == s.length()) return;
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' && c != ']' && c != '}') throw giveUp();
        }

        private void literal(String word) {
            if (!s.startsWith(word, i)) throw giveUp();
            i += word.length();
            delimited();
        }

        private String string() {
            i++; // the opening quote
            StringBuilder b = null;
            int start = i;
            while (true) {
                if (i >= s.length()) throw giveUp();
                char c = s.charAt(i);
                if (c == '"') {
                    String out = b == null ? s.substring(start, i) : b.append(s, start, i).toString();
                    i++;
                    return out;
                }
                if (c < 0x20) throw giveUp(); // unescaped control character: an error for Jackson
                if (c != '\\') {
                    i++;
                    continue;
                }
                if (b == null) b = new StringBuilder();
                b.append(s, start, i);
                if (i + 1 >= s.length()) throw giveUp();
                char e = s.charAt(i + 1);
                i += 2;
                switch (e) {
                    case '"' -> b.append('"');
                    case '\\' -> b.append('\\');
                    case '/' -> b.append('/');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) throw giveUp();
                        int v = 0;
                        for (int k = 0; k < 4; k++) {
                            int h = hex(s.charAt(i + k));
                            if (h < 0) throw giveUp();
                            v = v * 16 + h;
                        }
                        i += 4;
                        b.append((char) v);
                    }
                    default -> throw giveUp();
                }
                start = i;
            }
        }

        private JsonNode number() {
            int start = i;
            if (s.charAt(i) == '-') i++;
            int intStart = i;
            if (i >= s.length() || !digit(s.charAt(i))) throw giveUp();
            if (s.charAt(i) == '0') {
                i++;
                if (i < s.length() && digit(s.charAt(i))) throw giveUp(); // leading zero
            } else {
                while (i < s.length() && digit(s.charAt(i))) i++;
            }
            int intEnd = i;
            boolean floating = false;
            if (i < s.length() && s.charAt(i) == '.') {
                floating = true;
                i++;
                if (i >= s.length() || !digit(s.charAt(i))) throw giveUp();
                while (i < s.length() && digit(s.charAt(i))) i++;
            }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                floating = true;
                i++;
                if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
                if (i >= s.length() || !digit(s.charAt(i))) throw giveUp();
                while (i < s.length() && digit(s.charAt(i))) i++;
            }
            if (i - start > MAX_NUMBER) throw giveUp();
            delimited();
            String text = s.substring(start, i);
            if (floating) return NODES.numberNode(Double.parseDouble(text));
            if (intEnd - intStart <= 18) {
                long v = Long.parseLong(text);
                return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
            }
            java.math.BigInteger v = new java.math.BigInteger(text);
            if (v.bitLength() <= 31) return NODES.numberNode(v.intValue());
            if (v.bitLength() <= 63) return NODES.numberNode(v.longValue());
            return NODES.numberNode(v);
        }

        private static boolean digit(char c) {
            return c >= '0' && c <= '9';
        }

        private static int hex(char c) {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }
    }

    /** Jackson's own reading, for what the strict reader leaves to it (errors among them): set up on first use. */
    private static final class Mapper {
        static final com.fasterxml.jackson.databind.ObjectMapper M = new com.fasterxml.jackson.databind.ObjectMapper();
    }

    /** The strict reader's tree of TEXT, or null where it leaves TEXT to Jackson (for tests). */
    static JsonNode strictOrNull(String text) {
        return Strict.parse(text);
    }

    /** Compact text, as ObjectMapper.writeValueAsString. */
    public static String write(JsonNode n) {
        return text(n, false);
    }

    /** Indented text, as ObjectMapper.writerWithDefaultPrettyPrinter().writeValueAsString. */
    public static String pretty(JsonNode n) {
        return text(n, true);
    }

    public static byte[] bytes(JsonNode n) {
        return bytes(n, false);
    }

    public static byte[] prettyBytes(JsonNode n) {
        return bytes(n, true);
    }

    private static String text(JsonNode n, boolean pretty) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            if (pretty) g.setPrettyPrinter(new DefaultPrettyPrinter());
            write(g, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static byte[] bytes(JsonNode n, boolean pretty) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(b)) {
            if (pretty) g.setPrettyPrinter(new DefaultPrettyPrinter());
            write(g, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** Writes the node through the generator, as the node's own serializer does. */
    private static void write(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode x : n) write(g, x);
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case NUMBER -> {
                switch (n.numberType()) {
                    case INT -> g.writeNumber(n.intValue());
                    case LONG -> g.writeNumber(n.longValue());
                    case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
                    case FLOAT -> g.writeNumber(n.floatValue());
                    case BIG_DECIMAL -> g.writeNumber(n.decimalValue());
                    default -> g.writeNumber(n.doubleValue());
                }
            }
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case NULL, MISSING -> g.writeNull();
            default -> throw new IllegalArgumentException("cannot write a " + n.getNodeType() + " node");
        }
    }

    /**
     * The tree of plain values, as ObjectMapper.valueToTree makes it: null, strings, numbers,
     * booleans, nodes, maps (keys as strings) and collections of those.
     */
    public static JsonNode of(Object v) {
        if (v == null) return NODES.nullNode();
        if (v instanceof JsonNode n) return n;
        if (v instanceof String s) return NODES.textNode(s);
        if (v instanceof Boolean b) return NODES.booleanNode(b);
        if (v instanceof Integer i) return NODES.numberNode(i);
        if (v instanceof Long l) return NODES.numberNode(l);
        if (v instanceof Short s) return NODES.numberNode((int) s);
        if (v instanceof Byte b) return NODES.numberNode((int) b);
        if (v instanceof Double d) return NODES.numberNode(d);
        if (v instanceof Float f) return NODES.numberNode(f);
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) o.set(String.valueOf(e.getKey()), of(e.getValue()));
            return o;
        }
        if (v instanceof Collection<?> c) {
            ArrayNode a = NODES.arrayNode();
            for (Object x : c) a.add(of(x));
            return a;
        }
        throw new IllegalArgumentException("not a plain JSON value: " + v.getClass().getName());
    }
}
