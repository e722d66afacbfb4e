package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import io.cloudtui.core.Compose;
import io.cloudtui.core.State;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadId;
import io.cloudtui.core.WorkloadKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The main table: every workload of every backend, filtered, sorted, with marks. */
final class TableView implements View {
    enum Column {
        HOST("HOST"), BACKEND("BACKEND"), NAME("NAME"), KIND("KIND"), IMAGE("IMAGE/OS"), STATE("STATE"), CPU("CPU%"), MEM("MEM"),
        UPTIME("UPTIME"), PORTS("PORTS/IPS");

        final String header;

        Column(String header) {
            this.header = header;
        }

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Column of(String s) {
            String k = s.toLowerCase(Locale.ROOT);
            for (Column c : values()) {
                if (c.key().equals(k)) return c;
            }
            return switch (k) {
                case "image/os", "os" -> IMAGE;
                case "memory" -> MEM;
                case "ports", "ips" -> PORTS;
                case "status" -> STATE;
                default -> null;
            };
        }

        /** Numbers and times sort biggest first, text A to Z. */
        boolean descendingByDefault() {
            return this == CPU || this == MEM || this == UPTIME;
        }
    }

    enum Only { ALL, CONTAINERS, VMS }

    private final TuiApp app;
    final Set<WorkloadId> marks = new LinkedHashSet<>();
    Column sort = Column.NAME;
    boolean descending;
    boolean showStopped;
    Only only = Only.ALL;
    TextMatcher filter = TextMatcher.parse("");
    /** {@code :host NAME}: only that host's rows (local: the local backends'); null: every host. */
    String host;
    /** Rows grouped by host (host first, then the current sort). */
    boolean groupByHost;
    /** Compose projects (by {@link Compose.Project#key}) shown as their header line only. */
    final Set<String> collapsed = new HashSet<>();
    /** The selected line's {@link Line#key}: the cursor stays on it when lines move. */
    private String selectedKey;
    private int selected;
    private int scroll;
    private List<WorkloadTable.Row> rows = List.of();
    private List<Line> lines = List.of();
    private long rowsVersion = -1;
    private int pageSize = 10;
    private Set<WorkloadId> onScreen = Set.of();

    TableView(TuiApp app, boolean showStopped) {
        this.app = app;
        this.showStopped = showStopped;
    }

    @Override
    public String title() {
        return "workloads";
    }

    @Override
    public Action.Scope[] scopes() {
        return new Action.Scope[] {Action.Scope.TABLE, Action.Scope.LISTS};
    }

    /**
     * The row's keys its backend can do for it (a VM has no logs; a rootless engine cannot pause),
     * VMs' own keys for a VM row; without a row, what makes one.
     */
    @Override
    public List<Action> hints() {
        Line line = selectedLine();
        if (line != null && line.isProject()) {
            return List.of(Action.OPEN, Action.COLLAPSE, Action.STOP_START, Action.RESTART, Action.REMOVE, Action.COMPOSE, Action.MARK,
                    Action.FILTER, Action.PALETTE);
        }
        WorkloadTable.Row r = selectedRow();
        if (r == null) return List.of(Action.NEW, Action.NEW_VM, Action.FILTER, Action.TOGGLE_STOPPED, Action.PALETTE, Action.SHOW_IMAGES);
        Workload w = r.w;
        List<Action> out = new ArrayList<>();
        out.add(Action.OPEN);
        if (w.kind() == WorkloadKind.VM) out.addAll(List.of(Action.SSH, Action.SNAPSHOTS));
        out.addAll(List.of(Action.LOGS, Action.SHELL, Action.STOP_START, Action.RESTART, Action.KILL, Action.PAUSE,
                Action.REMOVE, Action.MARK, Action.FILTER, Action.PALETTE, Action.INSPECT, Action.ATTACH, Action.STATS));
        if (line != null && line.project() != null) out.addAll(1, List.of(Action.COLLAPSE, Action.COMPOSE));
        out.removeIf(a -> {
            io.cloudtui.core.Capability c = needs(a, w);
            return c != null && app.refusal(c, w) != null;
        });
        return out;
    }

