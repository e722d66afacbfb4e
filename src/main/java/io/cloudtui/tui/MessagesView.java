package io.cloudtui.tui;

import java.util.List;

/** The recent messages in full, newest at the bottom: errors too long for the message line are read here. */
final class MessagesView extends TextView {
    MessagesView(PaneHost app, String text) {
        super(app);
        pane.setText(text.isEmpty() ? "no messages yet\n" : text);
        pane.top = Integer.MAX_VALUE / 2; // the newest at the bottom, in view
    }

    @Override
    public String title() {
        return "messages";
    }

    @Override
    public List<Action> hints() {
        return List.of(Action.SEARCH, Action.NEXT_MATCH, Action.PREV_MATCH, Action.BACK);
    }
}
