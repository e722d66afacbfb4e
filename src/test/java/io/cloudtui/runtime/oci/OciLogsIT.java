package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudtui.testing.Engines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runtime monitor's container log (log mode), against real namespaces, driven through the CLI. */
class OciLogsIT {
    private static final Pattern RFC3339_NANO = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z");

    private Path root;
    private Path logs;
    private RuntimeCli cli;
    private final List<BusyboxBundle> bundles = new ArrayList<>();

    record Entry(String log, String stream, Instant time) { }

    @BeforeEach
    void setUp() throws IOException {
        Engines.requireRoot();
        root = Files.createTempDirectory("ctui-it-root-");
        logs = Files.createTempDirectory("ctui-it-logs-");
        cli = new RuntimeCli(root);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cli != null) cli.deleteAll();
        for (BusyboxBundle b : bundles) b.delete();
        for (Path dir : new Path[] {root, logs}) {
            if (dir == null || !Files.exists(dir)) continue;
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static String id(String what) {
        return "ctui-it-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private BusyboxBundle bundle(String id, String... args) throws IOException {
        BusyboxBundle b = BusyboxBundle.create(id, args);
        bundles.add(b);
        return b.write();
    }

    /** Parses a log file strictly (every line one JSON object with exactly log, stream and time). */
    private static List<Entry> read(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length > 0) assertEquals('\n', bytes[bytes.length - 1], "the log ends with a complete entry");
        for (String line : Files.readAllLines(file)) {
            JsonNode n = BusyboxBundle.M.readTree(line);
            assertEquals(3, n.size(), line);
            String time = n.get("time").asText();
            assertTrue(RFC3339_NANO.matcher(time).matches(), "RFC 3339 time with nanoseconds: " + time);
            String stream = n.get("stream").asText();
            assertTrue(stream.equals("stdout") || stream.equals("stderr"), line);
            out.add(new Entry(n.get("log").asText(), stream, Instant.parse(time)));
        }
        return out;
    }

    private static void assertInOrder(List<Entry> entries) {
        for (int i = 1; i < entries.size(); i++) {
            assertFalse(entries.get(i).time().isBefore(entries.get(i - 1).time()), "timestamps in order: " + entries);
        }
    }

