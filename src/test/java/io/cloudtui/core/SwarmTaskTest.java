package io.cloudtui.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How a task named on the command line is found ({@link SwarmSupport#findTask}) and which backend
 * reaches its container ({@link SwarmSupport#nodeBackend}), on a fake manager. The real swarm: SwarmIT.
 */
class SwarmTaskTest {
    static SwarmSupport.Task task(String id, int slot, String node, String desired, String state, long since) {
        return new SwarmSupport.Task("h1/docker", id, "svcid", "web", slot, "id-" + node, node, desired, state,
                Instant.ofEpochSecond(since), "", "c-" + id, "busybox");
    }

    /** A manager on node h1 whose swarm has TASKS and nodes h1..h3 (addresses 10.0.0.1..3). */
    static SwarmSupport manager(List<SwarmSupport.Task> tasks) {
        InvocationHandler h = (proxy, m, args) -> switch (m.getName()) {
            case "tasks" -> tasks;
            case "name" -> "h1/docker";
            case "swarm" -> new SwarmSupport.SwarmInfo("h1/docker", "active", true, "cl", "id-h1", "10.0.0.1");
            case "nodes" -> List.of(1, 2, 3).stream().map(i -> new SwarmSupport.Node("h1/docker", "id-h" + i, "h" + i, "worker", "active",
                    "ready", "", "20.10", 1, 1, "10.0.0." + i, i == 1)).toList();
            default -> m.isDefault() ? InvocationHandler.invokeDefault(proxy, m, args) : null;
        };
        return (SwarmSupport) Proxy.newProxyInstance(SwarmTaskTest.class.getClassLoader(), new Class<?>[] {SwarmSupport.class, Backend.class}, h);
    }

    /** A Docker engine of a host of the session (a swarm worker: SwarmSupport), named NAME. */
    static Backend engine(String name) {
        InvocationHandler h = (proxy, m, args) -> m.getName().equals("name") ? name
                : m.isDefault() ? InvocationHandler.invokeDefault(proxy, m, args) : null;
        return (Backend) Proxy.newProxyInstance(SwarmTaskTest.class.getClassLoader(), new Class<?>[] {SwarmSupport.class, Backend.class}, h);
    }

    @Test
    void aSlotNameIsTheTaskMeantToRunNotItsHistory() {
        SwarmSupport m = manager(List.of(task("old1", 2, "h3", "shutdown", "shutdown", 10), task("cur1", 2, "h2", "running", "running", 20),
                task("new1", 2, "h3", "shutdown", "failed", 30), task("one1", 1, "h2", "running", "running", 5)));
        assertEquals("cur1", m.findTask("web.2").id());
        assertEquals("one1", m.findTask("web.1").id());
        assertEquals("old1", m.findTask("old1").id());
        assertEquals("new1", m.findTask("ne").id());
        assertNull(m.findTask("web.9"));
        assertNull(m.findTask("zz"));
    }

    @Test
    void theNodeIsTheManagerAHostOfTheSessionOrReachedElseOneLine() {
        SwarmSupport m = manager(List.of());
        Backend h2 = engine("h2/docker");
        assertSame(m, SwarmSupport.nodeBackend(m, task("a", 1, "h1", "running", "running", 1), List.of(), null));
        // h2 is a host of the session: no ssh tried
        assertSame(h2, SwarmSupport.nodeBackend(m, task("b", 1, "h2", "running", "running", 1), List.of(h2),
                names -> {
                    throw new AssertionError("reached " + names);
                }));
        // h3 is not: reached by its hostname, then its address
        List<List<String>> asked = new java.util.ArrayList<>();
        Backend h3 = engine("h3/docker");
        assertSame(h3, SwarmSupport.nodeBackend(m, task("c", 1, "h3", "running", "running", 1), List.of(h2), names -> {
            asked.add(names);
            return h3;
        }));
        assertEquals(List.of(List.of("h3", "10.0.0.3")), asked);
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> SwarmSupport.nodeBackend(m, task("d", 3, "h3", "running", "running", 1),
                List.of(h2), names -> {
                    throw new CloudtuiException("h3: host name does not resolve");
                }));
        assertTrue(e.getMessage().startsWith("task web.3 runs on node h3, which is not a host of this session")
                && e.getMessage().contains("h3: host name does not resolve") && e.getMessage().contains("-H h3"), e.getMessage());
    }
}
