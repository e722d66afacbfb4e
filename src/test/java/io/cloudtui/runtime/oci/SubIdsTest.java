package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /etc/subuid ranges by name or uid, and which rootless mappings they allow. */
class SubIdsTest {
    @TempDir
    Path tmp;

    @Test
    void rangesByNameOrIdAndWhatTheyAllow() throws Exception {
        Path f = tmp.resolve("subuid");
        Files.writeString(f, "alice:100000:65536\nbob:165536:65536\n# comment\n1001:300000:10\nbad:x:1\nalice:400000:0\n");
        assertEquals(List.of(new SubIds.Range(100000, 65536)), SubIds.ranges(f, "alice", 1000));
        assertEquals(List.of(new SubIds.Range(300000, 10)), SubIds.ranges(f, "carol", 1001), "by uid, an empty range skipped");
        assertEquals(List.of(), SubIds.ranges(f, "dave", 1002));
        List<SubIds.Range> alice = SubIds.ranges(f, "alice", 1000);
        List<OciConfig.IdMap> own = List.of(new OciConfig.IdMap(0, 1000, 1));
        List<OciConfig.IdMap> withSub = List.of(new OciConfig.IdMap(0, 1000, 1), new OciConfig.IdMap(1, 100000, 65536));
        assertTrue(SubIds.allowed(own, 1000, List.of()));
        assertTrue(SubIds.allowed(withSub, 1000, alice));
        assertFalse(SubIds.allowed(withSub, 1000, List.of()), "no subordinate ids: only our own");
        assertFalse(SubIds.allowed(List.of(new OciConfig.IdMap(1, 100000, 65537)), 1000, alice), "one past the range");
        assertFalse(SubIds.allowed(List.of(new OciConfig.IdMap(0, 0, 1)), 1000, alice), "host root");
        assertFalse(SubIds.needHelper(own, 1000));
        assertTrue(SubIds.needHelper(withSub, 1000));
    }
}
