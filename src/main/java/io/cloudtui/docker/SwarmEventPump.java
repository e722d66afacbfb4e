package io.cloudtui.docker;

import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's service and node events, on one daemon thread, reconnecting with backoff (1 s doubling
 * to 15 s). Each event, and each (re)connection, runs the listener: it re-reads what it shows. (Docker
 * 20.10 has no task events: a task's state changes on a worker make no event on the manager, so the
 * reader also polls, see the UI's swarm feed.)
 */
final class SwarmEventPump implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SwarmEventPump.class);
    private static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(15);

    private final Engine engine;
    private final Runnable listener;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Streaming<Event> current;

    SwarmEventPump(Engine engine, String backend, Runnable listener) {
        this.engine = engine;
        this.listener = listener;
        this.thread = new Thread(this::loop, "docker-swarm-events-" + backend);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        Duration backoff = MIN_BACKOFF;
        while (!closed) {
            boolean[] connected = {false};
            Streaming<Event> stream = new Streaming<>(e -> deliver()) {
                @Override
                public void onStart(java.io.Closeable c) {
                    super.onStart(c);
                    connected[0] = true;
                    deliver();
                }
            };
            current = stream;
            try {
                var cmd = engine.client().eventsCmd().withEventTypeFilter(EventType.SERVICE, EventType.NODE);
                if (closed) break;
                cmd.exec(stream);
                stream.await();
            } catch (RuntimeException e) {
                LOG.debug("swarm events on {} failed", engine.endpoint().host(), e);
            }
            if (closed) break;
            if (connected[0]) backoff = MIN_BACKOFF;
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                break;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private void deliver() {
        if (closed) return;
        try {
            listener.run();
        } catch (RuntimeException ex) {
            LOG.warn("swarm event listener failed", ex);
        }
    }

    @Override
    public void close() {
        closed = true;
        Streaming<Event> s = current;
        if (s != null) s.close();
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
