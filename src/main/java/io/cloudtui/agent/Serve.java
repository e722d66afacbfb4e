package io.cloudtui.agent;

import io.cloudtui.Main;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cloudtui serve --protocol N}: the remote end of a host's bundled engine (README, "Remote
 * hosts"), on its standard input and output, which are one ssh channel through the local side's
 * master. It speaks the warm agent's frames (type byte, 32-bit length, payload) and version, carried
 * over a byte stream rather than a unix socket, so no descriptor is passed: hello with the protocol
 * version and build id; then requests, each with an id of its own and several at once, each run with
 * {@link Main#run} in a thread of its own (warm sessions kept between them, as in the agent); its
 * standard output and error come back as frames of its id, then its exit frame. A signal frame for an
 * id cancels that command. End of input ends the process.
 */
public final class Serve {
    private static final Logger LOG = LoggerFactory.getLogger(Serve.class);

    /** The protocol this build speaks: the agent's. */
    public static final int PROTOCOL = Agent.PROTOCOL;
    public static final int T_HELLO = Agent.T_HELLO, T_WELCOME = Agent.T_WELCOME, T_MISMATCH = Agent.T_MISMATCH,
            T_REQUEST = Agent.T_REQUEST, T_SIGNAL = Agent.T_SIGNAL, T_EXIT = Agent.T_EXIT, T_OUT = 9, T_ERR = 10;
    private static final int MAX_FRAME = 16 << 20;

    /** One frame: its type and payload. */
    public record Frame(int type, byte[] payload) {}

    private final DataInputStream in;
    private final OutputStream out;
    private final WarmSessions warm = new WarmSessions();
    private final Map<Integer, Thread> running = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> cancelled = new ConcurrentHashMap<>();

    private Serve(InputStream in, OutputStream out) {
        this.in = new DataInputStream(in);
        this.out = out;
    }

    /** {@code cloudtui serve --protocol N} on IN and OUT; returns the exit code. */
    public static int main(String[] args, InputStream in, OutputStream out, java.io.PrintStream err) {
        int wanted = -1;
        if (args.length == 3 && args[1].equals("--protocol")) {
            try {
                wanted = Integer.parseInt(args[2]);
            } catch (NumberFormatException e) {
                wanted = -1;
            }
        }
        if (wanted < 0) {
            err.println("cloudtui: serve: usage: cloudtui serve --protocol N (the local cloudtui starts it over ssh)");
            return 2;
        }
        Serve s = new Serve(in, out);
        try {
            // this side speaks first: the local side learns the protocol and build even when it asked for another
            s.send(T_HELLO, hello(Agent.buildId()));
            if (wanted != PROTOCOL) return 3;
            s.loop();
        } catch (IOException e) {
            LOG.info("serve: {}", e.toString());
        } finally {
            s.warm.closeAll();
        }
        return 0;
    }

    /** A hello's payload: the protocol, then the build id. */
    public static byte[] hello(String build) {
        byte[] b = build.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[4 + b.length];
        System.arraycopy(Agent.u32(PROTOCOL), 0, p, 0, 4);
        System.arraycopy(b, 0, p, 4, b.length);
        return p;
    }

    /** A request's payload: ID, then NUL-terminated strings: the argument count, the arguments, the environment's KEY=VALUE. */
    public static byte[] request(int id, List<String> args, Map<String, String> env) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(Agent.u32(id));
        List<String> s = new ArrayList<>();
        s.add(Integer.toString(args.size()));
        s.addAll(args);
        env.forEach((k, v) -> s.add(k + "=" + v));
        for (String x : s) {
            b.writeBytes(x.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        return b.toByteArray();
    }

    /** One frame of IN, or null at its end. */
    public static Frame read(DataInputStream in) throws IOException {
        int type = in.read();
        if (type < 0) return null;
        int len;
        try {
            len = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (len < 0 || len > MAX_FRAME) throw new IOException("frame of " + len + " bytes");
        byte[] p = new byte[len];
        try {
            in.readFully(p);
        } catch (EOFException e) {
            return null;
        }
        return new Frame(type, p);
    }

    public static int u32(byte[] b, int at) {
        return Agent.u32(b, at);
    }

    public static byte[] u32(int v) {
        return Agent.u32(v);
    }

    /** Writes a frame to OUT (callers hold its lock). */
    public static void write(OutputStream out, int type, byte[] payload, int off, int len) throws IOException {
        out.write(new byte[] {(byte) type, (byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len});
        out.write(payload, off, len);
        out.flush();
    }

    private void send(int type, byte[] payload) throws IOException {
        synchronized (out) {
            write(out, type, payload, 0, payload.length);
        }
    }

    private void loop() throws IOException {
        while (true) {
            Frame f = read(in);
            if (f == null) break;
            if (f.type() == T_REQUEST && f.payload().length >= 4) {
                start(f.payload());
            } else if (f.type() == T_SIGNAL && f.payload().length >= 8) {
                int id = u32(f.payload(), 0);
                int sig = u32(f.payload(), 4);
                Thread t = running.get(id);
                if (t != null) {
                    cancelled.putIfAbsent(id, 128 + sig);
                    t.interrupt();
                }
            }
        }
        // the local side is gone: so are its commands
        running.values().forEach(Thread::interrupt);
    }

    private void start(byte[] p) {
        int id = u32(p, 0);
        List<String> strings = new ArrayList<>();
        int at = 4;
        for (int i = 4; i < p.length; i++) {
            if (p[i] == 0) {
                strings.add(new String(p, at, i - at, StandardCharsets.UTF_8));
                at = i + 1;
            }
        }
        int argc;
        try {
            argc = strings.isEmpty() ? -1 : Integer.parseInt(strings.get(0));
        } catch (NumberFormatException e) {
            argc = -1;
        }
        if (argc < 0 || argc > strings.size() - 1) {
            exit(id, 2);
            return;
        }
        String[] args = strings.subList(1, 1 + argc).toArray(new String[0]);
        // the host's own environment, with the request's subset over it
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        for (String e : strings.subList(1 + argc, strings.size())) {
            int eq = e.indexOf('=');
            if (eq > 0) env.put(e.substring(0, eq), e.substring(eq + 1));
        }
        PrintStream o = new PrintStream(new BufferedOutputStream(new Channel(id, T_OUT), 8192), true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(new BufferedOutputStream(new Channel(id, T_ERR), 8192), true, StandardCharsets.UTF_8);
        Thread t = new Thread(() -> {
            int code;
            try {
                code = Main.run(args, InputStream.nullInputStream(), o, e, env, warm);
            } catch (Throwable x) {
                LOG.error("serve: command failed", x);
                code = 1;
            }
            o.flush();
            e.flush();
            running.remove(id);
            Integer c = cancelled.remove(id);
            exit(id, c != null ? c : code);
        }, "ctui-serve-" + id);
        t.setDaemon(true);
        running.put(id, t);
        t.start();
    }

    private void exit(int id, int code) {
        byte[] p = new byte[8];
        System.arraycopy(u32(id), 0, p, 0, 4);
        System.arraycopy(u32(code), 0, p, 4, 4);
        try {
            send(T_EXIT, p);
        } catch (IOException e) {
            // the local side is gone
        }
    }

    /** A command's output or error stream as frames of its id. */
    private final class Channel extends OutputStream {
        private final int id;
        private final int type;

        Channel(int id, int type) {
            this.id = id;
            this.type = type;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) return;
            byte[] p = new byte[4 + len];
            System.arraycopy(u32(id), 0, p, 0, 4);
            System.arraycopy(b, off, p, 4, len);
            send(type, p);
        }
    }
}