    /** The capability a table key needs of the row's backend, or null when it needs none. */
    static io.cloudtui.core.Capability needs(Action a, Workload w) {
        boolean vm = w.kind() == WorkloadKind.VM;
        return switch (a) {
            case LOGS -> io.cloudtui.core.Capability.LOGS;
            case SHELL -> vm ? io.cloudtui.core.Capability.CONSOLE : io.cloudtui.core.Capability.EXEC;
            case ATTACH -> vm ? io.cloudtui.core.Capability.CONSOLE : io.cloudtui.core.Capability.ATTACH;
            case STOP_START -> (Verb.STOP.applies(w.state()) ? Verb.STOP : Verb.START).capability;
            case PAUSE -> (Verb.PAUSE.applies(w.state()) ? Verb.PAUSE : Verb.UNPAUSE).capability;
            case RESTART -> io.cloudtui.core.Capability.RESTART;
            case KILL -> io.cloudtui.core.Capability.KILL;
            case REMOVE -> io.cloudtui.core.Capability.REMOVE;
            case INSPECT, ENV -> io.cloudtui.core.Capability.INSPECT;
            case STATS -> io.cloudtui.core.Capability.STATS;
            default -> null;
        };
    }

    /**
     * One line of the table: a workload's row, or a Compose project's header ({@code row} null) with
     * its members under it ({@code project} set, {@code row} set) unless it is collapsed.
     */
    record Line(WorkloadTable.Row row, Compose.Project project) {
        boolean isProject() {
            return row == null;
        }

        String key() {
            return row != null ? "w:" + row.w.id() : "p:" + project.key();
        }
    }

    /** A top-level item while sorting: a workload on its own, or a project's members that passed the filter. */
    private record Item(String name, WorkloadTable.Row rep, Compose.Project project, List<WorkloadTable.Row> members) {}

    /** Forces the row list to be rebuilt (after filter or sort changes). */
    void invalidate() {
        rowsVersion = -1;
    }

    /** The workload rows that passed the filter, in the order shown (collapsed projects' too). */
    List<WorkloadTable.Row> rows() {
        lines();
        return rows;
    }

