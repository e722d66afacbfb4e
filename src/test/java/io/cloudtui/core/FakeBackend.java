package io.cloudtui.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An in-memory backend for unit tests of the core, CLI and UI. Records every verb call in
 * {@link #calls} and publishes events like a real engine would.
 */
public class FakeBackend implements Backend {
    private final String name;
    private final Map<String, Workload> workloads = new LinkedHashMap<>();
    private final Map<String, List<LogLine>> logs = new LinkedHashMap<>();
    private final List<Consumer<WorkloadEvent>> listeners = new CopyOnWriteArrayList<>();
    public final List<String> calls = new CopyOnWriteArrayList<>();
    public volatile boolean down;

    public FakeBackend(String name) {
        this.name = name;
    }

    /** Adds a workload with the given native id, name, kind and state. */
    public synchronized FakeBackend add(String id, String wname, WorkloadKind kind, State state) {
        workloads.put(id, new Workload(new WorkloadId(name, id), wname, kind, kind == WorkloadKind.VM ? "debian" : "local/busybox",
                kind == WorkloadKind.VM ? "" : "sh", state, state.label(), Instant.parse("2026-01-01T00:00:00Z"),
                state == State.RUNNING ? Instant.parse("2026-01-01T00:00:01Z") : null, List.of(), Map.of(), "local"));
        return this;
    }

    /** Gives workload {@code id} these labels (Compose's, say). */
    public synchronized FakeBackend labels(String id, Map<String, String> labels) {
        Workload w = workloads.get(id);
        workloads.put(id, new Workload(w.id(), w.name(), w.kind(), w.image(), w.command(), w.state(), w.status(), w.created(), w.started(),
                w.ports(), labels, w.host()));
        return this;
    }

    public synchronized FakeBackend addLog(String id, LogLine line) {
        logs.computeIfAbsent(id, k -> new ArrayList<>()).add(line);
        return this;
    }

    @Override public String name() { return name; }
    @Override public String type() { return "fake"; }
    @Override public String endpoint() { return "memory"; }
    @Override public Set<Capability> capabilities() { return EnumSet.allOf(Capability.class); }

    @Override
    public void ping() {
        if (down) throw new CloudtuiException("fake engine " + name + " is down");
    }

    @Override
    public synchronized List<Workload> list(boolean all) {
        ping();
        return workloads.values().stream().filter(w -> all || w.state().isActive()).toList();
    }

    @Override
    public synchronized Workload get(String ref) {
        ping();
        Workload w = workloads.get(ref);
        if (w == null) {
            for (Workload x : workloads.values()) if (x.name().equals(ref)) return x;
            throw CloudtuiException.noSuchWorkload(name + ":" + ref);
        }
        return w;
    }

    @Override
    public AutoCloseable events(Consumer<WorkloadEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private synchronized void setState(String ref, State s, String action) {
        Workload w = get(ref);
        workloads.put(w.nativeId(), new Workload(w.id(), w.name(), w.kind(), w.image(), w.command(), s, s.label(),
                w.created(), s == State.RUNNING ? Instant.now() : w.started(), w.ports(), w.labels(), w.host()));
        calls.add(action + " " + w.nativeId());
        fire(w.id(), action);
    }

    private void fire(WorkloadId id, String action) {
        WorkloadEvent e = new WorkloadEvent(name, id, WorkloadEvent.Type.WORKLOAD, action, Instant.now());
        for (Consumer<WorkloadEvent> l : listeners) l.accept(e);
    }

    @Override public void start(String ref) { setState(ref, State.RUNNING, "start"); }
    @Override public void stop(String ref, Duration timeout) { setState(ref, State.STOPPED, "stop"); }
    @Override public void restart(String ref, Duration timeout) { setState(ref, State.RUNNING, "restart"); }
    @Override public void kill(String ref, String signal) { setState(ref, State.STOPPED, "kill"); }
    @Override public void pause(String ref) { setState(ref, State.PAUSED, "pause"); }
    @Override public void unpause(String ref) { setState(ref, State.RUNNING, "unpause"); }

    @Override
    public synchronized void remove(String ref, boolean force) {
        Workload w = get(ref);
        if (w.state().isActive() && !force) {
            throw new CloudtuiException("cannot remove running workload " + w.name() + ": stop it first or force");
        }
        workloads.remove(w.nativeId());
        calls.add("remove " + w.nativeId());
        fire(w.id(), "destroy");
    }

    @Override
    public void logs(String ref, LogOptions options, Consumer<LogLine> sink, Cancel cancel) {
        List<LogLine> lines;
        synchronized (this) {
            lines = List.copyOf(logs.getOrDefault(get(ref).nativeId(), List.of()));
        }
        int from = options.tail() >= 0 ? Math.max(0, lines.size() - options.tail()) : 0;
        for (LogLine l : lines.subList(from, lines.size())) {
            if (cancel.isCancelled()) return;
            sink.accept(l);
        }
    }

    @Override
    public int exec(String ref, List<String> command, Stdio stdio) {
        Workload w = get(ref);
        if (w.state() != State.RUNNING) throw new CloudtuiException("container " + w.name() + " is not running");
        calls.add("exec " + w.nativeId() + " " + String.join(" ", command));
        return 0;
    }

    @Override
    public int attach(String ref, Stdio stdio) {
        calls.add("attach " + get(ref).nativeId());
        return 0;
    }

    @Override
    public String inspect(String ref) {
        Workload w = get(ref);
        return "{\n  \"Id\": \"" + w.nativeId() + "\",\n  \"Name\": \"" + w.name() + "\"\n}";
    }

    @Override
    public Stats stats(String ref) {
        get(ref);
        return new Stats(Instant.now(), 12.5, Stats.CpuScale.PER_CPU, 64L << 20, 1L << 30, 1000, 2000, 3000, 4000, 3);
    }

    @Override
    public void close() {}
}
