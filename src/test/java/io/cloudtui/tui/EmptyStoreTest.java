package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.ImageInfo;
import io.cloudtui.core.ImageSupport;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first run of the bundled engine on an empty store says how to get an image. */
class EmptyStoreTest {
    @TempDir
    Path tmp;

    /** A bundled-engine stand-in: type runtime, with the given images. */
    static final class Store extends FakeBackend implements ImageSupport {
        final List<ImageInfo> images;

        Store(List<ImageInfo> images) {
            super("runtime");
            this.images = images;
        }

        @Override public String type() { return "runtime"; }
        @Override public List<ImageInfo> images(boolean all) { return images; }
        @Override public List<String> removeImage(String ref, boolean force) { return List.of(); }
        @Override public String build(Path dir, String dockerfile, List<String> tags, Consumer<String> progress) { return ""; }
    }

    @Test
    void anEmptyStoreGetsAHint() throws Exception {
        try (Harness h = new Harness(List.of(new Store(List.of())), tmp)) {
            h.await("runtime has no images yet: :import FILE");
        }
    }

    @Test
    void withDockerAroundTheHintSaysHowToCopyFromIt() throws Exception {
        try (Harness h = new Harness(List.of(new Store(List.of()), new FakeBackend("docker") {
            @Override public String type() { return "docker"; }
        }), io.cloudtui.config.Config.defaults(), tmp, java.util.Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8"), 200, 30)) {
            h.await("docker save IMAGE -o image.tar, then :import image.tar");
        }
    }

    @Test
    void aStoreWithImagesGetsNone() throws Exception {
        try (Harness h = new Harness(List.of(new Store(List.of(new ImageInfo("runtime", "sha256:1", List.of("a:1"), 1, null)))), tmp)) {
            h.await("no workloads");
            for (int i = 0; i < 20; i++) h.step();
            assertFalse(h.text().contains("has no images"), h.text());
        }
    }
}
