package io.cloudtui.agent;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/** Streams over a descriptor a client passed: read(2) and write(2) on its number, closed once. */
final class FdStreams {
    private FdStreams() {}

    /** A descriptor closed once, by whichever of its streams or the agent gets there first. */
    static final class Fd {
        final int fd;
        private final AtomicBoolean closed = new AtomicBoolean();

        Fd(int fd) {
            this.fd = fd;
        }

        boolean closed() {
            return closed.get();
        }

        void close() {
            if (closed.compareAndSet(false, true)) Libc.closeQuietly(fd);
        }
    }

    static final class In extends InputStream {
        private final Fd fd;

        In(Fd fd) {
            this.fd = fd;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            int n = read(b, 0, 1);
            return n <= 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (fd.closed()) return -1;
            byte[] buf = new byte[Math.min(len, 65536)];
            while (true) {
                try {
                    int n = (int) Libc.C.read(fd.fd, buf, buf.length);
                    if (n <= 0) return -1;
                    System.arraycopy(buf, 0, b, off, n);
                    return n;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != Libc.EINTR) throw new IOException("read: errno " + e.getErrorCode());
                }
            }
        }

        @Override
        public void close() {
            fd.close();
        }
    }

    static final class Out extends OutputStream {
        private final Fd fd;

        Out(Fd fd) {
            this.fd = fd;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (fd.closed()) throw new IOException("closed");
            Libc.writeAll(fd.fd, b, off, len);
        }

        @Override
        public void close() {
            fd.close();
        }
    }
}
