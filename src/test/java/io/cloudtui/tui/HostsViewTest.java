package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Remote hosts in the UI: the HOST column, the hosts' states in the header, :host and grouping by host. */
class HostsViewTest {
    @TempDir
    Path tmp;
    Harness h;
    final AtomicReference<List<HostStates.Status>> hosts = new AtomicReference<>();

    static HostStates.Status up(String name) {
        return new HostStates.Status(name, "connected", true, null);
    }

    @BeforeEach
    void setUp() throws Exception {
        FakeBackend local = new FakeBackend("docker");
        local.add("c1", "web", WorkloadKind.CONTAINER, State.RUNNING).add("c2", "db", WorkloadKind.CONTAINER, State.RUNNING);
        FakeBackend web1 = new FakeBackend("web1/docker");
        web1.add("r1", "api", WorkloadKind.CONTAINER, State.RUNNING).add("r2", "zeta", WorkloadKind.CONTAINER, State.RUNNING);
        FakeBackend web3 = new FakeBackend("web3/libvirt");
        web3.add("v1", "cache", WorkloadKind.VM, State.RUNNING);
        hosts.set(List.of(up("web1"), up("web3"),
                new HostStates.Status("web2", "unreachable", false, "web2: connection refused (is sshd running there, on that port?)")));
        h = new Harness(List.of(local, web1, web3), io.cloudtui.config.Config.defaults(), tmp, java.util.Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8"), 160, 30);
        h.app.hostStates = new HostStates(hosts::get);
        h.await("every row", t -> t.contains(" web ") && t.contains(" db ") && t.contains(" api ") && t.contains(" zeta ") && t.contains(" cache "));
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** The HOST cell of the row showing NAME. */
    String hostCell(String name) {
        String line = h.line(h.rowOf(" " + name + " "));
        int x = h.line(1).indexOf("HOST");
        return line.substring(x, line.indexOf(' ', x));
    }

    @Test
    void hostColumnLocalAndRemote() {
        assertTrue(h.line(1).contains("HOST"), h.line(1));
        assertEquals("local", hostCell("web"));
        assertEquals("local", hostCell("db"));
        assertEquals("web1", hostCell("api"));
        assertEquals("web3", hostCell("cache"));
    }

    /** A host that connects while the line holds what the user's action said leaves that message alone. */
    @Test
    void aHostConnectingDoesNotHideWhatAnActionSaid() {
        h.await("web2: connection refused");
        h.press(':');
        h.type("copy");
        h.press(KeyType.Enter);
        h.await("copy: what?");
        hosts.set(List.of(up("web1"), up("web3"), up("web2")));
        String s = h.await("web2 back", t -> t.lines().findFirst().orElse("").contains("web2 connected"));
        assertTrue(s.contains("copy: what?"), s);
        assertFalse(s.contains("web2: connected"), s);
    }

    @Test
    void headerShowsEachHostWithItsStateAndShortReasonLive() {
        String header = h.line(0);
        assertTrue(header.contains("web1 connected"), header);
        assertTrue(header.contains("web2 unreachable: connection refused "), header);
        assertFalse(header.contains("is sshd running"), "the short reason only: " + header);
        // the full line on the message line (and so in M)
        h.await("web2: connection refused (is sshd running there, on that port?)");
        // the host comes back: no key pressed
        hosts.set(List.of(up("web1"), up("web3"), up("web2")));
        h.await("web2 back", t -> t.lines().findFirst().orElse("").contains("web2 connected"));
        h.await("web2: connected");
        hosts.set(List.of(up("web1"), up("web3"),
                new HostStates.Status("web2", "host key changed", false, "web2: host key changed; check it, then run 'ssh web2' once")));
        h.await("web2 key", t -> t.lines().findFirst().orElse("").contains("web2 host key changed "));
        h.await("web2: host key changed; check it");
        h.press('M');
        h.await("the full line in M", t -> t.contains("web2: connection refused (is sshd running there, on that port?)")
                && t.contains("web2: host key changed; check it, then run 'ssh web2' once"));
    }

    @Test
    void filterMatchesTheHost() {
        h.press('/');
        h.type("web1");
        h.press(KeyType.Enter);
        String s = h.await("only web1's rows", t -> !t.contains(" db ") && t.contains(" api "));
        assertTrue(s.contains(" zeta "), s);
        assertFalse(s.contains(" web ") || s.contains(" cache "), s);
    }

    @Test
    void hostCommandNarrowsToOneHostAndBack() {
        h.press(':');
        h.type("host w");
        h.press(KeyType.Tab);
        assertEquals("host web", h.app.prompt().value(), "common prefix of web1, web2, web3");
        h.type("1");
        h.press(KeyType.Enter);
        String s = h.await("only web1", t -> !t.contains(" db ") && !t.contains(" cache "));
        assertTrue(s.contains(" api ") && s.contains(" zeta "), s);
        assertTrue(h.line(0).contains("host: web1"), h.line(0));
        h.press(':');
        h.type("host local");
        h.press(KeyType.Enter);
        s = h.await("only local", t -> !t.contains(" api ") && t.contains(" db "));
        assertTrue(s.contains(" web ") && !s.contains(" cache "), s);
        h.press(':');
        h.type("host nosuch");
        h.press(KeyType.Enter);
        h.await("host: no host 'nosuch' in this session (local, web1, web3, web2)");
        assertTrue(h.line(0).contains("host: local"), "a bad name changes nothing: " + h.line(0));
        h.press(':');
        h.type("host");
        h.press(KeyType.Enter);
        h.await("every host again", t -> t.contains(" api ") && t.contains(" db ") && t.contains(" cache "));
        assertFalse(h.line(0).contains("host: "), h.line(0));
        h.press(':');
        h.type("host web3");
        h.press(KeyType.Enter);
        h.await("only web3", t -> !t.contains(" api ") && !t.contains(" db ") && t.contains(" cache "));
        h.press(':');
        h.type("host all");
        h.press(KeyType.Enter);
        h.await("every host again", t -> t.contains(" api ") && t.contains(" db ") && t.contains(" cache "));
    }

    @Test
    void groupKeyPutsEachHostsRowsTogetherThenTheSort() {
        // by name: api cache db web zeta, hosts interleaved
        assertTrue(h.rowOf(" api ") < h.rowOf(" cache ") && h.rowOf(" cache ") < h.rowOf(" db ") && h.rowOf(" web ") < h.rowOf(" zeta "));
        h.press('h');
        h.await("grouped by host");
        assertTrue(h.line(0).contains("grouped by host"), h.line(0));
        // local first, then web1, then web3; by name within each
        int db = h.rowOf(" db "), web = h.rowOf(" web "), api = h.rowOf(" api "), zeta = h.rowOf(" zeta "), cache = h.rowOf(" cache ");
        assertTrue(db < web && web < api && api < zeta && zeta < cache, h.text());
        // the current sort still applies inside each group
        h.press('O');
        h.await("reversed", t -> h.rowOf(" web ") < h.rowOf(" db "));
        assertTrue(h.rowOf(" db ") < h.rowOf(" zeta ") && h.rowOf(" zeta ") < h.rowOf(" api ") && h.rowOf(" api ") < h.rowOf(" cache "), h.text());
        h.press('h');
        h.await("not grouped by host");
        assertFalse(h.line(0).contains("grouped by host"), h.line(0));
    }

    @Test
    void sortsByHostLikeTheOtherColumns() {
        h.press(':');
        h.type("sort host");
        h.press(KeyType.Enter);
        h.await("sorted by host");
        assertFalse(h.line(1).contains("NAME" + Glyphs.detect(java.util.Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8")).up()), h.line(1));
        assertTrue(Math.max(h.rowOf(" db "), h.rowOf(" web ")) < Math.min(h.rowOf(" api "), h.rowOf(" zeta ")), h.text());
        assertTrue(Math.max(h.rowOf(" api "), h.rowOf(" zeta ")) < h.rowOf(" cache "), h.text());
    }
}
