package io.cloudtui.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.State;
import io.cloudtui.core.Stats;
import io.cloudtui.core.WorkloadKind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetailViewsTest {
    @TempDir
    Path tmp;
    Harness h;
    final AtomicInteger samples = new AtomicInteger();

    static final String INSPECT = """
            {
              "Id": "c1",
              "Name": "/app",
              "Config": {
                "Env": ["PATH=/usr/bin", "SECRET_MODE=on"],
                "Cmd": ["sh", "-c", "sleep 1000"],
                "WorkingDir": "/srv",
                "Labels": {"team": "core"}
              },
              "Mounts": [{"Source": "/data", "Destination": "/var/lib/data", "RW": false}],
              "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}},
              "HostConfig": {"RestartPolicy": {"Name": "always"}}
            }""";

    @BeforeEach
    void setUp() throws Exception {
        FakeBackend b = new FakeBackend("docker") {
            @Override
            public String inspect(String ref) {
                get(ref);
                StringBuilder sb = new StringBuilder(INSPECT);
                for (int i = 0; i < 80; i++) sb.append("\n  filler line ").append(i);
                sb.append("\n  \"Deep\": \"findme\"");
                return sb.toString();
            }

            @Override
            public Stats stats(String ref) {
                int n = samples.incrementAndGet();
                return new Stats(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(2L * n), 10.0 * (n % 5), Stats.CpuScale.PER_CPU,
                        (100L + n) << 20, 1L << 30, 1000L * n, 2000L * n, 5000L * n, 0, 4);
            }
        };
        b.add("c1", "app", WorkloadKind.CONTAINER, State.RUNNING);
        var ui = new io.cloudtui.config.UiConfig(null, java.time.Duration.ofMillis(250), null, null, null, null).withDefaults();
        h = new Harness(List.of(b), Harness.config(ui, Map.of()), tmp, Map.of("TERM", "xterm-256color", "LANG", "C.UTF-8"), 100, 30);
        h.await("app");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void inspectScrollsAndSearches() {
        h.press('i');
        h.await("\"SECRET_MODE=on\"");
        h.await("header breadcrumb", t -> h.line(0).contains("docker:app / inspect"));
        h.press('/');
        h.type("findme");
        h.press(KeyType.Enter);
        String s = h.await("\"Deep\": \"findme\"");
        int row = h.rowOf("findme");
        Theme t = new Themes(List.of(Path.of("themes"))).load("default").degrade(ColorDepth.INDEXED256);
        assertEquals(t.style(Role.MATCH).bg(), h.at(h.line(row).indexOf("findme"), row).getBackgroundColor());
        assertTrue(!s.contains("\"Id\""), "scrolled down to the match");
        h.press('g');
        h.await("\"Id\"");
        h.press(KeyType.PageDown);
        h.awaitGone("\"Id\"");
    }

    @Test
    void envShowsConfigFromInspect() {
        h.press('E');
        String s = h.await("SECRET_MODE=on");
        assertTrue(s.contains("sh -c sleep 1000"), s);
        assertTrue(s.contains("/srv"), s);
        assertTrue(s.contains("team=core"), s);
        assertTrue(s.contains("/data -> /var/lib/data (ro)"), s);
        assertTrue(s.contains("80/tcp <- 0.0.0.0:8080"), s);
        assertTrue(s.contains("always"), s);
    }

    @Test
    void statsDrawsSparklinesOverTime() {
        h.press('S');
        h.await("two samples", t -> samples.get() >= 4 && t.contains("NET rx"));
        String s = h.await("BLK rd");
        assertTrue(s.contains("CPU "), s);
        assertTrue(s.contains("MEM 1"), s);
        assertTrue(s.contains("/1.0G"), s);
        assertTrue(s.contains("100% = one host CPU"), s);
        int row = h.rowOf("CPU ");
        String spark = h.line(row).substring(32).trim();
        assertTrue(spark.length() >= 2 && spark.chars().anyMatch(c -> c >= '▁' && c <= '█'), h.line(row));
        h.await("PIDS 4");
    }

    @Test
    void tabsCycleAndEscGoesBack() {
        h.press(KeyType.Enter);
        h.await("waiting for output", t -> h.line(0).contains("/ logs"));
        h.press(KeyType.Tab);
        h.await("stats tab", t -> h.line(0).contains("/ stats"));
        h.press(KeyType.Tab);
        h.await("\"Id\"");
        h.press('4');
        h.await("SECRET_MODE=on");
        h.press(KeyType.ReverseTab);
        h.await("inspect tab", t -> h.line(0).contains("/ inspect"));
        h.press(KeyType.Escape);
        h.await("table", t -> h.line(1).contains("NAME"));
    }

    @Test
    void helpIsGeneratedFromTheKeyMap() {
        h.press('?');
        String s = h.await("Workload table");
        assertTrue(s.contains("stop-start"), s);
        assertTrue(s.contains("ctrl-l"), s);
        h.press('/');
        h.type("re:^command palette");
        h.press(KeyType.Enter);
        h.await("Command palette (:)");
        h.press(KeyType.Escape);
        h.await("table", t -> h.line(1).contains("NAME"));
    }
}
