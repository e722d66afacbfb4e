package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json validation: what is accepted, and that everything else is refused with a clear message. */
class OciConfigTest {
    @TempDir
    Path bundle;

    private OciConfig parse(ObjectNode c) throws IOException {
        Files.createDirectories(bundle.resolve("rootfs"));
        return OciConfig.parse(c, bundle, "config.json");
    }

    private String refused(ObjectNode c) throws IOException {
        Files.createDirectories(bundle.resolve("rootfs"));
        return assertThrows(CloudtuiException.class, () -> OciConfig.parse(c, bundle, "config.json")).getMessage();
    }

    @Test
    void acceptsRuncStyleDefaults() throws IOException {
        OciConfig c = parse(BusyboxBundle.defaultConfig("x", "sh", "-c", "true"));
        assertEquals(List.of("sh", "-c", "true"), c.process().args());
        assertEquals(bundle.resolve("rootfs"), c.rootPath());
        assertEquals("ctui-box", c.hostname());
        assertEquals(5, c.namespaces().size());
        assertEquals(6, c.mounts().size());
        assertTrue(c.process().noNewPrivileges());
        assertEquals("/ctui-it/x", c.cgroupsPath());
    }

    @Test
    void refusesUnknownFields() throws IOException {
        ObjectNode c = BusyboxBundle.defaultConfig("x", "true");
        ((ObjectNode) c.get("process")).put("selinuxLabel", "system_u:system_r:container_t:s0");
        assertTrue(refused(c).contains("process.selinuxLabel is not supported"));
        ObjectNode d = BusyboxBundle.defaultConfig("x", "true");
        d.put("vm", "yes");
        assertTrue(refused(d).contains("vm is not supported"));
    }

    @Test
    void acceptsZeroValuesDockerSends() throws IOException {
        ObjectNode c = BusyboxBundle.defaultConfig("x", "true");
        ObjectNode r = ((ObjectNode) c.get("linux")).putObject("resources");
        r.putObject("memory").put("disableOOMKiller", false);
        r.putObject("cpu").put("shares", 0);
        r.putObject("blockIO").put("weight", 0);
        OciConfig cfg = parse(c);
        assertEquals(null, cfg.resources().cpuShares());
        r.putObject("blockIO").put("weight", 300);
        assertTrue(refused(c).contains("linux.resources.blockIO.weight is not supported"));
    }

    /** runtime-tools' linux_ns_itype: mounts without a mount namespace go under root.path, never over the host's directories. */
    @Test
    void mountsWithoutMountNamespaceNeedARootOtherThanTheHosts() throws IOException {
        ObjectNode c = BusyboxBundle.defaultConfig("x", "true");
        ((ObjectNode) c.get("linux")).putArray("namespaces");
        c.remove("hostname");
        assertEquals(6, parse(c).mounts().size(), "accepted: made under root.path in the runtime's mount namespace");
        ((ObjectNode) c.get("root")).put("path", "/");
        assertEquals("config.json: mounts would cover the host's own directories: root.path is / and there is no mount namespace", refused(c));
    }

    @Test
    void refusesInconsistentNamespaces() throws IOException {
        ObjectNode c = BusyboxBundle.defaultConfig("x", "true");
        ((ObjectNode) c.get("linux")).withArray("namespaces").addObject().put("type", "pid");
        assertTrue(refused(c).contains("repeats namespace 'pid'"));
        ObjectNode d = BusyboxBundle.defaultConfig("x", "true");
        ((ObjectNode) d.get("linux")).putArray("namespaces").addObject().put("type", "mount");
        assertTrue(refused(d).contains("hostname needs a uts namespace (new or joined by path)"));
        ObjectNode e = BusyboxBundle.defaultConfig("x", "true");
        com.fasterxml.jackson.databind.node.ArrayNode ns = ((ObjectNode) e.get("linux")).putArray("namespaces");
        for (String t : List.of("pid", "ipc", "uts", "mount")) ns.addObject().put("type", t);
        ns.addObject().put("type", "network").put("path", "/nonexistent/ns");
        assertTrue(refused(e).contains("'/nonexistent/ns' does not exist"));
    }

