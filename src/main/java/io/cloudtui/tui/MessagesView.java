package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import java.util.List;

/** The recent messages in full, newest at the bottom: errors too long for the message line are read here. */
final class MessagesView implements View {
    private final TextPane pane;

    MessagesView(TuiApp app, String text) {
        pane = new TextPane(app);
        pane.setText(text.isEmpty() ? "no messages yet\n" : text);
        pane.top = Integer.MAX_VALUE / 2; // the newest at the bottom, in view
    }

    @Override
    public String title() {
        return "messages";
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
        return List.of(Action.SEARCH, Action.NEXT_MATCH, Action.PREV_MATCH, Action.BACK);
    }
}
