package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActionsTest {
    @TempDir
    Path tmp;
    FakeBackend docker;
    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        docker = new FakeBackend("docker") {
            @Override
            public void kill(String ref, String signal) {
                if (get(ref).name().equals("stubborn")) throw new CloudtuiException("cannot kill stubborn: permission denied");
                super.kill(ref, signal);
            }
        };
        docker.add("c1", "alpha", WorkloadKind.CONTAINER, State.RUNNING)
                .add("c2", "beta", WorkloadKind.CONTAINER, State.RUNNING)
                .add("c3", "gamma", WorkloadKind.CONTAINER, State.STOPPED)
                .add("c4", "stubborn", WorkloadKind.CONTAINER, State.RUNNING);
        h = new Harness(List.of(docker), tmp);
        h.await("stubborn");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void stopAsksFirstAndSaysWhatWillHappen() {
        h.press('s');
        String s = h.text();
        assertTrue(s.contains("Stop docker:alpha?"), s);
        assertTrue(s.contains("SIGTERM"), s);
        assertTrue(s.contains("y: yes"), s);
        assertTrue(docker.calls.isEmpty(), "nothing runs before confirming");
        h.press('y');
        h.await("stopped alpha");
        assertTrue(docker.calls.contains("stop c1"), docker.calls.toString());
        // the backend's event brings the new state back into the table
        h.await("alpha stopped", t -> h.line(h.rowOf(" alpha ")).contains("stopped"));
        assertTrue(h.line(0).contains("docker 2/4"), h.line(0));
    }

    @Test
    void cancelledConfirmationDoesNothing() {
        h.press('K');
        h.await("Kill docker:alpha?");
        h.press('n');
        h.awaitGone("Kill docker:alpha?");
        h.press('d');
        h.await("Remove docker:alpha?");
        assertTrue(h.text().contains("killed first"), h.text());
        h.press(KeyType.Escape);
        h.awaitGone("Remove docker:alpha?");
        assertTrue(docker.calls.isEmpty(), docker.calls.toString());
    }

    @Test
    void startNeedsNoConfirmation() {
        h.press('j');
        h.press('j'); // gamma, stopped
        h.press('s');
        h.await("started gamma");
        assertTrue(docker.calls.contains("start c3"), docker.calls.toString());
    }

    @Test
    void marksApplyToEveryMarkedRow() {
        h.press(' '); // alpha, moves to beta
        h.press(' '); // beta
        assertTrue(h.line(0).contains("2 marked"), h.line(0));
        assertEquals('●', h.line(h.rowOf(" alpha ")).charAt(0));
        h.press('r');
        String s = h.await("Restart 2 workloads?");
        assertTrue(s.contains("docker:alpha") && s.contains("docker:beta"), s);
        h.press('y');
        h.await("restarted alpha, beta");
        assertTrue(docker.calls.containsAll(List.of("restart c1", "restart c2")), docker.calls.toString());
        assertFalse(h.line(0).contains("marked"), "marks clear after a bulk action");
    }

    @Test
    void bulkStopSkipsWhatIsAlreadyStopped() {
        h.press(' ');
        h.press(' ');
        h.press(' '); // alpha, beta, gamma (stopped)
        h.press('s');
        String s = h.await("Stop 2 workloads?");
        assertFalse(s.contains("docker:gamma"), s);
        h.press('y');
        h.await("stopped alpha, beta");
        assertFalse(docker.calls.contains("stop c3"));
    }

    @Test
    void errorsShowOnTheMessageLineAndFade() {
        h.press('G'); // stubborn
        h.press('K');
        h.press('y');
        String s = h.await("permission denied");
        int row = h.rowOf("permission denied");
        assertEquals(28, row, "message line sits above the footer");
        Theme t = new Themes(List.of(Path.of("themes"))).load("default").degrade(ColorDepth.INDEXED256);
        assertEquals(t.style(Role.ERROR).fg(), h.at(h.line(row).indexOf("kill"), row).getForegroundColor());
        assertTrue(s.contains("stubborn"));
        h.advance(Duration.ofSeconds(5));
        h.step();
        assertEquals(t.style(Role.DIM).fg(), h.at(h.line(row).indexOf("kill"), row).getForegroundColor(), "fading");
        h.advance(Duration.ofSeconds(2));
        h.awaitGone("permission denied");
    }

    @Test
    void pauseTogglesToResume() {
        h.press('p');
        h.await("Pause docker:alpha?");
        h.press('y');
        h.await("alpha paused", t -> h.line(h.rowOf(" alpha ")).contains("paused"));
        h.press('g');
        h.press('p');
        h.await("resumed alpha");
        assertTrue(docker.calls.contains("unpause c1"), docker.calls.toString());
    }

    @Test
    void shellRunsTheFirstConfiguredShellThatExistsAndReportsTheStatus() {
        h.press('e');
        h.await("exited with status 0");
        assertTrue(docker.calls.contains("exec c1 bash -c exit 0"), docker.calls.toString());
        assertTrue(docker.calls.contains("exec c1 bash"), docker.calls.toString());
        assertEquals(List.of("shell bash in alpha [ctrl-p,ctrl-q]"), h.sessions);
        h.sessionExit = 3;
        h.press('a');
        h.await("exited with status 3");
        assertTrue(docker.calls.contains("attach c1"), docker.calls.toString());
    }

    @Test
    void shellOnAStoppedWorkloadSaysWhy() {
        h.press('j');
        h.press('j');
        h.press('e');
        h.await("gamma is stopped");
        assertTrue(h.sessions.isEmpty());
    }
}
