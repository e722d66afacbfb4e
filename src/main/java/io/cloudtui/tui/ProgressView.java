package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import java.util.List;

/** Streams the progress of a pull, import or build; stays open when done so the result can be read. */
final class ProgressView implements View {
    private final String title;
    final TextPane pane;
    volatile boolean done;

    ProgressView(TuiApp app, String title) {
        this.title = title;
        this.pane = new TextPane(app);
        pane.setText("");
        pane.follow = true;
    }

    @Override
    public String title() {
        return title + (done ? " (done)" : " ...");
    }

    @Override
    public void render(Canvas c, int top, int bottom) {
        pane.render(c, top, bottom);
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        if (a == Action.UP || a == Action.PAGE_UP || a == Action.TOP) pane.follow = false;
        if (a == Action.BOTTOM) pane.follow = true;
        return pane.key(k, a);
    }

    @Override
    public Action.Scope[] scopes() {
        return new Action.Scope[] {Action.Scope.TEXT};
    }

    @Override
    public List<Action> hints() {
        return List.of(Action.SEARCH, Action.NEXT_MATCH, Action.BACK);
    }
}
