package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.core.RunSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** container.json keeps the run spec as Jackson would write the record; the hand-built tree must be the same text. */
class EngineSpecJsonTest {
    @Test
    void sameJsonAsJacksonMakesOfTheRecord() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("A", "1");
        env.put("B", "two words");
        env.put("Q", "\"quoted\"\n");
        List<RunSpec> specs = List.of(
                new RunSpec("local/busybox", null, List.of("true"), null, null, null, null, null, false, false, false, true,
                        null, null, null, null, null, false, null, null),
                new RunSpec("img:1", "web", List.of("sh", "-c", "echo hi"), List.of(), env,
                        List.of(new RunSpec.Mount("/srv", "/data", true), new RunSpec.Mount("vol", "/v", false)), "/data",
                        List.of(new RunSpec.Port("127.0.0.1", 8080, 80, "tcp"), new RunSpec.Port(null, 53, 53, "udp")),
                        true, true, true, false, "h", "app:app", 512L << 20, 1.5, 100L, true, "none", Map.of("k", "v", "x", "")),
                new RunSpec("img", "n", List.of(), List.of("/entry", "x"), Map.of(), List.of(), null, List.of(), false, true, false, false,
                        "", "0", Long.MAX_VALUE, 0.25, -1L, false, "host", Map.of()),
                new RunSpec("img", null, List.of("true"), null, null, null, null, null, false, false, false, true,
                        null, null, null, null, null, false, null, null).withHpc(new RunSpec.Hpc(true)));
        ObjectMapper m = new ObjectMapper();
        for (RunSpec s : specs) {
            assertEquals(m.valueToTree(s).toString(), EngineBackend.specJson(s).toString());
        }
    }
}
