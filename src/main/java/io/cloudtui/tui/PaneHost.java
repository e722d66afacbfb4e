package io.cloudtui.tui;

import java.util.function.Consumer;

/** What a scrollable text or log pane needs from the UI around it: the message line, the keys' names, the search prompt. */
interface PaneHost extends Notifier {
    KeyMap keys();

    /** Opens the / prompt; {@code target} gets what was typed, once it parsed. */
    void openSearch(Consumer<TextMatcher> target);
}
