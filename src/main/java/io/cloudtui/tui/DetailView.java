package io.cloudtui.tui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import io.cloudtui.core.Backend;
import io.cloudtui.core.Workload;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Drill-in on one workload: tabs Logs, Stats, Inspect, Env. */
final class DetailView implements View {
    enum Tab { LOGS, STATS, INSPECT, ENV }

    private final TuiApp app;
    final Workload w;
    Tab tab;
    LogsPane logs;
    final StatsPane stats;
    final TextPane inspect;
    final TextPane env;
    private boolean inspectRequested;

    DetailView(TuiApp app, Workload w, Tab tab) {
        this.app = app;
        this.w = w;
        this.stats = new StatsPane(app.model, app.statsInterval(), w.id());
        this.inspect = new TextPane(app);
        this.env = new TextPane(app);
        show(tab);
    }

    /** The capability a tab needs of the workload's backend. */
    static io.cloudtui.core.Capability needs(Tab t) {
        return switch (t) {
            case LOGS -> io.cloudtui.core.Capability.LOGS;
            case STATS -> io.cloudtui.core.Capability.STATS;
            case INSPECT, ENV -> io.cloudtui.core.Capability.INSPECT;
        };
    }

    /** Whether the tab can show anything for this workload (a VM has no logs). */
    boolean available(Tab t) {
        return app.refusal(needs(t), w) == null;
    }

    /** The next tab the workload has, {@code step} +1 or -1 from the current one. */
    private Tab cycle(int step) {
        int n = Tab.values().length;
        for (int i = 1; i < n; i++) {
            Tab t = Tab.values()[Math.floorMod(tab.ordinal() + step * i, n)];
            if (available(t)) return t;
        }
        return tab;
    }

    void show(Tab t) {
        tab = t;
        if (t == Tab.LOGS && logs == null) {
            logs = new LogsPane(app, app.backend(w.backend()), app.stateDir(), app::wake, w, app.logBufferLines());
            logs.start();
        }
        if ((t == Tab.INSPECT || t == Tab.ENV) && !inspectRequested) {
            inspectRequested = true;
            inspect.status = "loading...";
            env.status = "loading...";
            inspect.setText("");
            Backend b = app.backend(w.backend());
            app.background(() -> {
                try {
                    String json = b.inspect(w.nativeId());
                    String envText = envText(json);
                    app.onUi(() -> {
                        inspect.setText(json);
                        env.setText(envText);
                    });
                } catch (RuntimeException e) {
                    app.onUi(() -> {
                        inspect.status = "inspect failed: " + e.getMessage();
                        env.status = inspect.status;
                    });
                }
            });
        }
    }

