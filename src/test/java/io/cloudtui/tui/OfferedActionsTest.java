package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.Capability;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Actions a backend cannot do for a workload are not offered (footer, palette) and are refused
 * before any confirmation; footers show short labels, never config names or the key twice.
 */
class OfferedActionsTest {
    @TempDir
    Path tmp;
    Harness h;

    /** Like a rootless bundled engine: can do everything but pause and resume, and says why. */
    static final class NoFreezer extends FakeBackend {
        NoFreezer(String name) {
            super(name);
        }

        @Override
        public String refusal(Capability c, Workload w) {
            if (c == Capability.PAUSE || c == Capability.UNPAUSE) return "a rootless container has no freezer to pause it with";
            return super.refusal(c, w);
        }
    }

    /** Like libvirt: VMs without logs. */
    static final class Vms extends FakeBackend {
        Vms(String name) {
            super(name);
        }

        @Override
        public Set<Capability> capabilities() {
            Set<Capability> s = EnumSet.allOf(Capability.class);
            s.removeAll(List.of(Capability.LOGS, Capability.EXEC, Capability.RUN, Capability.IMAGES));
            return s;
        }
    }

    @AfterEach
    void tearDown() {
        if (h != null) h.close();
    }

    String footer() {
        return h.line(29);
    }

    @Test
    void pauseARootlessContainerIsRefusedBeforeAskingAndNotOffered() throws Exception {
        NoFreezer rt = new NoFreezer("runtime");
        rt.add("r1", "web", WorkloadKind.CONTAINER, State.RUNNING);
        h = new Harness(List.of(rt), tmp);
        h.await(" web ");
        assertFalse(footer().contains("p pause"), footer());
        assertTrue(footer().contains("s stop/start"), footer());
        h.press('p');
        String s = h.text();
        assertFalse(s.contains("Confirm"), "no question for what cannot be done:\n" + s);
        assertTrue(h.line(28).contains("cannot pause: web (a rootless container has no freezer to pause it with)"), h.line(28));
        // the palette refuses too, and does not complete names for it
        h.press(':');
        h.type("pause web");
        h.press(KeyType.Enter);
        assertFalse(h.text().contains("Confirm"), h.text());
        assertTrue(h.line(28).contains("no freezer"), h.line(28));
        assertTrue(Palette.complete("pause w", h.app).isEmpty(), Palette.complete("pause w", h.app).toString());
        assertEquals(List.of("web"), Palette.complete("stop w", h.app));
        assertTrue(rt.calls.isEmpty(), rt.calls.toString());
    }

    @Test
    void vmRowsOfferNoLogsButTheirOwnKeys() throws Exception {
        Vms vms = new Vms("libvirt");
        vms.add("u1", "vm1", WorkloadKind.VM, State.RUNNING);
        h = new Harness(List.of(vms), tmp);
        h.await(" vm1 ");
        String f = footer();
        assertFalse(f.contains("l logs"), f);
        assertTrue(f.contains("x ssh") && f.contains("z snapshots"), f);
        h.press('l');
        assertTrue(h.line(28).contains("libvirt cannot show logs"), h.line(28));
        // the drill-in's tabs skip logs: tab goes stats, inspect, env, stats
        h.press(KeyType.Enter);
        h.await("vm1 / stats");
        assertFalse(h.line(1).contains("Logs"), h.line(1));
        h.press(KeyType.Tab);
        h.await("vm1 / inspect");
        h.press(KeyType.Tab);
        h.await("vm1 / env");
        h.press(KeyType.Tab);
        h.await("vm1 / stats");
        h.press('1');
        assertTrue(h.line(28).contains("libvirt cannot show logs"), h.line(28));
        assertTrue(h.text().contains("vm1 / stats"), h.text());
    }

    @Test
    void footersShowShortLabelsNeverConfigNamesOrTheKeyTwice() throws Exception {
        FakeBackend d = new FakeBackend("docker");
        d.add("c1", "alpha", WorkloadKind.CONTAINER, State.RUNNING);
        h = new Harness(List.of(d), tmp);
        h.await(" alpha ");
        for (Action a : Action.values()) {
            assertFalse(a.label().contains("-"), a + ": " + a.label());
            assertFalse(a.label().equals(a.defaultKey), a + " shows its key twice: " + a.label());
        }
        h.press('l');
        h.await("alpha / logs");
        assertFalse(footer().contains("tab tab"), footer());
        assertTrue(footer().contains("tab next tab"), footer());
        h.press(KeyType.Escape);
        h.press('2');
        h.await("> images");
        assertFalse(footer().contains("show-workloads") || footer().contains("run-image"), footer());
        assertTrue(footer().contains("1 workloads") && footer().contains("n run"), footer());
    }
}
