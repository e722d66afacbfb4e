package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cloudtui.core.Compose;
import io.cloudtui.core.State;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadId;
import io.cloudtui.core.WorkloadKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PsGroupingTest {
    static Workload w(String backend, String name, String project, String service, String n) {
        Map<String, String> labels = project == null ? Map.of() : Map.of(Compose.PROJECT, project, Compose.SERVICE, service, Compose.NUMBER, n);
        return new Workload(new WorkloadId(backend, name), name, WorkloadKind.CONTAINER, "img", "sh", State.RUNNING, null,
                Instant.parse("2026-01-01T00:00:00Z"), null, List.of(), labels, "");
    }

    @Test
    void projectsTogetherByServiceWhereTheirNewestWas() {
        List<Workload> newestFirst = List.of(
                w("docker", "shop_web_1", "shop", "web", "1"),
                w("docker", "solo", null, null, null),
                w("web1/docker", "shop_app_1", "shop", "app", "1"),
                w("docker", "shop_app_1", "shop", "app", "1"),
                w("docker", "other", null, null, null),
                w("docker", "shop_db_1", "shop", "db", "1"));
        List<String> got = PsCommand.grouped(newestFirst).stream().map(x -> x.backend() + ":" + x.name()).toList();
        assertEquals(List.of("docker:shop_app_1", "docker:shop_db_1", "docker:shop_web_1", "docker:solo", "web1/docker:shop_app_1",
                "docker:other"), got);
    }
}
