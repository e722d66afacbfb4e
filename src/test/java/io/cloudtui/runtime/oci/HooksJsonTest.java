package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** state.json keeps hooks as Jackson wrote the records; the hand-built form must be the same and read back. */
class HooksJsonTest {
    @Test
    void sameAsJacksonAndReadBack() {
        List<OciConfig.Hook> hooks = List.of(new OciConfig.Hook("/bin/hook", List.of("hook", "a b"), List.of("K=V"), 5),
                new OciConfig.Hook("/usr/bin/other", List.of(), List.of(), null));
        assertEquals(new ObjectMapper().valueToTree(hooks).toString(), io.cloudtui.core.JsonTrees.write(OciRuntime.hooksJson(hooks)));
        assertEquals(hooks, Hooks.fromJson(OciRuntime.hooksJson(hooks)));
        assertEquals("[]", io.cloudtui.core.JsonTrees.write(OciRuntime.hooksJson(List.of())));
    }
}
