package io.cloudtui.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CgroupFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader's script run by this machine's sh and awk (as ssh would run it on a host) over cgroup
 * trees laid out as the kernel and Docker's drivers make them, under a temporary directory in place
 * of /sys/fs/cgroup; its answers parsed as for a host. Against the real test hosts: RemoteStatsIT.
 */
class CgroupReaderTest {
    static final String ID1 = "1".repeat(64);
    static final String ID2 = "2".repeat(64);
    static final String ID3 = "3".repeat(64);
    static final String ID4 = "4".repeat(64);

    @TempDir
    Path root;
    final List<Process> started = new ArrayList<>();
    final AtomicBoolean connected = new AtomicBoolean(true);

    @AfterEach
    void end() {
        started.forEach(Process::destroyForcibly);
    }

    /** Sessions that run SCRIPT here with sh, on the cgroup tree under ROOT, or run REPLACEMENT instead when given. */
    CgroupReader.Sessions sessions(String replacement) {
        return new CgroupReader.Sessions() {
            @Override
            public Process start(String script) throws IOException {
                String s = replacement != null ? replacement : script.replace("/sys/fs/cgroup", root.toString());
                Process p = new ProcessBuilder("sh", "-c", s).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                started.add(p);
                return p;
            }

            @Override
            public boolean connected() {
                return connected.get();
            }

            @Override
            public String stderr() {
                return "it said no";
            }
        };
    }

    void write(String path, String text) throws IOException {
        Path f = root.resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    static double uptime() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
    }

    @Test
    void v1CgroupfsV2SystemdV2HybridAndNoneInOneAnswer() throws Exception {
        long self = ProcessHandle.current().pid();
        // v1, cgroupfs driver (cpuacct and cpu apart, as on this machine); its init: this JVM
        write("memory/docker/" + ID1 + "/cgroup.procs", self + "\n");
        write("memory/docker/" + ID1 + "/memory.usage_in_bytes", "5000000\n");
        write("memory/docker/" + ID1 + "/memory.limit_in_bytes", "50331648\n");
        write("memory/docker/" + ID1 + "/memory.stat", "cache 0\ninactive_file 9\ntotal_inactive_file 1000000\ntotal_active_file 5\n");
        write("cpuacct/docker/" + ID1 + "/cgroup.procs", self + "\n");
        write("cpuacct/docker/" + ID1 + "/cpuacct.usage", "123456789\n");
        write("pids/docker/" + ID1 + "/cgroup.procs", "");
        write("pids/docker/" + ID1 + "/pids.current", "3\n");
        // v2, systemd driver, no process left
        String v2 = "system.slice/docker-" + ID2 + ".scope/";
        write(v2 + "cgroup.procs", "");
        write(v2 + "cpu.stat", "usage_usec 2500\nuser_usec 2000\n");
        write(v2 + "memory.current", "9000000\n");
        write(v2 + "memory.max", "max\n");
        write(v2 + "memory.stat", "anon 1\nactive_file 2\ninactive_file 4000000\nslab 5\n");
        write(v2 + "pids.current", "7\n");
        write(v2 + "io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2\n");
        // hybrid: v2 in unified, cgroupfs driver, with cpu,cpuacct of v1 there too but no v1 memory
        String h = "unified/docker/" + ID3 + "/";
        write(h + "cgroup.procs", "");
        write(h + "cpu.stat", "usage_usec 1\n");
        write(h + "memory.current", "10\n");
        write(h + "memory.max", "20971520\n");
        write(h + "memory.stat", "inactive_file 4\n");
        CgroupReader r = new CgroupReader("h9", sessions(null));
        double before = uptime();
        CgroupFiles.Sample s1 = r.sample(ID1);
        double after = uptime();
        assertEquals(new CgroupFiles.Reading(123456789, 4000000, 50331648, 3, 0, 0), s1.reading());
        assertTrue(s1.clockNs() >= (long) (before * 1e9) - 10_000_000 && s1.clockNs() <= (long) (after * 1e9) + 10_000_000,
                before + " " + s1.clockNs() + " " + after);
        // this JVM's network namespace: this machine's counters
        assertTrue(s1.net()[0] >= 0 && s1.net()[1] >= 0, s1.net()[0] + " " + s1.net()[1]);
        long mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElseThrow();
        CgroupFiles.Sample s2 = r.sample(ID2);
        assertEquals(new CgroupFiles.Reading(2500000, 5000000, mem, 7, 100, 200), s2.reading(), "no limit: the host's memory");
        assertArrayEquals(new long[] {-1, -1}, s2.net());
        assertEquals(new CgroupFiles.Reading(1000, 6, 20971520, -1, 0, 0), r.sample(ID3).reading());
        assertNull(r.sample(ID4), "no cgroup of it on the host");
        assertEquals(1, r.started(), "one reader for every question");
        r.close();
    }

