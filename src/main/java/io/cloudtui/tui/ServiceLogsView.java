package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import io.cloudtui.core.Backend;
import io.cloudtui.core.SwarmSupport;
import java.util.List;

/** A service's logs, merged across its tasks (each line "service.slot.task@node | ..."), followed. */
final class ServiceLogsView implements View {
    private final LogsPane pane;
    private final String name;

    ServiceLogsView(TuiApp app, SwarmSupport manager, SwarmSupport.Service s) {
        this.name = s.name();
        pane = new LogsPane(app, (buf, c) -> manager.serviceLogs(s.id(), new io.cloudtui.core.LogOptions(true, buf.capacity(), null, true),
                buf.writer(), c), app.stateDir(), app::wake, ((Backend) manager).name() + "-" + s.name(), app.logBufferLines());
        pane.start();
    }

    @Override
    public String title() {
        return "logs of service " + name;
    }

    @Override
    public void render(Canvas c, int top, int bottom) {
        pane.render(c, top, bottom);
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        return pane.key(k, a);
    }

    @Override
    public Action.Scope[] scopes() {
        return new Action.Scope[] {Action.Scope.LOGS, Action.Scope.TEXT};
    }

    @Override
    public List<Action> hints() {
        return List.of(Action.FOLLOW, Action.TIMESTAMPS, Action.WRAP, Action.SEARCH, Action.SAVE, Action.BACK);
    }

    @Override
    public boolean poll() {
        return pane.poll();
    }

    @Override
    public void close() {
        pane.close();
    }
}
