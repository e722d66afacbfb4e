package io.cloudtui.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same parsing for files of this machine and for their text brought from another (a remote host's reader). */
class CgroupFilesTest {
    static final Map<String, String> V1 = Map.of(
            "cpuacct/cpuacct.usage", "123456789\n",
            "memory/memory.usage_in_bytes", "5000000\n",
            "memory/memory.limit_in_bytes", "50331648\n",
            "memory/memory.stat", "cache 0\nrss 4000\ninactive_file 7\ntotal_cache 0\ntotal_inactive_file 1000000\ntotal_active_file 3\n",
            "pids/pids.current", "3\n",
            "blkio/blkio.throttle.io_service_bytes_recursive", "8:0 Read 10\n8:0 Write 20\n8:0 Total 30\n8:16 Read 1\n8:16 Write 2\nTotal 33\n");
    static final Map<String, String> V2 = Map.of(
            "cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n",
            "memory.current", "9000000\n",
            "memory.max", "max\n",
            "memory.stat", "anon 100\nfile 200\ninactive_anon 0\nactive_file 50\ninactive_file 4000000\n",
            "pids.current", "7\n",
            "io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2\n8:16 rbytes=1 wbytes=2 rios=1 wios=1\n");

    static Path write(Path root, Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> e : files.entrySet()) {
            Path f = root.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
        }
        return root;
    }

    @Test
    void v1TextsReadAsTheFilesThemselves(@TempDir Path dir) throws IOException {
        Path root = write(dir, V1);
        CgroupFiles.Reading files = CgroupFiles.read(c -> Files.isDirectory(root.resolve(c)) ? root.resolve(c) : null, null);
        CgroupFiles.Reading texts = CgroupFiles.read(false, CgroupFiles.texts(V1));
        assertEquals(new CgroupFiles.Reading(123456789, 4000000, 50331648, 3, 11, 22), files);
        assertEquals(files, texts);
    }

    @Test
    void v2TextsReadAsTheFilesThemselves(@TempDir Path dir) throws IOException {
        Path root = write(dir, V2);
        CgroupFiles.Reading files = CgroupFiles.read(null, root);
        // no limit: this machine's memory for local files, the host's given for a remote one
        CgroupFiles.Reading texts = CgroupFiles.read(true, CgroupFiles.texts(V2), 1L << 30);
        assertEquals(new CgroupFiles.Reading(2500000, 5000000, CgroupFiles.hostMemory(), 7, 101, 202), files);
        assertEquals(new CgroupFiles.Reading(2500000, 5000000, 1L << 30, 7, 101, 202), texts);
    }

    @Test
    void onlyTheLinesThatMatterMayBeGiven() throws IOException {
        Map<String, String> v1 = new HashMap<>(V1);
        v1.put("memory/memory.stat", "total_inactive_file 1000000\n");
        assertEquals(CgroupFiles.read(false, CgroupFiles.texts(V1)), CgroupFiles.read(false, CgroupFiles.texts(v1)));
        // and the controller of the old cpu,cpuacct layout, and no pids or blkio controller
        v1.put("cpu,cpuacct/cpuacct.usage", v1.remove("cpuacct/cpuacct.usage"));
        v1.remove("pids/pids.current");
        v1.remove("blkio/blkio.throttle.io_service_bytes_recursive");
        assertEquals(new CgroupFiles.Reading(123456789, 4000000, 50331648, -1, 0, 0), CgroupFiles.read(false, CgroupFiles.texts(v1)));
    }

    @Test
    void aMissingRequiredFileIsAnError() {
        Map<String, String> v2 = new HashMap<>(V2);
        v2.remove("memory.current");
        assertThrows(IOException.class, () -> CgroupFiles.read(true, CgroupFiles.texts(v2)));
        Map<String, String> v1 = new HashMap<>(V1);
        v1.remove("cpuacct/cpuacct.usage");
        assertThrows(IOException.class, () -> CgroupFiles.read(false, CgroupFiles.texts(v1)));
    }

    @Test
    void netDevTextSumsEveryInterfaceButLo() {
        String dev = "Inter-|   Receive                                                |  Transmit\n"
                + " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
                + "    lo:     500       5    0    0    0     0          0         0      500       5    0    0    0     0       0          0\n"
                + "  eth0:    1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0\n"
                + "  eth1:       1       1    0    0    0     0          0         0        2       1    0    0    0     0       0          0\n";
        assertArrayEquals(new long[] {1001, 2002}, CgroupFiles.net(dev));
        assertArrayEquals(new long[] {-1, -1}, CgroupFiles.net((String) null));
    }

    @Test
    void cpuIsMeasuredOnTheClockGiven() {
        CgroupFiles.Delta d = new CgroupFiles.Delta();
        long[] net = {1, 2};
        assertNull(d.next("c", new CgroupFiles.Reading(0, 1, 2, 1, 0, 0), 5_000_000_000L, () -> net));
        // half a CPU over the host's 2 s, whenever these readings arrive here
        Stats s = d.next("c", new CgroupFiles.Reading(1_000_000_000L, 1, 2, 1, 0, 0), 7_000_000_000L, () -> net);
        assertEquals(50.0, s.cpuPercent(), 1e-9);
        assertEquals(1, s.netRx());
        assertEquals(2, s.netTx());
    }
}
