package io.cloudtui.docker;

import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.core.WorkloadId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams the engine's events of some types to a {@link Handler} on one daemon thread, reconnecting
 * with backoff (1 s doubling to 15 s, back to 1 s after a stream that connected). With replay, a
 * reconnection asks for the events since the last one seen, so nothing is missed. The container events
 * ({@link #containers}) and the swarm's service and node events ({@link #swarm}) share this loop.
 */
final class EventPump implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventPump.class);
    private static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(15);

    /** What a pump does with its stream; called on the pump's thread, never after close. */
    interface Handler {
        /** A stream (re)connected. */
        void connected();

        /** One event of the pump's types. */
        void event(Event e);

        /** The stream ended or could not be had: once per outage, until a stream connects again. */
        default void disconnected() {}
    }

    private final Engine engine;
    private final List<EventType> types;
    private final boolean replay;
    private final Handler handler;
    private final String what;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Streaming<Event> current;
    private volatile long lastEventSeconds = -1;

    EventPump(Engine engine, String threadName, List<EventType> types, boolean replay, Handler handler) {
        this.engine = engine;
        this.types = List.copyOf(types);
        this.replay = replay;
        this.handler = handler;
        this.what = threadName;
        this.thread = new Thread(this::loop, threadName);
        this.thread.setDaemon(true);
    }

    /** The container events as {@link WorkloadEvent}s: CONNECTED, WORKLOAD (chatter left out), DISCONNECTED; replayed. */
    static EventPump containers(Engine engine, String backend, Consumer<WorkloadEvent> listener) {
        return new EventPump(engine, "docker-events-" + backend, List.of(EventType.CONTAINER), true, new ContainerEvents(backend, listener));
    }

    /**
     * The swarm's service and node events: each event, and each (re)connection, runs the listener (it
     * re-reads what it shows). Docker 20.10 has no task events: a task's state changing on a worker makes
     * no event on the manager, so the reader also polls (the UI's swarm views).
     */
    static EventPump swarm(Engine engine, String backend, Runnable listener) {
        return new EventPump(engine, "docker-swarm-events-" + backend, List.of(EventType.SERVICE, EventType.NODE), false, new Handler() {
            @Override
            public void connected() {
                listener.run();
            }

            @Override
            public void event(Event e) {
                listener.run();
            }
        });
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
                    deliver(handler::connected);
                }
            };
            current = stream;
            try {
                var cmd = engine.client().eventsCmd().withEventTypeFilter(types.toArray(EventType[]::new));
                if (replay && lastEventSeconds >= 0) cmd.withSince(String.valueOf(lastEventSeconds));
                if (closed) break;
                cmd.exec(stream);
                stream.await();
            } catch (RuntimeException e) {
                LOG.debug("{} on {} failed", what, engine.endpoint().host(), e);
            }
            if (closed) break;
            if (connected[0]) {
                backoff = MIN_BACKOFF;
                announcedDown = false;
            }
            if (!announcedDown) {
                announcedDown = true;
                deliver(handler::disconnected);
            }
            LOG.debug("{} on {} ended ({}); retrying in {}", what, engine.endpoint().host(), stream.error(), backoff);
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                break;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private void onEvent(Event e) {
        // a reconnection asks from this second on (docker's since includes it): an event of the same second is seen twice, none missed
        if (e.getTime() != null) lastEventSeconds = e.getTime();
        deliver(() -> handler.event(e));
    }

    private void deliver(Runnable r) {
        if (closed) return;
        try {
            r.run();
        } catch (RuntimeException ex) {
            LOG.warn("{}: event handler failed", what, ex);
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

    /** Container events to WorkloadEvents. */
    static final class ContainerEvents implements Handler {
        /** Chatter that does not change what a list shows. */
        private static final Set<String> IGNORED = Set.of("exec_create", "exec_start", "exec_die", "exec_detach",
                "attach", "detach", "resize", "top", "archive-path", "extract-to-dir", "copy", "export", "commit");

        private final String backend;
        private final Consumer<WorkloadEvent> listener;

        ContainerEvents(String backend, Consumer<WorkloadEvent> listener) {
            this.backend = backend;
            this.listener = listener;
        }

        @Override
        public void connected() {
            listener.accept(new WorkloadEvent(backend, null, WorkloadEvent.Type.CONNECTED, "connected", Instant.now()));
        }

        @Override
        public void disconnected() {
            listener.accept(new WorkloadEvent(backend, null, WorkloadEvent.Type.DISCONNECTED, "disconnected", Instant.now()));
        }

        @Override
        public void event(Event e) {
            String action = e.getAction() != null ? e.getAction() : e.getStatus();
            if (action == null || e.getId() == null) return;
            int colon = action.indexOf(':');
            if (colon > 0) action = action.substring(0, colon);
            if (IGNORED.contains(action)) return;
            Instant at = e.getTimeNano() != null ? Instant.ofEpochSecond(0, e.getTimeNano())
                    : e.getTime() != null ? Instant.ofEpochSecond(e.getTime()) : Instant.now();
            listener.accept(new WorkloadEvent(backend, new WorkloadId(backend, e.getId()), WorkloadEvent.Type.WORKLOAD, action, at));
        }
    }
}
