package io.cloudtui.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on a loopback port in front of a real server (a test host's sshd) that delays every
 * chunk by a fixed time in each direction, like a slow link (this kernel has no netem). Chunks are
 * pipelined, not serialized: a chunk read at t is written at t + delay whatever else is in flight,
 * so the relay adds latency, not a bandwidth cap. {@link #stall} makes it a server that accepts TCP
 * and never answers (new connections are held open, nothing is forwarded).
 */
public final class DelayRelay implements AutoCloseable {
    private final InetSocketAddress target;
    private final long delayNanos;
    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    private volatile boolean stall;

    private DelayRelay(InetSocketAddress target, long delayMillis, ServerSocket server) {
        this.target = target;
        this.delayNanos = delayMillis * 1_000_000L;
        this.server = server;
    }

    /** Listens on 127.0.0.1, a free port, forwarding to {@code host:port} with {@code delayMillis} each way. */
    public static DelayRelay start(String host, int port, long delayMillis) throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        DelayRelay r = new DelayRelay(new InetSocketAddress(host, port), delayMillis, s);
        Thread t = new Thread(r::accept, "delay-relay-accept");
        t.setDaemon(true);
        t.start();
        return r;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** New connections are accepted and then left without an answer (true), or relayed again (false). */
    public void stall(boolean on) {
        stall = on;
    }

    /** How many client connections are open through the relay right now. */
    public int connections() {
        return (int) clients.stream().filter(s -> !s.isClosed()).count();
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            open.add(client);
            clients.removeIf(Socket::isClosed);
            clients.add(client);
            if (stall) continue;
            Thread t = new Thread(() -> connect(client), "delay-relay-connect");
            t.setDaemon(true);
            t.start();
        }
    }

    private void connect(Socket client) {
        Socket up = new Socket();
        open.add(up);
        try {
            up.connect(target, 10_000);
            up.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
        } catch (IOException e) {
            close(client);
            close(up);
            return;
        }
        AtomicInteger done = new AtomicInteger();
        pipe(client, up, done);
        pipe(up, client, done);
    }

    private record Chunk(long due, byte[] data) {}

    private static final Chunk EOF = new Chunk(0, new byte[0]);

    /**
     * One direction: a reader stamps each chunk with its due time, a writer sends it then. An end of
     * stream is passed on as a half close; when both directions are done (or one fails) the pair closes.
     */
    private void pipe(Socket from, Socket to, AtomicInteger done) {
        BlockingQueue<Chunk> q = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    q.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)));
                }
            } catch (IOException e) {
                // closed
            }
            q.add(EOF);
        }, "delay-relay-read");
        Thread writer = new Thread(() -> {
            boolean ok = true;
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk c = q.take();
                    if (c == EOF) break;
                    long wait = c.due - System.nanoTime();
                    if (wait > 0) Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    out.write(c.data);
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                ok = false;
            }
            if (!ok || done.incrementAndGet() == 2) {
                close(from);
                close(to);
            }
        }, "delay-relay-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
        open.remove(s);
        clients.remove(s);
    }

    /** Drops every connection and stops listening. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        for (Socket s : open) close(s);
    }
}
