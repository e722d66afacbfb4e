package io.cloudtui.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComposeTest {
    static Workload w(String backend, String name, State s, String project, String service, String number) {
        Map<String, String> labels = new HashMap<>();
        if (project != null) {
            labels.put(Compose.PROJECT, project);
            labels.put(Compose.SERVICE, service);
            labels.put(Compose.NUMBER, number);
            labels.put(Compose.WORKING_DIR, "/srv/" + project);
            labels.put(Compose.CONFIG_FILES, "docker-compose.yml,/etc/extra.yml");
        }
        return new Workload(new WorkloadId(backend, name + "-id"), name, WorkloadKind.CONTAINER, "local/busybox", "sh", s, null,
                null, null, List.of(), labels, "");
    }

    @Test
    void groupsByBackendAndProjectThenServiceAndNumber() {
        List<Workload> ws = List.of(
                w("docker", "shop_web_2", State.RUNNING, "shop", "web", "2"),
                w("docker", "lonely", State.RUNNING, null, null, null),
                w("docker", "shop_db_1", State.STOPPED, "shop", "db", "1"),
                w("web1/docker", "shop_app_1", State.RUNNING, "shop", "app", "1"),
                w("docker", "shop_web_10", State.RUNNING, "shop", "web", "10"),
                w("docker", "shop_web_1", State.RUNNING, "shop", "web", "1"),
                w("docker", "blog_app_1", State.RUNNING, "blog", "app", "1"));
        List<Compose.Project> ps = Compose.projects(ws);
        assertEquals(List.of("docker:blog", "docker:shop", "web1/docker:shop"), ps.stream().map(Compose.Project::key).toList());
        Compose.Project shop = ps.get(1);
        // by service, then by number as a number (10 after 2)
        assertEquals(List.of("shop_db_1", "shop_web_1", "shop_web_2", "shop_web_10"), shop.members().stream().map(Workload::name).toList());
        assertEquals("running 3/4", shop.stateLabel());
        assertEquals(List.of("db", "web"), shop.services());
        assertEquals(2, shop.service("web").size() - 1);
        assertEquals(Path.of("/srv/shop"), shop.workingDir());
        // v1 records files relative to the working directory
        assertEquals(List.of(Path.of("/srv/shop/docker-compose.yml"), Path.of("/etc/extra.yml")), shop.configFiles());
        assertNull(Compose.project(ws.get(1)));
    }

    @Test
    void findNamesOneProjectOrSaysWhyNot() {
        List<Workload> ws = List.of(
                w("docker", "shop_web_1", State.RUNNING, "shop", "web", "1"),
                w("web1/docker", "shop_web_1", State.RUNNING, "shop", "web", "1"),
                w("docker", "blog_app_1", State.RUNNING, "blog", "app", "1"));
        assertEquals("docker:blog", Compose.find(ws, "blog").key());
        assertEquals("web1/docker:shop", Compose.find(ws, "web1/docker:shop").key());
        CloudtuiException amb = assertThrows(CloudtuiException.class, () -> Compose.find(ws, "shop"));
        assertTrue(amb.getMessage().contains("docker:shop, web1/docker:shop"), amb.getMessage());
        CloudtuiException none = assertThrows(CloudtuiException.class, () -> Compose.find(ws, "nope"));
        assertEquals("no Compose project 'nope' (projects: blog, shop)", none.getMessage());
    }

    @Test
    void composeCliCommandCarriesProjectAndFiles() {
        Compose.Project p = Compose.projects(List.of(w("docker", "shop_web_1", State.RUNNING, "shop", "web", "1"))).get(0);
        assertEquals(List.of("docker-compose", "-p", "shop", "-f", "/srv/shop/docker-compose.yml", "-f", "/etc/extra.yml", "up", "-d", "web"),
                ComposeCli.command(List.of("docker-compose"), p, ComposeCli.Verb.UP, List.of("web")));
        assertEquals(List.of("docker", "compose", "-p", "shop", "-f", "/srv/shop/docker-compose.yml", "-f", "/etc/extra.yml", "down", "-v"),
                ComposeCli.command(List.of("docker", "compose"), p, ComposeCli.Verb.DOWN_VOLUMES, List.of()));
    }

    @Test
    void noComposeCliOnPathIsOneLine() {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> ComposeCli.find(Map.of("PATH", "/nonexistent")));
        assertTrue(e.getMessage().startsWith("no Compose CLI on PATH"), e.getMessage());
    }
}