    @Test
    void aRestartedContainerIsLookedForAgain() throws Exception {
        String v2 = "docker/" + ID2 + "/";
        write(v2 + "cgroup.procs", "");
        write(v2 + "cpu.stat", "usage_usec 2500\n");
        write(v2 + "memory.current", "9000000\n");
        write(v2 + "memory.max", "max\n");
        write(v2 + "memory.stat", "inactive_file 0\n");
        CgroupReader r = new CgroupReader("h9", sessions(null));
        assertEquals(2500000, r.sample(ID2).reading().cpuNs());
        // stopped: its cgroup goes; started again: a new one, by the systemd driver's name this time
        Files.walk(root.resolve("docker")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        assertNull(r.sample(ID2));
        String again = "system.slice/docker-" + ID2 + ".scope/";
        write(again + "cgroup.procs", "");
        write(again + "cpu.stat", "usage_usec 7\n");
        write(again + "memory.current", "1\n");
        write(again + "memory.max", "max\n");
        write(again + "memory.stat", "inactive_file 0\n");
        assertEquals(7000, r.sample(ID2).reading().cpuNs());
        assertEquals(1, r.started());
    }

    @Test
    void concurrentQuestionsAreAllAnswered() throws Exception {
        for (String id : List.of(ID1, ID2, ID3)) {
            write("docker/" + id + "/cgroup.procs", "");
            write("docker/" + id + "/cpu.stat", "usage_usec " + id.charAt(0) + "\n");
            write("docker/" + id + "/memory.current", "1\n");
            write("docker/" + id + "/memory.max", "max\n");
            write("docker/" + id + "/memory.stat", "inactive_file 0\n");
        }
        CgroupReader r = new CgroupReader("h9", sessions(null));
        List<Thread> ts = new ArrayList<>();
        Map<String, Long> got = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i = 0; i < 30; i++) {
            String id = List.of(ID1, ID2, ID3).get(i % 3);
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    got.merge(id, r.sample(id).reading().cpuNs(), (a, b) -> a.equals(b) ? a : -1L);
                } catch (IOException e) {
                    got.put(id, -2L);
                }
            }));
        }
        for (Thread t : ts) t.join();
        assertEquals(Map.of(ID1, 1000L, ID2, 2000L, ID3, 3000L), got);
        assertEquals(1, r.started());
    }

    @Test
    void aScreenfulIsReadInOneRoundTrip() throws Exception {
        for (String id : List.of(ID1, ID2, ID3)) {
            write("docker/" + id + "/cgroup.procs", "");
            write("docker/" + id + "/cpu.stat", "usage_usec " + id.charAt(0) + "\n");
            write("docker/" + id + "/memory.current", "1\n");
            write("docker/" + id + "/memory.max", "max\n");
            write("docker/" + id + "/memory.stat", "inactive_file 0\n");
        }
        CgroupReader r = new CgroupReader("h9", sessions(null));
        // rows coming into view, one after another: each is read with those asked before
        for (String id : List.of(ID1, ID2, ID3)) r.sample(id);
        assertEquals(3, r.requests());
        // the next interval: the first row's question reads all three, the others take theirs
        Thread.sleep(300);
        for (String id : List.of(ID1, ID2, ID3)) assertEquals((id.charAt(0) - '0') * 1000L, r.sample(id).reading().cpuNs());
        assertEquals(4, r.requests());
        // and a second reading right after a first is a reading of its own (CPU% is measured between them)
        long clock = r.sample(ID1).clockNs();
        Thread.sleep(250);
        assertTrue(r.sample(ID1).clockNs() - clock >= CgroupReader.MIN_GAP_NS);
    }

    @Test
    void aReaderThatStopsAnsweringIsReplaced() throws Exception {
        // answers that it started, then nothing
        CgroupReader r = new CgroupReader("h9", sessions("echo R 1; exec sleep 600"), 300);
        assertThrows(IOException.class, () -> r.sample(ID1));
        assertThrows(IOException.class, () -> r.sample(ID1));
        assertEquals(2, r.started(), "a new reader for the next question");
        assertTrue(started.get(0).waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the silent one was ended");
    }

    @Test
    void aPartialAnswerIsAnError() throws Exception {
        // a reader that dies in the middle of its answer
        CgroupReader r = new CgroupReader("h9", sessions("echo R 1; read q ids; echo \"B $q\"; echo \"c $ids 0\""));
        IOException e = assertThrows(IOException.class, () -> r.sample(ID1));
        assertTrue(e.getMessage().contains("ended"), e.getMessage());
        assertThrows(IOException.class, () -> CgroupReader.parse(List.of("B 1", "c " + ID1 + " 0"), 1, -1));
        assertThrows(IOException.class, () -> CgroupReader.parse(List.of("B 2", "c " + ID1 + " 0", "E 2"), 1, -1));
        assertThrows(IOException.class, () -> CgroupReader.parse(List.of("B 1", "garbage", "E 1"), 1, -1));
        assertEquals(Map.of(ID1, CgroupReader.NONE), CgroupReader.parse(List.of("B 1", "c " + ID1 + " 0", "E 1"), 1, -1));
    }

    @Test
    void aReaderThatCannotStartIsSaidOnceAndTriedAgainAfterAReconnect() throws Exception {
        CgroupReader r = new CgroupReader("h9", sessions("echo 'sh: awk: not found' >&2; exit 127"));
        IOException e = assertThrows(IOException.class, () -> r.sample(ID1));
        assertEquals("it said no", e.getMessage());
        assertThrows(IOException.class, () -> r.sample(ID1));
        assertEquals(1, started.size(), "not tried again at once");
        r.reconnected();
        assertThrows(IOException.class, () -> r.sample(ID1));
        assertEquals(2, started.size(), "tried again after the reconnect");
    }

    @Test
    void nothingStartsWhileTheHostIsNotConnected() {
        connected.set(false);
        CgroupReader r = new CgroupReader("h9", sessions(null));
        assertThrows(IOException.class, () -> r.sample(ID1));
        assertEquals(0, started.size());
    }

    @Test
    void theHostsUptimeIsItsClock() throws IOException {
        assertEquals(12345_670_000_000L, CgroupReader.clockNs("12345.67"));
        assertEquals(5_000_000_000L, CgroupReader.clockNs("5"));
        assertThrows(IOException.class, () -> CgroupReader.clockNs("x"));
        assertThrows(IOException.class, () -> CgroupReader.clockNs(null));
        assertNotEquals(0, CgroupReader.clockNs("0.01"));
    }
}
