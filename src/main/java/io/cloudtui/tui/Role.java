package io.cloudtui.tui;

import java.util.Locale;

/** What a piece of the screen means; themes colour roles, never widgets. */
enum Role {
    NORMAL, HEADER, FOOTER, TITLE, BORDER, DIM, ACCENT, SELECTION, MARKED, MATCH,
    RUNNING, STOPPED, PAUSED, ERROR, WARNING, INFO, DISCONNECTED, KEY, SPARKLINE;

    String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Role ofKey(String key) {
        for (Role r : values()) {
            if (r.key().equals(key)) return r;
        }
        return null;
    }
}
