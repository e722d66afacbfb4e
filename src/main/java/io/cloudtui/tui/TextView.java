package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import java.util.List;

/** A view that is one scrollable, searchable text pane: help, messages, progress. */
abstract class TextView implements View {
    final TextPane pane;

    TextView(PaneHost app) {
        pane = new TextPane(app);
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
        return new Action.Scope[] {Action.Scope.TEXT};
    }

    @Override
    public List<Action> hints() {
        return List.of(Action.SEARCH, Action.NEXT_MATCH, Action.BACK);
    }
}
