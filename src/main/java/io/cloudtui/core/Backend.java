package io.cloudtui.core;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One connection to one engine (a Docker daemon, the bundled runtime's store, a libvirt URI).
 * Workloads are addressed by their native id or name ({@code ref}); the backend resolves names.
 * Verbs throw {@link CloudtuiException} with a one-line, user-facing message on failure.
 * Implementations must be safe to call from several threads.
 */
public interface Backend extends AutoCloseable {

    /** Configured instance name, the prefix of {@link WorkloadId}s ("docker", "prod-docker"). */
    String name();

    /** Backend type, as in config ("docker", "runtime", "libvirt"). */
    String type();

    /** Where it connects, for headers and error messages (socket path, URI). */
    String endpoint();

    /**
     * The variables that point a Docker-compatible CLI (docker compose) at this engine: DOCKER_HOST,
     * and the TLS ones when it uses TLS.
     */
    default java.util.Map<String, String> clientEnvironment() {
        return java.util.Map.of("DOCKER_HOST", endpoint());
    }

    Set<Capability> capabilities();

    default boolean supports(Capability c) {
        return capabilities().contains(c);
    }

    /**
     * Why {@code c} cannot be done to {@code w} here, as one line for the user, or null when it can.
     * {@code w} may be null: the answer is then for any workload of this backend. Callers (the UI's
     * footer, palette and keys, the CLI) ask before offering a verb or asking for confirmation. The
     * default answers from {@link #capabilities()}; backends override it for limits that depend on how
     * they run or on the workload (a rootless bundled engine has no freezer to pause with).
     */
    default String refusal(Capability c, Workload w) {
        return supports(c) ? null : name() + " cannot " + c.phrase();
    }

    /** Checks the engine answers; throws a CloudtuiException naming the endpoint and a remedy if not. */
    void ping();

    /** Workloads; with {@code all} false only active ones (running, paused, restarting). */
    List<Workload> list(boolean all);

    /** One workload by native id, unique id prefix or name; throws when absent. */
    default Workload get(String ref) {
        for (Workload w : list(true)) {
            if (w.nativeId().equals(ref) || w.name().equals(ref)) return w;
        }
        throw CloudtuiException.noSuchWorkload(name() + ":" + ref);
    }

    /**
     * Streams events until the returned handle is closed. Reconnecting is the backend's job: it sends
     * DISCONNECTED when the engine goes away and CONNECTED when it is back.
     */
    AutoCloseable events(Consumer<WorkloadEvent> listener);

    void start(String ref);

    void stop(String ref, Duration timeout);

    void restart(String ref, Duration timeout);

    /** Sends a signal by name ("KILL", "TERM", "SIGHUP" or a number). */
    void kill(String ref, String signal);

    void pause(String ref);

    void unpause(String ref);

    void remove(String ref, boolean force);

    /** Reads logs into {@code sink}; with follow, returns only when the stream ends or the handle closes. */
    void logs(String ref, LogOptions options, Consumer<LogLine> sink, Cancel cancel);

    /** Runs a command in a running workload; returns its exit code. */
    int exec(String ref, List<String> command, Stdio stdio);

    /**
     * Runs a command with {@code docker exec} options (environment, working directory, user).
     * Backends that support those override this; the default handles only a plain command.
     */
    default int exec(String ref, ExecSpec spec, Stdio stdio) {
        if (!spec.isPlain()) throw CloudtuiException.unsupported(name(), "exec with --env, --workdir or --user");
        return exec(ref, spec.command(), stdio);
    }

    /** Attaches to the workload's main process (or a VM's console); returns when detached or it ends. */
    int attach(String ref, Stdio stdio);

    /**
     * Whether the workload's main process has a TTY of its own (attach then takes the user's
     * terminal raw, as docker attach does); null when unknown or not a container.
     */
    default Boolean hasTty(String ref) {
        return null;
    }

    /** The engine's own description of the workload, as pretty JSON. */
    String inspect(String ref);

    /** One stats sample; CPU% needs two readings, so backends may block for about a second. */
    Stats stats(String ref);

    @Override
    void close();

    /** A cancellation flag for long-running reads; closing it stops the read. */
    final class Cancel implements AutoCloseable {
        private volatile boolean cancelled;
        private final java.util.List<Runnable> hooks = new java.util.concurrent.CopyOnWriteArrayList<>();

        public boolean isCancelled() {
            return cancelled;
        }

        /** Runs {@code hook} on cancel (immediately if already cancelled). */
        public void onCancel(Runnable hook) {
            hooks.add(hook);
            if (cancelled) hook.run();
        }

        @Override
        public void close() {
            if (cancelled) return;
            cancelled = true;
            for (Runnable r : hooks) {
                try {
                    r.run();
                } catch (RuntimeException ignored) {
                    // closing is best effort
                }
            }
        }
    }
}
