package io.cloudtui.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.SwarmSupport;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Swarm mode of one Docker engine, straight on the Engine API (raw JSON: a service's spec is sent back
 * as the engine gave it, with only the changed fields touched, so nothing docker-java does not model
 * is lost on an update).
 */
final class Swarm {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Engine engine;
    private final String backend;

    Swarm(Engine engine, String backend) {
        this.engine = engine;
        this.backend = backend;
    }

    SwarmSupport.SwarmInfo info() {
        JsonNode s = engine.rawJson("GET", "/info", null, null).path("Swarm");
        return new SwarmSupport.SwarmInfo(backend, s.path("LocalNodeState").asText(""), s.path("ControlAvailable").asBoolean(false),
                text(s.path("Cluster").path("ID")), text(s.path("NodeID")), text(s.path("NodeAddr")));
    }

    List<SwarmSupport.Service> services() {
        JsonNode arr = engine.rawJson("GET", "/services?status=true", null, null);
        List<SwarmSupport.Service> out = new ArrayList<>();
        for (JsonNode s : arr) out.add(service(s));
        out.sort(java.util.Comparator.comparing(SwarmSupport.Service::name));
        return out;
    }

    SwarmSupport.Service service(JsonNode s) {
        JsonNode spec = s.path("Spec");
        JsonNode mode = spec.path("Mode");
        String m;
        Long replicas = null;
        if (mode.has("Global")) m = "global";
        else if (mode.has("GlobalJob")) m = "global job";
        else if (mode.has("ReplicatedJob")) {
            m = "replicated job";
            replicas = mode.path("ReplicatedJob").path("TotalCompletions").asLong(1);
        } else {
            m = "replicated";
            replicas = mode.path("Replicated").path("Replicas").asLong(1);
        }
        JsonNode st = s.path("ServiceStatus");
        List<String> ports = new ArrayList<>();
        for (JsonNode p : s.path("Endpoint").path("Ports")) {
            ports.add("*:" + p.path("PublishedPort").asText() + "->" + p.path("TargetPort").asText() + "/" + p.path("Protocol").asText("tcp"));
        }
        String image = spec.path("TaskTemplate").path("ContainerSpec").path("Image").asText("");
        int at = image.indexOf("@sha256:");
        if (at > 0) image = image.substring(0, at);
        JsonNode up = s.path("UpdateStatus");
        return new SwarmSupport.Service(backend, s.path("ID").asText(), spec.path("Name").asText(), m, replicas,
                st.path("RunningTasks").asLong(0), st.path("DesiredTasks").asLong(replicas == null ? 0 : replicas), image, ports,
                up.path("State").asText(""), up.path("Message").asText(""), DockerBackend.parseTime(text(up.path("StartedAt"))),
                DockerBackend.parseTime(text(s.path("CreatedAt"))),
                DockerBackend.parseTime(text(s.path("UpdatedAt"))));
    }

    /** This engine's node id and when it was read: a list read every second need not ask /info (a heavy call) each time. */
    private volatile String selfId;
    private volatile long selfAt;
    private static final long SELF_TTL_NANOS = 30_000_000_000L;

    private String selfId() {
        long now = System.nanoTime();
        String id = selfId;
        if (id == null || now - selfAt > SELF_TTL_NANOS) {
            id = info().nodeId();
            selfId = id == null ? "" : id;
            selfAt = now;
        }
        return id == null ? "" : id;
    }

    List<SwarmSupport.Node> nodes() {
        String self = selfId();
        List<SwarmSupport.Node> out = new ArrayList<>();
        for (JsonNode n : engine.rawJson("GET", "/nodes", null, null)) {
            JsonNode d = n.path("Description");
            JsonNode ms = n.path("ManagerStatus");
            String manager = "";
            if (!ms.isMissingNode() && !ms.isNull()) {
                manager = ms.path("Leader").asBoolean(false) ? "Leader" : cap(ms.path("Reachability").asText(""));
            }
            String id = n.path("ID").asText();
            out.add(new SwarmSupport.Node(backend, id, d.path("Hostname").asText(""), n.path("Spec").path("Role").asText(""),
                    n.path("Spec").path("Availability").asText(""), n.path("Status").path("State").asText(""), manager,
                    d.path("Engine").path("EngineVersion").asText(""), d.path("Resources").path("NanoCPUs").asLong(0),
                    d.path("Resources").path("MemoryBytes").asLong(0), n.path("Status").path("Addr").asText(""), id.equals(self)));
        }
        out.sort(java.util.Comparator.comparing(SwarmSupport.Node::hostname).thenComparing(SwarmSupport.Node::id));
        return out;
    }