    @Test
    void refusesBadValues() throws IOException {
        ObjectNode c = BusyboxBundle.defaultConfig("x", "true");
        ((ObjectNode) c.get("process")).putArray("args");
        assertTrue(refused(c).contains("process.args must name a program"));
        ObjectNode d = BusyboxBundle.defaultConfig("x", "true");
        ((ObjectNode) d.get("process")).with("capabilities").withArray("bounding").add("CAP_TIME_TRAVEL");
        assertTrue(refused(d).contains("'CAP_TIME_TRAVEL' is not a capability"));
        ObjectNode e = BusyboxBundle.defaultConfig("x", "true");
        e.put("ociVersion", "0.9");
        assertTrue(refused(e).contains("ociVersion"));
    }

    @Test
    void mountOptionsBecomeFlagsAndData() {
        NativeSpec.MountOpts o = NativeSpec.mountOptions(new OciConfig.Mount("/dev", "tmpfs", "tmpfs",
                List.of("nosuid", "strictatime", "mode=755", "size=65536k", "rprivate")));
        assertEquals(NativeSpec.MS_NOSUID | NativeSpec.MS_STRICTATIME, o.flags());
        assertEquals(NativeSpec.MS_PRIVATE | NativeSpec.MS_REC, o.propagation());
        assertEquals("mode=755,size=65536k", o.data());
        NativeSpec.MountOpts b = NativeSpec.mountOptions(new OciConfig.Mount("/x", "bind", "/y", List.of("rbind", "ro")));
        assertEquals(NativeSpec.MS_BIND | NativeSpec.MS_REC | NativeSpec.MS_RDONLY, b.flags());
        // a bind mount's data options are the kernel's to read (it ignores them with MS_BIND), as runc passes them
        NativeSpec.MountOpts d = NativeSpec.mountOptions(new OciConfig.Mount("/x", "bind", "/y", List.of("bind", "mode=755")));
        assertEquals(NativeSpec.MS_BIND, d.flags());
        assertEquals("mode=755", d.data());
        assertThrows(CloudtuiException.class, () -> NativeSpec.mountOptions(new OciConfig.Mount("/x", "tmpfs", "tmpfs", List.of("tmpcopyup"))));
    }

    @Test
    void seccompCompilesToBpf() throws IOException {
        ObjectNode c = BusyboxBundle.defaultConfig("x", "true");
        ObjectNode s = ((ObjectNode) c.get("linux")).putObject("seccomp");
        s.put("defaultAction", "SCMP_ACT_ERRNO");
        s.putArray("architectures").add("SCMP_ARCH_X86_64");
        s.putArray("syscalls").addObject().put("action", "SCMP_ACT_ALLOW").putArray("names").add("read").add("no_such_call");
        ObjectNode personality = ((com.fasterxml.jackson.databind.node.ArrayNode) s.get("syscalls")).addObject();
        personality.put("action", "SCMP_ACT_ALLOW").putArray("names").add("personality");
        personality.putArray("args").addObject().put("index", 0).put("value", 8).put("op", "SCMP_CMP_EQ");
        String prog = parse(c).seccomp();
        String[] insns = prog.split(",");
        // arch check (3) + load nr (1) + x32 guard (2) + read (2) + personality block (7) + default (1)
        assertEquals(16, insns.length, prog);
        assertEquals("6:0:0:327681", insns[insns.length - 1], "default: ERRNO(EPERM)");
        personality.withArray("args").addObject().put("index", 1).put("value", 1).put("op", "SCMP_CMP_GT");
        assertTrue(refused(c).contains("SCMP_CMP_GT"));
    }

    @Test
    void signalsByNameOrNumber() {
        assertEquals(9, OciRuntime.parseSignal("KILL"));
        assertEquals(15, OciRuntime.parseSignal("SIGTERM"));
        assertEquals(1, OciRuntime.parseSignal("hup"));
        assertEquals(10, OciRuntime.parseSignal("10"));
        assertThrows(CloudtuiException.class, () -> OciRuntime.parseSignal("SIGNOPE"));
    }
}
