package io.cloudtui.host;

import io.cloudtui.agent.Serve;
import io.cloudtui.core.CloudtuiException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cloudtui's own engine on a host, as the ssh user, over one channel of the host's master: {@code
 * cloudtui serve --protocol N} there (the remote {@code cloudtui} on its PATH, else this build's jar,
 * put content-addressed in the user's {@code ~/.cache/cloudtui/jars/} and run with the host's JDK
 * >= 21, found as scripts/jdk.sh finds one). Commands go as requests of the agent's frames, several at
 * once; their output and exit code come back as frames of their id (README, "Remote hosts").
 */
public final class RemoteEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteEngine.class);

    private final String host;
    private final Process process;
    private final DataInputStream in;
    private final OutputStream out;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Call> calls = new ConcurrentHashMap<>();
    /** What the host's side is: "cloudtui on PATH" or the jar's path, for messages. */
    final String what;
    volatile boolean gone;
    /** Closed on purpose (the session ends): commands still waiting end quietly. */
    volatile boolean closing;

    private RemoteEngine(String host, Process process, String what) {
        this.host = host;
        this.process = process;
        this.in = new DataInputStream(process.getInputStream());
        this.out = process.getOutputStream();
        this.what = what;
    }

    /** The JDK search of scripts/jdk.sh, as POSIX sh on the host: $JAVA_HOME, java on PATH, then JVMS/* (newest first). */
    static String findJdk(String jvms) {
        return "ver() { v=; if [ -r \"$1/release\" ]; then v=$(sed -n 's/^JAVA_VERSION=\"*\\([^\" ]*\\).*/\\1/p' \"$1/release\" | head -n 1); fi; "
                + "if [ -z \"$v\" ]; then v=$(\"$1/bin/java\" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\\.version = //p' | head -n 1); fi; }; "
                + "try() { [ -x \"$1/bin/java\" ] || return 1; ver \"$1\"; case $v in 1.*) v=${v#1.};; esac; m=${v%%[!0-9]*}; "
                + "[ -n \"$m\" ] && [ \"$m\" -ge 21 ] 2>/dev/null; }; "
                + "jdk=; if [ -n \"${JAVA_HOME:-}\" ] && try \"$JAVA_HOME\"; then jdk=$JAVA_HOME; "
                + "elif j=$(command -v java 2>/dev/null) && j=$(readlink -f \"$j\") && try \"${j%/bin/java}\"; then jdk=${j%/bin/java}; "
                + "else for c in $(printf '%s\\n' " + Host.shellQuote(jvms) + "/*/ | sort -rV); do c=${c%/}; if try \"$c\"; then jdk=$c; break; fi; done; fi; ";
    }

    /** One command: whether cloudtui is on PATH (~/.local/bin and ~/bin too), whether the jar is there, the JDK. */
    static String probe(String sha, String jvms) {
        return "PATH=$HOME/.local/bin:$HOME/bin:$PATH; if c=$(command -v cloudtui 2>/dev/null); then echo \"cloudtui $c\"; fi; "
                + "if [ -f \"$HOME/.cache/cloudtui/jars/" + sha + ".jar\" ]; then echo jar; fi; " + findJdk(jvms)
                + "if [ -n \"$jdk\" ]; then echo \"java $jdk\"; fi; echo \"home $HOME\"";
    }

    private static volatile String[] ownJar;

    /** This build's jar and its sha256, or null when not run from a jar. */
    static synchronized String[] ownJar() {
        if (ownJar != null) return ownJar;
        try {
            Path jar = Path.of(io.cloudtui.Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(jar)) return null;
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var s = Files.newInputStream(jar)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = s.read(buf)) > 0; ) md.update(buf, 0, n);
            }
            ownJar = new String[] {jar.toString(), HexFormat.of().formatHex(md.digest())};
            return ownJar;
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * The engine on host H: started (its jar shipped first when the host has neither cloudtui nor it),
     * its hello checked. ENV: CLOUDTUI_REMOTE_JVM_DIR, where JDKs are looked for on the host after
     * $JAVA_HOME and PATH (default /usr/lib/jvm). Fails with one line.
     */
    public static RemoteEngine open(Host h, Map<String, String> env) {
        String[] jar = ownJar();
        String jvms = env.getOrDefault("CLOUDTUI_REMOTE_JVM_DIR", "/usr/lib/jvm");
        String sha = jar != null ? jar[1] : "none";
        String said = h.run(probe(sha, jvms));
        String cloudtui = null, java = null, home = null;
        boolean have = false;
        for (String line : said.split("\n")) {
            if (line.startsWith("cloudtui ")) cloudtui = line.substring(9).strip();
            else if (line.equals("jar")) have = true;
            else if (line.startsWith("java ")) java = line.substring(5).strip();
            else if (line.startsWith("home ")) home = line.substring(5).strip();
        }
        if (cloudtui != null) {
            RemoteEngine e = start(h, "PATH=$HOME/.local/bin:$HOME/bin:$PATH; CLOUDTUI_NO_AGENT=1 exec " + Host.shellQuote(cloudtui) + " serve --protocol " + Serve.PROTOCOL,
                    "cloudtui on its PATH (" + cloudtui + ")");
            return e;
        }
        if (java == null) {
            throw new CloudtuiException(h.name() + ": no Java 21 or newer on the host (install a JDK >= 21, or put cloudtui on its PATH)");
        }
        if (jar == null) throw new CloudtuiException(h.name() + ": cloudtui does not run from its jar here, so it has none to put on the host");
        if (home == null || home.isEmpty() || home.equals("/")) {
            throw new CloudtuiException(h.name() + ": the ssh user has no home directory to put cloudtui's jar in");
        }
        String path = "$HOME/.cache/cloudtui/jars/" + sha + ".jar";
        if (!have) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(Path.of(jar[0]));
            } catch (IOException e) {
                throw new CloudtuiException(h.name() + ": cannot read " + jar[0] + ": " + e.getMessage());
            }
            LOG.info("{}: putting cloudtui's jar ({} bytes) at ~/.cache/cloudtui/jars/{}.jar", h.name(), bytes.length, sha);
            // never as root, never outside the home: a temporary name first, the final one only once it is whole
            h.run("set -e; [ \"$(id -u)\" != 0 ] || { echo 'cloudtui puts no jar on a host as root' >&2; exit 1; }; umask 077; "
                    + "d=$HOME/.cache/cloudtui/jars; mkdir -p \"$d\"; t=\"$d/.tmp.$$\"; cat > \"$t\"; chmod 600 \"$t\"; "
                    + "mv -f \"$t\" \"$d/" + sha + ".jar\"", bytes);
        }
        return start(h, findJdk(jvms) + "exec \"$jdk/bin/java\" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar \"" + path + "\" serve --protocol "
                + Serve.PROTOCOL, "~/.cache/cloudtui/jars/" + sha + ".jar");
    }

    private static RemoteEngine start(Host h, String script, String what) {
        Process p;
        try {
            p = h.session(script);
        } catch (IOException e) {
            throw new CloudtuiException(h.name() + ": cannot run ssh: " + e.getMessage());
        }
        RemoteEngine e = new RemoteEngine(h.name(), p, what);
        Serve.Frame hello;
        try {
            hello = Serve.read(e.in);
        } catch (IOException x) {
            hello = null;
        }
        if (hello == null || hello.type() != Serve.T_HELLO || hello.payload().length < 4) {
            String err = h.sessionError();
            p.destroy();
            throw new CloudtuiException(h.name() + ": cloudtui's engine did not start there (" + what + ")" + (err.isBlank() ? "" : ": " + err));
        }
        int protocol = Serve.u32(hello.payload(), 0);
        String build = new String(hello.payload(), 4, hello.payload().length - 4, StandardCharsets.UTF_8);
        if (protocol != Serve.PROTOCOL) {
            p.destroy();
            throw new CloudtuiException(h.name() + ": " + what + " speaks protocol " + protocol + " (build " + build + "), this cloudtui "
                    + Serve.PROTOCOL + ": update it there, or take it off the PATH for cloudtui to put its own jar");
        }
        LOG.info("{}: engine {} (build {}, protocol {})", h.name(), what, build, protocol);
        Thread t = new Thread(e::pump, "ctui-remote-" + h.name());
        t.setDaemon(true);
        t.start();
        return e;
    }

    /** A command's result: exit code, its output and error. */
    public record Result(int code, String out, String err) {
        /** Its error's last line without the "cloudtui: " prefix. */
        public String message() {
            String[] lines = err.strip().split("\n");
            String l = lines[lines.length - 1].strip();
            return l.startsWith("cloudtui: ") ? l.substring(10) : l.isEmpty() ? "exit " + code : l;
        }
    }

    private static final class Call {
        final Consumer<byte[]> out;
        /** Where its error goes as it comes, or null: kept for the result. */
        Consumer<byte[]> errTo;
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final CompletableFuture<Integer> done = new CompletableFuture<>();

        Call(Consumer<byte[]> out) {
            this.out = out;
        }
    }

    private void pump() {
        try {
            while (true) {
                Serve.Frame f = Serve.read(in);
                if (f == null) break;
                if (f.payload().length < 4) continue;
                Call c = calls.get(Serve.u32(f.payload(), 0));
                if (c == null) continue;
                byte[] data = java.util.Arrays.copyOfRange(f.payload(), 4, f.payload().length);
                if (f.type() == Serve.T_OUT) {
                    c.out.accept(data);
                } else if (f.type() == Serve.T_ERR && c.errTo != null) {
                    c.errTo.accept(data);
                } else if (f.type() == Serve.T_ERR) {
                    synchronized (c.err) {
                        c.err.writeBytes(data);
                    }
                } else if (f.type() == Serve.T_EXIT && data.length >= 4) {
                    calls.remove(Serve.u32(f.payload(), 0));
                    c.done.complete(Serve.u32(data, 0));
                }
            }
        } catch (IOException e) {
            LOG.info("{}: engine channel: {}", host, e.toString());
        }
        gone = true;
        for (Call c : calls.values()) {
            if (closing) c.done.complete(128 + 15);
        }
        for (Call c : calls.values()) if (!c.done.isDone()) c.done.completeExceptionally(new CloudtuiException(host + ": the connection to its engine was lost"));
        calls.clear();
    }

    /** Runs ARGS there; its output to OUT as it comes; CANCEL (may be null) stops it. Returns the exit code and error. */
    public Result call(List<String> args, Consumer<byte[]> out, io.cloudtui.core.Backend.Cancel cancel) {
        return call(args, out, null, cancel);
    }

    /** As {@link #call(List, Consumer, io.cloudtui.core.Backend.Cancel)}, its error to ERR as it comes (the result's is then empty). */
    public Result call(List<String> args, Consumer<byte[]> out, Consumer<byte[]> err, io.cloudtui.core.Backend.Cancel cancel) {
        if (gone) throw new CloudtuiException(host + ": the connection to its engine was lost");
        int id = ids.incrementAndGet();
        Call c = new Call(out);
        c.errTo = err;
        calls.put(id, c);
        byte[] req = Serve.request(id, args, Map.of());
        try {
            synchronized (this.out) {
                Serve.write(this.out, Serve.T_REQUEST, req, 0, req.length);
            }
        } catch (IOException e) {
            calls.remove(id);
            throw new CloudtuiException(host + ": the connection to its engine was lost");
        }
        if (cancel != null) {
            cancel.onCancel(() -> {
                byte[] p = new byte[8];
                System.arraycopy(Serve.u32(id), 0, p, 0, 4);
                System.arraycopy(Serve.u32(15), 0, p, 4, 4);
                try {
                    synchronized (this.out) {
                        Serve.write(this.out, Serve.T_SIGNAL, p, 0, 8);
                    }
                } catch (IOException e) {
                    // gone
                }
            });
        }
        int code;
        try {
            code = c.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException(host + ": interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof CloudtuiException ce ? ce : new CloudtuiException(host + ": " + e.getCause());
        }
        String said;
        synchronized (c.err) {
            said = c.err.toString(StandardCharsets.UTF_8);
        }
        return new Result(code, "", said);
    }

    /** Runs ARGS there and returns its whole output; a non-zero exit is a CloudtuiException with its error's line. */
    public String call(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        Result r = call(List.of(args), b -> {
            synchronized (o) {
                o.writeBytes(b);
            }
        }, null);
        if (r.code() != 0) throw new CloudtuiException(host + ": " + r.message());
        synchronized (o) {
            return o.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        closing = true;
        gone = true;
        try {
            out.close();
        } catch (IOException e) {
            // gone
        }
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
        }
    }
}
