package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.config.UiConfig;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stop under way shows as "stopping"; a row coming into view gets CPU and MEM at once, not at the next tick. */
class TransitAndFirstStatsTest {
    @TempDir
    Path tmp;
    Harness h;

    /** Its stop waits for the test, like an engine waiting out a container that ignores SIGTERM. */
    static final class SlowStop extends FakeBackend {
        final CountDownLatch release = new CountDownLatch(1);

        SlowStop() {
            super("docker");
        }

        @Override
        public void stop(String ref, Duration timeout) {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.stop(ref, timeout);
        }

        @Override
        public void kill(String ref, String signal) {
            throw new io.cloudtui.core.CloudtuiException("permission denied");
        }
    }

    @AfterEach
    void tearDown() {
        if (h != null) h.close();
    }

    /** Stats every hour: only the first sample of a row coming into view can fill CPU and MEM. */
    Harness harness(FakeBackend b) throws Exception {
        UiConfig ui = new UiConfig(null, Duration.ofHours(1), null, null, null, null).withDefaults();
        return new Harness(List.of(b), Harness.config(ui, Map.of()), tmp, Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8"), 100, 30);
    }

    String row(String name) {
        return h.line(h.rowOf(" " + name + " "));
    }

    @Test
    void aStopUnderWayShowsStoppingUntilTheEngineSaysStopped() throws Exception {
        SlowStop b = new SlowStop();
        b.add("c1", "alpha", WorkloadKind.CONTAINER, State.RUNNING).add("c2", "beta", WorkloadKind.CONTAINER, State.RUNNING);
        h = harness(b);
        h.await(" alpha ");
        h.press('s');
        h.press('y');
        h.await("alpha stopping", t -> row("alpha").contains("stopping"));
        assertFalse(row("alpha").contains("running"), row("alpha"));
        b.release.countDown();
        h.await("alpha stopped", t -> row("alpha").contains("stopped"));
        assertFalse(row("alpha").contains("stopping"), row("alpha"));
        // a verb that fails ends its "-ing" too: the row shows its real state again
        h.press('j');
        h.await("beta selected", t -> true);
        String beta = row("beta");
        assertTrue(beta.contains("running"), beta);
    }

    @Test
    void aFailedVerbShowsItsStateAgain() throws Exception {
        SlowStop b = new SlowStop();
        b.add("c1", "alpha", WorkloadKind.CONTAINER, State.RUNNING);
        h = harness(b);
        h.await(" alpha ");
        h.press('K');
        h.press('y');
        h.await("kill failed");
        h.await("alpha running", t -> row("alpha").contains("running") && !row("alpha").contains("killing"));
    }

    @Test
    void aRowComingIntoViewGetsStatsWithoutWaitingForTheNextTick() throws Exception {
        FakeBackend b = new FakeBackend("docker");
        b.add("c1", "alpha", WorkloadKind.CONTAINER, State.STOPPED).add("c0", "other", WorkloadKind.CONTAINER, State.RUNNING);
        h = harness(b);
        // the running row's numbers: the feed's first tick (if it has one) is past
        h.await("other's numbers", t -> h.rowOf(" other ") >= 0 && row("other").contains("12.5"));
        assertTrue(row("alpha").contains("stopped"), row("alpha"));
        // started elsewhere: the event brings it into view running, and its first sample follows at once
        b.start("c1");
        h.await("alpha's CPU and MEM", t -> row("alpha").contains("12.5") && row("alpha").contains("64M"));
    }
}
