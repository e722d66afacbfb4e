package io.cloudtui.engine.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hashes what is read through it on a thread of its own, so sha256 overlaps with unpacking (it is
 * most of the CPU an import costs, and several times slower without C2's SHA intrinsic).
 */
final class HashingPipe extends FilterInputStream {
    private static final byte[] END = new byte[0];
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(32);
    private final MessageDigest md = Fs.sha256();
    private final Thread worker;
    private boolean ended;

    HashingPipe(InputStream in) {
        super(in);
        worker = Thread.ofPlatform().daemon().name("cloudtui-sha256").start(() -> {
            try {
                for (byte[] b = queue.take(); b != END; b = queue.take()) {
                    md.update(b);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void feed(byte[] b) throws IOException {
        try {
            queue.put(b);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while hashing");
        }
    }

    @Override
    public int read() throws IOException {
        int c = in.read();
        if (c >= 0) {
            feed(new byte[] {(byte) c});
        }
        return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            feed(Arrays.copyOfRange(b, off, off + n));
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // skipped bytes must be hashed too
        byte[] buf = new byte[(int) Math.min(n, 65536)];
        int r = read(buf, 0, buf.length);
        return Math.max(r, 0);
    }

    /** Waits for the hashing thread and returns "sha256:HEX" of everything read. */
    String digest() throws IOException {
        if (!ended) {
            ended = true;
            feed(END);
        }
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while hashing");
        }
        return Fs.digest(md);
    }

    /** Stops the hashing thread after a failure; a no-op once digest() ran. */
    void abort() {
        if (!ended) {
            ended = true;
            queue.clear();
            while (!queue.offer(END)) {
                queue.clear();
            }
        }
    }
}
