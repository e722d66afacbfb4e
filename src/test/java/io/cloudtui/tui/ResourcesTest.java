package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.ImageInfo;
import io.cloudtui.core.ImageSupport;
import io.cloudtui.core.NetworkSupport;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.RunSupport;
import io.cloudtui.core.State;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.VolumeSupport;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourcesTest {
    /** A fake engine that also has images, volumes, networks and can run containers. */
    static final class Engine extends FakeBackend implements ImageSupport, RunSupport, VolumeSupport, NetworkSupport {
        final List<ImageInfo> images = new CopyOnWriteArrayList<>();
        final List<RunSpec> runs = new CopyOnWriteArrayList<>();
        int created;

        Engine() {
            super("docker");
            images.add(new ImageInfo("docker", "sha256:aaaabbbbccccdddd", List.of("local/busybox:latest"), 2_000_000, Instant.parse("2025-12-31T00:00:00Z")));
            images.add(new ImageInfo("docker", "sha256:1111222233334444", List.of("local/app:1.0"), 50_000_000, Instant.parse("2025-12-01T00:00:00Z")));
        }

        @Override
        public List<ImageInfo> images(boolean all) {
            return new ArrayList<>(images);
        }

        @Override
        public List<String> removeImage(String ref, boolean force) {
            if (!images.removeIf(i -> i.tags().contains(ref))) throw new CloudtuiException("no such image " + ref);
            return List.of("Untagged: " + ref);
        }

        @Override
        public String build(Path dir, String dockerfile, List<String> tags, Consumer<String> progress) {
            progress.accept("Step 1/2 : FROM local/busybox");
            progress.accept("Step 2/2 : RUN echo \u001b]0;evil\u0007built");
            images.add(new ImageInfo("docker", "sha256:9999", tags, 1, Instant.now()));
            return "sha256:9999";
        }

        @Override
        public String pull(String ref, Consumer<String> progress) {
            throw new CloudtuiException("no registry is reachable");
        }

        @Override
        public String create(RunSpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int run(RunSpec spec, Stdio stdio, Consumer<String> onCreated) {
            runs.add(spec);
            String id = "new" + (++created);
            add(id, spec.name() != null ? spec.name() : "auto-" + created, WorkloadKind.CONTAINER, State.RUNNING);
            onCreated.accept(id);
            return spec.interactive() ? 7 : 0;
        }

        @Override
        public List<Volume> volumes() {
            return List.of(new Volume("docker", "pgdata", "local", "/var/lib/docker/volumes/pgdata/_data"));
        }

        @Override
        public List<Network> networks() {
            return List.of(new Network("docker", "abcdef1234567890", "bridge", "bridge", "local"));
        }
    }

    @TempDir
    Path tmp;
    Engine engine;
    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        engine = new Engine();
        engine.add("c1", "web", WorkloadKind.CONTAINER, State.RUNNING);
        h = new Harness(List.of(engine), tmp);
        h.await(" web ");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void imagesVolumesAndNetworksTabs() {
        h.press('2');
        String s = h.await("local/app:1.0");
        assertTrue(s.contains("local/busybox:latest") && s.contains("aaaabbbbcccc") && s.contains("REPOSITORY:TAG"), s);
        assertTrue(h.line(0).contains("images"), h.line(0));
        h.press('3');
        h.await("pgdata");
        h.press('4');
        s = h.await("bridge");
        assertTrue(s.contains("abcdef123456"), s);
        h.press('1');
        h.await(" web ");
    }

    @Test
    void removeAnImageAfterConfirming() {
        h.press('2');
        h.await("local/app:1.0");
        h.press('j');
        h.press('d');
        h.await("Remove image local/app:1.0 from docker?");
        h.press('y');
        h.await("removed local/app:1.0");
        h.await("image row gone", t -> h.rowOf("docker   local/app:1.0") < 0);
        assertEquals(1, engine.images.size());
    }

    @Test
    void buildStreamsItsProgressAndPullErrorsAreShown() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM local/busybox\n");
        h.press('2');
        h.await("local/app:1.0");
        h.press('b');
        h.type(ctx + " local/built:1");
        h.press(KeyType.Enter);
        String s = h.await("done: sha256:9999");
        assertTrue(s.contains("Step 1/2 : FROM local/busybox"), s);
        assertTrue(s.contains("RUN echo built"), "progress is sanitised too:\n" + s);
        h.press(KeyType.Escape);
        h.await("local/built:1");
        h.press('P');
        h.type("library/alpine");
        h.press(KeyType.Enter);
        h.await("failed: no registry is reachable");
    }

    @Test
    void newContainerFormRunsDetachedOrInteractive() {
        h.press('n');
        h.await("run a new container");
        assertTrue(h.text().contains("volumes (host:ctr[:ro] ...)"));
        h.type("local/busybox:latest");
        h.press(KeyType.ArrowDown);
        h.type("fresh");
        h.press(KeyType.ArrowDown);
        h.type("sh -c 'sleep 100'");
        h.press(KeyType.ArrowDown);
        h.type("A=1 B=two");
        h.press(KeyType.ArrowDown);
        h.type("/srv:/data:ro");
        h.press(KeyType.ArrowDown);
        h.type("8080:80 127.0.0.1:53:53/udp");
        h.press(KeyType.ArrowDown);
        h.press(' '); // interactive off: detached
        h.press(KeyType.Enter);
        h.await("started fresh");
        h.await(" fresh ");
        RunSpec spec = engine.runs.get(0);
        assertEquals("local/busybox:latest", spec.image());
        assertEquals(List.of("sh", "-c", "sleep 100"), spec.command());
        assertEquals("two", spec.env().get("B"));
        assertEquals(new RunSpec.Mount("/srv", "/data", true), spec.mounts().get(0));
        assertEquals(new RunSpec.Port("127.0.0.1", 53, 53, "udp"), spec.ports().get(1));
        assertTrue(spec.detach() && !spec.interactive() && spec.autoRemove());
        // interactive: the terminal is handed over and the exit status reported
        h.press('n');
        h.type("local/busybox:latest");
        h.press(KeyType.Enter);
        h.await("exited with status 7");
        assertTrue(engine.runs.get(1).interactive() && engine.runs.get(1).tty());
        assertTrue(h.sessions.get(0).startsWith("run local/busybox:latest"));
    }

    @Test
    void formExplainsBadInput() {
        h.press('n');
        h.press(KeyType.Enter);
        h.await("image: required");
        h.type("local/bu");
        // completion comes from the image list, which loads in the background
        h.await("completed image", t -> {
            if (t.contains("local/busybox:latest")) return true;
            h.press(KeyType.Tab);
            return false;
        });
        for (int i = 0; i < 5; i++) h.press(KeyType.ArrowDown);
        h.type("80:99999");
        h.press(KeyType.Enter);
        h.await("ports: '80:99999' is out of range");
        h.press(KeyType.Escape);
        h.await(" web ");
        assertTrue(engine.runs.isEmpty());
    }
}
