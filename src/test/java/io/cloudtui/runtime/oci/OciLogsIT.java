package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.testing.Engines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The monitor's log mode against real containers: Docker json-file lines with streams apart and
 * nanosecond timestamps, escaping, long lines split in 16 KiB pieces, rotation, and the exit code
 * written only once the log is complete.
 */
class OciLogsIT {
    static final ObjectMapper M = new ObjectMapper();
    Path root;
    OciRuntime rt;
    final List<String> ids = new ArrayList<>();
    final List<BusyboxBundle> bundles = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        Engines.requireRoot();
        root = Files.createTempDirectory("ctui-it-logs-");
        rt = new OciRuntime(root, w -> { });
    }

    @AfterEach
    void tearDown() throws Exception {
        for (String id : ids) {
            try {
                rt.delete(id, true);
            } catch (RuntimeException e) {
                // already gone
            }
        }
        for (BusyboxBundle b : bundles) b.delete();
        Engines.run("rm", "-rf", root.toString());
    }

    /** Runs SCRIPT to its end with a logging monitor; returns the log file. */
    Path run(String script, long maxBytes, int keep) throws Exception {
        String id = "ctui-it-log-" + UUID.randomUUID().toString().substring(0, 8);
        BusyboxBundle b = BusyboxBundle.create(id, "sh", "-c", script).write();
        bundles.add(b);
        ids.add(id);
        Path log = b.dir.resolve("log.json");
        rt.create(id, b.dir, new OciRuntime.LogSpec(log, maxBytes, keep));
        rt.start(id);
        rt.waitExit(id);
        return log;
    }

    static List<JsonNode> entries(Path f) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(f)) out.add(M.readTree(line));
        return out;
    }

    @Test
    void streamsTimestampsAndEscaping() throws Exception {
        Path log = run("echo out; echo err >&2; printf 'q\"b\\\\ \\033[31mred\\ttab\\n'; printf partial", 1 << 20, 1);
        List<JsonNode> e = entries(log);
        List<String> seen = new ArrayList<>();
        Instant last = Instant.EPOCH;
        for (JsonNode n : e) {
            seen.add(n.get("stream").asText() + ":" + n.get("log").asText());
            Instant t = Instant.parse(n.get("time").asText());
            assertTrue(n.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z"), n.get("time").asText());
            if (n.get("stream").asText().equals("stdout")) {
                assertTrue(!t.isBefore(last), "stdout entries in order");
                last = t;
            }
        }
        assertTrue(seen.contains("stdout:out\n"), seen.toString());
        assertTrue(seen.contains("stderr:err\n"), seen.toString());
        assertTrue(seen.contains("stdout:q\"b\\ \u001b[31mred\ttab\n"), seen.toString());
        assertEquals("stdout:partial", seen.get(seen.size() - 1).startsWith("stderr") ? seen.get(seen.size() - 2) : seen.get(seen.size() - 1));
        // the raw file escapes the control byte
        assertTrue(Files.readString(log).contains("\\u001b[31m"), Files.readString(log));
    }

    @Test
    void aLongLineIsSplitIn16KiBPieces() throws Exception {
        Path log = run("head -c 100000 /dev/zero | tr '\\0' x; echo", 1 << 20, 1);
        List<JsonNode> e = entries(log);
        assertEquals(7, e.size(), "100000 bytes + newline = 6 full pieces and the rest");
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < e.size(); i++) {
            String piece = e.get(i).get("log").asText();
            if (i < e.size() - 1) assertEquals(16384, piece.length(), "piece " + i);
            all.append(piece);
        }
        assertEquals("x".repeat(100000) + "\n", all.toString());
    }

    @Test
    void rotationKeepsTheNewestLinesInAtMostKeepPlusOneFiles() throws Exception {
        Path log = run("i=0; while [ $i -lt 300 ]; do echo \"line $i\"; i=$((i+1)); done", 4096, 2);
        try (var s = Files.list(log.getParent())) {
            List<String> logs = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("log.json")).sorted().toList();
            assertEquals(List.of("log.json", "log.json.1", "log.json.2"), logs);
        }
        for (Path f : List.of(log, log.resolveSibling("log.json.1"), log.resolveSibling("log.json.2"))) {
            assertTrue(Files.size(f) <= 4096, f + " is " + Files.size(f) + " bytes");
        }
        List<JsonNode> newest = entries(log);
        assertEquals("line 299\n", newest.get(newest.size() - 1).get("log").asText());
        List<JsonNode> older = entries(log.resolveSibling("log.json.1"));
        int lastOld = Integer.parseInt(older.get(older.size() - 1).get("log").asText().trim().substring(5));
        int firstNew = Integer.parseInt(newest.get(0).get("log").asText().trim().substring(5));
        assertEquals(lastOld + 1, firstNew, "nothing lost between files");
        assertEquals(0, Files.readAllLines(log.resolveSibling("log.json.2")).stream().filter(l -> l.contains("\"line 0\\n\"")).count(),
                "the oldest lines were dropped");
    }
}
