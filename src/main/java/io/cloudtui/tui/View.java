package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import java.util.List;

/** A full-screen view between the header and the message line. UI thread only. */
interface View {
    /** Breadcrumb shown in the header. */
    String title();

    /** Draws rows {@code top} (inclusive) to {@code bottom} (exclusive). */
    void render(Canvas c, int top, int bottom);

    /** Handles a key already mapped to {@code action} (may be null); returns whether it did anything. */
    boolean key(KeyStroke k, Action action);

    /** Scopes whose keys are live here, most specific first. */
    Action.Scope[] scopes();

    /** Keys shown in the footer. */
    List<Action> hints();

    /** Called every loop step; returns true when the view needs a redraw (new log lines, a timer). */
    default boolean poll() {
        return false;
    }

    default void close() {}
}
