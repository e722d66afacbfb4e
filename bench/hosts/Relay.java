import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A slow link for bench/hosts (this kernel has no netem): for each TARGET (host:port) a listener on a
 * free 127.0.0.1 port that relays every connection to TARGET, holding each chunk of bytes DELAY_MS
 * before passing it on, in both directions. Chunks in flight overlap (a chunk read at t leaves at
 * t + delay whatever else is queued), so the relay adds latency, not a bandwidth cap.
 *
 * Run with the JDK's source launcher: java bench/hosts/Relay.java DELAY_MS TARGET... ; it prints one
 * line "TARGET PORT" per target, then "ready", and relays until it is killed.
 */
public class Relay {
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: java Relay.java DELAY_MS HOST:PORT...");
            System.exit(2);
        }
        long delayNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[0]));
        for (int i = 1; i < args.length; i++) {
            String t = args[i];
            int colon = t.lastIndexOf(':');
            InetSocketAddress target = new InetSocketAddress(t.substring(0, colon), Integer.parseInt(t.substring(colon + 1)));
            ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            System.out.println(t + " " + server.getLocalPort());
            Thread.ofVirtual().start(() -> listen(server, target, delayNanos));
        }
        System.out.println("ready");
        System.out.flush();
        Thread.currentThread().join();
    }

    static void listen(ServerSocket server, InetSocketAddress target, long delayNanos) {
        while (true) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().start(() -> {
                Socket up = new Socket();
                try {
                    up.connect(target, 10_000);
                    up.setTcpNoDelay(true);
                    client.setTcpNoDelay(true);
                } catch (IOException e) {
                    closeBoth(client, up);
                    return;
                }
                AtomicInteger ended = new AtomicInteger();
                direction(client, up, delayNanos, ended);
                direction(up, client, delayNanos, ended);
            });
        }
    }

    record Piece(long due, byte[] bytes) {}

    /** from -> to: a reader stamps each chunk with when it is due, a writer sends it then; EOF is passed on as a half close. */
    static void direction(Socket from, Socket to, long delayNanos, AtomicInteger ended) {
        LinkedBlockingQueue<Piece> queue = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[65536];
            try {
                InputStream in = from.getInputStream();
                for (int n; (n = in.read(buf)) >= 0; ) queue.add(new Piece(System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)));
            } catch (IOException e) {
                // reset or closed: end this direction
            }
            queue.add(new Piece(System.nanoTime() + delayNanos, null));
        });
        Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Piece p = queue.take();
                    long wait = p.due() - System.nanoTime();
                    if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                    if (p.bytes() == null) break;
                    out.write(p.bytes());
                    out.flush();
                }
                to.shutdownOutput();
                // both directions ended: the connection is done
                if (ended.incrementAndGet() == 2) closeBoth(from, to);
            } catch (IOException | InterruptedException e) {
                closeBoth(from, to);
            }
        });
    }

    static void closeBoth(Socket a, Socket b) {
        try {
            a.close();
        } catch (IOException e) {
            // closed already
        }
        try {
            b.close();
        } catch (IOException e) {
            // closed already
        }
    }
}
