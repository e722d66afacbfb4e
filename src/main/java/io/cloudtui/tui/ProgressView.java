package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;

/** Streams the progress of a pull, import or build; stays open when done so the result can be read. */
final class ProgressView extends TextView {
    private final String title;
    volatile boolean done;

    ProgressView(PaneHost app, String title) {
        super(app);
        this.title = title;
        pane.setText("");
        pane.follow = true;
    }

    @Override
    public String title() {
        return title + (done ? " (done)" : " ...");
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        if (a == Action.UP || a == Action.PAGE_UP || a == Action.TOP) pane.follow = false;
        if (a == Action.BOTTOM) pane.follow = true;
        return super.key(k, a);
    }
}
