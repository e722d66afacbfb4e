package io.cloudtui.docker;

import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.core.WorkloadId;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams the engine's container events to a listener on one daemon thread, reconnecting with
 * backoff (1 s doubling to 15 s) and replaying from the last event seen, so nothing is missed.
 */
final class EventPump implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventPump.class);
    private static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(15);
    /** Chatter that does not change what a list shows. */
    private static final Set<String> IGNORED = Set.of("exec_create", "exec_start", "exec_die", "exec_detach",
            "attach", "detach", "resize", "top", "archive-path", "extract-to-dir", "copy", "export", "commit");

    private final Engine engine;
    private final String backend;
    private final Consumer<WorkloadEvent> listener;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Streaming<Event> current;
    private volatile long lastEventSeconds = -1;

    EventPump(Engine engine, String backend, Consumer<WorkloadEvent> listener) {
        this.engine = engine;
        this.backend = backend;
        this.listener = listener;
        this.thread = new Thread(this::loop, "docker-events-" + backend);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        Duration backoff = MIN_BACKOFF;
        boolean announcedDown = false;
        while (!closed) {
            boolean[] connected = {false};
            Streaming<Event> stream = new Streaming<>(this::onEvent) {
                @Override
                public void onStart(java.io.Closeable c) {
                    super.onStart(c);
                    connected[0] = true;
                    deliver(new WorkloadEvent(backend, null, WorkloadEvent.Type.CONNECTED, "connected", Instant.now()));
                }
            };
            current = stream;
            try {
                var cmd = engine.client().eventsCmd().withEventTypeFilter(EventType.CONTAINER);
                if (lastEventSeconds >= 0) cmd.withSince(String.valueOf(lastEventSeconds));
                if (closed) break;
                cmd.exec(stream);
                stream.await();
            } catch (RuntimeException e) {
                LOG.debug("docker events on {} failed", engine.endpoint().host(), e);
            }
            if (closed) break;
            if (connected[0]) {
                backoff = MIN_BACKOFF;
                announcedDown = false;
            }
            if (!announcedDown) {
                announcedDown = true;
                deliver(new WorkloadEvent(backend, null, WorkloadEvent.Type.DISCONNECTED, "disconnected", Instant.now()));
            }
            LOG.debug("docker events on {} ended ({}); retrying in {}", engine.endpoint().host(), stream.error(), backoff);
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                break;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private void onEvent(Event e) {
        String action = e.getAction() != null ? e.getAction() : e.getStatus();
        if (action == null || e.getId() == null) return;
        int colon = action.indexOf(':');
        if (colon > 0) action = action.substring(0, colon);
        if (IGNORED.contains(action)) return;
        if (e.getTime() != null) lastEventSeconds = e.getTime();
        Instant at = e.getTimeNano() != null ? Instant.ofEpochSecond(0, e.getTimeNano())
                : e.getTime() != null ? Instant.ofEpochSecond(e.getTime()) : Instant.now();
        deliver(new WorkloadEvent(backend, new WorkloadId(backend, e.getId()), WorkloadEvent.Type.WORKLOAD, action, at));
    }

    private void deliver(WorkloadEvent ev) {
        if (closed) return;
        try {
            listener.accept(ev);
        } catch (RuntimeException ex) {
            LOG.warn("event listener failed on {}", ev, ex);
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
