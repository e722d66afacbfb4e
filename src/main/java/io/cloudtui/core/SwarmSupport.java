package io.cloudtui.core;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * A container engine that can be a Docker Swarm manager: the cluster's services, their tasks and its
 * nodes, and the verbs on them. Only an engine that is a manager answers ({@link #swarm()} says); the
 * others' calls fail with the engine's one line.
 */
public interface SwarmSupport {
    /** The swarm this engine is in: its cluster id (null when not a manager), whether it is a manager, its node id. */
    record SwarmInfo(String backend, String state, boolean manager, String clusterId, String nodeId, String nodeAddress) {}

    /**
     * A service. {@code replicas} is null for a global service; {@code running}/{@code desired} count
     * its tasks. {@code updateState}: the engine's update status ("updating", "paused", "completed",
     * "rollback_started", "rollback_paused", "rollback_completed") or "" when it never updated; {@code updateStarted}
     * when that update (or rollback) began.
     */
    record Service(String backend, String id, String name, String mode, Long replicas, long running, long desired,
                   String image, List<String> ports, String updateState, String updateMessage, Instant updateStarted, Instant created,
                   Instant updated) {
        public boolean global() {
            return "global".equals(mode);
        }

        /** "2/3" as docker service ls shows it. */
        public String replicasText() {
            return running + "/" + desired;
        }
    }

    /** A task of a service: its slot (null for a global service's), the node it is on, states and the error if any. */
    record Task(String backend, String id, String serviceId, String serviceName, Integer slot, String nodeId, String node,
                String desiredState, String state, Instant since, String error, String containerId, String image) {
        /** docker service ps's NAME: service.slot (global: service.nodeid). */
        public String name() {
            return serviceName + "." + (slot != null && slot > 0 ? slot.toString() : nodeId);
        }
    }

    /** A node of the swarm. {@code managerStatus}: "Leader", "Reachable", "Unreachable" or "" for a worker. */
    record Node(String backend, String id, String hostname, String role, String availability, String status,
                String managerStatus, String engineVersion, long nanoCpus, long memoryBytes, String address, boolean self) {}

    /** What {@code service create} makes: {@code replicas} null for the default (1) or with {@code global}. */
    record ServiceSpec(String name, String image, List<String> args, Long replicas, boolean global, List<String> ports,
                       List<String> env, List<String> constraints) {}

    SwarmInfo swarm();

    /**
     * The backends among BACKENDS that are swarm managers, one per swarm (the first of each cluster),
     * in BACKENDS' order, with their swarm. Each is asked at once on a thread of its own, so an engine
     * slow to answer (a busy dockerd's /info can take long) holds up no other; one that has not
     * answered within WAIT is left out (and said in FAILURES by name, as is one that failed).
     */
    static java.util.LinkedHashMap<SwarmSupport, SwarmInfo> managers(List<? extends Backend> backends, java.time.Duration wait,
                                                                     java.util.Map<String, String> failures) {
        List<java.util.concurrent.CompletableFuture<SwarmInfo>> asked = new java.util.ArrayList<>();
        for (Backend b : backends) {
            asked.add(b instanceof SwarmSupport s
                    ? java.util.concurrent.CompletableFuture.supplyAsync(s::swarm, r -> Thread.ofPlatform().daemon().name("cloudtui-swarm-info").start(r))
                    : null);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        java.util.LinkedHashMap<SwarmSupport, SwarmInfo> out = new java.util.LinkedHashMap<>();
        java.util.Set<String> clusters = new java.util.HashSet<>();
        for (int i = 0; i < backends.size(); i++) {
            var f = asked.get(i);
            if (f == null) continue;
            Backend b = backends.get(i);
            try {
                SwarmInfo info = f.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                if (info.manager() && clusters.add(info.clusterId() == null ? b.name() : info.clusterId())) out.put((SwarmSupport) b, info);
            } catch (java.util.concurrent.TimeoutException e) {
                failures.put(b.name(), "did not answer within " + wait.toSeconds() + " s");
            } catch (java.util.concurrent.ExecutionException e) {
                failures.put(b.name(), e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : String.valueOf(e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return out;
    }

    List<Service> services();

    /** Tasks of the service SERVICE (name or id) and/or on node NODE (hostname or id); null: any. */
    List<Task> tasks(String service, String node);

    List<Node> nodes();

    /** Creates the service; returns its id. */
    String createService(ServiceSpec spec);

    void scaleService(String service, long replicas);

    /** A rolling update that replaces every task even with no change ({@code docker service update --force}). */
    void forceUpdate(String service);

    /** Back to the service's previous spec ({@code docker service rollback}). */
    void rollbackService(String service);

    void removeService(String service);

    /** The service's logs merged across its tasks, each line's text prefixed "service.slot.task@node | " as docker does. */
    void serviceLogs(String service, LogOptions options, Consumer<LogLine> sink, Backend.Cancel cancel);

    /** Sets a node's availability ("active", "pause", "drain") and/or role ("worker", "manager"); null leaves it. */
    void updateNode(String node, String availability, String role);

    void removeNode(String node, boolean force);

    /**
     * Runs ON_CHANGE (on a background thread) at each service or node event of the engine, and when the
     * event stream (re)connects; closing stops it.
     */
    AutoCloseable swarmEvents(Runnable onChange);

    /**
     * The task REF of this swarm as {@code docker service ps} names it ({@code web.2}, a global task's
     * {@code web.NODEID}), or its id or an id prefix; null when none is. Of several of one name (the
     * history of a slot) the one meant to run, running first.
     */
    default Task findTask(String ref) {
        List<Task> all = tasks(null, null);
        List<Task> hits = all.stream().filter(t -> t.name().equals(ref) || t.id().equals(ref)).toList();
        if (hits.isEmpty()) hits = all.stream().filter(t -> t.id().startsWith(ref)).toList();
        if (hits.isEmpty()) return null;
        return hits.stream().min(java.util.Comparator
                .comparing((Task t) -> !t.desiredState().equals("running"))
                .thenComparing(t -> !t.state().equals("running"))
                .thenComparing(t -> t.since() == null ? java.time.Instant.EPOCH : t.since(), java.util.Comparator.reverseOrder()))
                .orElseThrow();
    }

    /**
     * The backend that reaches the container of task T of swarm MANAGER: the manager's own when T runs
     * on its node; else a backend of SESSION on the host that is T's node (its hostname or address);
     * else the node's Docker through REACH (the user's own ssh, by hostname then address; null: not
     * tried). None: one line naming the node to add as a host.
     */
    static Backend nodeBackend(SwarmSupport manager, Task t, List<Backend> session,
                               java.util.function.Function<List<String>, Backend> reach) {
        try {
            if (manager.swarm().nodeId().equals(t.nodeId())) return (Backend) manager;
        } catch (RuntimeException e) {
            // the manager went away: look among the hosts
        }
        String address = "";
        try {
            for (Node n : manager.nodes()) if (n.id().equals(t.nodeId())) address = n.address();
        } catch (RuntimeException e) {
            // by hostname alone
        }
        for (Backend b : session) {
            if (!(b instanceof SwarmSupport)) continue;
            String host = Backends.hostOf(b.name());
            if (host.equals(t.node()) || host.equals(address)) return b;
        }
        String why = null;
        if (reach != null) {
            List<String> names = new java.util.ArrayList<>();
            if (t.node() != null && !t.node().isBlank()) names.add(t.node());
            if (!address.isBlank() && !names.contains(address)) names.add(address);
            try {
                return reach.apply(names);
            } catch (CloudtuiException e) {
                why = e.getMessage();
            }
        }
        throw new CloudtuiException("task " + t.name() + " runs on node " + t.node() + ", which is not a host of this session"
                + (why == null ? "" : " and your ssh does not reach (" + why + ")") + ": add it (hosts: in the config, or -H "
                + t.node() + ") to reach its container");
    }
}
