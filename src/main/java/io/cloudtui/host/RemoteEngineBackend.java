package io.cloudtui.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.RunSupport;
import io.cloudtui.core.State;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.core.WorkloadId;
import io.cloudtui.core.WorkloadKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code HOST/runtime}: cloudtui's bundled engine on a remote host ({@link RemoteEngine}), driven by
 * sending it the CLI's own commands (JSON output where there is one) and reading their answers. Its
 * workloads are the remote engine's {@code runtime} backend's; their ids here are {@code HOST/runtime:REF}.
 * Its events are lists compared every {@link #POLL}; exec without a terminal or input. Not carried yet: stats, exec -it, attach.
 */
public final class RemoteEngineBackend implements Backend, RunSupport, io.cloudtui.core.ImageSupport {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The engine's backend there. */
    private static final String THERE = "runtime";

    private final String name;
    private final String host;
    private final RemoteEngine engine;

    /** The host's shell (to put an imported file there), or null. */
    private final Host hostShell;

    public RemoteEngineBackend(Host h, RemoteEngine engine) {
        this(h.name(), engine, h);
    }

    RemoteEngineBackend(String host, RemoteEngine engine, Host hostShell) {
        this.hostShell = hostShell;
        this.host = host;
        this.name = host + "/runtime";
        this.engine = engine;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "runtime";
    }

    @Override
    public String endpoint() {
        return "ssh " + host + ": " + engine.what;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.LIST, Capability.EVENTS, Capability.EXEC, Capability.IMAGES, Capability.START, Capability.STOP, Capability.RESTART, Capability.KILL, Capability.REMOVE,
                Capability.LOGS, Capability.INSPECT, Capability.RUN);
    }

    @Override
    public void ping() {
        if (engine.gone) throw new CloudtuiException(host + ": the connection to its engine was lost");
    }

    private static String there(String ref) {
        return THERE + ":" + ref;
    }

    @Override
    public List<Workload> list(boolean all) {
        String out = all ? engine.call("ps", "-a", "--format", "json") : engine.call("ps", "--format", "json");
        return parse(out);
    }

    /** The rows of the remote {@code ps --format json} that are its runtime backend's, as workloads of this backend. */
    List<Workload> parse(String json) {
        List<Workload> out = new ArrayList<>();
        JsonNode arr;
        try {
            arr = JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new CloudtuiException(host + ": its engine's list is not JSON: " + e.getMessage());
        }
        for (JsonNode o : arr) {
            if (!THERE.equals(o.path("backend").asText())) continue;
            String id = o.path("id").asText();
            String ref = id.startsWith(THERE + ":") ? id.substring(THERE.length() + 1) : id;
            State state;
            try {
                state = State.valueOf(o.path("state").asText("unknown").toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                state = State.UNKNOWN;
            }
            List<String> ports = new ArrayList<>();
            o.path("ports").forEach(p -> ports.add(p.asText()));
            Map<String, String> labels = new LinkedHashMap<>();
            o.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            out.add(new Workload(new WorkloadId(name, ref), o.path("name").asText(), WorkloadKind.CONTAINER, o.path("image").asText(),
                    o.path("command").asText(), state, o.path("status").asText(null), time(o.path("created")), time(o.path("started")),
                    ports, labels, null));
        }
        return out;
    }

    private static Instant time(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode() || n.asText().isEmpty()) return null;
        try {
            return Instant.parse(n.asText());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** How often {@link #events} lists the engine there (its events are not carried: a list is compared with the last). */
    static final Duration POLL = Duration.ofSeconds(2);

    /**
     * Events as the differences between one list and the next, every {@link #POLL}: a workload that
     * appeared, changed state or status, or left; a list that fails is a disconnect, the next that
     * answers a connect.
     */
    @Override
    public AutoCloseable events(Consumer<WorkloadEvent> listener) {
        Thread t = new Thread(() -> {
            Map<String, String> last = null;
            while (!Thread.currentThread().isInterrupted() && !engine.closing) {
                try {
                    Map<String, String> now = new LinkedHashMap<>();
                    for (Workload w : list(true)) now.put(w.nativeId(), w.state() + " " + w.status());
                    if (last == null) {
                        listener.accept(new WorkloadEvent(name, null, WorkloadEvent.Type.CONNECTED, "connect", Instant.now()));
                    } else {
                        WorkloadEvent.changes(name, last, now, listener);
                    }
                    last = now;
                } catch (CloudtuiException e) {
                    if (last != null) listener.accept(new WorkloadEvent(name, null, WorkloadEvent.Type.DISCONNECTED, "disconnect", Instant.now()));
                    last = null;
                }
                try {
                    Thread.sleep(POLL.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "cloudtui-remote-events-" + name);
        t.setDaemon(true);
        t.start();
        return t::interrupt;
    }

    @Override
    public void start(String ref) {
        engine.call("start", there(ref));
    }

    @Override
    public void stop(String ref, Duration timeout) {
        engine.call("stop", "-t", Long.toString(timeout.toSeconds()), there(ref));
    }

    @Override
    public void restart(String ref, Duration timeout) {
        engine.call("restart", "-t", Long.toString(timeout.toSeconds()), there(ref));
    }

    @Override
    public void kill(String ref, String signal) {
        engine.call("kill", "-s", signal, there(ref));
    }

    @Override
    public void pause(String ref) {
        throw CloudtuiException.unsupported(name, "pause");
    }

    @Override
    public void unpause(String ref) {
        throw CloudtuiException.unsupported(name, "unpause");
    }

    @Override
    public void remove(String ref, boolean force) {
        if (force) engine.call("rm", "-f", there(ref));
        else engine.call("rm", there(ref));
    }

    @Override
    public void logs(String ref, LogOptions options, Consumer<LogLine> sink, Cancel cancel) {
        List<String> args = new ArrayList<>(List.of("logs"));
        if (options.follow()) args.add("-f");
        if (options.tail() >= 0) args.addAll(List.of("--tail", Integer.toString(options.tail())));
        if (options.since() != null) args.addAll(List.of("--since", options.since().toString()));
        if (options.timestamps()) args.add("-t");
        args.add(there(ref));
        // whole lines as they come
        ByteArrayOutputStream partial = new ByteArrayOutputStream();
        Consumer<byte[]> out = b -> {
            synchronized (partial) {
                for (byte x : b) {
                    if (x == '\n') {
                        sink.accept(line(partial.toString(StandardCharsets.UTF_8), options.timestamps()));
                        partial.reset();
                    } else {
                        partial.write(x);
                    }
                }
            }
        };
        RemoteEngine.Result r = engine.call(args, out, cancel);
        synchronized (partial) {
            if (partial.size() > 0) sink.accept(line(partial.toString(StandardCharsets.UTF_8), options.timestamps()));
        }
        if (r.code() != 0 && (cancel == null || !cancel.isCancelled()) && !engine.closing) throw new CloudtuiException(host + ": " + r.message());
    }

    /** A line of the remote {@code logs}: with TIMESTAMPS, its leading RFC 3339 time taken as the line's time. */
    static LogLine line(String text, boolean timestamps) {
        if (timestamps) {
            int sp = text.indexOf(' ');
            if (sp > 0) {
                try {
                    return new LogLine(LogLine.Stream.STDOUT, Instant.parse(text.substring(0, sp)), text.substring(sp + 1));
                } catch (RuntimeException e) {
                    // no time there: the line as it is
                }
            }
        }
        return new LogLine(LogLine.Stream.STDOUT, null, text);
    }

    /**
     * A command in the container, its output and error back over the channel, its exit code returned;
     * no input is carried, nor a terminal ({@code exec -it} is refused in one line naming what to run
     * on the host instead).
     */
    @Override
    public int exec(String ref, List<String> command, Stdio stdio) {
        if (stdio.tty() || stdio.stdin() != null) {
            throw new CloudtuiException(name + ": exec with -i or -t is not carried to the host's engine yet (run 'cloudtui exec -it runtime:"
                    + ref + " ...' on " + host + " over ssh -t)");
        }
        List<String> a = new ArrayList<>(List.of("exec", there(ref)));
        a.addAll(command);
        RemoteEngine.Result r = engine.call(a, b -> write(stdio.stdout(), b), b -> write(stdio.stderr() != null ? stdio.stderr() : stdio.stdout(), b), null);
        return r.code();
    }

    private static void write(java.io.OutputStream o, byte[] b) {
        if (o == null) return;
        try {
            o.write(b);
            o.flush();
        } catch (java.io.IOException e) {
            // the reader went
        }
    }

    @Override
    public int attach(String ref, Stdio stdio) {
        throw CloudtuiException.unsupported(name, "attach (not carried over the remote engine's channel yet)");
    }

    @Override
    public String inspect(String ref) {
        return engine.call("inspect", there(ref));
    }

    @Override
    public Stats stats(String ref) {
        throw CloudtuiException.unsupported(name, "stats");
    }

    @Override
    public String create(RunSpec spec) {
        throw CloudtuiException.unsupported(name, "create (run -d is carried)");
    }

    @Override
    public int run(RunSpec spec, Stdio stdio, Consumer<String> onCreated) {
        if (!spec.detach()) throw new CloudtuiException(name + ": only run -d is carried to the host's engine yet");
        if (!spec.mounts().isEmpty() || !spec.ports().isEmpty() || spec.hpc() != null || spec.interactive() || spec.tty()) {
            throw new CloudtuiException(name + ": run -d there carries --name, -e, -w, -h, -u, -l, --entrypoint, --network, --rm and limits;"
                    + " not -v, -p, -i, -t or --hpc yet");
        }
        List<String> a = new ArrayList<>(List.of("run", "-d", "--backend", THERE));
        if (spec.name() != null) a.addAll(List.of("--name", spec.name()));
        spec.env().forEach((k, v) -> a.addAll(List.of("-e", k + "=" + v)));
        if (spec.labels() != null) spec.labels().forEach((k, v) -> a.addAll(List.of("-l", k + "=" + v)));
        if (spec.workdir() != null) a.addAll(List.of("-w", spec.workdir()));
        if (spec.hostname() != null) a.addAll(List.of("-h", spec.hostname()));
        if (spec.user() != null) a.addAll(List.of("-u", spec.user()));
        if (spec.memoryBytes() != null) a.addAll(List.of("-m", Long.toString(spec.memoryBytes())));
        if (spec.cpus() != null) a.addAll(List.of("--cpus", Double.toString(spec.cpus())));
        if (spec.pidsLimit() != null) a.addAll(List.of("--pids-limit", Long.toString(spec.pidsLimit())));
        if (spec.readOnly()) a.add("--read-only");
        if (spec.network() != null) a.addAll(List.of("--network", spec.network()));
        if (spec.autoRemove()) a.add("--rm");
        if (spec.entrypoint() != null) a.addAll(List.of("--entrypoint", String.join(" ", spec.entrypoint())));
        a.add(spec.image());
        if (spec.command() != null) a.addAll(spec.command());
        String id = engine.call(a.toArray(new String[0])).strip();
        if (onCreated != null) onCreated.accept(id);
        return 0;
    }

    /** The remote {@code images --format json} of its runtime backend, a row per tag, as one image per id. */
    @Override
    public List<io.cloudtui.core.ImageInfo> images(boolean all) {
        String json = engine.call("images", "--backend", THERE, "--format", "json");
        Map<String, io.cloudtui.core.ImageInfo> byId = new LinkedHashMap<>();
        JsonNode arr;
        try {
            arr = JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new CloudtuiException(host + ": its engine's image list is not JSON: " + e.getMessage());
        }
        for (JsonNode o : arr) {
            String id = o.path("id").asText();
            String repo = o.path("repository").asText(), tag = o.path("tag").asText();
            List<String> tags = new ArrayList<>(byId.containsKey(id) ? byId.get(id).tags() : List.of());
            if (!repo.equals("<none>")) tags.add(tag.equals("<none>") ? repo : repo + ":" + tag);
            byId.put(id, new io.cloudtui.core.ImageInfo(name, id, tags, o.path("size").asLong(), time(o.path("created"))));
        }
        return List.copyOf(byId.values());
    }

    @Override
    public List<String> removeImage(String ref, boolean force) {
        String out = force ? engine.call("rmi", "--backend", THERE, "-f", ref) : engine.call("rmi", "--backend", THERE, ref);
        return out.lines().toList();
    }

    @Override
    public String build(java.nio.file.Path contextDir, String dockerfile, List<String> tags, Consumer<String> progress) {
        throw CloudtuiException.unsupported(name, "build (build locally and import the image there)");
    }

    /**
     * FILE (a docker save, OCI or rootfs tar) put in a private temporary file in the user's cache
     * directory there, through the master, imported by the engine there, then removed.
     */
    @Override
    public String importImage(java.nio.file.Path file, String reference, Consumer<String> progress) {
        if (hostShell == null) throw CloudtuiException.unsupported(name, "image import");
        if (!java.nio.file.Files.isRegularFile(file)) throw new CloudtuiException(name + ": image import takes a file (a tar) for a host's engine");
        byte[] data;
        try {
            data = java.nio.file.Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new CloudtuiException("cannot read " + file + ": " + e.getMessage());
        }
        String tmp = hostShell.run("set -e; umask 077; d=$HOME/.cache/cloudtui; mkdir -p \"$d\"; t=$(mktemp \"$d/import.XXXXXX\"); cat > \"$t\"; echo \"$t\"",
                data).strip();
        try {
            List<String> a = new ArrayList<>(List.of("image", "import", "--backend", THERE, tmp));
            if (reference != null) a.add(reference);
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            RemoteEngine.Result r = engine.call(a, o::writeBytes, b -> {
                if (progress != null) progress.accept(new String(b, StandardCharsets.UTF_8).strip());
            }, null);
            if (r.code() != 0) throw new CloudtuiException(host + ": image import failed there (exit " + r.code() + ")");
            return o.toString(StandardCharsets.UTF_8).strip();
        } finally {
            hostShell.run("rm -f '" + tmp.replace("'", "'\\''") + "'", null);
        }
    }

    @Override
    public void close() {
        engine.close();
    }
}
