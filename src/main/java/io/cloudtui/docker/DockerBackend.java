package io.cloudtui.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CgroupFiles;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.ExecSpec;
import io.cloudtui.core.ImageInfo;
import io.cloudtui.core.ImageSupport;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.NetworkSupport;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.RunSupport;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.VolumeSupport;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadEvent;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The Docker Engine backend: containers of one dockerd (or Podman's Docker-compatible API). */
final class DockerBackend implements Backend, RunSupport, ImageSupport, VolumeSupport, NetworkSupport, io.cloudtui.core.SwarmSupport {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DockerBackend.class);
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<Capability> CAPABILITIES = EnumSet.complementOf(EnumSet.of(Capability.CONSOLE));

    private final String name;
    private final Engine engine;
    private final Sessions sessions;
    private final Images images;
    private final List<EventPump> pumps = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Each container's last CPU reading, for one-shot stats. */
    private final java.util.Map<String, StatsMath.CpuReading> lastCpu = new java.util.concurrent.ConcurrentHashMap<>();
    static final Duration PREVIOUS_READING_TTL = Duration.ofSeconds(60);

    DockerBackend(String name, Endpoint endpoint) {
        this(name, endpoint, null);
    }

    /** HOST_CGROUPS: the cgroup files of the remote host whose engine ENDPOINT reaches, or null. */
    DockerBackend(String name, Endpoint endpoint, CgroupFiles.Remote hostCgroups) {
        this.name = name;
        this.hostCgroups = hostCgroups;
        this.engine = new Engine(endpoint);
        this.sessions = new Sessions(engine, this);
        this.images = new Images(engine, name);
        this.swarm = new Swarm(engine, name);
    }

    private final Swarm swarm;

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return DockerProvider.TYPE;
    }

    @Override
    public String endpoint() {
        return engine.endpoint().host();
    }

    @Override
    public java.util.Map<String, String> clientEnvironment() {
        Endpoint e = engine.endpoint();
        if (!e.tlsVerify() || e.certPath() == null) return java.util.Map.of("DOCKER_HOST", e.host());
        return java.util.Map.of("DOCKER_HOST", e.host(), "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", e.certPath());
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    DockerClient docker() {
        return engine.client();
    }

    @Override
    public void ping() {
        call(null, () -> docker().pingCmd().exec());
    }

    private static final com.fasterxml.jackson.core.type.TypeReference<List<Container>> CONTAINER_LIST = new com.fasterxml.jackson.core.type.TypeReference<>() {};

    @Override
    public List<Workload> list(boolean all) {
        List<Container> cs = call(null, () -> {
            List<Container> quick;
            try {
                quick = engine.quickGet("/containers/json" + (all ? "?all=1" : ""), CONTAINER_LIST);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return quick != null ? quick : docker().listContainersCmd().withShowAll(all).exec();
        });
        List<Workload> out = new ArrayList<>(cs.size());
        for (Container c : cs) out.add(WorkloadMapper.map(name, endpoint(), c, null));
        return out;
    }

    /** Docker resolves names and unique id prefixes itself; inspect gives the full id and start time. */
    @Override
    public Workload get(String ref) {
        InspectContainerResponse r = inspectContainer(ref);
        List<Container> cs = call(ref, () -> docker().listContainersCmd().withShowAll(true).withIdFilter(List.of(r.getId())).exec());
        for (Container c : cs) {
            if (c.getId().equals(r.getId())) return WorkloadMapper.map(name, endpoint(), c, parseTime(r.getState().getStartedAt()));
        }
        throw new CloudtuiException("no such container: " + ref);
    }

    InspectContainerResponse inspectContainer(String ref) {
        return call(ref, () -> docker().inspectContainerCmd(ref).exec());
    }

    @Override
    public AutoCloseable events(Consumer<WorkloadEvent> listener) {
        EventPump pump = EventPump.containers(engine, name, listener);
        pumps.add(pump);
        pump.start();
        return () -> {
            pumps.remove(pump);
            pump.close();
        };
    }

    @Override
    public void start(String ref) {
        verb(ref, () -> docker().startContainerCmd(ref).exec());
    }

    @Override
    public void stop(String ref, Duration timeout) {
        verb(ref, () -> {
            var cmd = docker().stopContainerCmd(ref);
            if (timeout != null) cmd.withTimeout((int) timeout.toSeconds());
            cmd.exec();
        });
    }

    @Override
    public void restart(String ref, Duration timeout) {
        verb(ref, () -> {
            var cmd = docker().restartContainerCmd(ref);
            if (timeout != null) cmd.withTimeout((int) timeout.toSeconds());
            cmd.exec();
        });
    }

    @Override
    public void kill(String ref, String signal) {
        String sig = signal == null || signal.isBlank() ? "KILL" : signal.trim();
        verb(ref, () -> docker().killContainerCmd(ref).withSignal(sig).exec());
    }

    @Override
    public void pause(String ref) {
        verb(ref, () -> docker().pauseContainerCmd(ref).exec());
    }

    @Override
    public void unpause(String ref) {
        verb(ref, () -> docker().unpauseContainerCmd(ref).exec());
    }

    @Override
    public void remove(String ref, boolean force) {
        verb(ref, () -> docker().removeContainerCmd(ref).withForce(force).exec());
    }

    @Override
    public void logs(String ref, LogOptions options, Consumer<LogLine> sink, Cancel cancel) {
        // Timestamps are always requested so that 'since' can be applied to the nanosecond
        // (the API takes whole seconds); they are dropped again unless the caller wants them.
        LogDecoder decoder = new LogDecoder(true, options.timestamps(), options.since(), sink);
        Streaming<Frame> stream = new Streaming<>(f -> decoder.accept(
                f.getStreamType() == StreamType.STDERR ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, f.getPayload()));
        var cmd = docker().logContainerCmd(ref).withStdOut(true).withStdErr(true)
                .withFollowStream(options.follow()).withTimestamps(true);
        if (options.tail() >= 0) cmd.withTail(options.tail()); else cmd.withTailAll();
        if (options.since() != null) cmd.withSince((int) options.since().getEpochSecond());
        if (cancel != null) cancel.onCancel(stream::close);
        try {
            cmd.exec(stream);
        } catch (RuntimeException e) {
            throw translate(ref, e);
        }
        stream.await();
        if (stream.error() != null) throw translate(ref, stream.error());
        decoder.flush();
    }

    @Override
    public int exec(String ref, List<String> command, Stdio stdio) {
        return sessions.exec(ref, new ExecSpec(command, null, null, null, stdio != null && stdio.tty(), stdio != null && stdio.stdin() != null), stdio);
    }

    @Override
    public int exec(String ref, ExecSpec spec, Stdio stdio) {
        return sessions.exec(ref, spec, stdio);
    }

    @Override
    public Boolean hasTty(String ref) {
        return Boolean.TRUE.equals(inspectContainer(ref).getConfig().getTty());
    }

    @Override
    public int attach(String ref, Stdio stdio) {
        return sessions.attach(ref, stdio);
    }

    @Override
    public String inspect(String ref) {
        JsonNode json = call(ref, () -> engine.rawJson("GET", "/containers/" + enc(ref) + "/json", null, null));
        try {
            return PRETTY.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new CloudtuiException("cannot format the engine's JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * One sample. CPU% needs two readings: when this container was sampled in the last minute, a
     * one-shot read (API 1.41+) is measured against that one; otherwise the engine takes both,
     * about a second apart, which costs it twice the work and the caller a second's wait.
     */
    @Override
    public Stats stats(String ref) {
        // a container of a dockerd on this host: its cgroup files say it all, at no cost to the engine
        if (engine.endpoint().isLocalSocket() && ref.matches("[0-9a-f]{64}")) {
            Stats s = cgroups.read(ref, () -> initPid(ref));
            if (s == null && cgroups.readable(ref)) {
                // the first reading of a container: a second one shortly after gives its CPU%, without
                // the engine's stats call (which takes a second or two of dockerd's time per container)
                try {
                    Thread.sleep(FIRST_CPU_GAP_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CloudtuiException("interrupted");
                }
                s = cgroups.read(ref, () -> initPid(ref));
            }
            if (s != null) {
                LOG.debug("{}: stats of {} from its cgroup files", name, ref);
                return s;
            }
        }
        // a container of a remote host: its cgroup files there, read over the host's ssh connection
        if (hostCgroups != null && ref.matches("[0-9a-f]{64}")) {
            Stats s = hostStats(ref);
            if (s != null) return s;
        }
        LOG.debug("{}: stats of {} from the engine's API", name, ref);
        StatsMath.CpuReading prev = lastCpu.get(ref);
        long now = System.nanoTime();
        boolean oneShot = prev != null && now - prev.atNanos() < PREVIOUS_READING_TTL.toNanos();
        String q = oneShot ? "?stream=false&one-shot=true" : "?stream=false";
        JsonNode json = call(ref, () -> engine.rawJson("GET", "/containers/" + enc(ref) + "/stats" + q, null, null));
        StatsMath.CpuReading cur = StatsMath.CpuReading.of(json, now);
        if (cur == null) {
            lastCpu.remove(ref);
        } else {
            if (lastCpu.size() >= 4096) lastCpu.values().removeIf(r -> now - r.atNanos() >= PREVIOUS_READING_TTL.toNanos());
            lastCpu.put(ref, cur);
        }
        return StatsMath.fromJson(json, oneShot ? prev : null);
    }

    private final CgroupStats cgroups = new CgroupStats();
    private final CgroupFiles.Remote hostCgroups;
    private final CgroupFiles.Delta hostDelta = new CgroupFiles.Delta();
    /**
     * A sample of remote container ID from the host's cgroup files (CPU% measured on the host's
     * clock; its first one from two readings shortly apart), or null: the host has none for it (a
     * container that is not running, a rootless engine's), or could not be asked now; the caller then
     * asks the engine, for this sample.
     */
    private Stats hostStats(String id) {
        for (int i = 0; i < 2; i++) {
            CgroupFiles.Sample s;
            try {
                s = hostCgroups.sample(id);
            } catch (java.io.IOException e) {
                LOG.debug("{}: the host's cgroup files of {} not read: {}", name, id, e.getMessage());
                return null;
            }
            if (s == null) {
                hostDelta.forget(id);
                return null;
            }
            Stats st = hostDelta.next(id, s.reading(), s.clockNs(), s::net);
            if (st != null) {
                LOG.debug("{}: stats of {} from the host's cgroup files", name, id);
                return st;
            }
            if (i == 0) {
                try {
                    Thread.sleep(FIRST_CPU_GAP_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CloudtuiException("interrupted");
                }
            }
        }
        return null;
    }
    /** Between a container's first two cgroup readings: long enough for a usable CPU%, short enough for the first frame. */
    static final long FIRST_CPU_GAP_MS = 250;
    private final java.util.Map<String, Integer> initPids = new java.util.concurrent.ConcurrentHashMap<>();

    /** The container's init pid (for its network counters), asked once per run of the container. */
    private int initPid(String id) {
        Integer pid = initPids.get(id);
        if (pid != null && java.nio.file.Files.exists(Path.of("/proc", pid.toString()))) return pid;
        try {
            int p = engine.rawJson("GET", "/containers/" + enc(id) + "/json", null, null).path("State").path("Pid").asInt(0);
            if (initPids.size() > 4096) initPids.clear();
            initPids.put(id, p);
            return p;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    // RunSupport

    @Override
    public String create(RunSpec spec) {
        return sessions.create(spec);
    }

    @Override
    public int run(RunSpec spec, Stdio stdio, Consumer<String> onCreated) {
        return sessions.run(spec, stdio, onCreated);
    }

    // ImageSupport

    @Override
    public List<ImageInfo> images(boolean all) {
        return call(null, () -> images.list(all));
    }

    @Override
    public List<String> removeImage(String ref, boolean force) {
        return call(null, () -> images.remove(ref, force));
    }

    @Override
    public String build(Path contextDir, String dockerfile, List<String> tags, Consumer<String> progress) {
        return call(null, () -> images.build(contextDir, dockerfile, tags, progress));
    }

    @Override
    public String build(Path contextDir, io.cloudtui.core.BuildOptions options, Consumer<String> progress) {
        return call(null, () -> images.build(contextDir, options, progress));
    }

    @Override
    public String importImage(Path file, String reference, Consumer<String> progress) {
        return call(null, () -> images.load(file, reference, progress));
    }

    @Override
    public String pull(String reference, Consumer<String> progress) {
        return call(null, () -> images.pull(reference, progress));
    }

    @Override
    public String importImage(java.io.InputStream in, String source, String reference, Consumer<String> progress) {
        return call(null, () -> images.load(in, source, reference, progress));
    }

    @Override
    public Export exportImage(String reference) {
        return call(null, () -> images.export(reference));
    }

    @Override
    public void tag(String source, String target) {
        call(null, () -> {
            images.tag(source, target);
            return null;
        });
    }

    @Override
    public List<String> prune() {
        return call(null, images::prune);
    }

    // VolumeSupport, NetworkSupport

    @Override
    public List<Volume> volumes() {
        return call(null, () -> {
            var vs = docker().listVolumesCmd().exec().getVolumes();
            List<Volume> out = new ArrayList<>();
            if (vs != null) for (var v : vs) out.add(new Volume(name, v.getName(), v.getDriver(), v.getMountpoint()));
            return out;
        });
    }

    @Override
    public List<Network> networks() {
        return call(null, () -> {
            List<Network> out = new ArrayList<>();
            for (var n : docker().listNetworksCmd().exec()) out.add(new Network(name, n.getId(), n.getName(), n.getDriver(), n.getScope()));
            return out;
        });
    }

    // SwarmSupport

    @Override
    public SwarmInfo swarm() {
        return call(null, swarm::info);
    }

    @Override
    public List<Service> services() {
        return call(null, swarm::services);
    }

    @Override
    public List<Task> tasks(String service, String node) {
        return call(null, () -> swarm.tasks(service, node));
    }

    @Override
    public List<Node> nodes() {
        return call(null, swarm::nodes);
    }

    @Override
    public String createService(ServiceSpec spec) {
        return call(null, () -> swarm.create(spec));
    }

    @Override
    public void scaleService(String service, long replicas) {
        call(null, () -> {
            swarm.scale(service, replicas);
            return null;
        });
    }

    @Override
    public void forceUpdate(String service) {
        call(null, () -> {
            swarm.forceUpdate(service);
            return null;
        });
    }

    @Override
    public void rollbackService(String service) {
        call(null, () -> {
            swarm.rollback(service);
            return null;
        });
    }

    @Override
    public void removeService(String service) {
        call(null, () -> {
            swarm.remove(service);
            return null;
        });
    }

    @Override
    public void serviceLogs(String service, LogOptions options, Consumer<LogLine> sink, Cancel cancel) {
        call(null, () -> {
            swarm.logs(this, service, options, sink, cancel);
            return null;
        });
    }

    @Override
    public void updateNode(String node, String availability, String role) {
        call(null, () -> {
            swarm.updateNode(node, availability, role);
            return null;
        });
    }

    @Override
    public void removeNode(String node, boolean force) {
        call(null, () -> {
            swarm.removeNode(node, force);
            return null;
        });
    }

    private final List<EventPump> swarmPumps = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public AutoCloseable swarmEvents(Runnable onChange) {
        EventPump pump = EventPump.swarm(engine, name, onChange);
        swarmPumps.add(pump);
        pump.start();
        return () -> {
            swarmPumps.remove(pump);
            pump.close();
        };
    }

    @Override
    public void close() {
        for (EventPump p : swarmPumps) p.close();
        swarmPumps.clear();
        for (EventPump p : pumps) p.close();
        pumps.clear();
        engine.close();
    }

    // error handling

    /** A state-changing verb; "already started/stopped" (HTTP 304) is success, as for the docker CLI. */
    private void verb(String ref, Runnable r) {
        try {
            r.run();
        } catch (NotModifiedException e) {
            // already in the requested state
        } catch (RuntimeException e) {
            throw translate(ref, e);
        }
    }

    <T> T call(String ref, Supplier<T> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            throw translate(ref, e);
        }
    }

    /** Engine errors in the docker CLI's words, naming the container as the user typed it. */
    CloudtuiException translate(String ref, Throwable e) {
        if (ref != null && e instanceof NotFoundException nf) {
            String msg = Engine.engineMessage(nf);
            if (msg.startsWith("no such container")) return new CloudtuiException("no such container: " + ref, e);
            return new CloudtuiException(msg, e);
        }
        if (ref != null && e instanceof ConflictException ce) {
            String msg = Engine.engineMessage(ce);
            for (String tail : List.of("is not running", "is not paused", "is already paused", "is paused")) {
                if (msg.contains(tail) && !msg.startsWith("you cannot remove")) {
                    return new CloudtuiException("container " + ref + " " + tail
                            + (tail.equals("is paused") ? " (unpause it first)" : ""), e);
                }
            }
            return new CloudtuiException(msg, e);
        }
        return engine.translate(e);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static Instant parseTime(String s) {
        if (s == null || s.isEmpty() || s.startsWith("0001-")) return null;
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
