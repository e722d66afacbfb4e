package io.cloudtui.docker;

import com.github.dockerjava.api.async.ResultCallback;
import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A docker-java stream callback: hands items to a consumer, remembers the first error, and can be
 * closed from any thread (also before the stream has started) to end the stream.
 */
class Streaming<T> implements ResultCallback<T> {
    private final Consumer<T> consumer;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Closeable stream;
    private volatile boolean closed;
    private volatile Throwable error;

    Streaming(Consumer<T> consumer) {
        this.consumer = consumer;
    }

    @Override
    public void onStart(Closeable closeable) {
        stream = closeable;
        started.countDown();
        if (closed) closeQuietly(closeable);
    }

    @Override
    public void onNext(T item) {
        if (!closed) consumer.accept(item);
    }

    @Override
    public void onError(Throwable t) {
        if (!closed && error == null) error = t;
        started.countDown();
        done.countDown();
    }

    @Override
    public void onComplete() {
        started.countDown();
        done.countDown();
    }

    @Override
    public void close() {
        closed = true;
        Closeable s = stream;
        if (s != null) closeQuietly(s);
        done.countDown();
        started.countDown();
    }

    boolean isClosed() {
        return closed;
    }

    /** Waits until the response has arrived (or failed); returns false on timeout. */
    boolean awaitStarted(long seconds) {
        try {
            return started.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            return false;
        }
    }

    /** Waits for the end of the stream; an interrupt closes it. */
    void await() {
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
        }
    }

    boolean await(long millis) {
        try {
            return done.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            return false;
        }
    }

    /** The failure that ended the stream, null when it ended normally or was closed by us. */
    Throwable error() {
        return error;
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // the stream is going away either way
        }
    }
}
