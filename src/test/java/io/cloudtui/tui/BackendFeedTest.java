package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.Stats;
import io.cloudtui.core.WorkloadId;
import io.cloudtui.core.WorkloadKind;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class BackendFeedTest {
    /** Counts stats reads per container. */
    static final class Counting extends FakeBackend {
        final List<String> reads = new CopyOnWriteArrayList<>();

        Counting() {
            super("docker");
            for (int i = 0; i < 10; i++) add("c" + i, "ctr-" + i, WorkloadKind.CONTAINER, State.RUNNING);
        }

        @Override
        public Stats stats(String ref) {
            reads.add(ref);
            return super.stats(ref);
        }
    }

    private static void await(String what, BooleanSupplier p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!p.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("never: " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void everyVisibleRowIsReadEachIntervalAndNoOtherRow() throws Exception {
        Counting b = new Counting();
        Set<WorkloadId> watched = new HashSet<>();
        for (int i = 0; i < 6; i++) watched.add(new WorkloadId("docker", "c" + i));
        WorkloadTable model = new WorkloadTable();
        model.addBackend("docker", "fake");
        // a long interval: after the first (automatic) tick, the test drives the ticks itself
        try (BackendFeed feed = new BackendFeed(List.of(b), model, Duration.ofMinutes(10), Duration.ofHours(1), () -> Set.copyOf(watched))) {
            feed.start();
            await("first tick's reads", () -> b.reads.size() == 6);
            feed.sampleStats();
            await("second tick's reads", () -> b.reads.size() == 12);
            assertEquals(Set.of("c0", "c1", "c2", "c3", "c4", "c5"), new HashSet<>(b.reads), "only the visible rows: " + b.reads);
            // a drilled-in workload, the only one watched, is read every tick
            watched.clear();
            watched.add(new WorkloadId("docker", "c7"));
            int before = b.reads.size();
            for (int tick = 0; tick < 1000 && b.reads.size() < before + 2; tick++) {
                // a tick skips a row whose previous read is still under way
                feed.sampleStats();
                Thread.sleep(10);
            }
            assertEquals(List.of("c7", "c7"), b.reads.subList(before, before + 2));
        }
    }
}
