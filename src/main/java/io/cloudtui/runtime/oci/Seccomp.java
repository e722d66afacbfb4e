package io.cloudtui.runtime.oci;

import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles linux.seccomp into a classic BPF program (the C stage loads it with
 * prctl(PR_SET_SECCOMP)): no libseccomp needed. Syscall numbers come from the C library headers of
 * the build (native/syscalls.txt). Rules are tried in order; the first that matches decides.
 */
final class Seccomp {
    private static final int LD_ABS = 0x20, JEQ = 0x15, JGE = 0x35, RET = 0x06, AND = 0x54;
    private static final int ALLOW = 0x7fff0000, ERRNO = 0x00050000, KILL_THREAD = 0, KILL_PROCESS = 0x80000000,
            TRAP = 0x00030000, TRACE = 0x7ff00000, LOG = 0x7ffc0000;
    private static final int EPERM = 1;

    private record Insn(int code, int jt, int jf, int k) {}

    private final List<Insn> prog = new ArrayList<>();
    private final String file;

    private Seccomp(String file) {
        this.file = file;
    }

    /** The program as "code:jt:jf:k,..." for the native spec. */
    static String compile(Json s) {
        Seccomp c = new Seccomp(s.file());
        return c.build(s);
    }

    private String build(Json s) {
        int arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 0xC000003E;
            case "aarch64" -> 0xC00000B7;
            default -> throw Json.bad(file, "linux.seccomp", "is not supported on " + System.getProperty("os.arch"));
        };
        Map<String, Integer> table = syscalls();
        long defErrno = s.lng("defaultErrnoRet", EPERM);
        int def = action(s.reqStr("defaultAction"), defErrno, "linux.seccomp.defaultAction");
        s.strs("architectures"); // other ABIs get the default action: their syscall numbers differ
        s.unsetOnly("flags", "listenerPath", "listenerMetadata");
        // wrong architecture (i386, x32 calls) -> default action
        prog.add(new Insn(LD_ABS, 0, 0, 4));
        prog.add(new Insn(JEQ, 1, 0, arch));
        prog.add(new Insn(RET, 0, 0, def));
        prog.add(new Insn(LD_ABS, 0, 0, 0));
        if (arch == 0xC000003E) {
            prog.add(new Insn(JGE, 0, 1, 0x40000000));
            prog.add(new Insn(RET, 0, 0, def));
        }
        for (Json r : s.objs("syscalls")) {
            List<String> names = r.strs("names");
            Long errno = r.lng("errnoRet");
            int act = action(r.reqStr("action"), errno == null ? EPERM : errno, r.where() + ".action");
            List<Json> args = r.objs("args");
            r.str("comment");
            r.unsetOnly("includes", "excludes");
            r.done();
            for (String name : names) {
                Integer nr = table.get(name);
                if (nr == null) continue; // not a syscall of this architecture: nothing can call it
                if (args.isEmpty()) {
                    prog.add(new Insn(JEQ, 0, 1, nr));
                    prog.add(new Insn(RET, 0, 0, act));
                } else {
                    ruleWithArgs(nr, args, act);
                }
            }
        }
        prog.add(new Insn(RET, 0, 0, def));
        s.done();
        if (prog.size() > 4096) throw Json.bad(file, "linux.seccomp", "compiles to more than 4096 BPF instructions");
        StringBuilder b = new StringBuilder();
        for (Insn i : prog) {
            if (b.length() > 0) b.append(',');
            b.append(i.code()).append(':').append(i.jt()).append(':').append(i.jf()).append(':').append(Integer.toUnsignedString(i.k()));
        }
        return b.toString();
    }

    /** nr matches and every argument condition holds -> ACT; otherwise fall through (A = nr again). */
    private void ruleWithArgs(int nr, List<Json> args, int act) {
        List<Insn> block = new ArrayList<>();
        List<Integer> failJumps = new ArrayList<>(); // indexes whose jf (or jt) must reach the block end
        block.add(new Insn(JEQ, 0, -1, nr));
        failJumps.add(0);
        for (Json a : args) {
            long index = a.lng("index", -1);
            if (index < 0 || index > 5) throw Json.bad(file, a.where() + ".index", "must be 0 to 5");
            long value = a.lng("value", 0);
            long value2 = a.lng("valueTwo", 0);
            String op = a.reqStr("op");
            a.done();
            int lo = 16 + 8 * (int) index, hi = lo + 4;
            switch (op) {
                case "SCMP_CMP_EQ" -> {
                    block.add(new Insn(LD_ABS, 0, 0, hi));
                    block.add(new Insn(JEQ, 0, -1, (int) (value >>> 32)));
                    failJumps.add(block.size() - 1);
                    block.add(new Insn(LD_ABS, 0, 0, lo));
                    block.add(new Insn(JEQ, 0, -1, (int) value));
                    failJumps.add(block.size() - 1);
                }
                case "SCMP_CMP_MASKED_EQ" -> {
                    block.add(new Insn(LD_ABS, 0, 0, hi));
                    block.add(new Insn(AND, 0, 0, (int) (value >>> 32)));
                    block.add(new Insn(JEQ, 0, -1, (int) (value2 >>> 32)));
                    failJumps.add(block.size() - 1);
                    block.add(new Insn(LD_ABS, 0, 0, lo));
                    block.add(new Insn(AND, 0, 0, (int) value));
                    block.add(new Insn(JEQ, 0, -1, (int) value2));
                    failJumps.add(block.size() - 1);
                }
                case "SCMP_CMP_NE" -> {
                    // differs if the high words differ (match) or the low words differ
                    block.add(new Insn(LD_ABS, 0, 0, hi));
                    block.add(new Insn(JEQ, 0, 2, (int) (value >>> 32)));
                    block.add(new Insn(LD_ABS, 0, 0, lo));
                    block.add(new Insn(JEQ, -1, 0, (int) value)); // equal -> fail (jt patched)
                    failJumps.add(-(block.size() - 1) - 1);
                }
                default -> throw Json.bad(file, a.where() + ".op", "'" + op + "' is not supported by cloudtui's runtime (EQ, NE, MASKED_EQ)");
            }
        }
        block.add(new Insn(RET, 0, 0, act));
        block.add(new Insn(LD_ABS, 0, 0, 0)); // the fall-through point: reload nr for the next rules
        int end = block.size() - 1;
        for (int f : failJumps) {
            boolean jt = f < 0;
            int i = jt ? -f - 1 : f;
            int dist = end - i - 1;
            if (dist > 255) throw Json.bad(file, "linux.seccomp", "has a rule too long to compile");
            Insn in = block.get(i);
            block.set(i, jt ? new Insn(in.code(), dist, in.jf(), in.k()) : new Insn(in.code(), in.jt(), dist, in.k()));
        }
        prog.addAll(block);
    }

    private int action(String name, long errno, String where) {
        return switch (name) {
            case "SCMP_ACT_ALLOW" -> ALLOW;
            case "SCMP_ACT_ERRNO" -> ERRNO | (int) (errno & 0xffff);
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> KILL_THREAD;
            case "SCMP_ACT_KILL_PROCESS" -> KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> TRAP;
            case "SCMP_ACT_TRACE" -> TRACE | (int) (errno & 0xffff);
            case "SCMP_ACT_LOG" -> LOG;
            default -> throw Json.bad(file, where, "'" + name + "' is not supported by cloudtui's runtime");
        };
    }

    private static Map<String, Integer> syscalls() {
        Map<String, Integer> m = new HashMap<>();
        try (InputStream in = Seccomp.class.getClassLoader().getResourceAsStream("native/syscalls.txt")) {
            if (in == null) throw new CloudtuiException("this build has no syscall table (native/syscalls.txt)");
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                String[] p = line.trim().split(" ");
                if (p.length == 2) m.put(p[0], Integer.parseInt(p[1]));
            }
        } catch (IOException e) {
            throw new CloudtuiException("cannot read the syscall table: " + e.getMessage());
        }
        return m;
    }
}