    /**
     * The lines as shown: rows filtered and sorted, Compose projects' containers grouped under a
     * header line each (a project sorts among the rows by its name, or by its member that sorts first).
     */
    List<Line> lines() {
        long v = app.model.version();
        if (v != rowsVersion) {
            rowsVersion = v;
            List<WorkloadTable.Row> out = new ArrayList<>();
            for (WorkloadTable.Row r : app.model.rows()) {
                Workload w = r.w;
                if (!showStopped && !w.state().isActive()) continue;
                if (only == Only.VMS && w.kind() != WorkloadKind.VM) continue;
                if (only == Only.CONTAINERS && w.kind() != WorkloadKind.CONTAINER) continue;
                if (host != null && !hostOf(w).equals(host)) continue;
                if (!filter.accepts(haystack(w))) continue;
                out.add(r);
            }
            out.sort(comparator());
            group(out);
            // keep the cursor on the same line when lines move
            if (selectedKey != null) {
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).key().equals(selectedKey)) {
                        selected = i;
                        break;
                    }
                }
            }
            clampSelection();
            marks.retainAll(app.model.rows().stream().map(r -> r.w.id()).toList());
        }
        return lines;
    }

    /** Groups the sorted rows into {@link #lines} and {@link #rows}. */
    private void group(List<WorkloadTable.Row> sorted) {
        Map<String, Compose.Project> projects = new HashMap<>();
        for (Compose.Project p : Compose.projects(app.model.rows().stream().map(r -> r.w).toList())) projects.put(p.key(), p);
        Map<String, Item> groups = new LinkedHashMap<>();
        List<Item> items = new ArrayList<>();
        for (WorkloadTable.Row r : sorted) {
            String pn = Compose.project(r.w);
            if (pn == null) {
                items.add(new Item(r.w.name(), r, null, List.of(r)));
                continue;
            }
            Compose.Project p = projects.get(r.w.backend() + ":" + pn);
            Item g = groups.get(p.key());
            if (g == null) {
                // sorted already: the first member seen is the one the project sorts by
                g = new Item(p.name(), r, p, new ArrayList<>());
                groups.put(p.key(), g);
                items.add(g);
            }
            g.members().add(r);
        }
        if (sort == Column.NAME) {
            // by name, a project sorts by its own name among the rows
            Comparator<Item> byName = Comparator.comparing((Item i) -> i.name().toLowerCase(Locale.ROOT));
            if (descending) byName = byName.reversed();
            if (groupByHost) byName = Comparator.comparing((Item i) -> hostKey(i.rep().w)).thenComparing(byName);
            items.sort(byName.thenComparing(i -> i.rep().w.id().toString()));
        }
        List<Line> ls = new ArrayList<>();
        List<WorkloadTable.Row> rs = new ArrayList<>();
        for (Item i : items) {
            if (i.project() == null) {
                ls.add(new Line(i.rep(), null));
                rs.add(i.rep());
                continue;
            }
            ls.add(new Line(null, i.project()));
            List<WorkloadTable.Row> members = new ArrayList<>(i.members());
            members.sort(Comparator.comparing((WorkloadTable.Row r) -> r.w, Compose.IN_PROJECT));
            rs.addAll(members);
            if (collapsed.contains(i.project().key())) continue;
            for (WorkloadTable.Row r : members) ls.add(new Line(r, i.project()));
        }
        lines = ls;
        rows = rs;
    }

    static String backendLabel(Workload w) {
        String h = Fmt.host(w.host());
        return h.isEmpty() ? w.backend() : w.backend() + "/" + h;
    }

    /** The host of a row: the part before '/' of its backend's name (web1/docker), else local. */
    static String hostOf(Workload w) {
        return io.cloudtui.core.Backends.hostOf(w.backend());
    }

    /** Hosts sort local first, then by name. */
    private static String hostKey(Workload w) {
        String h = hostOf(w);
        return h.equals("local") ? "" : h;
    }

    /** The columns shown: HOST only when a remote host is in the session. */
    List<Column> columns() {
        List<Column> out = new ArrayList<>(List.of(Column.values()));
        if (!app.showsHosts()) out.remove(Column.HOST);
        return out;
    }

    static String haystack(Workload w) {
        String p = Compose.project(w);
        return (p == null ? "" : p + " " + Compose.service(w) + " ") + hostOf(w) + " " + w.backend() + " " + w.host() + " " + w.name() + " " + w.kind().label() + " " + w.image() + " "
                + w.state().label() + " " + String.join(" ", w.ports()) + " " + w.nativeId();
    }

    private Comparator<WorkloadTable.Row> comparator() {
        Comparator<WorkloadTable.Row> c = switch (sort) {
            case HOST -> Comparator.comparing((WorkloadTable.Row r) -> hostKey(r.w));
            case BACKEND -> Comparator.comparing((WorkloadTable.Row r) -> backendLabel(r.w));
            case NAME -> Comparator.comparing((WorkloadTable.Row r) -> r.w.name().toLowerCase(Locale.ROOT));
            case KIND -> Comparator.comparing((WorkloadTable.Row r) -> r.w.kind());
            case IMAGE -> Comparator.comparing((WorkloadTable.Row r) -> r.w.image());
            case STATE -> Comparator.comparingInt((WorkloadTable.Row r) -> stateRank(r.w.state()));
            case CPU -> Comparator.comparingDouble((WorkloadTable.Row r) -> r.stats == null ? -1 : r.stats.cpuPercent());
            case MEM -> Comparator.comparingLong((WorkloadTable.Row r) -> r.stats == null ? -1 : r.stats.memoryUsage());
            case UPTIME -> Comparator.comparingLong((WorkloadTable.Row r) -> uptimeMillis(r.w));
            case PORTS -> Comparator.comparing((WorkloadTable.Row r) -> String.join(",", r.w.ports()));
        };
        if (descending) c = c.reversed();
        if (groupByHost) c = Comparator.comparing((WorkloadTable.Row r) -> hostKey(r.w)).thenComparing(c);
        return c.thenComparing(r -> r.w.name()).thenComparing(r -> r.w.id().toString());
    }

    private static int stateRank(State s) {
        return switch (s) {
            case RUNNING -> 0;
            case RESTARTING -> 1;
            case PAUSED -> 2;
            case CREATED -> 3;
            case STOPPED -> 4;
            case DEAD -> 5;
            case REMOVING -> 6;
            case UNKNOWN -> 7;
        };
    }

    private long uptimeMillis(Workload w) {
        if (!w.state().isActive()) return -1;
        if (w.started() == null) return -1;
        return Duration.between(w.started(), app.now()).toMillis();
    }

    void sortBy(Column c, Boolean desc) {
        sort = c;
        descending = desc != null ? desc : c.descendingByDefault();
        invalidate();
    }

    /** The selected workload's row; null when none is selected or a project's line is. */
    WorkloadTable.Row selectedRow() {
        Line l = selectedLine();
        return l == null ? null : l.row();
    }

    Line selectedLine() {
        List<Line> ls = lines();
        return ls.isEmpty() ? null : ls.get(selected);
    }

    /** The project of the selected line (its header or one of its containers), or null. */
    Compose.Project selectedProject() {
        Line l = selectedLine();
        return l == null ? null : l.project();
    }

    /** Marked rows if any are marked, else the selected one (a project's line: all its containers). */
    List<Workload> targets() {
        List<Workload> out = new ArrayList<>();
        if (!marks.isEmpty()) {
            for (WorkloadTable.Row r : app.model.rows()) if (marks.contains(r.w.id())) out.add(r.w);
            return out;
        }
        Line l = selectedLine();
        if (l == null) return out;
        if (l.isProject()) return members(l.project());
        out.add(l.row().w);
        return out;
    }

    /** A project's containers as the model has them now. */
    List<Workload> members(Compose.Project p) {
        List<Workload> out = new ArrayList<>();
        for (Workload w : p.members()) {
            WorkloadTable.Row r = app.model.row(w.id());
            if (r != null) out.add(r.w);
        }
        return out;
    }

    /** Whether the selection is one project as a whole: its line, or exactly its containers marked. */
    Compose.Project targetProject() {
        Line l = selectedLine();
        if (marks.isEmpty()) return l != null && l.isProject() ? l.project() : null;
        for (Compose.Project p : Compose.projects(app.model.rows().stream().map(r -> r.w).toList())) {
            Set<WorkloadId> ids = new HashSet<>();
            for (Workload w : p.members()) ids.add(w.id());
            if (ids.equals(marks)) return p;
        }
        return null;
    }

    /** Running rows currently on screen: the only ones whose stats are fetched. */
    Set<WorkloadId> onScreen() {
        return onScreen;
    }

    private void clampSelection() {
        if (lines.isEmpty()) {
            selected = 0;
            selectedKey = null;
            return;
        }
        selected = Math.max(0, Math.min(selected, lines.size() - 1));
        selectedKey = lines.get(selected).key();
    }

    private void move(int delta) {
        lines();
        selected += delta;
        clampSelection();
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        if (a == null) return false;
        switch (a) {
            case UP -> move(-1);
            case DOWN -> move(1);
            case PAGE_UP -> move(-pageSize);
            case PAGE_DOWN -> move(pageSize);
            case TOP -> move(-Integer.MAX_VALUE / 2);
            case BOTTOM -> move(Integer.MAX_VALUE / 2);
            case MARK -> {
                Line l = selectedLine();
                if (l == null) return true;
                if (l.isProject()) {
                    // a project's line marks all its containers, or unmarks them when all are marked
                    List<WorkloadId> ids = members(l.project()).stream().map(Workload::id).toList();
                    if (marks.containsAll(ids)) ids.forEach(marks::remove);
                    else marks.addAll(ids);
                } else if (!marks.remove(l.row().w.id())) {
                    marks.add(l.row().w.id());
                }
                move(1);
            }
            case COLLAPSE -> {
                Compose.Project p = selectedProject();
                if (p == null) {
                    app.info("not in a Compose project: " + KeyMap.display(app.keys.key(Action.COLLAPSE)) + " folds a project's containers under its line");
                    return true;
                }
                if (!collapsed.remove(p.key())) collapsed.add(p.key());
                selectedKey = "p:" + p.key();
                invalidate();
                lines();
            }
            case COMPOSE -> app.composeActions.openPalette();
            case UNMARK_ALL -> marks.clear();
            case SORT_NEXT -> {
                List<Column> cols = columns();
                sortBy(cols.get((Math.max(0, cols.indexOf(sort)) + 1) % cols.size()), null);
            }
            case SORT_PREV -> {
                List<Column> cols = columns();
                sortBy(cols.get((Math.max(0, cols.indexOf(sort)) + cols.size() - 1) % cols.size()), null);
            }
            case GROUP_BY_HOST -> {
                if (!app.showsHosts()) {
                    app.info("no remote host in this session: every row is local");
                    return true;
                }
                groupByHost = !groupByHost;
                invalidate();
                app.info(groupByHost ? "grouped by host" : "not grouped by host");
            }
            case SORT_REVERSE -> {
                descending = !descending;
                invalidate();
            }
            case TOGGLE_STOPPED -> {
                showStopped = !showStopped;
                invalidate();
                app.info(showStopped ? "showing stopped workloads" : "hiding stopped workloads");
            }
            case OPEN -> {
                Line l = selectedLine();
                if (l != null && l.isProject()) app.composeActions.mergedLogs(targets(), l.project().name());
                else app.drillIn();
            }
            case LOGS -> {
                Line l = selectedLine();
                if (marks.size() > 1 || (l != null && l.isProject())) {
                    Compose.Project p = targetProject();
                    app.composeActions.mergedLogs(targets(), p != null ? p.name() : null);
                } else {
                    app.openDetail(DetailView.Tab.LOGS);
                }
            }
            case STATS -> app.openDetail(DetailView.Tab.STATS);
            case INSPECT -> app.openDetail(DetailView.Tab.INSPECT);
            case ENV -> app.openDetail(DetailView.Tab.ENV);
            case FILTER -> app.openFilter();
            case STOP_START -> {
                Compose.Project p = targetProject();
                if (p != null) app.composeActions.toggle(p, "", members(p));
                else app.workloadActions.requestToggle(targets(), Verb.STOP, Verb.START);
            }
            case PAUSE -> app.workloadActions.requestToggle(targets(), Verb.PAUSE, Verb.UNPAUSE);
            case RESTART -> {
                Compose.Project p = targetProject();
                if (p != null) app.composeActions.request(p, "", Verb.RESTART, members(p));
                else app.workloadActions.request(Verb.RESTART, targets());
            }
            case KILL -> app.workloadActions.request(Verb.KILL, targets());
            case REMOVE -> {
                Compose.Project p = targetProject();
                if (p != null) app.composeActions.request(p, "", Verb.REMOVE, members(p));
                else app.workloadActions.request(Verb.REMOVE, targets());
            }
            case SHELL -> app.sessionActions.shell(selectedRow() == null ? null : selectedRow().w);
            case ATTACH -> app.sessionActions.attach(selectedRow() == null ? null : selectedRow().w);
            case NEW -> app.imageActions.openRunForm(null);
            case NEW_VM -> app.vmActions.openVmForm();
            case SSH -> app.sessionActions.ssh(selectedRow() == null ? null : selectedRow().w);
            case SNAPSHOTS -> app.vmActions.openSnapshots(selectedRow() == null ? null : selectedRow().w);
            case SHOW_IMAGES -> app.openResources(ResourceView.Kind.IMAGES);
            case SHOW_VOLUMES -> app.openResources(ResourceView.Kind.VOLUMES);
            case SHOW_NETWORKS -> app.openResources(ResourceView.Kind.NETWORKS);
            case SHOW_SERVICES -> app.swarm.open(SwarmView.Kind.SERVICES);
            case SHOW_NODES -> app.swarm.open(SwarmView.Kind.NODES);
            case SHOW_WORKLOADS -> { }
            case BACK -> {
                if (!filter.isEmpty()) {
                    setFilter("");
                    return true;
                }
                if (!marks.isEmpty()) {
                    marks.clear();
                    return true;
                }
                return false;
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    void setFilter(String f) {
        filter = TextMatcher.parse(f);
        invalidate();
    }

    @Override
    public void render(Canvas c, int top, int bottom) {
        List<Line> ls = lines();
        List<WorkloadTable.Row> rs = rows;
        int w = c.width;
        Layout l = layout(w, rs);
        // column header
        c.fillRow(top, Role.TITLE);
        for (int i = 0; i < l.cols.size(); i++) {
            Column col = l.cols.get(i);
            String h = col.header;
            if (col == sort) h += descending ? c.glyphs.down() : c.glyphs.up();
            int cx = l.x[col.ordinal()];
            int cw = l.w[col.ordinal()];
            c.put(cx, top, Fmt.fit(h, cw), Role.TITLE, cx + cw);
        }
        int first = top + 1;
        int visible = Math.max(1, bottom - first);
        pageSize = Math.max(1, visible - 1);
        if (selected < scroll) scroll = selected;
        if (selected >= scroll + visible) scroll = selected - visible + 1;
        scroll = Math.max(0, Math.min(scroll, Math.max(0, ls.size() - visible)));
        Set<WorkloadId> shown = new HashSet<>();
        for (int y = first; y < bottom; y++) {
            int idx = scroll + y - first;
            c.fillRow(y, Role.NORMAL);
            if (idx >= ls.size()) continue;
            Line line = ls.get(idx);
            if (line.isProject()) {
                // a project's sums need its running members' stats, collapsed or not
                for (Workload m : members(line.project())) {
                    if (m.state() == State.RUNNING && app.model.connected(m.backend())) shown.add(m.id());
                }
                drawProject(c, y, line.project(), l, idx == selected);
                continue;
            }
            WorkloadTable.Row r = line.row();
            if (r.w.state() == State.RUNNING && app.model.connected(r.w.backend())) shown.add(r.w.id());
            drawRow(c, y, r, l, idx == selected, line.project() != null);
        }
        onScreen = shown;
        if (ls.isEmpty()) {
            String msg = app.backendList().isEmpty() ? "no backend is enabled: start a container engine or configure one in config.yaml"
                    : app.model.rows().isEmpty() ? "no workloads" + (app.anyConnected() ? "" : " (no backend connected yet)")
                    : "no workloads match" + (filter.isEmpty() ? "" : " filter '" + filter.source + "'")
                            + (showStopped ? "" : " (stopped ones hidden: " + KeyMap.display(app.keys.key(Action.TOGGLE_STOPPED)) + " shows them)");
            c.put(2, first + 1 < bottom ? first + 1 : first, msg, Role.DIM, w);
            String hint = app.imageActions.emptyStoreHint;
            if (hint != null && first + 3 < bottom) c.put(2, first + 3, hint, Role.ACCENT, w);
        }
    }

    /**
     * A project's line: its name (folded or not), "compose", its services, "running n/m", the sums of
     * its containers' CPU and memory.
     */
    private void drawProject(Canvas c, int y, Compose.Project p, Layout l, boolean sel) {
        List<Workload> ms = members(p);
        boolean grey = !app.model.connected(p.backend());
        Role base = sel ? Role.SELECTION : grey ? Role.DIM : Role.NORMAL;
        c.fillRow(y, base);
        List<WorkloadId> ids = ms.stream().map(Workload::id).toList();
        boolean marked = !ids.isEmpty() && marks.containsAll(ids);
        if (marked) c.put(0, y, String.valueOf(c.glyphs.mark()), sel ? Role.SELECTION : Role.MARKED, 1);
        int running = 0;
        double cpu = 0;
        long mem = 0;
        boolean stats = false;
        for (Workload m : ms) {
            if (m.state().isActive()) running++;
            WorkloadTable.Row r = app.model.row(m.id());
            if (r != null && r.stats != null && m.state().isActive()) {
                stats = true;
                cpu += r.stats.cpuPercent();
                mem += r.stats.memoryUsage();
            }
        }
        for (int i = 0; i < l.cols.size(); i++) {
            Column col = l.cols.get(i);
            int x = l.x[col.ordinal()];
            int cw = l.w[col.ordinal()];
            Role role = sel ? Role.SELECTION : grey ? Role.DIM : Role.ACCENT;
            String text = switch (col) {
                case HOST -> hostOf(ms.isEmpty() ? p.members().get(0) : ms.get(0));
                case BACKEND -> ms.isEmpty() ? p.backend() : backendLabel(ms.get(0));
                case NAME -> (collapsed.contains(p.key()) ? "+ " : "- ") + p.name();
                case KIND -> "proj";
                case IMAGE -> String.join(",", p.services());
                case STATE -> {
                    if (!sel && !grey) role = running == ms.size() ? Role.RUNNING : running == 0 ? Role.STOPPED : Role.PAUSED;
                    yield "running " + running + "/" + ms.size();
                }
                case CPU -> stats ? pad5(Fmt.percent(cpu)) : pad5("-");
                case MEM -> stats ? Fmt.bytes(mem) : "-";
                default -> "";
            };
            c.put(x, y, Fmt.fit(text, cw), role, x + cw);
        }
    }

    private static String pad5(String s) {
        return " ".repeat(Math.max(0, 5 - s.length())) + s;
    }

    private void drawRow(Canvas c, int y, WorkloadTable.Row r, Layout l, boolean sel, boolean member) {
        Workload wl = r.w;
        boolean grey = !app.model.connected(wl.backend());
        Role base = sel ? Role.SELECTION : grey ? Role.DIM : Role.NORMAL;
        c.fillRow(y, base);
        boolean marked = marks.contains(wl.id());
        if (marked) c.put(0, y, String.valueOf(c.glyphs.mark()), sel ? Role.SELECTION : Role.MARKED, 1);
        for (int i = 0; i < l.cols.size(); i++) {
            Column col = l.cols.get(i);
            int x = l.x[col.ordinal()];
            int cw = l.w[col.ordinal()];
            Role role = base;
            String text;
            switch (col) {
                case HOST -> text = hostOf(wl);
                case BACKEND -> text = backendLabel(wl);
                case NAME -> {
                    // a project's containers are indented under its line
                    text = member ? "  " + wl.name() : wl.name();
                    if (marked && !sel) role = Role.MARKED;
                }
                case KIND -> text = switch (wl.kind()) { case VM -> "vm"; case JOB -> "job"; default -> "ctr"; };
                case IMAGE -> text = wl.image();
                case STATE -> {
                    text = r.transit != null ? r.transit : wl.state().label();
                    if (!sel && !grey) role = r.transit != null ? Role.PAUSED : stateRole(wl.state());
                }
                case CPU -> {
                    text = r.stats == null || !wl.state().isActive() ? "-" : Fmt.percent(r.stats.cpuPercent());
                    String pad = " ".repeat(Math.max(0, 5 - text.length()));
                    text = pad + text;
                    if (l.spark > 0 && r.cpuCount > 0 && wl.state().isActive()) {
                        double[] hist = r.cpuHistory(l.spark);
                        double max = 100;
                        for (double v : hist) max = Math.max(max, v);
                        c.put(x + 6, y, c.glyphs.sparkline(hist, max, l.spark), sel ? Role.SELECTION : grey ? Role.DIM : Role.SPARKLINE, x + cw);
                    }
                    c.put(x, y, text, role, x + 5);
                    continue;
                }
                case MEM -> text = r.stats == null || !wl.state().isActive() ? "-" : Fmt.bytes(r.stats.memoryUsage());
                case UPTIME -> {
                    long ms = uptimeMillis(wl);
                    text = ms < 0 ? "-" : Fmt.uptime(Duration.ofMillis(ms));
                }
                case PORTS -> text = String.join(",", wl.ports());
                default -> text = "";
            }
            c.put(x, y, Fmt.fit(text, cw), role, x + cw);
        }
    }

    static Role stateRole(State s) {
        return switch (s) {
            case RUNNING -> Role.RUNNING;
            case PAUSED, RESTARTING -> Role.PAUSED;
            case DEAD, UNKNOWN -> Role.ERROR;
            default -> Role.STOPPED;
        };
    }

    /** Column positions for a width: fixed columns first, then the text columns share what is left. */
    static final class Layout {
        List<Column> cols = List.of(Column.values());
        final int[] x = new int[Column.values().length];
        final int[] w = new int[Column.values().length];
        int spark;
    }

    Layout layout(int width, List<WorkloadTable.Row> rs) {
        Layout l = new Layout();
        l.cols = columns();
        boolean hosts = l.cols.contains(Column.HOST);
        l.spark = width >= 130 ? 16 : width >= 110 ? 10 : width >= 90 ? 6 : width >= 80 ? 4 : 0;
        int[] fixed = new int[Column.values().length];
        fixed[Column.KIND.ordinal()] = 5;
        // a project's line says "running n/m"
        boolean projects = rs.stream().anyMatch(r -> Compose.project(r.w) != null);
        fixed[Column.STATE.ordinal()] = projects ? 11 : width >= 100 ? 10 : 8;
        fixed[Column.CPU.ordinal()] = 5 + (l.spark > 0 ? 1 + l.spark : 0);
        fixed[Column.MEM.ordinal()] = 5;
        fixed[Column.UPTIME.ordinal()] = 6;
        Column[] flex = {Column.BACKEND, Column.NAME, Column.IMAGE, Column.PORTS, Column.HOST};
        int[] min = {6, 8, 6, 5, hosts ? 5 : 0};
        int[] want = {7, 4, 8, 9, hosts ? 5 : 0};
        for (WorkloadTable.Row r : rs) {
            Workload wl = r.w;
            String be = backendLabel(wl);
            want[0] = Math.max(want[0], Math.min(16, be.length()));
            want[1] = Math.max(want[1], Math.min(32, wl.name().length() + (Compose.project(wl) != null ? 2 : 0)));
            want[2] = Math.max(want[2], Math.min(32, wl.image().length()));
            want[3] = Math.max(want[3], Math.min(40, String.join(",", wl.ports()).length()));
            if (hosts) want[4] = Math.max(want[4], Math.min(16, hostOf(wl).length()));
        }
        int used = 2; // mark column
        for (int f : fixed) used += f == 0 ? 0 : f + 1;
        int avail = width - used - (hosts ? flex.length : flex.length - 1);
        int[] got = new int[flex.length];
        for (int i = 0; i < flex.length; i++) {
            got[i] = Math.min(min[i], Math.max(0, avail));
            avail -= got[i];
        }
        // names matter most, then images, then the rest
        int[] order = {1, 4, 2, 0, 3};
        for (int i : order) {
            int give = Math.min(avail, Math.max(0, want[i] - got[i]));
            got[i] += give;
            avail -= give;
        }
        if (avail > 0) got[3] += avail;
        int x = 2;
        for (Column c : l.cols) {
            int cw = fixed[c.ordinal()];
            for (int i = 0; i < flex.length; i++) if (flex[i] == c) cw = got[i];
            l.x[c.ordinal()] = x;
            l.w[c.ordinal()] = cw;
            x += cw + 1;
        }
        return l;
    }

    Instant now() {
        return app.now();
    }
}
