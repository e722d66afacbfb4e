package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.SwarmSupport;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nodes view with two managers of one swarm among the session's backends: it reads through one; when
 * that one stops answering, through the other (the BACKEND column says so), and through the first again
 * once it answers. (SwarmFaultsIT does it with real engines.)
 */
class SwarmFailoverTest {
    @TempDir
    Path tmp;

    /** A fake Docker engine that is a manager of cluster "c1"; down: every call fails as an engine that does not answer. */
    static final class Manager extends FakeBackend implements SwarmSupport {
        Manager(String name) {
            super(name);
        }

        private void check() {
            if (down) throw new CloudtuiException("cannot connect to the Docker engine of " + name());
        }

        @Override public SwarmInfo swarm() {
            check();
            return new SwarmInfo(name(), "active", true, "c1", "id-" + name(), "10.0.0.1");
        }

        @Override public List<Service> services() {
            check();
            return List.of();
        }

        @Override public List<Task> tasks(String service, String node) {
            check();
            return List.of();
        }

        @Override public List<Node> nodes() {
            check();
            return List.of(new Node(name(), "n1", "alpha", "manager", "active", "ready", down ? "Unreachable" : "Leader", "20.10", 2_000_000_000L,
                    1L << 30, "10.0.0.1", false),
                new Node(name(), "n2", "beta", "manager", "active", "ready", "Reachable", "20.10", 2_000_000_000L, 1L << 30, "10.0.0.2", false));
        }

        @Override public String createService(ServiceSpec spec) { throw new UnsupportedOperationException(); }
        @Override public void scaleService(String service, long replicas) { throw new UnsupportedOperationException(); }
        @Override public void forceUpdate(String service) { throw new UnsupportedOperationException(); }
        @Override public void rollbackService(String service) { throw new UnsupportedOperationException(); }
        @Override public void removeService(String service) { throw new UnsupportedOperationException(); }
        @Override public void serviceLogs(String service, LogOptions options, Consumer<LogLine> sink, Backend.Cancel cancel) {
            throw new UnsupportedOperationException();
        }
        @Override public void updateNode(String node, String availability, String role) { throw new UnsupportedOperationException(); }
        @Override public void removeNode(String node, boolean force) { throw new UnsupportedOperationException(); }
        @Override public AutoCloseable swarmEvents(Runnable onChange) {
            return () -> { };
        }
    }

    static boolean via(String screen, String backend) {
        return screen.lines().filter(l -> l.contains("alpha") || l.contains("beta")).count() == 2
                && screen.lines().filter(l -> l.contains("alpha") || l.contains("beta")).allMatch(l -> l.trim().endsWith(backend));
    }

    @Test
    void theNodesViewFallsOverToAnotherManagerOfTheSwarmAndBack() throws Exception {
        Manager m1 = new Manager("m1/docker");
        Manager m2 = new Manager("m2/docker");
        try (Harness h = new Harness(List.of(m1, m2), io.cloudtui.config.Config.defaults(), tmp,
                java.util.Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8"), 160, 30)) {
            h.press('6');
            h.await("the nodes through m1", t -> via(t, "m1/docker"));
            m1.down = true;
            String s = h.await("the nodes through m2", t -> via(t, "m2/docker"));
            assertTrue(!s.contains("cannot connect"), s);
            m1.down = false;
            // looked for again at most every SAFETY_POLL (10 s) while one did not answer, read every SAFETY_POLL once
            // the burst after the view opened ended: up to about 20 s
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
            String t = h.text();
            while (!via(t, "m1/docker") && System.nanoTime() < deadline) {
                Thread.sleep(20);
                h.step();
                t = h.text();
            }
            assertTrue(via(t, "m1/docker"), "the nodes never came through m1 again; last screen:\n" + t);
        }
    }
}
