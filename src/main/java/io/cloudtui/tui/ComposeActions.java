package io.cloudtui.tui;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Compose;
import io.cloudtui.core.ComposeCli;
import io.cloudtui.core.Workload;
import java.util.ArrayList;
import java.util.List;

/**
 * Compose projects and services as units: stop, start, restart and down (remove) of their
 * containers, each asked first; up, pull, build and down -v through the Compose CLI with its output
 * in a {@link ProgressView}; and their logs merged into one {@link MergedLogsView}. UI thread only.
 */
final class ComposeActions {
    static final List<String> VERBS = List.of("build", "down", "down-v", "logs", "pull", "restart", "start", "stop", "up");

    private final TuiApp app;

    ComposeActions(TuiApp app) {
        this.app = app;
    }

    /** C: the palette, ready for a compose verb on the selected project. */
    void openPalette() {
        if (app.table.selectedProject() == null) {
            app.error("not a Compose project: select a project's line or one of its containers");
            return;
        }
        app.openPalette("compose ");
    }

    /** The selected project's services, for completion. */
    List<String> serviceNames() {
        Compose.Project p = app.table.selectedProject();
        return p == null ? List.of() : p.services();
    }

    /** {@code :compose VERB [SERVICE...]} on the selected project. */
    void command(List<String> args) {
        if (args.isEmpty()) {
            app.error("compose: what? (compose " + String.join("|", VERBS) + " [SERVICE...])");
            return;
        }
        Compose.Project p = app.table.selectedProject();
        if (p == null) {
            app.error("compose: not a Compose project: select a project's line or one of its containers");
            return;
        }
        String verb = args.get(0);
        List<String> services = args.subList(1, args.size());
        for (String s : services) {
            if (p.service(s).isEmpty()) {
                app.error("compose: project " + p.name() + " has no service '" + s + "' (services: " + String.join(", ", p.services()) + ")");
                return;
            }
        }
        List<Workload> members = new ArrayList<>();
        for (Workload w : app.table.members(p)) if (services.isEmpty() || services.contains(Compose.service(w))) members.add(w);
        String service = String.join(", ", services);
        switch (verb) {
            case "stop" -> request(p, service, Verb.STOP, members);
            case "start" -> request(p, service, Verb.START, members);
            case "restart" -> request(p, service, Verb.RESTART, members);
            case "down", "remove", "rm" -> request(p, service, Verb.REMOVE, members);
            case "logs" -> mergedLogs(members, p.name() + (service.isEmpty() ? "" : " " + service));
            default -> {
                ComposeCli.Verb cli = ComposeCli.Verb.of(verb);
                if (cli == null) app.error("compose: unknown verb '" + verb + "' (" + String.join(", ", VERBS) + ")");
                else cli(p, cli, services);
            }
        }
    }

    /** s on a project: stop it when any of it runs, else start it. */
    void toggle(Compose.Project p, String service, List<Workload> members) {
        boolean running = members.stream().anyMatch(w -> Verb.STOP.applies(w.state()));
        request(p, service, running ? Verb.STOP : Verb.START, members);
    }

    /** A verb on a project's (or service's) containers, asked first whatever the verb. */
    void request(Compose.Project p, String service, Verb verb, List<Workload> members) {
        String subject = service.isEmpty() ? "project " + p.name() : "service " + service + " of " + p.name();
        List<Workload> ok = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Workload w : members) {
            String why = app.refusal(verb.capability, w);
            if (why != null) skipped.add(w.name() + " (" + why + ")");
            else if (verb.applies(w.state())) ok.add(w);
        }
        if (ok.isEmpty()) {
            app.error("cannot " + verb.label + " " + subject + ": " + (skipped.isEmpty() ? "none of its containers is in a state for it" : String.join(", ", skipped)));
            return;
        }
        String label = verb == Verb.REMOVE ? "remove (down)" : verb.label;
        String question = Character.toUpperCase(label.charAt(0)) + label.substring(1) + " " + subject + " ("
                + ok.size() + (ok.size() == 1 ? " container" : " containers") + ")?";
        List<String> details = new ArrayList<>();
        details.add("This will " + verb.explanation + ".");
        for (Workload w : ok) details.add("  " + w.backend() + ":" + w.name() + " (" + w.state().label() + ")");
        if (!skipped.isEmpty()) details.add("Skipped: " + String.join(", ", skipped));
        app.confirm(question, details, () -> {
            app.table.marks.clear();
            app.workloadActions.execute(verb, ok);
        });
    }

    /** up, pull, build, down -v: the Compose CLI, its output in a progress view; down -v is asked first. */
    void cli(Compose.Project p, ComposeCli.Verb verb, List<String> services) {
        Backend b = app.backend(p.backend());
        String why = ComposeCli.refusal(b, p);
        if (why != null) {
            app.error("compose " + verb.label + ": " + why);
            return;
        }
        if (verb == ComposeCli.Verb.DOWN_VOLUMES) {
            if (!services.isEmpty()) {
                app.error("compose down -v is for a whole project, not a service");
                return;
            }
            app.confirm("Down -v project " + p.name() + "?", List.of("This will run the Compose CLI's down -v in " + p.workingDir() + ":",
                    "its containers and networks are removed, and its volumes with them."), () -> runCli(b, p, verb, services));
            return;
        }
        runCli(b, p, verb, services);
    }

    private void runCli(Backend b, Compose.Project p, ComposeCli.Verb verb, List<String> services) {
        String title = "compose " + verb.label + " " + p.name() + (services.isEmpty() ? "" : " " + String.join(" ", services));
        ProgressView pv = new ProgressView(app, title);
        app.push(pv);
        app.background(() -> {
            try {
                int rc = ComposeCli.run(b, p, verb, services, app.env(), line -> app.onUi(() -> pv.pane.append(line)), null);
                app.onUi(() -> {
                    pv.done = true;
                    if (rc == 0) {
                        pv.pane.append("done");
                        app.info(title + ": done");
                    } else {
                        pv.pane.append("failed: exit code " + rc);
                        app.error(title + " failed (the Compose CLI's exit code " + rc + ")");
                    }
                });
            } catch (CloudtuiException e) {
                app.onUi(() -> {
                    pv.done = true;
                    pv.pane.append("failed: " + e.getMessage());
                    app.error(title + ": " + e.getMessage());
                });
            }
        });
    }

    /** One log stream of several containers (a project's, a service's, the marked rows), in time order. */
    void mergedLogs(List<Workload> ws, String title) {
        List<Workload> ok = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Workload w : ws) {
            String why = app.refusal(Capability.LOGS, w);
            if (why == null) ok.add(w);
            else skipped.add(w.name());
        }
        if (ok.isEmpty()) {
            app.error(ws.isEmpty() ? "no workload selected" : "no logs for " + String.join(", ", skipped));
            return;
        }
        app.showWorkloads();
        app.push(new MergedLogsView(app, ok, title));
        if (!skipped.isEmpty()) app.info("without logs, left out: " + String.join(", ", skipped));
    }
}
