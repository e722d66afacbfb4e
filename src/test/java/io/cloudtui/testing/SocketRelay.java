package io.cloudtui.testing;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A unix-socket forwarder in front of a real engine socket (docker.sock, libvirt-sock). Stopping it
 * looks to cloudtui exactly like the engine going away (connections drop, new ones are refused)
 * without disturbing the daemon other tests on this machine use.
 */
public final class SocketRelay implements AutoCloseable {
    private final Path listen;
    private final Path target;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocketChannel server;

    public SocketRelay(Path listen, Path target) {
        this.listen = listen;
        this.target = target;
    }

    public synchronized void start() throws IOException {
        Files.deleteIfExists(listen);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(listen));
        server = s;
        Thread t = new Thread(() -> accept(s), "proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    private void accept(ServerSocketChannel s) {
        while (s.isOpen()) {
            try {
                SocketChannel client = s.accept();
                SocketChannel up = SocketChannel.open(UnixDomainSocketAddress.of(target));
                synchronized (this) {
                    // accepted just as stop() ran: it must not outlive the stop (a clean-clone run saw a
                    // libvirt connection go on through a stopped relay)
                    if (!s.isOpen()) {
                        closeQuietly(client);
                        closeQuietly(up);
                        return;
                    }
                    open.add(client);
                    open.add(up);
                }
                pump(client, up);
                pump(up, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(SocketChannel from, SocketChannel to) {
        Thread t = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            try {
                while (from.read(buf) >= 0) {
                    buf.flip();
                    while (buf.hasRemaining()) to.write(buf);
                    buf.clear();
                }
            } catch (IOException e) {
                // connection closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Drops every connection and stops listening, like a daemon going down. */
    public synchronized void stop() throws IOException {
        ServerSocketChannel s = server;
        server = null;
        if (s != null) s.close();
        for (SocketChannel c : open) closeQuietly(c);
        open.clear();
        Files.deleteIfExists(listen);
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
