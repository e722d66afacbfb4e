package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import io.cloudtui.core.Workload;
import io.cloudtui.libvirt.VmSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The z view: a VM's snapshots as a tree, the current one marked; take, revert and delete. */
final class SnapshotView implements View {
    private static final String[] HEADERS = {"NAME", "CREATED", "STATE", "MEMORY", "DESCRIPTION"};

    private final TuiApp app;
    final Workload vm;
    final VmSupport vs;
    private List<VmSupport.Snapshot> snaps = List.of();
    private Map<String, Integer> depth = Map.of();
    private String status = "loading...";
    // why this VM can have no snapshots (one line naming it), or null
    private volatile String cannot;
    private final Grid grid = new Grid();

    SnapshotView(TuiApp app, Workload vm, VmSupport vs) {
        this.app = app;
        this.vm = vm;
        this.vs = vs;
        load();
    }

    /** Lists again on a worker; the rows change on the UI thread. */
    void load() {
        app.background(() -> {
            try {
                String why = vs.whyNoSnapshots(vm.nativeId());
                if (why != null) {
                    app.onUi(() -> {
                        cannot = why;
                        status = why;
                    });
                    return;
                }
                List<VmSupport.Snapshot> s = vs.snapshots(vm.nativeId());
                Map<String, Integer> d = new HashMap<>();
                for (VmSupport.Snapshot x : s) d.put(x.name(), x.parent() == null ? 0 : d.getOrDefault(x.parent(), 0) + 1);
                app.onUi(() -> {
                    snaps = s;
                    depth = d;
                    status = s.isEmpty() ? "no snapshots; " + KeyMap.display(app.keys.key(Action.TAKE_SNAPSHOT)) + " takes one" : "";
                    grid.clamp(s.size());
                });
            } catch (RuntimeException e) {
                app.onUi(() -> status = "cannot list snapshots: " + e.getMessage());
            }
        });
    }

    VmSupport.Snapshot selectedSnapshot() {
        return snaps.isEmpty() ? null : snaps.get(Math.min(grid.selected, snaps.size() - 1));
    }

    List<VmSupport.Snapshot> snapshots() {
        return snaps;
    }

    @Override
    public String title() {
        return "snapshots of " + vm.name();
    }

    @Override
    public Action.Scope[] scopes() {
        return new Action.Scope[] {Action.Scope.SNAPSHOTS};
    }

    @Override
    public List<Action> hints() {
        return List.of(Action.TAKE_SNAPSHOT, Action.REVERT_SNAPSHOT, Action.DELETE_SNAPSHOT, Action.BACK);
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        if (a == null) return false;
        if (grid.move(a, snaps.size())) return true;
        switch (a) {
            case TAKE_SNAPSHOT -> {
                if (cannot != null) app.error(cannot);
                else app.openPalette("snapshot create ");
            }
            case REVERT_SNAPSHOT, DELETE_SNAPSHOT -> {
                VmSupport.Snapshot s = selectedSnapshot();
                if (s == null) app.error("no snapshot selected");
                else app.vmActions.snapshotVerb(this, a == Action.REVERT_SNAPSHOT ? "revert" : "delete", s.name());
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    @Override
    public void render(Canvas c, int top, int bottom) {
        List<String[]> rows = new ArrayList<>(snaps.size());
        for (VmSupport.Snapshot s : snaps) {
            String mark = s.current() ? c.glyphs.mark() + " " : "  ";
            String age = s.created() == null ? "-" : Fmt.uptime(Duration.between(s.created(), app.now())) + " ago";
            rows.add(new String[] {mark + "  ".repeat(depth.getOrDefault(s.name(), 0)) + s.name(), age, s.state() == null ? "" : s.state(),
                s.memory() ? "yes" : "no", s.description() == null ? "" : s.description()});
        }
        grid.render(c, top, bottom, HEADERS, rows, 40, i -> snaps.get(i).current() ? Role.ACCENT : Role.NORMAL, status);
    }
}
