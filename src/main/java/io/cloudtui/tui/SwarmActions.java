package io.cloudtui.tui;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Backends;
import io.cloudtui.core.SwarmSupport;
import io.cloudtui.core.Workload;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The swarm's views and verbs: the services and nodes lists, a service's or a node's tasks, a task's
 * container on whichever node runs it (through that node's host of the session), a service's merged
 * logs, and the verbs run on workers with one message each. UI thread only.
 */
final class SwarmActions {
    private static final Logger LOG = LoggerFactory.getLogger(SwarmActions.class);
    private final TuiApp app;

    SwarmActions(TuiApp app) {
        this.app = app;
    }

    /** :services or :nodes, over the workload table. */
    void open(SwarmView.Kind kind) {
        app.showWorkloads();
        app.push(new SwarmView(app, kind, null, null, null, null));
    }

    void openTasks(SwarmSupport manager, String service, String node, String what) {
        app.push(new SwarmView(app, SwarmView.Kind.TASKS, List.of(manager), service, node, what));
    }

    /** A verb on the manager, on a worker thread; the view in front reads again at once and for a while after. */
    void act(SwarmView view, String what, Runnable verb) {
        act(view, what, what + ": done", what + " failed: ", verb);
    }

    /**
     * As {@link #act(SwarmView, String, Runnable)}, saying DONE when the verb succeeded and FAILED followed by
     * the reason when it did not; VIEW (null: only the view in front) reads again.
     */
    void act(SwarmView view, String what, String done, String failed, Runnable verb) {
        app.info(what + "...");
        app.background(() -> {
            String err = null;
            try {
                verb.run();
            } catch (RuntimeException e) {
                err = e.getMessage() != null ? e.getMessage() : e.toString();
                LOG.debug("{} failed", what, e);
            }
            String fe = err;
            app.onUi(() -> {
                if (fe == null) app.info(done);
                else app.error(failed + fe);
                if (app.top() instanceof SwarmView v) v.kick();
                if (view != null && view != app.top()) view.kick();
            });
        });
    }

    /** S as a number of replicas (0 or more), or -1. */
    static long replicas(String s) {
        try {
            long n = Long.parseLong(s);
            return n < 0 ? -1 : n;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** :scale SERVICE N (what the scale key opens, with the service filled in). */
    void scale(List<String> args) {
        SwarmView v = app.top() instanceof SwarmView sv ? sv : null;
        String name;
        String n;
        if (args.size() == 2) {
            name = args.get(0);
            n = args.get(1);
        } else if (args.size() == 1 && v != null && v.selectedItem() != null && v.selectedItem().value() instanceof SwarmSupport.Service s) {
            name = s.name();
            n = args.get(0);
        } else {
            app.error("scale: say scale SERVICE REPLICAS");
            return;
        }
        long replicas = replicas(n);
        if (replicas < 0) {
            app.error("scale: '" + n + "' is not a number of replicas (0 or more)");
            return;
        }
        SwarmSupport manager = null;
        if (v != null) {
            for (SwarmView.Item it : v.items()) {
                if (it.value() instanceof SwarmSupport.Service s && s.name().equals(name)) manager = it.manager();
            }
        }
        SwarmSupport m0 = manager;
        act(v, "scale " + name + " to " + replicas, name + " scaled to " + replicas, "scale " + name + " failed: ", () -> {
            SwarmSupport m = m0;
            if (m == null) {
                List<SwarmSupport> ms = SwarmView.findManagers(app.backendList());
                for (SwarmSupport x : ms) if (x.services().stream().anyMatch(s -> s.name().equals(name))) m = x;
                if (m == null) throw new io.cloudtui.core.CloudtuiException("no service " + name + " in the swarm");
            }
            m.scaleService(name, replicas);
        });
    }

    /** The service's logs merged across its tasks, followed. */
    void openLogs(SwarmSupport manager, SwarmSupport.Service s) {
        app.push(new ServiceLogsView(app, manager, s));
    }

    /**
     * Enter on a task: its container's logs, through the backend of the host that is the task's node
     * (matched by the node's hostname or address to the session's hosts; the manager's own node is
     * the manager's backend); else one line naming the node to add.
     */
    void openContainer(SwarmSupport manager, SwarmSupport.Task t) {
        withContainer(manager, t, w -> {
            String why = app.refusal(io.cloudtui.core.Capability.LOGS, w);
            if (why != null) app.error(why);
            else app.push(new DetailView(app, w, DetailView.Tab.LOGS));
        });
    }

    /** A shell in the task's container, on its node (the shell of the workload table, ui.shell in order). */
    void shell(SwarmSupport manager, SwarmSupport.Task t) {
        withContainer(manager, t, app.sessionActions::shell);
    }

    /** This terminal on the task's container's main process, on its node. */
    void attach(SwarmSupport manager, SwarmSupport.Task t) {
        withContainer(manager, t, app.sessionActions::attach);
    }

    static final String CREATE_USAGE = "service-create [--replicas N|--global] [-p PUBLISHED:TARGET] [-e K=V] [--constraint EXPR] NAME IMAGE [ARG...]";

    /**
     * :service-create [--replicas N|--global] [-p P:T]... [-e K=V]... [--constraint C]... NAME IMAGE [ARG...]:
     * on the manager of the services view (else the first manager of the session), in the background;
     * an error (a name that exists, a bad image reference) is one line.
     */
    void create(List<String> args) {
        Long replicas = null;
        boolean global = false;
        List<String> ports = new java.util.ArrayList<>();
        List<String> env = new java.util.ArrayList<>();
        List<String> constraints = new java.util.ArrayList<>();
        int i = 0;
        while (i < args.size() && args.get(i).startsWith("-")) {
            String o = args.get(i);
            String v = i + 1 < args.size() ? args.get(i + 1) : null;
            switch (o) {
                case "--global" -> {
                    global = true;
                    i++;
                    continue;
                }
                case "--replicas", "-p", "--publish", "-e", "--env", "--constraint" -> {
                    if (v == null) {
                        app.error("service-create: " + o + " needs a value");
                        return;
                    }
                }
                default -> {
                    app.error("service-create: unknown option " + o + " (" + CREATE_USAGE + ")");
                    return;
                }
            }
            switch (o) {
                case "--replicas" -> {
                    replicas = replicas(v);
                    if (replicas < 0) {
                        app.error("service-create: invalid replicas value '" + v + "'");
                        return;
                    }
                }
                case "-p", "--publish" -> ports.add(v);
                case "-e", "--env" -> env.add(v);
                default -> constraints.add(v);
            }
            i += 2;
        }
        if (args.size() - i < 2) {
            app.error("service-create: say " + CREATE_USAGE);
            return;
        }
        if (global && replicas != null) {
            app.error("service-create: --replicas and --global exclude each other");
            return;
        }
        SwarmSupport.ServiceSpec spec = new SwarmSupport.ServiceSpec(args.get(i), args.get(i + 1), List.copyOf(args.subList(i + 2, args.size())),
                replicas, global, ports, env, constraints);
        SwarmView v = app.top() instanceof SwarmView sv ? sv : null;
        SwarmSupport m0 = v != null && !v.items().isEmpty() ? v.items().get(0).manager() : null;
        act(null, "creating service " + spec.name(), "service " + spec.name() + " created", "service-create " + spec.name() + ": ", () -> {
            SwarmSupport m = m0;
            if (m == null) {
                List<SwarmSupport> ms = SwarmView.findManagers(app.backendList());
                if (ms.isEmpty()) throw new io.cloudtui.core.CloudtuiException("no Docker engine of this session is a swarm manager");
                m = ms.get(0);
            }
            m.createService(spec);
        });
    }

    /**
     * Runs THEN on the UI thread with the task's container, as the backend of its node sees it (a host of
     * the session, else the node reached by the user's ssh as an ad-hoc host: see SwarmSupport.nodeBackend).
     */
    private void withContainer(SwarmSupport manager, SwarmSupport.Task t, java.util.function.Consumer<Workload> then) {
        if (t.containerId() == null || t.containerId().isEmpty()) {
            app.error("task " + t.name() + " has no container (" + t.state() + (t.error().isEmpty() ? "" : ": " + t.error()) + ")");
            return;
        }
        List<Backend> session = app.backendList();
        app.info("opening " + t.name() + " on " + t.node() + "...");
        app.background(() -> {
            Backend b;
            Workload w;
            try {
                b = SwarmSupport.nodeBackend(manager, t, session, app::reach);
            } catch (RuntimeException e) {
                String m = e.getMessage();
                app.onUi(() -> app.error(m));
                return;
            }
            try {
                w = b.get(t.containerId());
            } catch (RuntimeException e) {
                String m = e.getMessage();
                app.onUi(() -> app.error("task " + t.name() + ": its container on " + b.name() + ": " + m));
                return;
            }
            app.onUi(() -> then.accept(w));
        });
    }
}
