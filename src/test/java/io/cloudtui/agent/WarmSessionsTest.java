package io.cloudtui.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.Backends;
import io.cloudtui.core.FakeBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which session a command gets from the agent's kept ones, and when a session is closed rather than kept. */
class WarmSessionsTest {
    /** A backend that counts its closes. */
    static final class Counted extends FakeBackend {
        int closes;

        Counted() {
            super("docker");
        }

        @Override
        public void close() {
            closes++;
        }
    }

    final List<Counted> made = new ArrayList<>();

    Backends fresh() {
        Counted c = new Counted();
        made.add(c);
        return Backends.of(List.of(c), null);
    }

    @Test
    void theSameConfigurationGetsTheKeptSessionAnotherGetsItsOwn() {
        WarmSessions w = new WarmSessions();
        Backends a = w.take("k1", this::fresh);
        w.release("k1", a, true);
        assertSame(a, w.take("k1", this::fresh));
        Backends b = w.take("k2", this::fresh);
        assertNotSame(a, b);
        // two commands at once with one configuration: each its own session, both kept after
        Backends a2 = w.take("k1", this::fresh);
        assertNotSame(a, a2);
        w.release("k1", a, true);
        w.release("k1", a2, true);
        w.release("k2", b, true);
        assertEquals(3, made.size());
        assertTrue(made.stream().allMatch(c -> c.closes == 0));
        Backends again = w.take("k1", this::fresh);
        assertTrue(again == a || again == a2);
    }

    @Test
    void aSessionNotToKeepOrNoLongerAsFreshIsClosed() {
        WarmSessions w = new WarmSessions();
        Backends a = w.take("k", this::fresh);
        w.release("k", a, false);
        assertEquals(1, made.get(0).closes);
        Backends b = w.take("k", this::fresh);
        assertNotSame(a, b);
        // a closed session is no session to keep
        Backends c = Backends.of(List.of(new Counted()), null);
        c.close();
        assertFalse(c.reusable());
        w.release("k", b, true);
        w.closeAll();
        assertEquals(1, made.get(1).closes);
        // after the agent's exit began, nothing is kept
        Backends d = w.take("k", this::fresh);
        w.release("k", d, true);
        assertEquals(1, made.get(2).closes);
    }

    @Test
    void atMostEightAreKeptTheLeastRecentlyUsedGoes() {
        WarmSessions w = new WarmSessions();
        List<Backends> all = new ArrayList<>();
        for (int i = 0; i <= WarmSessions.MAX_IDLE; i++) all.add(w.take("k" + i, this::fresh));
        for (int i = 0; i <= WarmSessions.MAX_IDLE; i++) w.release("k" + i, all.get(i), true);
        assertEquals(1, made.get(0).closes);
        for (int i = 1; i <= WarmSessions.MAX_IDLE; i++) assertEquals(0, made.get(i).closes);
        assertNotSame(all.get(0), w.take("k0", this::fresh));
        assertSame(all.get(1), w.take("k1", this::fresh));
    }
}
