package io.cloudtui.docker;

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

/** A unix-socket relay to dockerd that a test can cut and restore, to see the backend lose its engine. */
final class SocketProxy implements AutoCloseable {
    private final Path path;
    private final Path target;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private ServerSocketChannel server;

    SocketProxy(Path path, Path target) {
        this.path = path;
        this.target = target;
    }

    synchronized void start() throws IOException {
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        ServerSocketChannel s = server;
        Thread t = new Thread(() -> accept(s), "test-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    private void accept(ServerSocketChannel s) {
        try {
            while (true) {
                SocketChannel client = s.accept();
                SocketChannel engine = SocketChannel.open(UnixDomainSocketAddress.of(target));
                open.add(client);
                open.add(engine);
                relay(client, engine);
                relay(engine, client);
            }
        } catch (IOException e) {
            // server closed
        }
    }

    private static void relay(SocketChannel from, SocketChannel to) {
        Thread t = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(16384);
            try {
                while (from.read(buf) >= 0) {
                    buf.flip();
                    while (buf.hasRemaining()) to.write(buf);
                    buf.clear();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                // one side went away
            }
        }, "test-proxy-relay");
        t.setDaemon(true);
        t.start();
    }

    /** Cuts every connection and stops accepting, like a dockerd that went away. */
    synchronized void stop() throws IOException {
        if (server != null) server.close();
        server = null;
        for (SocketChannel c : open) c.close();
        open.clear();
        Files.deleteIfExists(path);
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