    List<SwarmSupport.Task> tasks(String service, String node) {
        Map<String, String> hostnames = new HashMap<>();
        for (SwarmSupport.Node n : nodes()) hostnames.put(n.id(), n.hostname());
        ObjectNode filters = JSON.createObjectNode();
        Map<String, String> serviceNames = new HashMap<>();
        if (service != null) {
            JsonNode s = inspectService(service);
            filters.putArray("service").add(s.path("ID").asText());
            serviceNames.put(s.path("ID").asText(), s.path("Spec").path("Name").asText());
        } else {
            for (JsonNode s : engine.rawJson("GET", "/services", null, null)) serviceNames.put(s.path("ID").asText(), s.path("Spec").path("Name").asText());
        }
        if (node != null) filters.putArray("node").add(nodeId(node, hostnames));
        String q = filters.isEmpty() ? "" : "?filters=" + DockerBackend.enc(filters.toString());
        List<SwarmSupport.Task> out = new ArrayList<>();
        for (JsonNode t : engine.rawJson("GET", "/tasks" + q, null, null)) {
            JsonNode st = t.path("Status");
            String nodeId = t.path("NodeID").asText("");
            String sid = t.path("ServiceID").asText("");
            Integer slot = t.has("Slot") ? t.path("Slot").asInt() : null;
            String image = t.path("Spec").path("ContainerSpec").path("Image").asText("");
            int at = image.indexOf("@sha256:");
            if (at > 0) image = image.substring(0, at);
            out.add(new SwarmSupport.Task(backend, t.path("ID").asText(), sid, serviceNames.getOrDefault(sid, sid), slot, nodeId,
                    hostnames.getOrDefault(nodeId, nodeId), t.path("DesiredState").asText(""), st.path("State").asText(""),
                    DockerBackend.parseTime(text(st.path("Timestamp"))), st.path("Err").asText(""),
                    text(st.path("ContainerStatus").path("ContainerID")), image));
        }
        // as docker service ps: by service, slot (or node), newest first
        out.sort(java.util.Comparator.comparing(SwarmSupport.Task::serviceName)
                .thenComparing(t -> t.slot() != null && t.slot() > 0 ? String.format("%09d", t.slot()) : t.node())
                .thenComparing(SwarmSupport.Task::since, java.util.Comparator.nullsLast(java.util.Comparator.reverseOrder())));
        return out;
    }

    /** A node's id from its id, id prefix or hostname, as docker resolves it. */
    private String nodeId(String ref, Map<String, String> hostnames) {
        if (hostnames.containsKey(ref)) return ref;
        List<String> byName = hostnames.entrySet().stream().filter(e -> e.getValue().equals(ref)).map(Map.Entry::getKey).toList();
        if (byName.size() == 1) return byName.get(0);
        if (byName.size() > 1) throw new CloudtuiException("node " + ref + " is ambiguous (" + byName.size() + " matches found)");
        List<String> byPrefix = hostnames.keySet().stream().filter(id -> id.startsWith(ref)).toList();
        if (byPrefix.size() == 1) return byPrefix.get(0);
        if (byPrefix.size() > 1) throw new CloudtuiException("node " + ref + " is ambiguous (" + byPrefix.size() + " matches found)");
        throw new CloudtuiException("node " + ref + " not found");
    }

    JsonNode inspectService(String ref) {
        try {
            return engine.rawJson("GET", "/services/" + DockerBackend.enc(ref), null, null);
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            throw new CloudtuiException("service " + ref + " not found", e);
        }
    }

    String create(SwarmSupport.ServiceSpec spec) {
        ObjectNode body = JSON.createObjectNode();
        if (spec.name() != null) body.put("Name", spec.name());
        ObjectNode task = body.putObject("TaskTemplate");
        ObjectNode cs = task.putObject("ContainerSpec");
        cs.put("Image", spec.image());
        if (!spec.args().isEmpty()) {
            ArrayNode a = cs.putArray("Args");
            spec.args().forEach(a::add);
        }
        if (!spec.env().isEmpty()) {
            ArrayNode a = cs.putArray("Env");
            spec.env().forEach(a::add);
        }
        if (!spec.constraints().isEmpty()) {
            ArrayNode a = task.putObject("Placement").putArray("Constraints");
            spec.constraints().forEach(a::add);
        }
        if (spec.global()) body.putObject("Mode").putObject("Global");
        else body.putObject("Mode").putObject("Replicated").put("Replicas", spec.replicas() == null ? 1 : spec.replicas());
        if (!spec.ports().isEmpty()) {
            ArrayNode ports = body.putObject("EndpointSpec").putArray("Ports");
            for (String p : spec.ports()) ports.add(port(p));
        }
        JsonNode r = engine.rawJson("POST", "/services/create", bytes(body), "application/json");
        return r.path("ID").asText();
    }

