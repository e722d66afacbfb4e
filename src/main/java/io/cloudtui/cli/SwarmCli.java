package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.SwarmSupport;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** What the service and node commands share: finding the swarm manager(s) among the backends. */
final class SwarmCli {
    private SwarmCli() {}

    /** A verb of {@code service} or {@code node}: its parent's context, and {@code --backend}. */
    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        Base parent;

        @Option(names = "--backend", paramLabel = "NAME", description = "The swarm manager's backend (default: every backend that is one)")
        String backend;

        Context ctx() {
            return parent.ctx();
        }

        PrintStream out() {
            return ctx().out();
        }
    }

    static final String NOT_MANAGER = "is not a swarm manager: run 'docker swarm init' there, or name a manager's host with -H";

    /** A backend that is a swarm manager, with its swarm. */
    record Manager(Backend backend, SwarmSupport swarm, SwarmSupport.SwarmInfo info) {
        String name() {
            return backend.name();
        }
    }

    /**
     * The managers among the backends: NAME alone when given (an error when it is not one), else every
     * backend that is a manager, one per swarm (two managers of one swarm show the same cluster).
     * None: one line saying so.
     */
    static List<Manager> managers(Context ctx, String name) {
        if (name != null) {
            Backend b = ctx.backends().get(name);
            if (!(b instanceof SwarmSupport s)) throw new CloudtuiException("backend '" + b.name() + "' has no swarm mode (a Docker engine has)");
            SwarmSupport.SwarmInfo info = s.swarm();
            if (!info.manager()) throw new CloudtuiException("backend '" + b.name() + "' " + NOT_MANAGER);
            return List.of(new Manager(b, s, info));
        }
        List<Backend> candidates = ctx.backends().all().stream().filter(b -> b instanceof SwarmSupport).toList();
        if (candidates.isEmpty()) {
            throw new CloudtuiException(ctx.backends().isEmpty() && !ctx.backends().failed().isEmpty()
                    ? "no backend could be opened" : "no Docker engine is enabled: swarm mode needs one (see config.example.yaml)");
        }
        Map<String, String> failures = new LinkedHashMap<>();
        Map<SwarmSupport, SwarmSupport.SwarmInfo> found = SwarmSupport.managers(candidates, FIND_WAIT, failures);
        if (found.isEmpty()) {
            if (failures.size() == candidates.size() && failures.size() == 1) throw new CloudtuiException(failures.values().iterator().next());
            for (var f : failures.entrySet()) ctx.err().println("cloudtui: warning: backend '" + f.getKey() + "': " + f.getValue());
            throw new CloudtuiException(candidates.size() == 1 ? "the Docker engine " + NOT_MANAGER
                    : "none of the Docker engines is a swarm manager: run 'docker swarm init' on one, or name a manager's host with -H");
        }
        List<Manager> out = new ArrayList<>();
        found.forEach((s, info) -> out.add(new Manager((Backend) s, s, info)));
        return out;
    }

    /** How long the backends are given to say whether they are swarm managers (a busy dockerd's /info can take long). */
    static final java.time.Duration FIND_WAIT = java.time.Duration.ofSeconds(20);

    /** The one manager a verb acts on: NAME, the only one, or the one whose swarm has SERVICE (when a service is named). */
    static Manager one(Context ctx, String name, String service) {
        List<Manager> ms = managers(ctx, name);
        if (ms.size() == 1) return ms.get(0);
        if (service != null) {
            List<Manager> having = ms.stream().filter(m -> m.swarm().services().stream()
                    .anyMatch(s -> s.name().equals(service) || s.id().startsWith(service))).toList();
            if (having.size() == 1) return having.get(0);
        }
        throw CloudtuiException.usage("several swarms (" + String.join(", ", ms.stream().map(Manager::name).toList())
                + "): say which with --backend or -H");
    }

    /**
     * TARGET as a task of a swarm among the session's managers ({@code web.2}, a task id or prefix),
     * resolved to its container through its node's Docker (see {@link SwarmSupport#nodeBackend}); when
     * no swarm has such a task, NOT_FOUND (what resolving it as a workload said) is thrown.
     */
    /** TARGET as a workload of the session, else as a swarm task on whichever node runs it ({@link #task}). */
    static io.cloudtui.core.Workloads.Target workloadOrTask(Context ctx, String target) {
        try {
            return ctx.workloads().resolve(target);
        } catch (CloudtuiException e) {
            if (e.exitCode() != 1) throw e;
            return task(ctx, target, e);
        }
    }

    static io.cloudtui.core.Workloads.Target task(Context ctx, String target, CloudtuiException notFound) {
        if (target.contains(":")) throw notFound;
        List<Backend> candidates = ctx.backends().all().stream().filter(b -> b instanceof SwarmSupport).toList();
        // quietly: an engine that cannot say whether it manages a swarm leaves the workload's own line alone
        for (SwarmSupport m : SwarmSupport.managers(candidates, FIND_WAIT, new LinkedHashMap<>()).keySet()) {
            SwarmSupport.Task t;
            try {
                t = m.findTask(target);
            } catch (CloudtuiException e) {
                continue;
            }
            if (t == null) continue;
            if (t.containerId() == null || t.containerId().isEmpty()) {
                throw new CloudtuiException("task " + t.name() + " has no container (" + t.state() + (t.error().isEmpty() ? "" : ": " + t.error()) + ")");
            }
            Backend b = SwarmSupport.nodeBackend(m, t, ctx.backends().all(), ctx.backends()::reach);
            return new io.cloudtui.core.Workloads.Target(b, b.get(t.containerId()));
        }
        throw notFound;
    }
}
