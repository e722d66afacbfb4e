package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * linux.resources.devices reduced as the v1 devices cgroup would hold them, and the eBPF program
 * the C stage assembles from that for cgroup v2, run here by a small interpreter of the
 * instructions it uses: its answer for every device and access must be the reduction's.
 */
class DeviceRulesTest {
    private static final int R = DeviceRules.READ, W = DeviceRules.WRITE, M = DeviceRules.MKNOD;

    private static OciConfig.DeviceRule allow(String type, Long major, Long minor, String access) {
        return new OciConfig.DeviceRule(true, type, major, minor, access);
    }

    private static OciConfig.DeviceRule deny(String type, Long major, Long minor, String access) {
        return new OciConfig.DeviceRule(false, type, major, minor, access);
    }

    private static final OciConfig.DeviceRule DENY_ALL = deny("a", null, null, "rwm");

    @Test
    void denyAllLeavesTheDefaultDevices() {
        DeviceRules.Filter f = DeviceRules.of(List.of(DENY_ALL));
        assertFalse(f.defaultAllow());
        for (long[] d : new long[][] {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, 0}, {136, 77}}) {
            assertTrue(f.allows('c', d[0], d[1], R | W | M), "c " + d[0] + ":" + d[1]);
        }
        assertFalse(f.allows('c', 1, 1, R), "/dev/mem");
        assertFalse(f.allows('b', 8, 0, R), "a disk");
        assertFalse(f.allows('b', 1, 3, R), "the null device's numbers as a block device");
        assertFalse(f.allows('b', 8, 0, M), "no mknod of a disk");
    }

    @Test
    void dockersMknodRulesAllowTheNodeButNotItsUse() {
        DeviceRules.Filter f = DeviceRules.of(List.of(DENY_ALL, allow("c", null, null, "m"), allow("b", null, null, "m"),
                allow("c", 10L, 200L, "rwm")));
        assertTrue(f.allows('b', 8, 0, M));
        assertFalse(f.allows('b', 8, 0, R));
        assertFalse(f.allows('b', 8, 0, R | M), "every bit asked for must be allowed");
        assertTrue(f.allows('c', 10, 200, R | W), "/dev/net/tun");
        assertFalse(f.allows('c', 10, 201, R));
    }

    @Test
    void allowingByDefaultDeniesOnlyTheBitsOfItsExceptions() {
        DeviceRules.Filter f = DeviceRules.of(List.of(allow("a", null, null, "rwm"), deny("c", 1L, 1L, "rw"), deny("b", 8L, null, "rwm")));
        assertTrue(f.defaultAllow());
        assertFalse(f.allows('c', 1, 1, R));
        assertFalse(f.allows('c', 1, 1, R | M), "one denied bit is enough");
        assertTrue(f.allows('c', 1, 1, M), "mknod was not denied");
        assertFalse(f.allows('b', 8, 17, W), "any minor of major 8");
        assertTrue(f.allows('c', 8, 17, W), "a char device with the same numbers");
        assertTrue(f.allows('b', 9, 0, R));
    }

    @Test
    void laterRulesTakeBitsAwayAndTypeAClearsEverything() {
        DeviceRules.Filter f = DeviceRules.of(List.of(DENY_ALL, allow("c", 1L, 1L, "rwm"), deny("c", 1L, 1L, "w")));
        assertEquals(List.of(new DeviceRules.Rule('c', 1, 1, R | M)), f.exceptions().subList(0, 1));
        assertTrue(f.allows('c', 1, 1, R));
        assertFalse(f.allows('c', 1, 1, R | W));
        // a deny of every bit drops the exception; a wider deny does not touch a narrower allow (as v1)
        f = DeviceRules.of(List.of(DENY_ALL, allow("c", 1L, 1L, "rw"), deny("c", 1L, 1L, "rwm"), allow("c", 4L, 1L, "r"), deny("c", 4L, null, "r")));
        assertFalse(f.allows('c', 1, 1, R));
        assertTrue(f.allows('c', 4, 1, R));
        // "a" again: the earlier exceptions are gone
        f = DeviceRules.of(List.of(DENY_ALL, allow("c", 1L, 1L, "rwm"), DENY_ALL));
        assertFalse(f.allows('c', 1, 1, R));
        assertTrue(f.allows('c', 1, 3, R), "the defaults come after the config's rules");
        // exceptions for the same device add up
        f = DeviceRules.of(List.of(DENY_ALL, allow("c", 7L, 0L, "r"), allow("c", 7L, 0L, "w")));
        assertTrue(f.allows('c', 7, 0, R | W));
        assertFalse(f.allows('c', 7, 0, M));
    }

    @Test
    void typeAWithNumbersMatchesBlockAndCharAndNoRulesAtAllAllowEverything() {
        DeviceRules.Filter f = DeviceRules.of(List.of(DENY_ALL, allow("a", 7L, null, "r")));
        assertTrue(f.allows('c', 7, 3, R));
        assertTrue(f.allows('b', 7, 3, R));
        assertFalse(f.allows('b', 7, 3, W));
        assertTrue(DeviceRules.of(List.of()).allows('b', 8, 0, R | W | M), "no rules: v1's default, everything");
    }

    @Test
    void numbersTheKernelCannotHaveAreRefused() {
        io.cloudtui.core.CloudtuiException e = org.junit.jupiter.api.Assertions.assertThrows(io.cloudtui.core.CloudtuiException.class,
                () -> DeviceRules.of(List.of(DENY_ALL, allow("c", 1L << 32, 0L, "r"))));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void v1TextIsUnchanged() {
        assertEquals("a", DeviceRules.v1(deny("a", null, null, "rw")));
        assertEquals("c 1:3 rwm", DeviceRules.v1(DeviceRules.DEFAULTS.get(0)));
        assertEquals("c 136:* rwm", DeviceRules.v1(DeviceRules.DEFAULTS.get(DeviceRules.DEFAULTS.size() - 1)));
        assertEquals("b *:* m", DeviceRules.v1(allow("b", null, null, "m")));
    }

    // ---- the C stage's program ----

    @Test
    void theCStagesProgramDecidesAsTheRules(@TempDir Path tmp) throws Exception {
        List<List<OciConfig.DeviceRule>> configs = List.of(
                List.of(DENY_ALL),
                List.of(DENY_ALL, allow("c", null, null, "m"), allow("b", null, null, "m"), allow("c", 10L, 200L, "rwm"), allow("b", 7L, 3L, "rw")),
                List.of(allow("a", null, null, "rwm"), deny("c", 1L, 1L, "rw"), deny("b", 8L, null, "rwm"), deny("a", 4L, 1L, "m")),
                List.of(DENY_ALL, allow("c", 1L, 1L, "rwm"), deny("c", 1L, 1L, "w"), allow("a", 7L, null, "r")),
                List.of());
        long[] majors = {0, 1, 4, 5, 7, 8, 10, 136, 4095};
        long[] minors = {0, 1, 3, 5, 7, 9, 200, 1048575};
        for (List<OciConfig.DeviceRule> rules : configs) {
            DeviceRules.Filter f = DeviceRules.of(rules);
            byte[] prog = program(tmp, f);
            for (char type : new char[] {'b', 'c'}) {
                for (long major : majors) {
                    for (long minor : minors) {
                        for (int access = 1; access <= 7; access++) {
                            int ctxType = (access << 16) | (type == 'b' ? 1 : 2);
                            boolean bpf = interpret(prog, ctxType, (int) major, (int) minor) == 1;
                            assertEquals(f.allows(type, major, minor, access), bpf,
                                    rules + ": " + type + " " + major + ":" + minor + " access " + access);
                        }
                    }
                }
            }
        }
    }

    /** The program `cloudtui-nsexec devfilter SPEC` prints for F. */
    private static byte[] program(Path tmp, DeviceRules.Filter f) throws IOException, InterruptedException, URISyntaxException {
        Path spec = tmp.resolve("spec");
        new NativeSpec().devices(Path.of("/sys/fs/cgroup/test"), f).op("arg", "true").writeTo(spec);
        URL bin = DeviceRulesTest.class.getClassLoader().getResource("native/cloudtui-nsexec");
        assertTrue(bin != null, "the native stage is built (generate-resources)");
        Path out = tmp.resolve("prog");
        Process p = new ProcessBuilder(Path.of(bin.toURI()).toString(), "devfilter", spec.toString())
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        byte[] prog = Files.readAllBytes(out);
        assertEquals(0, prog.length % 8);
        return prog;
    }

    /**
     * Runs PROG (struct bpf_insn[]) on a struct bpf_cgroup_dev_ctx {access_type, major, minor}, with
     * the checks of the kernel's verifier that matter here: known opcodes, initialised registers,
     * jumps inside the program, an exit on every path.
     */
    static long interpret(byte[] prog, int accessType, int major, int minor) {
        ByteBuffer b = ByteBuffer.wrap(prog).order(ByteOrder.LITTLE_ENDIAN);
        int n = prog.length / 8;
        int[] ctx = {accessType, major, minor};
        long[] r = new long[11];
        boolean[] set = new boolean[11];
        set[1] = true;
        List<Integer> seen = new ArrayList<>();
        for (int pc = 0; ; pc++) {
            assertTrue(pc >= 0 && pc < n, "pc " + pc + " outside the program");
            assertTrue(seen.size() < 10 * n, "a loop");
            seen.add(pc);
            int code = b.get(pc * 8) & 0xff;
            int regs = b.get(pc * 8 + 1) & 0xff;
            int dst = regs & 0xf;
            int src = regs >> 4;
            int off = b.getShort(pc * 8 + 2);
            int imm = b.getInt(pc * 8 + 4);
            switch (code) {
                case 0x61 -> { // BPF_LDX | BPF_MEM | BPF_W from the context
                    assertEquals(1, src, "loads only from the context");
                    assertTrue(off >= 0 && off < 12 && off % 4 == 0, "context offset " + off);
                    r[dst] = ctx[off / 4] & 0xffffffffL;
                    set[dst] = true;
                }
                case 0xbc -> { // BPF_ALU | BPF_MOV | BPF_X
                    assertTrue(set[src], "r" + src + " read before set");
                    r[dst] = r[src] & 0xffffffffL;
                    set[dst] = true;
                }
                case 0x54 -> { // BPF_ALU | BPF_AND | BPF_K
                    assertTrue(set[dst]);
                    r[dst] = (r[dst] & imm) & 0xffffffffL;
                }
                case 0x74 -> { // BPF_ALU | BPF_RSH | BPF_K
                    assertTrue(set[dst]);
                    r[dst] = (r[dst] & 0xffffffffL) >>> imm;
                }
                case 0xb7 -> { // BPF_ALU64 | BPF_MOV | BPF_K
                    r[dst] = imm;
                    set[dst] = true;
                }
                case 0x55, 0x15 -> { // BPF_JMP | BPF_JNE / BPF_JEQ | BPF_K
                    assertTrue(set[dst], "r" + dst + " compared before set");
                    assertTrue(pc + 1 + off < n && off >= 0, "jump out of the program");
                    if ((r[dst] != imm) == (code == 0x55)) pc += off;
                }
                case 0x95 -> { // BPF_JMP | BPF_EXIT
                    assertTrue(set[0], "r0 unset at exit");
                    return r[0];
                }
                default -> throw new AssertionError("opcode 0x" + Integer.toHexString(code) + " at " + pc);
            }
        }
    }
}