    private static void assertPrivate(Path file) throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file + " is 0600");
    }

    /** create + start with a log, detached; waits for the stop and returns the state. */
    private JsonNode createStartWait(String id, BusyboxBundle b, String... logOpts) throws Exception {
        List<String> args = new ArrayList<>(List.of("create", "--bundle", b.dir.toString()));
        args.addAll(List.of(logOpts));
        args.add(id);
        cli.ok(args.toArray(String[]::new));
        cli.ok("start", id);
        return cli.awaitStatus(id, "stopped");
    }

    @Test
    void stdoutStderrAndPartialLastLine() throws Exception {
        String id = id("logio");
        Path log = logs.resolve("c.log");
        BusyboxBundle b = bundle(id, "sh", "-c", "echo out; echo err >&2; printf partial");
        Instant before = Instant.now();
        JsonNode st = createStartWait(id, b, "--container-log", log.toString());
        Instant after = Instant.now();
        assertEquals(0, st.get("exitCode").asInt(), st.toString());
        List<Entry> e = read(log);
        assertEquals(List.of("out\n", "err\n", "partial"), e.stream().map(Entry::log).toList(), e.toString());
        assertEquals(List.of("stdout", "stderr", "stdout"), e.stream().map(Entry::stream).toList());
        assertInOrder(e);
        for (Entry x : e) {
            assertFalse(x.time().isBefore(before.minusSeconds(1)) || x.time().isAfter(after.plusSeconds(1)), "time is now: " + x);
        }
        assertPrivate(log);
        assertFalse(Files.exists(root.resolve(id).resolve("logdropped")), "nothing dropped");
        cli.ok("delete", id);
        assertTrue(Files.exists(log), "the log outlives the container");
    }

    @Test
    void stdinIsDevNullAndTerminalOutputIsLogged() throws Exception {
        String id = id("logtty");
        Path log = logs.resolve("tty.log");
        BusyboxBundle b = BusyboxBundle.create(id, "sh", "-c", "echo hello; tty; printf end");
        bundles.add(b);
        b.process().put("terminal", true);
        b.write();
        JsonNode st = createStartWait(id, b, "--container-log", log.toString());
        assertEquals(0, st.get("exitCode").asInt(), st.toString());
        List<Entry> e = read(log);
        // the pty's line discipline turns \n into \r\n; everything is "stdout"
        assertEquals(List.of("hello\r\n", "/dev/pts/0\r\n", "end"), e.stream().map(Entry::log).toList(), e.toString());
        assertTrue(e.stream().allMatch(x -> x.stream().equals("stdout")));

        String id2 = id("logstdin");
        Path log2 = logs.resolve("stdin.log");
        BusyboxBundle b2 = bundle(id2, "sh", "-c", "echo in=$(readlink /proc/self/fd/0); cat; echo read=$?");
        createStartWait(id2, b2, "--container-log", log2.toString());
        assertEquals(List.of("in=/dev/null\n", "read=0\n"), read(log2).stream().map(Entry::log).toList());
    }

    @Test
    void longLinesAreSplitIn16KiBPieces() throws Exception {
        String id = id("loglong");
        Path log = logs.resolve("long.log");
        // 100 000 a's; then "b" and 16 384 two-byte characters, whose 16 384-byte cut would halve one
        BusyboxBundle b = bundle(id, "sh", "-c", "head -c 100000 /dev/zero | tr '\\000' a; echo; "
                + "s=$(printf '\\303\\251'); i=0; while [ $i -lt 13 ]; do s=$s$s; i=$((i+1)); done; printf 'b%s%s\\n' \"$s\" \"$s\"");
        createStartWait(id, b, "--container-log", log.toString());
        List<Entry> e = read(log);
        List<String> pieces = e.stream().map(Entry::log).toList();
        assertEquals(6 + 1 + 3, pieces.size(), "6 full pieces and the rest, then 3 pieces: " + pieces.stream().map(String::length).toList());
        for (int i = 0; i < 6; i++) assertEquals("a".repeat(16384), pieces.get(i));
        assertEquals("a".repeat(100000 - 6 * 16384) + "\n", pieces.get(6));
        String wide = "b" + "\u00e9".repeat(16384) + "\n";
        assertEquals(wide, pieces.get(7) + pieces.get(8) + pieces.get(9), "the pieces join to the line");
        assertEquals("b" + "\u00e9".repeat(8191), pieces.get(7), "cut before the character that would not fit");
        for (int i = 7; i < 10; i++) assertFalse(pieces.get(i).contains("\ufffd"), "no character was broken");
        for (int i = 0; i < pieces.size(); i++) {
            assertEquals(i == 6 || i == 9, pieces.get(i).endsWith("\n"), "only the last piece of a line ends in \\n");
        }
        assertInOrder(e);
    }

    @Test
    void rotationKeepsTheNewestFiles() throws Exception {
        String id = id("logrot");
        Path log = logs.resolve("rot.log");
        BusyboxBundle b = bundle(id, "sh", "-c", "i=0; while [ $i -lt 300 ]; do echo line-$i-padding-padding-padding; i=$((i+1)); done");
        createStartWait(id, b, "--container-log", log.toString(), "--container-log-max-size", "4096", "--container-log-keep", "2");
        try (var s = Files.list(logs)) {
            assertEquals(List.of("rot.log", "rot.log.1", "rot.log.2"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        List<Entry> all = new ArrayList<>();
        for (String name : List.of("rot.log.2", "rot.log.1", "rot.log")) {
            Path f = logs.resolve(name);
            assertTrue(Files.size(f) <= 4096, name + " is " + Files.size(f) + " bytes");
            assertPrivate(f);
            all.addAll(read(f));
        }
        assertEquals("line-299-padding-padding-padding\n", all.get(all.size() - 1).log(), "the newest line is kept");
        int first = Integer.parseInt(all.get(0).log().split("-")[1]);
        assertTrue(first > 0, "the oldest lines were dropped");
        for (int i = 0; i < all.size(); i++) {
            assertEquals("line-" + (first + i) + "-padding-padding-padding\n", all.get(i).log(), "contiguous across the files");
        }
        assertInOrder(all);
    }

    @Test
    void quotesBackslashesAndEscapesAreJsonEscaped() throws Exception {
        String id = id("logesc");
        Path log = logs.resolve("esc.log");
        BusyboxBundle b = bundle(id, "sh", "-c", "printf 'q\"uote\\\\back \\033[31mred\\033[0m\\ttab\\r\\001 \\303\\251 \\377 </>\\n'");
        createStartWait(id, b, "--container-log", log.toString());
        List<Entry> e = read(log);
        assertEquals(1, e.size(), e.toString());
        // invalid UTF-8 (the lone \377) becomes U+FFFD, as Docker does
        assertEquals("q\"uote\\back \u001b[31mred\u001b[0m\ttab\r\u0001 \u00e9 \ufffd </>\n", e.get(0).log());
        String raw = Files.readString(log);
        assertTrue(raw.contains("q\\\"uote\\\\back \\u001b[31mred\\u001b[0m\\ttab\\r\\u0001 \u00e9 \\ufffd </>\\n"), raw);
    }

    @Test
    void loggingGoesOnAfterTheCliIsKilled() throws Exception {
        String id = id("logorphan");
        Path log = logs.resolve("orphan.log");
        BusyboxBundle b = bundle(id, "sh", "-c", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.05; done");
        Process fg = cli.builder("run", "--container-log", log.toString(), "--bundle", b.dir.toString(), id)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        int before;
        try {
            cli.awaitStatus(id, "running");
            awaitEntries(log, 3);
        } finally {
            fg.destroyForcibly(); // SIGKILL
            fg.waitFor(30, TimeUnit.SECONDS);
        }
        before = read(log).size();
        awaitEntries(log, before + 10);
        JsonNode st = cli.ok("state", id).json();
        assertEquals("running", st.get("status").asText());
        int pid = st.get("pid").asInt();
        String ppid = Files.readString(Path.of("/proc/" + pid + "/status")).lines().filter(l -> l.startsWith("PPid:"))
                .findFirst().orElseThrow().split("\\s+")[1];
        String mon = Files.readString(Path.of("/proc/" + ppid + "/status"));
        assertTrue(mon.startsWith("Name:\tctui-monitor"), mon);
        long rssKb = Long.parseLong(mon.lines().filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow().split("\\s+")[1]);
        System.out.println("logging monitor VmRSS: " + rssKb + " kB");
        assertTrue(rssKb < 2048, "the logging monitor stays under 2 MiB resident, was " + rssKb + " KiB");
        cli.ok("kill", id, "KILL");
        JsonNode stopped = cli.awaitStatus(id, "stopped");
        assertEquals(137, stopped.get("exitCode").asInt());
        List<Entry> e = read(log);
        for (int i = 0; i < e.size(); i++) assertEquals("tick-" + i + "\n", e.get(i).log(), "no line lost or broken");
        assertInOrder(e);
    }

    private static void awaitEntries(Path log, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readAllLines(log).size() >= n) return;
            Thread.sleep(50);
        }
        throw new AssertionError("the log never reached " + n + " entries");
    }

    @Test
    void aFullDiskDropsEntriesInsteadOfBlockingTheContainer() throws Exception {
        String id = id("logfull");
        Path small = logs.resolve("small");
        Files.createDirectories(small);
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small.toString()).inheritIO().start();
        assertEquals(0, m.waitFor());
        try {
            Path log = small.resolve("full.log");
            BusyboxBundle b = bundle(id, "sh", "-c", "i=0; while [ $i -lt 5000 ]; do echo line-$i-padding-padding-padding-padding; i=$((i+1)); done; exit 7");
            JsonNode st = createStartWait(id, b, "--container-log", log.toString(), "--container-log-max-size", "1048576");
            assertEquals(7, st.get("exitCode").asInt(), "the container ran to its end: " + st);
            List<Entry> e = read(log); // only whole entries, despite the failed writes
            assertFalse(e.isEmpty());
            assertEquals("line-0-padding-padding-padding-padding\n", e.get(0).log());
            String[] dropped = Files.readString(root.resolve(id).resolve("logdropped")).trim().split(" ");
            assertEquals(5000, e.size() + Integer.parseInt(dropped[0]), "every line was written or counted as dropped");
            assertTrue(Long.parseLong(dropped[1]) > 0);
        } finally {
            cli.run("delete", "--force", id);
            new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
        }
    }

    private static byte[] readToEof(SocketChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (ch.read(buf) >= 0) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        return out.toByteArray();
    }

    @Test
    void attachSocketFramesOutputAndFeedsStdin() throws Exception {
        String id = id("attach");
        Path log = logs.resolve("attach.log");
        BusyboxBundle b = bundle(id, "sh", "-c", "while read l; do echo got:$l; echo e:$l >&2; done; echo bye");
        cli.ok("create", "--container-log", log.toString(), "--container-attach", "--bundle", b.dir.toString(), id);
        Path sock = root.resolve(id).resolve("attach.sock");
        assertPrivate(sock);
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock));
             SocketChannel second = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            assertEquals(-1, second.read(ByteBuffer.allocate(16)), "one client at a time: the second is closed");
            cli.ok("start", id);
            ch.write(ByteBuffer.wrap("hello\nworld\n".getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput(); // EOF for the container's stdin; the output still comes
            byte[] got = readToEof(ch); // closed by the monitor once the container has exited
            StringBuilder[] streams = {new StringBuilder(), new StringBuilder()};
            ByteBuffer f = ByteBuffer.wrap(got);
            while (f.remaining() > 0) {
                int stream = f.get();
                assertTrue(stream == 1 || stream == 2, "stream id " + stream);
                byte[] payload = new byte[f.getInt()];
                f.get(payload);
                streams[stream - 1].append(new String(payload, StandardCharsets.UTF_8));
            }
            assertEquals("got:hello\ngot:world\nbye\n", streams[0].toString());
            assertEquals("e:hello\ne:world\n", streams[1].toString());
        }
        JsonNode st = cli.awaitStatus(id, "stopped");
        assertEquals(0, st.get("exitCode").asInt(), st.toString());
        assertFalse(Files.exists(root.resolve(id).resolve("attach.sock")), "the socket goes with the container");
        List<Entry> e = read(log);
        assertEquals(List.of("got:hello\n", "got:world\n", "bye\n"), e.stream().filter(x -> x.stream().equals("stdout")).map(Entry::log).toList());
        assertEquals(List.of("e:hello\n", "e:world\n"), e.stream().filter(x -> x.stream().equals("stderr")).map(Entry::log).toList());
    }

    @Test
    void attachSocketWithATerminal() throws Exception {
        String id = id("attachtty");
        Path log = logs.resolve("attachtty.log");
        BusyboxBundle b = BusyboxBundle.create(id, "sh", "-c", "read l; echo got:$l");
        bundles.add(b);
        b.process().put("terminal", true);
        b.write();
        cli.ok("create", "--container-log", log.toString(), "--container-attach", "--bundle", b.dir.toString(), id);
        cli.ok("start", id);
        String text;
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(root.resolve(id).resolve("attach.sock")))) {
            ch.write(ByteBuffer.wrap("ping\n".getBytes(StandardCharsets.UTF_8)));
            text = new String(readToEof(ch), StandardCharsets.UTF_8); // raw pty bytes, no frames
        }
        assertTrue(text.contains("got:ping\r\n"), text);
        assertEquals(0, cli.awaitStatus(id, "stopped").get("exitCode").asInt());
        assertTrue(read(log).stream().anyMatch(x -> x.log().equals("got:ping\r\n")), "logged as well");
    }

    /** Window sizes through STATEDIR/ctl: applied to the pty (the process gets SIGWINCH), bad lines ignored. */
    @Test
    void theCtlFifoResizesTheTerminal() throws Exception {
        String id = id("ctl");
        Path log = logs.resolve("ctl.log");
        BusyboxBundle b = BusyboxBundle.create(id, "sh", "-c", "trap 'echo size $(stty size)' WINCH; echo ready $(stty size); while :; do sleep 0.05; done");
        bundles.add(b);
        b.process().put("terminal", true);
        b.process().putObject("consoleSize").put("height", 24).put("width", 80);
        b.write();
        cli.ok("create", "--container-log", log.toString(), "--container-attach", "--bundle", b.dir.toString(), id);
        Path ctl = root.resolve(id).resolve("ctl");
        assertTrue(Files.readAttributes(ctl, java.nio.file.attribute.BasicFileAttributes.class).isOther(), "ctl is a fifo");
        assertPrivate(ctl);
        cli.ok("start", id);
        awaitLog(log, "ready 24 80");
        // one write: an unknown line, an over-long one ending like a resize, a zero size, then a good one
        try (var ch = java.nio.channels.FileChannel.open(ctl, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(("bogus 1 2\n" + "x".repeat(80) + " resize 11 11\nresize 0 5\nresize 33 77 9\nresize 33 77\n")
                    .getBytes(StandardCharsets.US_ASCII)));
        }
        awaitLog(log, "size 33 77");
        OciRuntime rt = new OciRuntime(root, m -> { });
        assertTrue(rt.resize(id, 40, 120));
        awaitLog(log, "size 40 120");
        List<String> sizes = read(log).stream().map(Entry::log).filter(l -> l.startsWith("size ")).toList();
        assertEquals(List.of("size 33 77\r\n", "size 40 120\r\n"), sizes, "only the well-formed resizes were applied");
        String ppid = Files.readString(Path.of("/proc/" + cli.ok("state", id).json().get("pid").asInt() + "/status")).lines()
                .filter(l -> l.startsWith("PPid:")).findFirst().orElseThrow().split("\\s+")[1];
        String mon = Files.readString(Path.of("/proc/" + ppid + "/status"));
        long rssKb = Long.parseLong(mon.lines().filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow().split("\\s+")[1]);
        System.out.println("monitor with a terminal, attach socket and ctl fifo, VmRSS: " + rssKb + " kB");
        assertTrue(rssKb < 2048, "the monitor stays under 2 MiB resident, was " + rssKb + " KiB");
        cli.ok("kill", id, "KILL");
        cli.awaitStatus(id, "stopped");
        assertFalse(Files.exists(ctl), "the fifo goes with the container");
        assertFalse(rt.resize(id, 30, 90), "nothing to resize any more");
    }

    private static void awaitLog(Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) return;
            Thread.sleep(50);
        }
        throw new AssertionError("the log never showed '" + text + "': " + (Files.exists(log) ? Files.readString(log) : "(no log)"));
    }

    @Test
    void aNonRootProcessCanReopenItsStdio() throws Exception {
        for (boolean userns : new boolean[] {false, true}) {
            String id = id(userns ? "logreuserns" : "logreopen");
            Path log = logs.resolve(id + ".log");
            BusyboxBundle b = BusyboxBundle.create(id, "sh", "-c", "echo o > /dev/stdout; echo e > /dev/stderr; echo rc=$?");
            bundles.add(b);
            b.process().putObject("user").put("uid", 1000).put("gid", 1000);
            if (userns) {
                b.linux().withArray("namespaces").addObject().put("type", "user");
                b.linux().putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 200000).put("size", 65536);
                b.linux().putArray("gidMappings").addObject().put("containerID", 0).put("hostID", 200000).put("size", 65536);
            }
            b.write();
            createStartWait(id, b, "--container-log", log.toString());
            List<Entry> e = read(log);
            // (the order across the two pipes depends on when the monitor reads them)
            assertEquals(List.of("o\n", "rc=0\n"), e.stream().filter(x -> x.stream().equals("stdout")).map(Entry::log).toList(),
                    "userns " + userns + ": " + e);
            assertEquals(List.of("e\n"), e.stream().filter(x -> x.stream().equals("stderr")).map(Entry::log).toList());
        }
    }

    @Test
    void aBadLogPathFailsTheCreate() throws Exception {
        String id = id("logbad");
        BusyboxBundle b = bundle(id, "true");
        RuntimeCli.Result r = cli.run("create", "--container-log", logs.resolve("missing/dir/x.log").toString(), "--bundle", b.dir.toString(), id);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("log"), r.err());
        assertFalse(Files.exists(root.resolve(id)), "nothing is left of the failed create");
    }
}
