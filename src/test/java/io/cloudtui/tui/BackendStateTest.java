package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendStateTest {
    @TempDir
    Path tmp;
    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) h.close();
    }

    /** A fake whose engine can go away and come back, announcing it like the docker backend does. */
    static final class Flaky extends FakeBackend {
        final List<Consumer<WorkloadEvent>> ls = new CopyOnWriteArrayList<>();

        Flaky(String name) {
            super(name);
        }

        @Override
        public AutoCloseable events(Consumer<WorkloadEvent> l) {
            ls.add(l);
            return super.events(l);
        }

        void announce(WorkloadEvent.Type t) {
            for (Consumer<WorkloadEvent> l : ls) l.accept(new WorkloadEvent(name(), null, t, t.name().toLowerCase(), Instant.now()));
        }
    }

    @Test
    void backendGoingAwayIsShownGreyedAndComesBack() throws Exception {
        Flaky docker = new Flaky("docker");
        docker.add("c1", "web", WorkloadKind.CONTAINER, State.RUNNING);
        FakeBackend other = new FakeBackend("kvm").add("v1", "vm1", WorkloadKind.VM, State.RUNNING);
        h = new Harness(List.of(docker, other), tmp);
        h.await("vm1");
        h.press('g'); // select vm1 (first by name) so web is drawn in its own colours
        docker.down = true;
        docker.announce(WorkloadEvent.Type.DISCONNECTED);
        h.await("docker disconnected");
        Theme t = new Themes(List.of(Path.of("themes"))).load("default").degrade(ColorDepth.INDEXED256);
        int row = h.rowOf(" web ");
        assertTrue(row > 0, "rows stay, greyed");
        assertEquals(t.style(Role.DIM).fg(), h.at(h.line(row).indexOf("web"), row).getForegroundColor());
        assertTrue(h.line(0).contains("kvm 1/1"), "the other backend keeps working: " + h.line(0));
        docker.down = false;
        docker.announce(WorkloadEvent.Type.CONNECTED);
        h.await("docker connected", s -> h.line(0).contains("docker 1/1"));
        row = h.rowOf(" web ");
        assertEquals(t.style(Role.NORMAL).fg(), h.at(h.line(row).indexOf("web"), row).getForegroundColor());
    }

    @Test
    void aBackendThatFailsToListRetriesWithBackoffUntilItAnswers() throws Exception {
        FakeBackend docker = new FakeBackend("docker");
        docker.add("c1", "web", WorkloadKind.CONTAINER, State.RUNNING);
        docker.down = true;
        h = new Harness(List.of(docker), tmp);
        String s = h.await("docker disconnected");
        assertTrue(s.contains("fake engine docker is down"), s);
        docker.down = false;
        h.await(" web ");
        assertTrue(h.line(0).contains("docker 1/1"), h.line(0));
    }

    @Test
    void eventsUpdateSingleRowsWithoutRelisting() throws Exception {
        FakeBackend docker = new FakeBackend("docker");
        docker.add("c1", "web", WorkloadKind.CONTAINER, State.RUNNING);
        h = new Harness(List.of(docker), tmp);
        h.await(" web ");
        docker.stop("c1", java.time.Duration.ofSeconds(1));
        h.await("stopped", s -> h.line(h.rowOf(" web ")).contains("stopped"));
        docker.remove("c1", false);
        h.awaitGone(" web ");
    }
}
