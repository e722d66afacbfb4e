package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** A bundled-engine stand-in: type runtime, with the given images; a stream import adds one. */
    static class Store extends FakeBackend implements ImageSupport {
        final List<ImageInfo> images;
        final List<String> imported = new java.util.concurrent.CopyOnWriteArrayList<>();

        Store(List<ImageInfo> images) {
            super("runtime");
            this.images = new java.util.concurrent.CopyOnWriteArrayList<>(images);
        }

        @Override public String type() { return "runtime"; }
        @Override public List<ImageInfo> images(boolean all) { return images; }
        @Override public String importImage(java.io.InputStream in, String source, String reference, Consumer<String> progress) {
            try {
                imported.add(source + " " + new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8) + " " + reference);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            progress.accept("unpacked");
            images.add(new ImageInfo("runtime", "sha256:2", List.of("local/busybox:latest"), 1, null));
            return "sha256:2";
        }
        @Override public List<String> removeImage(String ref, boolean force) { return List.of(); }
        @Override public String build(Path dir, String dockerfile, List<String> tags, Consumer<String> progress) { return ""; }
    }

    @Test
    void anEmptyStoreGetsAHint() throws Exception {
        try (Harness h = new Harness(List.of(new Store(List.of())), tmp)) {
            h.await("runtime has no images yet: :import FILE");
        }
    }

    /**
     * The hint is found in the background; when it comes after the user already did something, it
     * must not replace what that action said (a clean-clone run saw a copy's refusal hidden so).
     */
    @Test
    void theHintFoundLateDoesNotHideWhatTheUsersActionSaid() throws Exception {
        java.util.concurrent.CountDownLatch listed = new java.util.concurrent.CountDownLatch(1);
        Store store = new Store(List.of()) {
            @Override public List<ImageInfo> images(boolean all) {
                try {
                    listed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.images(all);
            }
        };
        try (Harness h = new Harness(List.of(store), tmp)) {
            h.press(':');
            h.type("copy");
            h.press(com.googlecode.lanterna.input.KeyType.Enter);
            h.await("copy: what?");
            listed.countDown();
            String s = h.await("runtime has no images yet: :import FILE");
            org.junit.jupiter.api.Assertions.assertTrue(s.contains("copy: what?"), s);
        }
    }

    /** A Docker stand-in whose export is a few bytes, so what the store receives can be checked. */
    static final class Docker extends FakeBackend implements ImageSupport {
        final List<String> exported = new java.util.concurrent.CopyOnWriteArrayList<>();

        Docker() {
            super("docker");
        }

        @Override public String type() { return "docker"; }
        @Override public List<ImageInfo> images(boolean all) { return List.of(); }
        @Override public List<String> removeImage(String ref, boolean force) { return List.of(); }
        @Override public String build(Path dir, String dockerfile, List<String> tags, Consumer<String> progress) { return ""; }
        @Override public Export exportImage(String reference) {
            exported.add(reference);
            return new Export(reference, 4, new java.io.ByteArrayInputStream("TAR!".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
    }

    @Test
    void withDockerAroundTheHintOffersToCopyFromItAndTheCopyRuns() throws Exception {
        Store store = new Store(List.of());
        Docker docker = new Docker();
        try (Harness h = new Harness(List.of(store, docker), io.cloudtui.config.Config.defaults(), tmp,
                java.util.Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8"), 80, 24)) {
            h.await("runtime has no images yet: :copy IMAGE (from docker), :pull REF, :import FILE");
            h.press(':');
            h.type("copy local/busybox");
            h.press(com.googlecode.lanterna.input.KeyType.Enter);
            h.await("done: sha256:2");
            assertEquals(List.of("local/busybox:latest"), docker.exported, "a bare name means :latest, exported from docker");
            assertEquals(List.of("docker:local/busybox:latest TAR! null"), store.imported, "streamed into the runtime store, its own tags kept");
            h.press(com.googlecode.lanterna.input.KeyType.Escape);
            h.await("no workloads");
            h.awaitGone("has no images yet");
        }
    }

    /** Docker's containers fill the table, so the hint is on the message line at start. */
    @Test
    void withDockerContainersListedTheHintIsTheStartMessage() throws Exception {
        Docker docker = new Docker();
        docker.add("c1", "web", io.cloudtui.core.WorkloadKind.CONTAINER, io.cloudtui.core.State.RUNNING);
        try (Harness h = new Harness(List.of(new Store(List.of()), docker), io.cloudtui.config.Config.defaults(), tmp,
                java.util.Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8"), 80, 24)) {
            String screen = h.await("web");
            screen = h.await("runtime has no images yet: :copy IMAGE (from docker)");
            assertFalse(screen.contains("no workloads"), screen);
        }
    }

    @Test
    void copyNamesBackendsAndAReference() throws Exception {
        Store store = new Store(List.of());
        Docker docker = new Docker();
        try (Harness h = new Harness(List.of(store, docker), io.cloudtui.config.Config.defaults(), tmp,
                java.util.Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8"), 120, 30)) {
            h.press(':');
            h.type("copy docker:app:1 runtime:mine/app:2");
            h.press(com.googlecode.lanterna.input.KeyType.Enter);
            h.await("done: sha256:2");
            assertEquals(List.of("app:1"), docker.exported);
            assertEquals(List.of("docker:app:1 TAR! mine/app:2"), store.imported);
            h.press(com.googlecode.lanterna.input.KeyType.Escape);
            h.press(':');
            h.type("copy docker:app:1 nowhere");
            h.press(com.googlecode.lanterna.input.KeyType.Enter);
            h.await("copy: no backend 'nowhere'");
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
