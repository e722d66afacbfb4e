package io.cloudtui.tui;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Workload;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle verbs on workloads (stop, start, pause, restart, kill, remove): what is refused and
 * why, the confirmation of destructive ones, the marks they consume, the rows' transit states
 * ("stopping") while they run on workers, and the one message that sums them up. UI thread only.
 */
final class WorkloadActions {
    private static final Logger LOG = LoggerFactory.getLogger(WorkloadActions.class);
    private final TuiApp app;

    WorkloadActions(TuiApp app) {
        this.app = app;
    }

    /** s and p: the first verb for targets where it applies (stop running ones), else the second. */
    void requestToggle(List<Workload> targets, Verb first, Verb second) {
        List<Workload> firsts = targets.stream().filter(w -> first.applies(w.state())).toList();
        if (!firsts.isEmpty()) request(first, firsts);
        else request(second, targets);
    }

    void request(Verb verb, List<Workload> targets) {
        if (targets.isEmpty()) {
            app.error("no workload selected");
            return;
        }
        List<Workload> ok = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Workload w : targets) {
            String why = app.refusal(verb.capability, w);
            if (why != null) skipped.add(w.name() + " (" + why + ")");
            else if (!verb.applies(w.state())) skipped.add(w.name() + " (" + w.state().label() + ")");
            else ok.add(w);
        }
        if (ok.isEmpty()) {
            app.error("cannot " + verb.label + ": " + String.join(", ", skipped));
            return;
        }
        if (verb.destructive) {
            int n = ok.size();
            String question = Character.toUpperCase(verb.label.charAt(0)) + verb.label.substring(1) + " "
                    + (n == 1 ? ok.get(0).backend() + ":" + ok.get(0).name() : n + " workloads") + "?";
            List<String> details = new ArrayList<>();
            details.add("This will " + verb.explanation + ".");
            if (n > 1) {
                for (Workload t : ok) details.add("  " + t.backend() + ":" + t.name() + " (" + t.state().label() + ")");
            } else if (verb == Verb.REMOVE && ok.get(0).state().isActive()) {
                details.add("It is " + ok.get(0).state().label() + ": it will be killed first.");
            }
            if (!skipped.isEmpty()) details.add("Skipped: " + String.join(", ", skipped));
            app.confirm(question, details, () -> {
                app.table.marks.clear();
                execute(verb, ok);
            });
        } else {
            app.table.marks.clear();
            execute(verb, ok);
        }
    }

    void execute(Verb verb, List<Workload> targets) {
        app.info(verb.label + (verb.label.endsWith("e") ? "" : "") + " " + names(targets) + "...");
        int[] pending = {targets.size()};
        List<String> failures = new ArrayList<>();
        for (Workload w : targets) {
            Backend b = app.backend(w.backend());
            // the row says "stopping" from now until the engine says stopped (a stop may take its whole timeout)
            app.model.post(new WorkloadTable.Transit(w.id(), verb.ing));
            app.background(() -> {
                String err = null;
                try {
                    verb.run(b, w);
                } catch (RuntimeException e) {
                    err = e.getMessage() != null ? e.getMessage() : e.toString();
                    LOG.debug("{} {} failed", verb.label, w.id(), e);
                }
                if (verb == Verb.REMOVE && err == null) {
                    app.model.post(new WorkloadTable.Removed(w.id()));
                } else {
                    // the state after the verb, then the end of its "-ing", in one batch: no flash of the old state
                    try {
                        app.model.post(new WorkloadTable.Changed(b.get(w.nativeId())));
                    } catch (RuntimeException e) {
                        app.feed.refresh(b, w.id());
                    }
                    app.model.post(new WorkloadTable.Transit(w.id(), null));
                }
                String fe = err;
                app.onUi(() -> {
                    if (fe != null) failures.add(w.name() + ": " + fe);
                    if (--pending[0] == 0) {
                        if (failures.isEmpty()) app.info(verb.past + " " + names(targets));
                        else app.error(verb.label + " failed: " + String.join("; ", failures));
                    }
                });
            });
        }
    }

    private static String names(List<Workload> ws) {
        if (ws.size() > 3) return ws.size() + " workloads";
        return String.join(", ", ws.stream().map(Workload::name).toList());
    }
}
