package io.cloudtui.tui;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadKind;
import io.cloudtui.libvirt.VmSupport;
import java.util.ArrayList;
import java.util.List;

/**
 * VMs' own actions: the snapshots view and the snapshot commands (take, revert and delete, the last
 * two confirmed), and the new-VM form with the creation's progress on the message line. UI thread only.
 */
final class VmActions {
    private final TuiApp app;

    VmActions(TuiApp app) {
        this.app = app;
    }

    /** The selected row's VM support, or null after telling the user why not. */
    VmSupport vmOf(Workload w, String what) {
        if (w == null) {
            app.error("no workload selected");
            return null;
        }
        if (w.kind() != WorkloadKind.VM || !(app.backend(w.backend()) instanceof VmSupport vs)) {
            app.error(what + ": " + w.name() + " is not a VM");
            return null;
        }
        return vs;
    }

    void openSnapshots(Workload w) {
        VmSupport vs = vmOf(w, "snapshots");
        if (vs == null) return;
        app.showWorkloads();
        app.push(new SnapshotView(app, w, vs));
    }

    /** {@code :snapshot create NAME [--no-memory] [DESCRIPTION...]}, {@code revert NAME}, {@code delete NAME}. */
    void snapshotCommand(List<String> args) {
        SnapshotView sv = app.top() instanceof SnapshotView v ? v : null;
        if (sv == null) {
            WorkloadTable.Row r = app.table.selectedRow();
            VmSupport vs = vmOf(r == null ? null : r.w, "snapshot");
            if (vs == null) return;
            sv = new SnapshotView(app, r.w, vs);
            app.push(sv);
        }
        if (args.size() < 2 || !List.of("create", "revert", "delete").contains(args.get(0))) {
            app.error("snapshot: say create NAME [--no-memory] [DESCRIPTION], revert NAME or delete NAME");
            return;
        }
        if (!args.get(0).equals("create")) {
            snapshotVerb(sv, args.get(0), args.get(1));
            return;
        }
        String name = args.get(1);
        List<String> rest = new ArrayList<>(args.subList(2, args.size()));
        Boolean memory = rest.remove("--no-memory") ? Boolean.FALSE : null;
        String description = rest.isEmpty() ? null : String.join(" ", rest);
        SnapshotView view = sv;
        app.info("taking snapshot " + name + " of " + sv.vm.name() + "...");
        app.background(() -> {
            try {
                view.vs.snapshotCreate(view.vm.nativeId(), name, description, memory);
                app.onUi(() -> app.info("took snapshot " + name + " of " + view.vm.name()));
            } catch (RuntimeException e) {
                app.onUi(() -> app.error("snapshot " + name + " failed: " + e.getMessage()));
            }
            app.onUi(view::load);
        });
    }

    /** Revert or delete one snapshot, after confirmation. */
    void snapshotVerb(SnapshotView sv, String verb, String name) {
        boolean revert = verb.equals("revert");
        List<String> details = revert
                ? List.of("The VM goes back to the state it had then; what changed since is lost", "unless another snapshot holds it.")
                : List.of("Its metadata and internal state go; disk files are never deleted.");
        app.confirm((revert ? "Revert " : "Delete snapshot ") + (revert ? sv.vm.name() + " to snapshot " + name : name + " of " + sv.vm.name()) + "?",
                details, () -> {
                    app.info((revert ? "reverting to " : "deleting ") + name + "...");
                    app.background(() -> {
                        try {
                            if (revert) sv.vs.snapshotRevert(sv.vm.nativeId(), name);
                            else sv.vs.snapshotDelete(sv.vm.nativeId(), name);
                            app.onUi(() -> app.info((revert ? "reverted " + sv.vm.name() + " to " : "deleted snapshot ") + name));
                        } catch (RuntimeException e) {
                            app.onUi(() -> app.error(verb + " " + name + " failed: " + e.getMessage()));
                        }
                        app.feed.refresh(app.backend(sv.vm.backend()), sv.vm.id());
                        app.onUi(sv::load);
                    });
                });
    }

    void openVmForm() {
        Backend b = null;
        WorkloadTable.Row r = app.table.selectedRow();
        if (r != null && app.backend(r.w.backend()) instanceof VmSupport) b = app.backend(r.w.backend());
        if (b == null) for (Backend x : app.backendList()) if (x instanceof VmSupport) {
            b = x;
            break;
        }
        if (b == null) {
            app.error("no backend has VMs (is libvirtd running?)");
            return;
        }
        app.push(new VmForm(app::backend, this::createVm, b, app.env()));
    }

    void createVm(Backend b, VmSupport vs, VmSupport.CreateSpec spec) {
        if (app.top() instanceof VmForm) app.popTop();
        // libvirtd can take a minute to define a domain: the message line says what it waits for, and for how long
        String doing = "creating VM " + spec.name() + ": ";
        String[] step = {"starting"};
        long t0 = System.nanoTime();
        Runnable show = () -> {
            MessageLine.Message m = app.messages.current();
            if (m == null || m.text().startsWith(doing)) {
                app.info(doing + step[0] + " " + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) + "s");
            }
        };
        show.run();
        Thread ticker = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Thread.sleep(1000);
                    app.onUi(show);
                }
            } catch (InterruptedException e) {
                // created or failed
            }
        });
        app.background(() -> {
            try {
                String uuid = vs.create(spec, s -> app.onUi(() -> {
                    step[0] = s;
                    show.run();
                }));
                ticker.interrupt();
                app.onUi(() -> app.info("created VM " + spec.name() + " (" + uuid + ")" + (spec.start() ? ", starting" : "")));
            } catch (RuntimeException e) {
                ticker.interrupt();
                app.onUi(() -> app.error("create VM " + spec.name() + " failed: " + e.getMessage()));
            }
            app.feed.relist(b.name());
        });
    }
}
