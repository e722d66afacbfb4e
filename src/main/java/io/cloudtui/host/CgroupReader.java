package io.cloudtui.host;

import io.cloudtui.core.CgroupFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroup files of a host's containers, read on the host by one long-lived reader over the host's
 * ssh master (a client session, {@code ssh -S CTL -o ControlMaster=no HOST sh -c SCRIPT}), so that
 * the stats of its containers cost its engine nothing: the UI samples the rows on screen every
 * interval, and through the Docker API each sample costs dockerd a stats collection (and an ssh
 * channel). The reader is one awk process: it takes a line of container ids on its stdin and answers
 * with what their cgroup files say (v1 or v2, cgroupfs or systemd driver, as {@code CgroupStats}
 * looks for them on this machine), the host's uptime just before each CPU reading (so CPU% is
 * measured on the host's clock, not over the round trip) and the init's /proc/PID/net/dev, framed
 * ({@code B SEQ} ... {@code E SEQ}) so a partial answer is seen. It reads with getline (a read per file, no
 * process per request or per file) and writes nothing on the host; it ends when its stdin does (the
 * connection, or cloudtui, went). Concurrent askers are served by one round trip: whoever holds the
 * turn sends every id asked meanwhile.
 *
 * <p>The reader starts when first asked, while the host is connected; it dies with the master and
 * starts again at the first question after the reconnect. One that does not answer within {@link
 * #ANSWER_TIMEOUT_MS} is ended and replaced at the next question; where it cannot start (no awk,
 * a refused session) that is said once in the log and the engine's API is used, a new try made after
 * {@link #RETRY_MS} or a reconnect.
 */
final class CgroupReader implements CgroupFiles.Remote, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupReader.class);

    static final long START_TIMEOUT_MS = 10_000;
    static final long ANSWER_TIMEOUT_MS = 5_000;
    static final long RETRY_MS = 60_000;
    /** At most this many ids in one request line. */
    static final int BATCH = 100;

    /**
     * The reader: for each container, its v1 memory directory (then the other controllers' under the
     * same driver layout) or else its v2 directory with memory accounting, looked for at each request
     * (a restarted container has a new cgroup); the files' lines that the parsing needs, each after a
     * '.', under {@code f KEY}; nothing for a file that is not there. "R MEMTOTAL_KB" once started.
     */
    static final String AWK = """
            function f(k, path, prefix,   l, r) {
              r = (getline l < path)
              if (r < 0) return 0
              o = o "\\nf " k
              while (r > 0) {
                if (prefix == "") o = o "\\n." l
                else if (index(l, prefix) == 1) { o = o "\\n." l; break }
                r = (getline l < path)
              }
              close(path)
              return 1
            }
            function d(base, id,   c, k, l, r) {
              c[1] = base "/docker/" id; c[2] = base "/system.slice/docker-" id ".scope"
              for (k = 1; k <= 2; k++) {
                l = ""; r = (getline l < (c[k] "/cgroup.procs")); close(c[k] "/cgroup.procs")
                if (r >= 0) { pid = l; return c[k] }
              }
              return ""
            }
            function v1(ctl, name, prefix,   x) {
              x = d(C "/" ctl, id)
              return x != "" && f(ctl "/" name, x "/" name, prefix)
            }
            function clock(   u, a) {
              u = ""; getline u < "/proc/uptime"; close("/proc/uptime"); split(u, a, " "); return a[1]
            }
            BEGIN {
              C = "/sys/fs/cgroup"; mem = ""
              while ((getline l < "/proc/meminfo") > 0) if (l ~ /^MemTotal:/) { split(l, a, " "); mem = a[2] }
              close("/proc/meminfo")
              print "R " mem; fflush()
            }
            {
              o = "B " $1
              for (i = 2; i <= NF; i++) {
                id = $i
                if (id !~ /^[0-9a-f]+$/) continue
                p = ""
                m = d(C "/memory", id)
                if (m != "") {
                  p = pid
                  o = o "\\nc " id " 1\\nu " clock()
                  v1("cpuacct", "cpuacct.usage") || v1("cpu,cpuacct", "cpuacct.usage")
                  f("memory/memory.usage_in_bytes", m "/memory.usage_in_bytes")
                  f("memory/memory.limit_in_bytes", m "/memory.limit_in_bytes")
                  f("memory/memory.stat", m "/memory.stat", "total_inactive_file ")
                  v1("pids", "pids.current")
                  v1("blkio", "blkio.throttle.io_service_bytes_recursive")
                } else {
                  m = d(C, id)
                  if (m == "") m = d(C "/unified", id)
                  p = pid
                  if (m != "" && (getline l < (m "/memory.current")) >= 0) {
                    close(m "/memory.current")
                    o = o "\\nc " id " 2\\nu " clock()
                    f("cpu.stat", m "/cpu.stat", "usage_usec ")
                    f("memory.current", m "/memory.current")
                    f("memory.max", m "/memory.max")
                    f("memory.stat", m "/memory.stat", "inactive_file ")
                    f("pids.current", m "/pids.current")
                    f("io.stat", m "/io.stat")
                  } else {
                    o = o "\\nc " id " 0"; p = ""
                  }
                }
                if (p != "") f("net", "/proc/" p "/net/dev")
              }
              print o "\\nE " $1
              fflush()
            }
            """;

    /** Runs the reader with awk (mawk reads its stdin line by line only with -W interactive; other awks may not take that option). */
    static final String SCRIPT = "P=" + Host.shellQuote(AWK) + "\n"
            + "if awk -W interactive 'BEGIN { exit 0 }' </dev/null >/dev/null 2>&1; then exec awk -W interactive \"$P\"; fi\n"
            + "exec awk \"$P\"\n";

    /** How the reader's ssh session is started: SCRIPT run by sh on the host, through the master. */
    interface Sessions {
        Process start(String script) throws IOException;

        /** Whether the master is up (a session started now rides it, not a connection of its own). */
        boolean connected();

        /** What the last session said on its stderr (its last line), for the log. */
        String stderr();
    }

    private final String host;
    private final Sessions sessions;
    private final long answerTimeoutMs;
    /** One round trip at a time; the one holding it sends every question asked meanwhile. */
    private final Object turn = new Object();
    private final ConcurrentLinkedQueue<Ask> asked = new ConcurrentLinkedQueue<>();
    private volatile Reader reader;
    private long seq;
    /** After a reader that could not start: no new try before this (nanoTime), unless the host reconnects. */
    private volatile long retryAt;
    private volatile boolean retrying;
    private boolean warned;
    private volatile boolean closed;
    /** Readers started (for tests and the log). */
    private int started;

    CgroupReader(String host, Sessions sessions) {
        this(host, sessions, ANSWER_TIMEOUT_MS);
    }

    CgroupReader(String host, Sessions sessions, long answerTimeoutMs) {
        this.host = host;
        this.sessions = sessions;
        this.answerTimeoutMs = answerTimeoutMs;
    }

    private record Ask(String id, CompletableFuture<CgroupFiles.Sample> answer) {}

    /**
     * Containers asked of lately (to the nanoTime of the last question): every round trip reads them
     * all, so that the others of a screenful find theirs fetched already (the UI asks for each row on
     * its own, from a few threads): about one round trip per host and interval instead of one per row.
     */
    private final Map<String, Long> watched = new java.util.concurrent.ConcurrentHashMap<>();
    /** Answers fetched for containers that were not asked for (yet), with the nanoTime they came. */
    private final Map<String, Fetched> fetched = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per container, the host's clock of the last sample handed out. */
    private final Map<String, Long> handed = new java.util.concurrent.ConcurrentHashMap<>();
    /** A container not asked of for this long is no longer read along with the others. */
    static final long WATCH_MS = 10_000;
    /** A fetched answer older than this is not handed out. */
    static final long FRESH_MS = 1_000;
    /**
     * Nor one taken less than this after the last sample handed out for that container (the host's
     * clock): CPU% is measured between the two (a container's first sample is two readings 250 ms apart).
     */
    static final long MIN_GAP_NS = 200_000_000L;

    private record Fetched(Object answer, long at) {}

    @Override
    public CgroupFiles.Sample sample(String id) throws IOException {
        long now = System.nanoTime();
        if (watched.size() > 4096) watched.clear();
        watched.put(id, now);
        Ask a = new Ask(id, new CompletableFuture<>());
        asked.add(a);
        synchronized (turn) {
            while (!a.answer().isDone()) {
                List<Ask> batch = new ArrayList<>();
                Set<String> ids = new LinkedHashSet<>();
                for (Ask x; ids.size() < BATCH && (x = asked.poll()) != null; ) {
                    if (answer(x, fetched.remove(x.id()), true)) continue;
                    batch.add(x);
                    ids.add(x.id());
                }
                if (batch.isEmpty()) continue; // ours was answered from what an earlier round trip fetched
                long t = System.nanoTime();
                watched.values().removeIf(at -> t - at > TimeUnit.MILLISECONDS.toNanos(WATCH_MS));
                for (String w : watched.keySet()) {
                    if (ids.size() >= BATCH) break;
                    ids.add(w);
                }
                try {
                    Map<String, Object> answers = roundTrip(List.copyOf(ids));
                    long arrived = System.nanoTime();
                    for (Ask x : batch) {
                        Object r = answers.get(x.id());
                        if (!answer(x, r == null ? null : new Fetched(r, arrived), false)) {
                            x.answer().completeExceptionally(new IOException(host + ": no answer for " + x.id() + " from its cgroup reader"));
                        }
                    }
                    // the others' answers, for their questions to come
                    fetched.clear();
                    Set<String> askedNow = new java.util.HashSet<>();
                    for (Ask x : batch) askedNow.add(x.id());
                    for (Map.Entry<String, Object> e : answers.entrySet()) {
                        if (!askedNow.contains(e.getKey())) fetched.put(e.getKey(), new Fetched(e.getValue(), arrived));
                    }
                } catch (IOException e) {
                    for (Ask x : batch) x.answer().completeExceptionally(e);
                }
            }
        }
        try {
            return a.answer().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /**
     * Answers X with F (null: nothing fetched); when FROM_EARLIER, only with an answer fetched less
     * than {@link #FRESH_MS} ago whose reading is {@link #MIN_GAP_NS} after the last one handed out.
     */
    private boolean answer(Ask x, Fetched f, boolean fromEarlier) {
        if (f == null) return false;
        if (fromEarlier && System.nanoTime() - f.at() > TimeUnit.MILLISECONDS.toNanos(FRESH_MS)) return false;
        if (f.answer() instanceof CgroupFiles.Sample s) {
            Long last = handed.get(x.id());
            if (fromEarlier && last != null && s.clockNs() - last < MIN_GAP_NS) return false;
            if (handed.size() > 4096) handed.clear();
            handed.put(x.id(), s.clockNs());
            x.answer().complete(s);
        } else if (f.answer() == NONE) {
            x.answer().complete(null);
        } else if (f.answer() instanceof IOException e) {
            x.answer().completeExceptionally(e);
        } else {
            return false;
        }
        return true;
    }

    /** The host reconnected: a reader that could not start is tried again at the next question. */
    void reconnected() {
        retrying = false;
    }

    /** Readers started so far. */
    int started() {
        synchronized (turn) {
            return started;
        }
    }

    /** Requests sent so far (for tests). */
    long requests() {
        synchronized (turn) {
            return seq;
        }
    }

    @Override
    public void close() {
        closed = true;
        Reader r = reader;
        if (r != null) r.end();
    }

    /** What the reader said of each of IDS: a Sample, {@link #NONE}, or an IOException (that container's files could not be parsed). */
    private Map<String, Object> roundTrip(List<String> ids) throws IOException {
        Reader r = running();
        long q = ++seq;
        try {
            r.in.write((q + " " + String.join(" ", ids) + "\n").getBytes(StandardCharsets.US_ASCII));
            r.in.flush();
        } catch (IOException e) {
            r.end();
            reader = null;
            throw new IOException(host + ": the cgroup reader ended (" + e.getMessage() + ")");
        }
        List<String> lines = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(answerTimeoutMs);
        while (true) {
            String l;
            try {
                l = r.out.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(host + ": interrupted");
            }
            if (l == null || l == EOF) {
                r.end();
                reader = null;
                if (l == null) LOG.info("{}: its cgroup reader did not answer in {} ms: replaced at the next sample", host, answerTimeoutMs);
                throw new IOException(host + ": " + (l == null ? "no answer from its cgroup reader" : "its cgroup reader ended"));
            }
            lines.add(l);
            if (l.equals("E " + q)) break;
        }
        try {
            return parse(lines, q, r.memTotal);
        } catch (IOException e) {
            // not the answer's shape: this reader's output is not to be trusted any more
            r.end();
            reader = null;
            throw e;
        }
    }

    /** The reader, started if need be; throws when there is none (the host is not connected, or it could not start). */
    private Reader running() throws IOException {
        if (closed) throw new IOException(host + ": closed");
        Reader r = reader;
        if (r != null && r.process.isAlive()) return r;
        reader = null;
        if (retrying && System.nanoTime() - retryAt < 0) throw new IOException(host + ": no cgroup reader (it could not start)");
        // a session started without the master would be a connection of its own
        if (!sessions.connected()) throw new IOException(host + ": not connected");
        try {
            r = start();
        } catch (IOException e) {
            retrying = true;
            retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MS);
            if (!warned) {
                warned = true;
                LOG.info("{}: cannot read container stats from its cgroup files ({}): they come from its engine's API", host, e.getMessage());
            } else {
                LOG.debug("{}: the cgroup reader did not start again: {}", host, e.getMessage());
            }
            throw e;
        }
        retrying = false;
        reader = r;
        started++;
        LOG.info("{}: container stats from its cgroup files, read on {} by a reader over the ssh connection (ssh pid {})", host, host, r.process.pid());
        return r;
    }

    private Reader start() throws IOException {
        Process p = sessions.start(SCRIPT);
        Reader r = new Reader(p);
        String first;
        try {
            first = r.out.poll(START_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r.end();
            throw new IOException(host + ": interrupted");
        }
        if (first == null || first == EOF || !first.startsWith("R")) {
            r.end();
            String said = sessions.stderr();
            throw new IOException(first == null ? "no answer in " + START_TIMEOUT_MS + " ms"
                    : !said.isBlank() ? said : first == EOF ? "the reader ended (exit " + exit(p) + ")" : "it said '" + first + "'");
        }
        String kb = first.substring(1).strip();
        r.memTotal = kb.matches("[0-9]{1,15}") ? Long.parseLong(kb) * 1024 : -1;
        return r;
    }

    private static String exit(Process p) {
        try {
            return p.waitFor(1, TimeUnit.SECONDS) ? Integer.toString(p.exitValue()) : "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /** "No cgroup files of this container on the host." */
    static final Object NONE = new Object();
    /** The reader's output ended. */
    private static final String EOF = new String("\0EOF");

    /** One reader process: its stdin, and its stdout's lines as they come (EOF at the end). */
    private final class Reader {
        final Process process;
        final OutputStream in;
        final LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();
        long memTotal = -1;

        Reader(Process process) {
            this.process = process;
            this.in = process.getOutputStream();
            Thread t = new Thread(() -> {
                try (BufferedReader br = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = br.readLine()) != null; ) out.add(l);
                } catch (IOException e) {
                    // ended
                } finally {
                    out.add(EOF);
                }
            }, "cloudtui-cgroups-" + host);
            t.setDaemon(true);
            t.start();
        }

        void end() {
            try {
                in.close();
            } catch (IOException e) {
                // gone already
            }
            process.destroy();
        }
    }

    /**
     * The answer LINES to request Q of a host with MEMTOTAL bytes (-1: unknown): per container, a
     * Sample, {@link #NONE}, or the IOException of files that do not parse. Throws when LINES are
     * not one whole answer to Q.
     */
    static Map<String, Object> parse(List<String> lines, long q, long memTotal) throws IOException {
        if (lines.isEmpty() || !lines.get(0).equals("B " + q) || !lines.get(lines.size() - 1).equals("E " + q)) {
            throw new IOException("not an answer to request " + q + ": " + (lines.isEmpty() ? "(nothing)" : lines.get(0)));
        }
        Map<String, Object> out = new HashMap<>();
        String id = null;
        String kind = null;
        String clock = null;
        Map<String, String> files = new HashMap<>();
        String file = null;
        StringBuilder text = null;
        for (int i = 1; i < lines.size(); i++) {
            String l = lines.get(i);
            boolean last = i == lines.size() - 1;
            if (last || l.startsWith("c ") || l.startsWith("f ")) {
                if (file != null) files.put(file, text.toString());
                file = null;
            }
            if (last || l.startsWith("c ")) {
                if (id != null) out.put(id, sample(kind, clock, files, memTotal));
                if (last) break;
                String[] p = l.split(" ");
                if (p.length != 3) throw new IOException("not an answer: " + l);
                id = p[1];
                kind = p[2];
                clock = null;
                files = new HashMap<>();
            } else if (l.startsWith("u ") && id != null) {
                clock = l.substring(2);
            } else if (l.startsWith("f ") && id != null) {
                file = l.substring(2);
                text = new StringBuilder();
            } else if (l.startsWith(".") && file != null) {
                text.append(l, 1, l.length()).append('\n');
            } else {
                throw new IOException("not an answer: " + l);
            }
        }
        return out;
    }

    private static Object sample(String kind, String clock, Map<String, String> files, long memTotal) {
        if (kind.equals("0")) return NONE;
        try {
            CgroupFiles.Reading r = CgroupFiles.read(kind.equals("2"), CgroupFiles.texts(files), memTotal);
            return new CgroupFiles.Sample(r, clockNs(clock), CgroupFiles.net(files.get("net")));
        } catch (IOException | RuntimeException e) {
            return new IOException("cgroup files not read: " + e.getMessage());
        }
    }

    /** /proc/uptime's seconds ("12345.67") as nanoseconds. */
    static long clockNs(String uptime) throws IOException {
        if (uptime == null || !uptime.matches("[0-9]{1,12}(\\.[0-9]{1,9})?")) throw new IOException("no clock: " + uptime);
        int dot = uptime.indexOf('.');
        long s = Long.parseLong(dot < 0 ? uptime : uptime.substring(0, dot));
        long ns = 0;
        if (dot >= 0) {
            String frac = (uptime.substring(dot + 1) + "000000000").substring(0, 9);
            ns = Long.parseLong(frac);
        }
        return s * 1_000_000_000L + ns;
    }
}
