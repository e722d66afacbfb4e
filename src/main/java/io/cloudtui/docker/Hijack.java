package io.cloudtui.docker;

import io.cloudtui.core.Stdio;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.net.ssl.SSLContext;

/**
 * One hijacked attach/exec connection, spoken directly: docker-java's transport never half-closes
 * the connection when stdin ends, so a command reading stdin would wait forever. Here stdin EOF
 * becomes shutdownOutput, exactly what the docker CLI does.
 */
final class Hijack implements AutoCloseable {
    private final Conn conn;
    private final boolean tty;

    private Hijack(Conn conn, boolean tty) {
        this.conn = conn;
        this.tty = tty;
    }

    /** Sends the upgrade request; throws the engine's error (as a docker-java exception) if refused. */
    static Hijack open(Endpoint endpoint, SSLContext ssl, String method, String path, String jsonBody, boolean tty) throws IOException {
        Conn c = Conn.connect(endpoint, ssl);
        try {
            byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\n"
                    + "Host: " + c.hostHeader + "\r\n"
                    + "User-Agent: cloudtui\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n";
            c.out.write(head.getBytes(StandardCharsets.US_ASCII));
            c.out.write(body);
            c.out.flush();
            int status = readStatusAndHeaders(c.in, c);
            if (status != 101 && status != 200) {
                String err = readErrorBody(c.in, c.contentLength);
                throw Engine.statusError(err, status);
            }
            return new Hijack(c, tty);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * Copies stdin to the connection on a daemon thread (half-closing at EOF) and output to
     * {@code stdio} on this thread, until the engine closes the stream.
     */
    void pump(InputStream stdin, Stdio stdio) throws IOException {
        Thread input = null;
        if (stdin != null) {
            input = new Thread(() -> copyStdin(stdin), "docker-stdin");
            input.setDaemon(true);
            input.start();
        }
        try {
            copyOutput(stdio);
        } finally {
            // stops the input thread if its stream honours interrupts (pipes, jline's non-blocking input)
            if (input != null) input.interrupt();
        }
    }

    private void copyOutput(Stdio given) throws IOException {
        Stdio stdio = tty ? given : given.forWorkloadWithoutTty();
        OutputStream out = stdio.stdout() != null ? stdio.stdout() : OutputStream.nullOutputStream();
        OutputStream err = stdio.stderr() != null ? stdio.stderr() : out;
        if (tty) {
            byte[] buf = new byte[8192];
            int n;
            while ((n = conn.in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            return;
        }
        byte[] header = new byte[8];
        while (readFully(conn.in, header)) {
            int size = ((header[4] & 0xff) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
            byte[] payload = new byte[size];
            if (!readFully(conn.in, payload)) throw new EOFException("stream ended inside a frame");
            OutputStream target = header[0] == 2 ? err : out;
            target.write(payload);
            target.flush();
        }
    }

    private void copyStdin(InputStream stdin) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while (!Thread.currentThread().isInterrupted() && (n = stdin.read(buf)) >= 0) {
                if (n == 0) continue;
                conn.out.write(buf, 0, n);
                conn.out.flush();
            }
            conn.shutdownOutput();
        } catch (IOException e) {
            // the session ended or the user's input failed: either way nothing more to send
        }
    }

    @Override
    public void close() {
        conn.close();
    }

    private static boolean readFully(InputStream in, byte[] buf) throws IOException {
        int off = 0;
        while (off < buf.length) {
            int n = in.read(buf, off, buf.length - off);
            if (n < 0) {
                if (off == 0) return false;
                throw new EOFException("stream ended inside a frame");
            }
            off += n;
        }
        return true;
    }

    /**
     * A plain GET over a unix socket, without docker-java: {@code cloudtui ps} lists containers this way
     * and never pays for setting up docker-java's HTTP client (TLS, connection pools). HTTP/1.0, so the
     * engine answers with a plain body and closes. Returns the status code and the body.
     */
    static Response get(Endpoint endpoint, String path) throws IOException {
        try (Conn c = Conn.connect(endpoint, null)) {
            c.out.write(("GET " + path + " HTTP/1.0\r\nHost: " + c.hostHeader + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            c.out.flush();
            int code = readStatusAndHeaders(c.in, c);
            byte[] body = c.contentLength >= 0 ? c.in.readNBytes(c.contentLength) : c.in.readAllBytes();
            return new Response(code, body);
        }
    }

    record Response(int status, byte[] body) {}

    private static int readStatusAndHeaders(InputStream in, Conn c) throws IOException {
        String status = readLine(in);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not an HTTP response: " + status);
        int code = Integer.parseInt(parts[1]);
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                c.contentLength = Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        return code;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int ch;
        while ((ch = in.read()) >= 0 && ch != '\n') {
            if (ch != '\r') b.write(ch);
            if (b.size() > 65536) throw new IOException("response header too long");
        }
        if (ch < 0 && b.size() == 0) throw new EOFException("the engine closed the connection");
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static String readErrorBody(InputStream in, int length) throws IOException {
        byte[] body = length >= 0 ? in.readNBytes(Math.min(length, 1 << 20)) : in.readNBytes(1 << 16);
        return new String(body, StandardCharsets.UTF_8);
    }

    /** A byte stream to the engine over a unix socket, TCP, or TLS. */
    private static final class Conn implements AutoCloseable {
        final InputStream in;
        final OutputStream out;
        final String hostHeader;
        final AutoCloseable closer;
        final Runnable halfClose;
        int contentLength = -1;

        private Conn(InputStream in, OutputStream out, String hostHeader, AutoCloseable closer, Runnable halfClose) {
            this.in = in;
            this.out = out;
            this.hostHeader = hostHeader;
            this.closer = closer;
            this.halfClose = halfClose;
        }

        static Conn connect(Endpoint endpoint, SSLContext ssl) throws IOException {
            if (endpoint.isUnixSocket()) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(endpoint.socketPath()));
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
                // The channel's own read and write locks are independent, so stdin and output can flow at once.
                return new Conn(new ChannelIn(ch), new ChannelOut(ch), "docker", ch, () -> {
                    try {
                        ch.shutdownOutput();
                    } catch (IOException ignored) {
                        // already closed
                    }
                });
            }
            URI uri = URI.create(endpoint.host());
            int port = uri.getPort() > 0 ? uri.getPort() : ssl != null ? 2376 : 2375;
            Socket s = ssl != null ? ssl.getSocketFactory().createSocket() : new Socket();
            try {
                s.connect(new InetSocketAddress(uri.getHost(), port), (int) Engine.CONNECT_TIMEOUT.toMillis());
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return new Conn(s.getInputStream(), s.getOutputStream(), uri.getHost() + ":" + port, s, () -> {
                try {
                    s.shutdownOutput();
                } catch (IOException | UnsupportedOperationException ignored) {
                    // TLS without half-close: the command sees EOF when the session ends
                }
            });
        }

        void shutdownOutput() {
            halfClose.run();
        }

        @Override
        public void close() {
            try {
                closer.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static final class ChannelIn extends InputStream {
        private final SocketChannel ch;

        ChannelIn(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            int n;
            do {
                n = ch.read(ByteBuffer.wrap(b, off, len));
            } while (n == 0);
            return n;
        }
    }

    private static final class ChannelOut extends OutputStream {
        private final SocketChannel ch;

        ChannelOut(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) ch.write(buf);
        }
    }
}
