package io.cloudtui.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadsTest {
    private final FakeBackend docker = new FakeBackend("docker")
            .add("3f2a0000aaaa", "web", WorkloadKind.CONTAINER, State.RUNNING)
            .add("3f2b1111bbbb", "db", WorkloadKind.CONTAINER, State.STOPPED)
            .add("9c00", "shared", WorkloadKind.CONTAINER, State.RUNNING);
    private final FakeBackend kvm = new FakeBackend("kvm")
            .add("77aa-uuid", "shared", WorkloadKind.VM, State.RUNNING)
            .add("web", "3f2a-not-an-id", WorkloadKind.VM, State.STOPPED);
    private final Workloads workloads = new Workloads(Backends.of(List.of(docker, kvm), null));

    @Test
    void resolvesBareNameAcrossBackends() {
        Workloads.Target t = workloads.resolve("db");
        assertEquals("docker", t.backend().name());
        assertEquals("3f2b1111bbbb", t.ref());
    }

    @Test
    void resolvesBackendPrefixedNameAndId() {
        assertEquals("77aa-uuid", workloads.resolve("kvm:shared").ref());
        assertEquals("9c00", workloads.resolve("docker:shared").ref());
        assertEquals("3f2a0000aaaa", workloads.resolve("docker:3f2a0").ref());
    }

    @Test
    void resolvesUniqueIdPrefix() {
        assertEquals("3f2b1111bbbb", workloads.resolve("3f2b").ref());
    }

    @Test
    void exactNameBeatsIdPrefix() {
        // "web" is a container's name and a VM's id: both exact, so ambiguous; a prefix alone never wins over exact
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> workloads.resolve("web"));
        assertTrue(e.getMessage().startsWith("'web' is ambiguous: "), e.getMessage());
        assertEquals("3f2a0000aaaa", workloads.resolve("docker:web").ref());
    }

    @Test
    void ambiguousNameListsCandidates() {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> workloads.resolve("shared"));
        assertEquals("'shared' is ambiguous: docker:shared (9c00), kvm:shared (77aa-uuid)", e.getMessage());
        assertEquals(1, e.exitCode());
    }

    @Test
    void ambiguousPrefixListsCandidates() {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> workloads.resolve("3f"));
        assertEquals("'3f' is ambiguous: docker:db (3f2b1111bbbb), docker:web (3f2a0000aaaa)", e.getMessage());
    }

    @Test
    void unknownTargetAndUnknownBackend() {
        assertEquals("no such workload 'nope'",
                assertThrows(CloudtuiException.class, () -> workloads.resolve("nope")).getMessage());
        assertEquals("no such backend 'x' (enabled: docker, kvm)",
                assertThrows(CloudtuiException.class, () -> workloads.resolve("x:web")).getMessage());
    }

    @Test
    void downBackendIsNamedWhenTargetIsNotFound() {
        kvm.down = true;
        assertEquals("3f2b1111bbbb", workloads.resolve("db").ref());
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> workloads.resolve("nope"));
        assertEquals("no such workload 'nope' (not searched: kvm: fake engine kvm is down)", e.getMessage());
    }

    @Test
    void listAllReportsFailuresWithoutLosingOthers() {
        kvm.down = true;
        Workloads.Listing l = workloads.listAll(false);
        assertEquals(List.of("web", "shared"), l.workloads().stream().map(Workload::name).toList());
        assertEquals(List.of("kvm"), List.copyOf(l.failures().keySet()));
    }

    @Test
    void forCreatePrefersExplicitThenDefaultThenFirstCapable() {
        Backends b = Backends.of(List.of(docker, kvm), "kvm");
        assertEquals("docker", b.forCreate("docker", Capability.RUN).name());
        assertEquals("kvm", b.forCreate(null, Capability.RUN).name());
        assertEquals("docker", Backends.of(List.of(docker, kvm), null).forCreate(null, Capability.RUN).name());
        assertThrows(CloudtuiException.class, () -> b.forCreate("nope", Capability.RUN));
    }
}
