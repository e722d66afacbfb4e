package io.cloudtui.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JsonTrees reads and writes as ObjectMapper does. */
class JsonTreesTest {
    private static final ObjectMapper M = new ObjectMapper();
    private static final List<String> DOCS = List.of(
            "{}", "[]", "null", "true", "0", "-12", "3.25", "1e300", "\"text\"",
            "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":{},\"e\":[],\"f\":\"\\u00e9\\n\\\"x\\\"\\u0001\"}",
            "{\"big\":123456789012,\"bigger\":123456789012345678901234567890,\"neg\":-2147483649,\"f\":-0.0,\"g\":1.5E-7}",
            "{\"dup\":1,\"dup\":2}",
            "{\"nested\":{\"deeper\":{\"deepest\":[[[]],[{}]]}},\"unicode\":\"日本 😀\"}",
            "  {\"trailing\":true}  ",
            "{\"esc\":\"\\u0041\\u00e9\\ud83d\\ude00\\ud800 \\/\\b\\f\\r\\t\\\\\"}",
            "[2147483647,2147483648,-2147483648,-2147483649,9223372036854775807,9223372036854775808,-9223372036854775808,-9223372036854775809]",
            "[1.0,1e5,1E+5,1e-5,-0,-0.0,0.1,123456789012345678901234567890.5,1e400]",
            "\t\n{\"ws\" : [ 1 , 2 ] }\r\n",
            "{\"a\":1} trailing garbage", "[] []", "{}}");
    private static final List<String> REFUSED = List.of(
            "01", "[01]", "[1,]", "{\"a\":1,}", "tru", "nulls", "{\"a\" 1}", "{\"a\":}", "[1 2]", "\"tab\there\"", "\"\\x\"",
            "\"\\u12g4\"", "\"\\u１２３４\"", "-", "1.", ".5", "+1", "1e", "{'a':1}", "[NaN]", "{\"a\":1", "\"open", "// c\n{}");

    @Test
    void readsAsReadTree() throws IOException {
        for (String d : DOCS) {
            assertEquals(M.readTree(d), JsonTrees.read(d), d);
            assertEquals(M.readTree(d.getBytes(StandardCharsets.UTF_8)), JsonTrees.read(d.getBytes(StandardCharsets.UTF_8)), d);
            assertEquals(M.readTree(d).getClass(), JsonTrees.read(d).getClass(), d);
        }
        assertTrue(JsonTrees.read("").isMissingNode());
        assertTrue(JsonTrees.read("  \n").isMissingNode());
        // what Jackson refuses, JsonTrees refuses with Jackson's error
        for (String d : REFUSED) {
            IOException mine = assertThrows(IOException.class, () -> JsonTrees.read(d), d);
            IOException theirs = assertThrows(IOException.class, () -> M.readTree(d), d);
            assertEquals(theirs.getMessage(), mine.getMessage(), d);
        }
        // forms the strict reader leaves to Jackson, which reads them
        byte[] bom = "\uFEFF{\"bom\":1}".getBytes(StandardCharsets.UTF_8);
        assertEquals(M.readTree(bom), JsonTrees.read(bom));
        byte[] latin1 = {'"', (byte) 0xe9, '"'};
        assertThrows(IOException.class, () -> JsonTrees.read(latin1));
        assertThrows(IOException.class, () -> M.readTree(latin1));
        assertThrows(IOException.class, () -> JsonTrees.read("{\"a\":"));
        assertThrows(IOException.class, () -> JsonTrees.read("{nope}"));
    }

    @Test
    void theStrictReaderTakesEveryWellFormedDocument() {
        for (String d : DOCS) assertTrue(JsonTrees.strictOrNull(d) != null, d);
        for (String d : REFUSED) assertEquals(null, JsonTrees.strictOrNull(d), d);
    }

    @Test
    void writesAsWriteValueAsString() throws IOException {
        for (String d : DOCS) {
            JsonNode n = M.readTree(d);
            assertEquals(M.writeValueAsString(n), JsonTrees.write(n), d);
            assertEquals(M.writerWithDefaultPrettyPrinter().writeValueAsString(n), JsonTrees.pretty(n), d);
            assertEquals(new String(M.writeValueAsBytes(n), StandardCharsets.UTF_8), new String(JsonTrees.bytes(n), StandardCharsets.UTF_8), d);
            assertEquals(new String(M.writerWithDefaultPrettyPrinter().writeValueAsBytes(n), StandardCharsets.UTF_8),
                    new String(JsonTrees.prettyBytes(n), StandardCharsets.UTF_8), d);
        }
    }

    @Test
    void plainValuesAsValueToTree() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "x");
        m.put("i", 1);
        m.put("l", 5_000_000_000L);
        m.put("b", true);
        m.put("n", null);
        m.put("list", List.of("a", "b"));
        m.put("map", Map.of("k", "v"));
        m.put("d", 1.5);
        assertEquals(M.valueToTree(m), JsonTrees.of(m));
        assertEquals(M.valueToTree(m).toString(), JsonTrees.write(JsonTrees.of(m)));
        assertEquals(M.valueToTree(List.of()), JsonTrees.of(List.of()));
        assertEquals(M.valueToTree(Map.of("a", "b")), JsonTrees.of(Map.of("a", "b")));
    }
}
