package io.cloudtui.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The delaying relay against a real echo server on loopback. */
class DelayRelayTest {

    /** An echo server that echoes until the client half-closes, then closes. */
    private static ServerSocket echo() throws Exception {
        ServerSocket s = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    Socket c = s.accept();
                    Thread w = new Thread(() -> {
                        try (c) {
                            c.getInputStream().transferTo(c.getOutputStream());
                        } catch (Exception e) {
                            // closed
                        }
                    });
                    w.setDaemon(true);
                    w.start();
                } catch (Exception e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return s;
    }

    @Test
    void delaysEachWayAndKeepsTheBytes() throws Exception {
        try (ServerSocket server = echo();
                DelayRelay relay = DelayRelay.start("127.0.0.1", server.getLocalPort(), 25);
                Socket s = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            long t0 = System.nanoTime();
            out.write('x');
            out.flush();
            assertEquals('x', in.read());
            long rtt = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(rtt >= 50, "round trip through a 25 ms relay took " + rtt + " ms");
            assertEquals(1, relay.connections());
            // bytes pass unchanged and in order, and a half close passes through
            byte[] data = new byte[1 << 20];
            new Random(12).nextBytes(data);
            Thread writer = new Thread(() -> {
                try {
                    out.write(data);
                    s.shutdownOutput();
                } catch (Exception e) {
                    // reported by the read below
                }
            });
            writer.start();
            byte[] back = in.readAllBytes();
            writer.join();
            assertArrayEquals(data, back);
        }
    }

    @Test
    void stalledRelayAcceptsAndNeverAnswers() throws Exception {
        try (ServerSocket server = echo(); DelayRelay relay = DelayRelay.start("127.0.0.1", server.getLocalPort(), 0)) {
            relay.stall(true);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
                s.setSoTimeout(300);
                s.getOutputStream().write('x');
                assertTrue(assertTimesOut(s.getInputStream()), "no answer");
            }
            relay.stall(false);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
                s.getOutputStream().write('y');
                assertEquals('y', s.getInputStream().read());
            }
        }
    }

    private static boolean assertTimesOut(InputStream in) throws Exception {
        try {
            in.read();
            return false;
        } catch (java.net.SocketTimeoutException e) {
            return true;
        }
    }
}