    @Override
    public String title() {
        return w.backend() + ":" + w.name() + " / " + tab.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Action.Scope[] scopes() {
        return tab == Tab.LOGS ? new Action.Scope[] {Action.Scope.LOGS, Action.Scope.TEXT, Action.Scope.DETAIL}
                : new Action.Scope[] {Action.Scope.TEXT, Action.Scope.DETAIL};
    }

    @Override
    public List<Action> hints() {
        return switch (tab) {
            case LOGS -> List.of(Action.NEXT_TAB, Action.FOLLOW, Action.SEARCH, Action.NEXT_MATCH, Action.TIMESTAMPS, Action.WRAP,
                    Action.SAVE, Action.CLEAR, Action.BACK, Action.HELP);
            case STATS -> List.of(Action.NEXT_TAB, Action.BACK, Action.HELP, Action.QUIT);
            default -> List.of(Action.NEXT_TAB, Action.SEARCH, Action.NEXT_MATCH, Action.PREV_MATCH, Action.BACK, Action.HELP);
        };
    }

    @Override
    public boolean poll() {
        boolean dirty = stats.poll() && tab == Tab.STATS;
        if (logs != null && logs.poll() && tab == Tab.LOGS) dirty = true;
        return dirty;
    }

    @Override
    public void render(Canvas c, int top, int bottom) {
        c.fillRow(top, Role.NORMAL);
        int x = 1;
        for (Tab t : Tab.values()) {
            if (!available(t)) continue;
            String label = " " + (t.ordinal() + 1) + " " + t.name().charAt(0) + t.name().substring(1).toLowerCase(java.util.Locale.ROOT) + " ";
            x = c.put(x, top, label, t == tab ? Role.SELECTION : Role.DIM) + 1;
        }
        WorkloadTable.Row r = app.model.row(w.id());
        String state = r == null ? "gone" : r.transit != null ? r.transit : r.w.state().label();
        c.put(x + 1, top, w.name() + " (" + w.kind().label() + ", " + state + ")", r == null ? Role.ERROR : TableView.stateRole(r.w.state()));
        switch (tab) {
            case LOGS -> logs.render(c, top + 1, bottom);
            case STATS -> stats.render(c, top + 1, bottom);
            case INSPECT -> inspect.render(c, top + 1, bottom);
            case ENV -> env.render(c, top + 1, bottom);
        }
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        if (a == Action.NEXT_TAB) {
            show(cycle(1));
            return true;
        }
        if (k.getKeyType() == KeyType.ReverseTab) {
            show(cycle(-1));
            return true;
        }
        if (k.getKeyType() == KeyType.Character && !k.isCtrlDown() && !k.isAltDown()
                && k.getCharacter() >= '1' && k.getCharacter() <= '4') {
            Tab t = Tab.values()[k.getCharacter() - '1'];
            String why = app.refusal(needs(t), w);
            if (why != null) app.error(why);
            else show(t);
            return true;
        }
        return switch (tab) {
            case LOGS -> logs.key(k, a);
            case STATS -> false;
            case INSPECT -> inspect.key(k, a);
            case ENV -> env.key(k, a);
        };
    }

    @Override
    public void close() {
        if (logs != null) logs.close();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The parts of inspect output a user looks for: command, environment, mounts, ports, labels. */
    static String envText(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (Exception e) {
            return "inspect output is not JSON; see the Inspect tab";
        }
        if (root != null && root.isArray() && !root.isEmpty()) root = root.get(0);
        if (root == null || !root.isObject()) return "no configuration in inspect output";
        List<String> out = new ArrayList<>();
        JsonNode cfg = root.path("Config");
        section(out, "Command", joined(cfg.path("Entrypoint")) + (cfg.path("Entrypoint").isArray() && !cfg.path("Entrypoint").isEmpty() ? " " : "")
                + joined(cfg.path("Cmd")));
        section(out, "Working dir", cfg.path("WorkingDir").asText(""));
        section(out, "User", cfg.path("User").asText(""));
        section(out, "Hostname", cfg.path("Hostname").asText(""));
        section(out, "Image", cfg.path("Image").asText(""));
        list(out, "Environment", cfg.path("Env"));
        map(out, "Labels", cfg.path("Labels"));
        JsonNode mounts = root.path("Mounts");
        if (mounts.isArray() && !mounts.isEmpty()) {
            out.add("Mounts");
            for (JsonNode m : mounts) {
                out.add("  " + m.path("Source").asText(m.path("Name").asText("")) + " -> " + m.path("Destination").asText("")
                        + (m.path("RW").asBoolean(true) ? "" : " (ro)"));
            }
            out.add("");
        }
        JsonNode ports = root.path("NetworkSettings").path("Ports");
        if (ports.isObject() && !ports.isEmpty()) {
            out.add("Ports");
            for (Iterator<Map.Entry<String, JsonNode>> it = ports.fields(); it.hasNext(); ) {
                var e = it.next();
                StringBuilder sb = new StringBuilder("  " + e.getKey());
                if (e.getValue().isArray()) {
                    for (JsonNode b : e.getValue()) sb.append(" <- ").append(b.path("HostIp").asText("")).append(':').append(b.path("HostPort").asText(""));
                }
                out.add(sb.toString());
            }
            out.add("");
        }
        JsonNode host = root.path("HostConfig");
        section(out, "Restart policy", host.path("RestartPolicy").path("Name").asText(""));
        section(out, "Network mode", host.path("NetworkMode").asText(""));
        if (out.isEmpty()) return "no Config section in inspect output; see the Inspect tab";
        return String.join("\n", out);
    }

    private static String joined(JsonNode n) {
        if (!n.isArray()) return n.isTextual() ? n.asText() : "";
        List<String> parts = new ArrayList<>();
        for (JsonNode x : n) parts.add(x.asText());
        return String.join(" ", parts);
    }

    private static void section(List<String> out, String title, String value) {
        if (value == null || value.isBlank()) return;
        out.add(title);
        out.add("  " + value.trim());
        out.add("");
    }

    private static void list(List<String> out, String title, JsonNode n) {
        if (!n.isArray() || n.isEmpty()) return;
        out.add(title);
        for (JsonNode x : n) out.add("  " + x.asText());
        out.add("");
    }

    private static void map(List<String> out, String title, JsonNode n) {
        if (!n.isObject() || n.isEmpty()) return;
        out.add(title);
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            out.add("  " + e.getKey() + "=" + e.getValue().asText());
        }
        out.add("");
    }
}
