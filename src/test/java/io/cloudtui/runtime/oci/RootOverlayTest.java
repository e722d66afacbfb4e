package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The io.cloudtui.rootfs.overlay annotation: only lowerdir, upperdir and workdir, existing absolute directories. */
class RootOverlayTest {
    @TempDir
    Path tmp;

    @Test
    void checkedAndGivenUserxattrInAUserNamespace() throws Exception {
        for (String d : new String[] {"a", "b", "u", "w", "with space", "co:lon"}) Files.createDirectories(tmp.resolve(d));
        String ok = "lowerdir=" + tmp.resolve("a") + ":" + tmp.resolve("b") + ",upperdir=" + tmp.resolve("u") + ",workdir=" + tmp.resolve("w");
        assertEquals(ok + ",userxattr", NativeSpec.rootOverlay(ok, true));
        assertEquals(ok, NativeSpec.rootOverlay(ok, false));
        for (String bad : new String[] {
                "lowerdir=" + tmp.resolve("a") + ",upperdir=" + tmp.resolve("u"),
                ok + ",redirect_dir=on",
                ok + ",workdir=" + tmp.resolve("w"),
                "lowerdir=a,upperdir=" + tmp.resolve("u") + ",workdir=" + tmp.resolve("w"),
                "lowerdir=" + tmp.resolve("missing") + ",upperdir=" + tmp.resolve("u") + ",workdir=" + tmp.resolve("w"),
                "lowerdir=" + tmp.resolve("with space") + ",upperdir=" + tmp.resolve("u") + ",workdir=" + tmp.resolve("w"),
                "lowerdir=" + tmp.resolve("a") + ",upperdir=" + tmp.resolve("co:lon") + ",workdir=" + tmp.resolve("w")}) {
            CloudtuiException e = assertThrows(CloudtuiException.class, () -> NativeSpec.rootOverlay(bad, true), bad);
            assertTrue(e.getMessage().startsWith("config.json: annotation io.cloudtui.rootfs.overlay: "), e.getMessage());
        }
    }
}
