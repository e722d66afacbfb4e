package io.cloudtui.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** image copy's parts: reference and place parsing, the byte count, and the stream handed from one backend to the other. */
class ImageCopyTest {
    @Test
    void bareRepositoriesMeanLatestAndEverythingElseStays() {
        assertEquals("local/busybox:latest", ImageCopy.normalize("local/busybox"));
        assertEquals("busybox:1.36", ImageCopy.normalize("busybox:1.36"));
        assertEquals("localhost:5000/app:latest", ImageCopy.normalize("localhost:5000/app"), "a registry port is not a tag");
        assertEquals("app@sha256:" + "a".repeat(64), ImageCopy.normalize("app@sha256:" + "a".repeat(64)));
        assertEquals("sha256:" + "b".repeat(64), ImageCopy.normalize("sha256:" + "b".repeat(64)));
        assertEquals("f25ab6886e62", ImageCopy.normalize("f25ab6886e62"), "an image id");
        CloudtuiException bad = assertThrows(CloudtuiException.class, () -> ImageCopy.normalize("a b"));
        assertEquals(2, bad.exitCode());
        assertThrows(CloudtuiException.class, () -> ImageCopy.normalize(""));
    }

    @Test
    void placesSplitAtAKnownBackendName() {
        Set<String> known = Set.of("docker", "runtime");
        assertEquals(new ImageCopy.Place("docker", "local/busybox:1"), ImageCopy.Place.parse("docker:local/busybox:1", known));
        assertEquals(new ImageCopy.Place("runtime", null), ImageCopy.Place.parse("runtime", known));
        assertEquals(new ImageCopy.Place("runtime", null), ImageCopy.Place.parse("runtime:", known));
        assertEquals(new ImageCopy.Place(null, "localhost:5000/app"), ImageCopy.Place.parse("localhost:5000/app", known), "not a backend");
        assertEquals(new ImageCopy.Place(null, "busybox"), ImageCopy.Place.parse("busybox", known));
    }

    /** A source that exports BYTES, or a destination that keeps what it reads. */
    static final class Images extends FakeBackend implements ImageSupport {
        final byte[] bytes;
        final long hint;
        final List<String> asked = new ArrayList<>();
        byte[] received;
        String receivedRef;

        Images(String name, byte[] bytes, long hint) {
            super(name);
            this.bytes = bytes;
            this.hint = hint;
        }

        @Override public List<ImageInfo> images(boolean all) { return List.of(); }
        @Override public List<String> removeImage(String ref, boolean force) { return List.of(); }
        @Override public String build(Path dir, String dockerfile, List<String> tags, Consumer<String> progress) { return ""; }

        @Override
        public Export exportImage(String reference) {
            asked.add(reference);
            return new Export(reference, hint, new ByteArrayInputStream(bytes));
        }

        @Override
        public String importImage(InputStream in, String source, String reference, Consumer<String> progress) {
            try {
                received = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            receivedRef = source + " as " + reference;
            return "sha256:copied";
        }
    }

    @Test
    void theExportIsReadStraightIntoTheImportWithProgress() {
        byte[] data = new byte[1000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) i;
        Images docker = new Images("docker", data, 1000);
        Images store = new Images("runtime", null, 0);
        List<String> progress = new ArrayList<>();
        assertEquals("sha256:copied", ImageCopy.copy(docker, "local/busybox", store, "mine/bb:1", progress::add));
        assertEquals(List.of("local/busybox:latest"), docker.asked);
        assertArrayEquals(data, store.received, "every byte arrives");
        assertEquals("docker:local/busybox:latest as mine/bb:1", store.receivedRef);
        assertEquals("copying docker:local/busybox:latest to runtime (about 1000 B)", progress.get(0));
        assertTrue(progress.contains("received 1000 B (99%)"), progress.toString());
        assertEquals("received 1000 B from docker", progress.get(progress.size() - 1));
    }

    @Test
    void refusedCopies() {
        Images docker = new Images("docker", new byte[0], 0);
        CloudtuiException same = assertThrows(CloudtuiException.class, () -> ImageCopy.copy(docker, "a", docker, null, l -> { }));
        assertTrue(same.getMessage().contains("both backend 'docker'"), same.getMessage());
        CloudtuiException none = assertThrows(CloudtuiException.class, () -> ImageCopy.copy(new FakeBackend("vms"), "a", docker, null, l -> { }));
        assertEquals("backend 'vms' does not support export images", none.getMessage());
    }
}