    /** docker's short port syntax, PUBLISHED:TARGET[/PROTOCOL], or its long one published=..,target=..[,protocol=..,mode=..]. */
    static ObjectNode port(String p) {
        ObjectNode o = JSON.createObjectNode();
        String proto = "tcp";
        try {
            if (p.contains("=")) {
                for (String kv : p.split(",")) {
                    String[] x = kv.split("=", 2);
                    if (x.length != 2) throw new NumberFormatException();
                    switch (x[0].trim()) {
                        case "published" -> o.put("PublishedPort", Integer.parseInt(x[1].trim()));
                        case "target" -> o.put("TargetPort", Integer.parseInt(x[1].trim()));
                        case "protocol" -> proto = x[1].trim();
                        case "mode" -> o.put("PublishMode", x[1].trim());
                        default -> throw new NumberFormatException();
                    }
                }
                if (!o.has("TargetPort")) throw new NumberFormatException();
            } else {
                String s = p;
                int slash = s.indexOf('/');
                if (slash >= 0) {
                    proto = s.substring(slash + 1);
                    s = s.substring(0, slash);
                }
                int colon = s.indexOf(':');
                if (colon >= 0) {
                    o.put("PublishedPort", Integer.parseInt(s.substring(0, colon)));
                    o.put("TargetPort", Integer.parseInt(s.substring(colon + 1)));
                } else {
                    o.put("TargetPort", Integer.parseInt(s));
                }
            }
        } catch (NumberFormatException e) {
            throw CloudtuiException.usage("invalid port '" + p + "': say PUBLISHED:TARGET[/PROTOCOL], e.g. 8080:80");
        }
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
            throw CloudtuiException.usage("invalid protocol '" + proto + "' in port '" + p + "': tcp, udp or sctp");
        }
        o.put("Protocol", proto);
        return o;
    }

    void scale(String ref, long replicas) {
        if (replicas < 0) throw CloudtuiException.usage("invalid replicas value " + replicas + ": it must be 0 or more");
        update(ref, "", spec -> {
            JsonNode mode = spec.path("Mode");
            if (!mode.has("Replicated")) {
                throw new CloudtuiException(ref + ": scale can only be used with replicated mode (this service is "
                        + (mode.has("Global") ? "global" : "a job") + ")");
            }
            ((ObjectNode) mode.path("Replicated")).put("Replicas", replicas);
        });
    }

    void forceUpdate(String ref) {
        update(ref, "", spec -> {
            ObjectNode task = (ObjectNode) spec.path("TaskTemplate");
            task.put("ForceUpdate", task.path("ForceUpdate").asLong(0) + 1);
        });
    }

    void rollback(String ref) {
        JsonNode s = inspectService(ref);
        if (s.path("PreviousSpec").isMissingNode() || s.path("PreviousSpec").isNull()) {
            throw new CloudtuiException("service " + ref + " has no previous spec to roll back to");
        }
        update(ref, "&rollback=previous", spec -> {});
    }

    /** Sends the service's spec back with EDIT applied, at the version read (a concurrent change is the engine's error). */
    private void update(String ref, String query, Consumer<ObjectNode> edit) {
        JsonNode s = inspectService(ref);
        ObjectNode spec = (ObjectNode) s.path("Spec");
        edit.accept(spec);
        long version = s.path("Version").path("Index").asLong();
        engine.rawJson("POST", "/services/" + DockerBackend.enc(s.path("ID").asText()) + "/update?version=" + version + query,
                bytes(spec), "application/json");
    }

    void remove(String ref) {
        String id = inspectService(ref).path("ID").asText();
        engine.rawJson("DELETE", "/services/" + DockerBackend.enc(id), null, null);
    }

    void updateNode(String ref, String availability, String role) {
        if (availability != null && !List.of("active", "pause", "drain").contains(availability)) {
            throw CloudtuiException.usage("invalid availability '" + availability + "': active, pause or drain");
        }
        if (role != null && !List.of("worker", "manager").contains(role)) {
            throw CloudtuiException.usage("invalid role '" + role + "': worker or manager");
        }
        JsonNode n = inspectNode(ref);
        ObjectNode spec = (ObjectNode) n.path("Spec");
        if (availability != null) spec.put("Availability", availability);
        if (role != null) spec.put("Role", role);
        engine.rawJson("POST", "/nodes/" + n.path("ID").asText() + "/update?version=" + n.path("Version").path("Index").asLong(),
                bytes(spec), "application/json");
    }

    JsonNode inspectNode(String ref) {
        Map<String, String> hostnames = new HashMap<>();
        for (SwarmSupport.Node n : nodes()) hostnames.put(n.id(), n.hostname());
        return engine.rawJson("GET", "/nodes/" + nodeId(ref, hostnames), null, null);
    }

    void removeNode(String ref, boolean force) {
        JsonNode n = inspectNode(ref);
        engine.rawJson("DELETE", "/nodes/" + n.path("ID").asText() + (force ? "?force=1" : ""), null, null);
    }

    /** Merged logs: details on, so each line names its task and node; the prefix is docker's "name.slot.task@node". */
    void logs(DockerBackend owner, String ref, LogOptions options, Consumer<LogLine> sink, Backend.Cancel cancel) {
        JsonNode s = inspectService(ref);
        String id = s.path("ID").asText();
        String name = s.path("Spec").path("Name").asText();
        Map<String, String> prefixes = new ConcurrentHashMap<>();
        Runnable refresh = () -> {
            for (SwarmSupport.Task t : tasks(id, null)) {
                prefixes.put(t.id(), t.name() + "." + t.id().substring(0, Math.min(12, t.id().length())) + "@" + t.node());
            }
        };
        refresh.run();
        Consumer<LogLine> prefixed = l -> {
            String text = l.text();
            String task = null;
            if (text.startsWith("com.docker.swarm.")) {
                int sp = text.indexOf(' ');
                String details = sp < 0 ? text : text.substring(0, sp);
                text = sp < 0 ? "" : text.substring(sp + 1);
                for (String kv : details.split(",")) {
                    if (kv.startsWith("com.docker.swarm.task.id=")) task = kv.substring("com.docker.swarm.task.id=".length());
                }
            }
            String p = task == null ? name : prefixes.get(task);
            if (p == null && task != null) {
                try {
                    refresh.run();
                } catch (RuntimeException e) {
                    // the prefix falls back to the task id
                }
                p = prefixes.getOrDefault(task, name + "." + task.substring(0, Math.min(12, task.length())));
            }
            sink.accept(new LogLine(l.stream(), l.timestamp(), p + " | " + text));
        };
        LogDecoder decoder = new LogDecoder(true, options.timestamps(), options.since(), prefixed);
        boolean tty = s.path("Spec").path("TaskTemplate").path("ContainerSpec").path("TTY").asBoolean(false);
        // docker-java's service logs call has no 'details', which names each line's task: the raw call
        StringBuilder q = new StringBuilder("/services/").append(DockerBackend.enc(id))
                .append("/logs?stdout=1&stderr=1&details=1&timestamps=1&follow=").append(options.follow() ? 1 : 0)
                .append("&tail=").append(options.tail() >= 0 ? String.valueOf(options.tail()) : "all");
        if (options.since() != null) q.append("&since=").append(options.since().getEpochSecond());
        var request = com.github.dockerjava.transport.DockerHttpClient.Request.builder()
                .method(com.github.dockerjava.transport.DockerHttpClient.Request.Method.GET).path(q.toString()).build();
        try (var response = engine.http().execute(request)) {
            if (cancel != null) cancel.onCancel(() -> {
                try {
                    response.close();
                } catch (RuntimeException ignored) {
                    // closing is best effort
                }
            });
            java.io.InputStream in = response.getBody();
            if (response.getStatusCode() >= 400) {
                throw Engine.statusError(new String(in.readAllBytes(), StandardCharsets.UTF_8), response.getStatusCode());
            }
            byte[] header = new byte[8];
            byte[] buf = new byte[8192];
            while (cancel == null || !cancel.isCancelled()) {
                if (tty) {
                    int n = in.read(buf);
                    if (n < 0) break;
                    decoder.accept(LogLine.Stream.STDOUT, java.util.Arrays.copyOf(buf, n));
                    continue;
                }
                if (in.readNBytes(header, 0, 8) < 8) break;
                int size = ((header[4] & 0xff) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
                byte[] payload = in.readNBytes(size);
                if (payload.length < size) break;
                decoder.accept(header[0] == 2 ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, payload);
            }
        } catch (java.io.IOException e) {
            if (cancel == null || !cancel.isCancelled()) throw owner.translate(ref, e);
        } catch (RuntimeException e) {
            if (cancel == null || !cancel.isCancelled()) throw e;
        }
        decoder.flush();
    }

    private static ByteArrayInputStream bytes(JsonNode n) {
        return new ByteArrayInputStream(n.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String text(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? null : n.asText();
    }

    private static String cap(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
