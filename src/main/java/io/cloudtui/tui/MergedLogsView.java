package io.cloudtui.tui;

import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.input.KeyStroke;
import io.cloudtui.core.LogMerge;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.LogPrefix;
import io.cloudtui.core.Workload;
import java.util.ArrayList;
import java.util.List;

/**
 * Several containers' logs as one stream ({@link LogMerge}: time order by the engines' timestamps,
 * a short reorder window while following), each line prefixed with its container in a colour of its
 * own; the logs view's search, follow, timestamps, save and bounded buffer ({@link LogsPane}).
 */
final class MergedLogsView implements View {
    /** How long a line waits for a quiet container's earlier one. */
    static final long REORDER_WINDOW_MS = 250;
    /** The colours of {@link LogPrefix}'s order: cyan, yellow, green, magenta, blue, red. */
    private static final TextColor[] COLOURS = {TextColor.ANSI.CYAN, TextColor.ANSI.YELLOW, TextColor.ANSI.GREEN, TextColor.ANSI.MAGENTA,
        TextColor.ANSI.BLUE, TextColor.ANSI.RED};

    private final TuiApp app;
    private final List<Workload> ws;
    private final String title;
    private final List<String> prefixes;
    private final Style[] styles;
    final LogsPane pane;

    MergedLogsView(TuiApp app, List<Workload> ws, String title) {
        this.app = app;
        this.ws = List.copyOf(ws);
        this.title = title;
        this.prefixes = LogPrefix.prefixes(this.ws.stream().map(Workload::name).toList());
        this.styles = new Style[this.ws.size()];
        for (int i = 0; i < styles.length; i++) styles[i] = new Style(COLOURS[LogPrefix.colour(i)], null, null);
        List<LogMerge.Source> sources = new ArrayList<>();
        for (Workload w : this.ws) sources.add(new LogMerge.Source(app.backend(w.backend()), w));
        String stem = "merged-" + (title != null ? title : this.ws.size() + "-containers");
        this.pane = new LogsPane(app, (buf, cancel) -> LogMerge.run(sources,
                new LogOptions(true, Math.max(1, buf.capacity() / sources.size()), null, true), REORDER_WINDOW_MS,
                (i, line) -> buf.appendPrefixed(line, prefixes.get(i), styles[i]),
                (i, msg) -> app.onUi(() -> app.error(this.ws.get(i).name() + ": " + msg)), cancel),
                app.stateDir(), app::wake, stem, app.logBufferLines());
        pane.start();
    }

    @Override
    public String title() {
        return "logs " + (title != null ? title : ws.size() + " containers") + " (merged)";
    }

    @Override
    public Action.Scope[] scopes() {
        return new Action.Scope[] {Action.Scope.LOGS, Action.Scope.TEXT, Action.Scope.DETAIL};
    }

    @Override
    public List<Action> hints() {
        return List.of(Action.FOLLOW, Action.SEARCH, Action.NEXT_MATCH, Action.TIMESTAMPS, Action.WRAP, Action.SAVE, Action.CLEAR, Action.BACK,
                Action.HELP);
    }

    @Override
    public boolean poll() {
        return pane.poll();
    }

    @Override
    public void render(Canvas c, int top, int bottom) {
        // the containers in their colours: the key to the prefixes below
        c.fillRow(top, Role.NORMAL);
        int x = 1;
        for (int i = 0; i < ws.size(); i++) {
            Style st = new Style(c.style(Role.NORMAL).fg(), c.style(Role.NORMAL).bg(), null);
            x = c.putStyled(x, top, StyledText.prefixed(ws.get(i).name(), styles[i], StyledText.EMPTY), 0, st, c.width, null, null) + 2;
        }
        pane.render(c, top + 1, bottom);
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        return pane.key(k, a);
    }

    @Override
    public void close() {
        pane.close();
    }
}
