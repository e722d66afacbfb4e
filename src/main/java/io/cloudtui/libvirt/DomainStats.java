package io.cloudtui.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * virConnectGetAllDomainStats through JNA: every domain's counters in one round trip, as
 * {@code virsh domstats} reads them. Values are parsed from libvirt's typed parameters.
 */
final class DomainStats {
    static final int STATE = 1;
    static final int CPU_TOTAL = 2;
    static final int BALLOON = 4;
    static final int VCPU = 8;
    static final int INTERFACE = 16;
    static final int BLOCK = 32;
    static final int ALL_GROUPS = STATE | CPU_TOTAL | BALLOON | VCPU | INTERFACE | BLOCK;
    static final int ONLY_ACTIVE = 1;

    // virTypedParameter: char field[80]; int type; union value (8-aligned) -> 96 bytes.
    private static final int FIELD_LEN = 80;
    private static final int PARAM_SIZE = 96;

    private DomainStats() {}

    /** One domain's counters; -1 when libvirt did not report a value. */
    record Sample(String uuid, long atNanos, int state, long cpuTimeNs, int vcpus, long balloonKiB, long maxKiB, long rssKiB,
            long availableKiB, long usableKiB, long netRx, long netTx, long blockRead, long blockWrite) {

        /** Guest-side used memory when the balloon driver reports it, else QEMU's resident size. */
        long memoryUsedBytes() {
            if (availableKiB > 0 && usableKiB >= 0) return (availableKiB - usableKiB) * 1024;
            if (rssKiB > 0) return rssKiB * 1024;
            return -1;
        }

        long memoryLimitBytes() {
            if (balloonKiB > 0) return balloonKiB * 1024;
            return maxKiB > 0 ? maxKiB * 1024 : -1;
        }
    }

    /** All domains' samples keyed by UUID; throws a RuntimeException with libvirt's message on failure. */
    static Map<String, Sample> fetch(Pointer conn, int groups, int flags) {
        PointerByReference ref = new PointerByReference();
        int n = Virt.LIB.virConnectGetAllDomainStats(conn, groups, ref, flags);
        if (n < 0) throw new IllegalStateException(EventLoop.lastMessage());
        long now = System.nanoTime();
        Map<String, Sample> out = new LinkedHashMap<>();
        Pointer list = ref.getValue();
        if (list == null) return out;
        try {
            for (int i = 0; i < n; i++) {
                Pointer rec = list.getPointer((long) i * com.sun.jna.Native.POINTER_SIZE);
                if (rec == null) break;
                Pointer dom = rec.getPointer(0);
                Pointer params = rec.getPointer(com.sun.jna.Native.POINTER_SIZE);
                int count = rec.getInt(2L * com.sun.jna.Native.POINTER_SIZE);
                byte[] uuid = new byte[37];
                Virt.LIB.virDomainGetUUIDString(dom, uuid);
                out.put(new String(uuid, 0, 36, StandardCharsets.US_ASCII), toSample(new String(uuid, 0, 36, StandardCharsets.US_ASCII), now, read(params, count)));
            }
        } finally {
            Virt.LIB.virDomainStatsRecordListFree(list);
        }
        return out;
    }

    static Map<String, Object> read(Pointer params, int count) {
        Map<String, Object> m = new HashMap<>();
        for (int j = 0; j < count; j++) {
            Pointer p = params.share((long) j * PARAM_SIZE);
            byte[] name = p.getByteArray(0, FIELD_LEN);
            int len = 0;
            while (len < FIELD_LEN && name[len] != 0) len++;
            String field = new String(name, 0, len, StandardCharsets.US_ASCII);
            int type = p.getInt(FIELD_LEN);
            Object v = switch (type) {
                case 1 -> (long) p.getInt(88);
                case 2 -> Integer.toUnsignedLong(p.getInt(88));
                case 3, 4 -> p.getLong(88);
                case 5 -> p.getDouble(88);
                case 6 -> p.getInt(88) != 0;
                case 7 -> {
                    Pointer s = p.getPointer(88);
                    yield s == null ? null : s.getString(0);
                }
                default -> null;
            };
            if (v != null) m.put(field, v);
        }
        return m;
    }

    static Sample toSample(String uuid, long at, Map<String, Object> m) {
        long rx = 0, tx = 0, rd = 0, wr = 0;
        boolean anyNet = false, anyBlock = false;
        for (int i = 0; i < num(m, "net.count", 0); i++) {
            anyNet = true;
            rx += num(m, "net." + i + ".rx.bytes", 0);
            tx += num(m, "net." + i + ".tx.bytes", 0);
        }
        for (int i = 0; i < num(m, "block.count", 0); i++) {
            anyBlock = true;
            rd += num(m, "block." + i + ".rd.bytes", 0);
            wr += num(m, "block." + i + ".wr.bytes", 0);
        }
        return new Sample(uuid, at, (int) num(m, "state.state", 0), num(m, "cpu.time", -1), (int) num(m, "vcpu.current", -1),
                num(m, "balloon.current", -1), num(m, "balloon.maximum", -1), num(m, "balloon.rss", -1),
                num(m, "balloon.available", -1), num(m, "balloon.usable", -1),
                anyNet ? rx : -1, anyNet ? tx : -1, anyBlock ? rd : -1, anyBlock ? wr : -1);
    }

    private static long num(Map<String, Object> m, String key, long dflt) {
        Object v = m.get(key);
        return v instanceof Number n ? n.longValue() : dflt;
    }

    /** virt-top's CPU%: 100 x delta(cpu time) / (host CPUs x delta(wall time)); 100% = every host CPU busy. */
    static double cpuPercent(long cpuNs0, long wallNs0, long cpuNs1, long wallNs1, int hostCpus) {
        long dWall = wallNs1 - wallNs0;
        long dCpu = cpuNs1 - cpuNs0;
        if (dWall <= 0 || dCpu < 0 || hostCpus <= 0 || cpuNs0 < 0) return 0;
        return Math.min(100.0, 100.0 * dCpu / ((double) hostCpus * dWall));
    }
}
