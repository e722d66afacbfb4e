package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import io.cloudtui.core.Backend;
import io.cloudtui.core.SwarmSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A swarm's services, nodes, or tasks (of one service or one node), from every backend that is a
 * swarm manager (one per swarm; when a manager stops answering, another manager of the same swarm among
 * the session's backends, and the first again once it answers). Live: each manager's service and node events make the list be read
 * again, and for a while after an event or an action it is read every second (a task's state changes
 * make no event in Docker 20.10); otherwise a safety read every {@link #SAFETY_POLL}.
 */
final class SwarmView implements View {
    enum Kind { SERVICES, NODES, TASKS }

    static final Duration SAFETY_POLL = Duration.ofSeconds(10);
    static final Duration BURST = Duration.ofSeconds(15);
    static final Duration BURST_POLL = Duration.ofSeconds(1);

    private static final String[] SERVICE_HEADERS = {"NAME", "MODE", "REPLICAS", "IMAGE", "PORTS", "UPDATE", "BACKEND"};
    private static final String[] NODE_HEADERS = {"HOSTNAME", "ROLE", "STATUS", "AVAILABILITY", "MANAGER", "ENGINE", "CPUS", "MEMORY", "BACKEND"};
    private static final String[] TASK_HEADERS = {"NAME", "NODE", "DESIRED", "STATE", "ERROR", "IMAGE"};

    /** One row: the manager it came from and what it shows. */
    record Item(SwarmSupport manager, Object value, String[] cells) {}

    private final TuiApp app;
    final Kind kind;
    /** For tasks: of this service (id) or on this node (id), and what the title says. */
    private final String service;
    private final String node;
    private final String what;
    private final Grid grid = new Grid();
    private List<Item> items = List.of();
    private String status = "loading...";
    /** The managers, one per swarm (found when the view opens, and again on R). */
    private volatile List<SwarmSupport> managers;
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private boolean subscribed;
    private final Object lock = new Object();
    private boolean kicked = true;
    private long burstUntil = System.nanoTime() + BURST.toNanos();
    private volatile boolean closed;
    private final Thread poller;
    /** The session's backends when the view opened (read on the UI thread; R reads them again). */
    private volatile List<Backend> backends;

    SwarmView(TuiApp app, Kind kind, List<SwarmSupport> managers, String service, String node, String what) {
        this.app = app;
        this.kind = kind;
        this.managers = managers;
        this.service = service;
        this.node = node;
        this.what = what;
        this.backends = app.backendList();
        poller = new Thread(this::pollLoop, "cloudtui-swarm-" + kind.name().toLowerCase(Locale.ROOT));
        poller.setDaemon(true);
        poller.start();
    }

    /** Read again now, and every second for a while (an action's or an event's effects take the engine seconds). */
    void kick() {
        synchronized (lock) {
            kicked = true;
            burstUntil = System.nanoTime() + BURST.toNanos();
            lock.notifyAll();
        }
    }

    private void pollLoop() {
        while (!closed) {
            synchronized (lock) {
                long wait = (System.nanoTime() < burstUntil ? BURST_POLL : SAFETY_POLL).toMillis();
                if (!kicked) {
                    try {
                        lock.wait(wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                kicked = false;
            }
            if (closed) return;
            try {
                load();
            } catch (RuntimeException e) {
                String m = e.getMessage() != null ? e.getMessage() : e.toString();
                app.onUi(() -> status = m);
            }
        }
    }

    /** Each backend that is a swarm manager, one per swarm (engines slow to answer are left out, see SwarmSupport.managers). */
    static List<SwarmSupport> findManagers(List<Backend> backends) {
        return List.copyOf(SwarmSupport.managers(backends, FIND_WAIT, new java.util.HashMap<>()).keySet());
    }

    static final Duration FIND_WAIT = Duration.ofSeconds(10);

    /**
     * The managers were found while some backend did not answer (a manager's engine stopped, say): they
     * are found again at the next reads (at most every {@link #SAFETY_POLL}), so that the first manager of
     * a swarm is used again once it answers.
     */
    private volatile boolean degraded;
    private volatile long foundAt;

    /**
     * The managers first found with every backend answering: asked first at each later search, so the view
     * goes back to them once they answer again (the session's backends are in the order their hosts connected).
     */
    private volatile List<SwarmSupport> home = List.of();

    /** The managers among the session's backends, one per swarm, found again now (the first that answers of each cluster). */
    private List<SwarmSupport> find() {
        Map<String, String> failed = new java.util.HashMap<>();
        List<Backend> ordered = new ArrayList<>();
        for (SwarmSupport m : home) if (backends.contains((Backend) m)) ordered.add((Backend) m);
        for (Backend b : backends) if (!ordered.contains(b)) ordered.add(b);
        List<SwarmSupport> ms = List.copyOf(SwarmSupport.managers(ordered, FIND_WAIT, failed).keySet());
        foundAt = System.nanoTime();
        degraded = !failed.isEmpty();
        if (!degraded && !ms.isEmpty()) home = ms;
        if (!ms.isEmpty()) {
            if (!ms.equals(managers)) subscribed = false;
            managers = ms;
        } else {
            // none found: asked again at the next read, among the backends then (a host that connected since
            // the view opened, the manager among them, joins the session later)
            app.onUi(() -> backends = app.backendList());
        }
        return ms;
    }

    private void load() {
        List<SwarmSupport> ms = managers;
        boolean again = kind != Kind.TASKS;
        if (ms == null || again && degraded && System.nanoTime() - foundAt > SAFETY_POLL.toNanos()) {
            ms = find();
            again = false;
        }
        List<Item> out = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        read(ms, out, errors);
        if (!errors.isEmpty() && again) {
            // a manager stopped answering: another manager of the same swarm among the session's backends, when one answers
            List<SwarmSupport> other = find();
            if (!other.equals(ms)) {
                ms = other;
                out.clear();
                errors.clear();
                read(ms, out, errors);
            }
        }
        if (!subscribed) {
            subscribed = true;
            subscribe(ms);
        }
        boolean none = ms.isEmpty();
        app.onUi(() -> {
            if (closed) return;
            items = out;
            status = none ? "no backend is a swarm manager (docker swarm init, or a manager's host with -H or in the config)"
                    : !errors.isEmpty() ? String.join("; ", errors) : out.isEmpty() ? "no " + title() : "";
            grid.clamp(items.size());
        });
    }

    private void read(List<SwarmSupport> ms, List<Item> out, List<String> errors) {
        for (SwarmSupport m : ms) {
            try {
                out.addAll(list(m));
            } catch (RuntimeException e) {
                errors.add(((Backend) m).name() + ": " + e.getMessage());
            }
        }
    }

    private void subscribe(List<SwarmSupport> ms) {
        synchronized (subscriptions) {
            if (closed) return;
            for (AutoCloseable s : subscriptions) {
                try {
                    s.close();
                } catch (Exception ignored) {
                    // closing is best effort
                }
            }
            subscriptions.clear();
            for (SwarmSupport m : ms) subscriptions.add(m.swarmEvents(this::kick));
        }
    }

    private List<Item> list(SwarmSupport m) {
        String backend = ((Backend) m).name();
        List<Item> out = new ArrayList<>();
        switch (kind) {
            case SERVICES -> {
                for (SwarmSupport.Service s : m.services()) {
                    out.add(new Item(m, s, new String[] {s.name(), s.mode(), s.replicasText(), s.image(), String.join(",", s.ports()),
                        s.updateState(), backend}));
                }
            }
            case NODES -> {
                for (SwarmSupport.Node n : m.nodes()) {
                    double cpus = n.nanoCpus() / 1e9;
                    out.add(new Item(m, n, new String[] {n.hostname() + (n.self() ? " *" : ""), n.role(), n.status(), n.availability(),
                        n.managerStatus(), n.engineVersion(), cpus == Math.rint(cpus) ? String.valueOf((long) cpus) : String.format(Locale.ROOT, "%.1f", cpus),
                        Fmt.bytes(n.memoryBytes()), backend}));
                }
            }
            case TASKS -> {
                String last = null;
                for (SwarmSupport.Task t : m.tasks(service, node)) {
                    // a slot's earlier tasks under its current one, as docker service ps shows them
                    String name = t.name().equals(last) ? " \\_ " + t.name() : t.name();
                    last = t.name();
                    String since = t.since() == null ? "" : " " + Fmt.uptime(Duration.between(t.since(), app.now())) + " ago";
                    out.add(new Item(m, t, new String[] {name, t.node(), t.desiredState(), t.state() + since, t.error(), t.image()}));
                }
            }
        }
        return out;
    }

    Item selectedItem() {
        return items.isEmpty() ? null : items.get(Math.min(grid.selected, items.size() - 1));
    }

    List<Item> items() {
        return items;
    }

    @Override
    public String title() {
        return switch (kind) {
            case SERVICES -> "services";
            case NODES -> "nodes";
            case TASKS -> "tasks of " + what;
        };
    }

    @Override
    public Action.Scope[] scopes() {
        return new Action.Scope[] {Action.Scope.SWARM, Action.Scope.LISTS};
    }

    @Override
    public List<Action> hints() {
        return switch (kind) {
            case SERVICES -> List.of(Action.SWARM_OPEN, Action.SERVICE_CREATE, Action.SCALE, Action.FORCE_UPDATE, Action.ROLLBACK, Action.SERVICE_LOGS, Action.SWARM_REMOVE,
                    Action.SHOW_NODES, Action.BACK);
            case NODES -> List.of(Action.SWARM_OPEN, Action.DRAIN, Action.PAUSE_NODE, Action.ACTIVATE, Action.PROMOTE, Action.DEMOTE,
                    Action.SWARM_REMOVE, Action.SHOW_SERVICES, Action.BACK);
            case TASKS -> List.of(Action.SWARM_OPEN, Action.TASK_SHELL, Action.TASK_ATTACH, Action.SWARM_REFRESH, Action.SHOW_SERVICES, Action.SHOW_NODES, Action.BACK);
        };
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        if (a == null) return false;
        if (grid.move(a, items.size())) return true;
        Item it = selectedItem();
        switch (a) {
            case SWARM_REFRESH -> {
                if (kind != Kind.TASKS) {
                    backends = app.backendList();
                    managers = null;
                }
                status = "loading...";
                kick();
            }
            case SHOW_WORKLOADS -> app.showWorkloads();
            case SHOW_IMAGES -> app.openResources(ResourceView.Kind.IMAGES);
            case SHOW_VOLUMES -> app.openResources(ResourceView.Kind.VOLUMES);
            case SHOW_NETWORKS -> app.openResources(ResourceView.Kind.NETWORKS);
            case SHOW_SERVICES -> app.swarm.open(Kind.SERVICES);
            case SHOW_NODES -> app.swarm.open(Kind.NODES);
            case SWARM_OPEN -> {
                if (it == null) app.error("nothing selected");
                else if (it.value() instanceof SwarmSupport.Service s) app.swarm.openTasks(it.manager(), s.id(), null, "service " + s.name());
                else if (it.value() instanceof SwarmSupport.Node n) app.swarm.openTasks(it.manager(), null, n.id(), "node " + n.hostname());
                else if (it.value() instanceof SwarmSupport.Task t) app.swarm.openContainer(it.manager(), t);
            }
            case TASK_SHELL, TASK_ATTACH -> {
                if (!(it != null && it.value() instanceof SwarmSupport.Task t)) app.error("select a task (enter on a service or a node lists its tasks)");
                else if (a == Action.TASK_SHELL) app.swarm.shell(it.manager(), t);
                else app.swarm.attach(it.manager(), t);
            }
            case SERVICE_CREATE -> app.openPalette("service-create ");
            case SCALE, FORCE_UPDATE, ROLLBACK, SERVICE_LOGS -> {
                if (!(it != null && it.value() instanceof SwarmSupport.Service s)) {
                    app.error("select a service (" + KeyMap.display(app.keys().key(Action.SHOW_SERVICES)) + ": services)");
                    return true;
                }
                switch (a) {
                    case SCALE -> {
                        if (s.global()) app.error(s.name() + " is a global service: it runs one task on each node and cannot be scaled");
                        else app.openPalette("scale " + s.name() + " ");
                    }
                    case FORCE_UPDATE -> app.swarm.act(this, "force update of " + s.name(), () -> it.manager().forceUpdate(s.id()));
                    case ROLLBACK -> app.swarm.act(this, "rollback of " + s.name(), () -> it.manager().rollbackService(s.id()));
                    default -> app.swarm.openLogs(it.manager(), s);
                }
            }
            case SWARM_REMOVE -> {
                if (it == null) app.error("nothing selected");
                else if (it.value() instanceof SwarmSupport.Service s) {
                    app.confirm("Remove service " + s.name() + "?", List.of("This will remove the service and stop its " + s.running()
                            + " running task(s) on every node."), () -> app.swarm.act(this, "removal of service " + s.name(), () -> it.manager().removeService(s.id())));
                } else if (it.value() instanceof SwarmSupport.Node n) {
                    if (!n.status().equals("down")) {
                        app.error("node " + n.hostname() + " is " + n.status() + ": only a down node is removed here (drain it, then stop its engine or let it leave)");
                    } else {
                        app.confirm("Remove node " + n.hostname() + " from the swarm?", List.of("The node is down; it will have to join again to come back."),
                                () -> app.swarm.act(this, "removal of node " + n.hostname(), () -> it.manager().removeNode(n.id(), false)));
                    }
                } else {
                    app.error("select a service or a node");
                }
            }
            case DRAIN, PAUSE_NODE, ACTIVATE, PROMOTE, DEMOTE -> {
                if (!(it != null && it.value() instanceof SwarmSupport.Node n)) {
                    app.error("select a node (" + KeyMap.display(app.keys().key(Action.SHOW_NODES)) + ": nodes)");
                    return true;
                }
                String availability = a == Action.DRAIN ? "drain" : a == Action.PAUSE_NODE ? "pause" : a == Action.ACTIVATE ? "active" : null;
                String role = a == Action.PROMOTE ? "manager" : a == Action.DEMOTE ? "worker" : null;
                String label = availability != null ? availability + " " + n.hostname() : (role.equals("manager") ? "promote " : "demote ") + n.hostname();
                app.swarm.act(this, label, () -> it.manager().updateNode(n.id(), availability, role));
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    @Override
    public void render(Canvas c, int top, int bottom) {
        List<String[]> rows = new ArrayList<>(items.size());
        for (Item it : items) rows.add(it.cells());
        String[] headers = switch (kind) {
            case SERVICES -> SERVICE_HEADERS;
            case NODES -> NODE_HEADERS;
            case TASKS -> TASK_HEADERS;
        };
        grid.render(c, top, bottom, headers, rows, 48, i -> role(items.get(i)), status);
    }

    private static Role role(Item it) {
        if (it.value() instanceof SwarmSupport.Task t) {
            if (!t.error().isEmpty()) return Role.ERROR;
            return t.desiredState().equals("running") ? Role.NORMAL : Role.DIM;
        }
        if (it.value() instanceof SwarmSupport.Node n) return n.status().equals("ready") ? Role.NORMAL : Role.WARNING;
        if (it.value() instanceof SwarmSupport.Service s) return s.running() == s.desired() ? Role.NORMAL : Role.WARNING;
        return Role.NORMAL;
    }

    @Override
    public void close() {
        closed = true;
        poller.interrupt();
        synchronized (subscriptions) {
            for (AutoCloseable s : subscriptions) {
                try {
                    s.close();
                } catch (Exception ignored) {
                    // closing is best effort
                }
            }
            subscriptions.clear();
        }
    }
}
