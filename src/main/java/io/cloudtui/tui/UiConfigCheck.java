package io.cloudtui.tui;

import io.cloudtui.config.Config;
import io.cloudtui.config.ConfigProblem;
import io.cloudtui.core.CloudtuiException;
import java.util.Map;

/**
 * What the config loader cannot know about the UI's part of a config file: that its theme exists
 * and loads, and that its key bindings parse and clash nowhere. Run on every config file, for every
 * command, so a bad one is reported at load time and not only when the UI starts.
 */
public final class UiConfigCheck {
    private UiConfigCheck() {}

    /** Throws {@link ConfigProblem} for the first bad key binding or theme of C. */
    public static void check(Config c, Map<String, String> env) {
        if (!c.keys().isEmpty()) KeyMap.of(c.keys());
        String theme = c.ui().theme();
        Themes themes = Themes.standard(env);
        // a bundled theme is known good (ThemeTest loads each): not parsed on every command
        if (themes.isBundledOnly(theme)) return;
        try {
            themes.load(theme);
        } catch (CloudtuiException e) {
            throw new ConfigProblem("ui.theme", false, "config ui.theme: " + e.getMessage());
        }
    }
}
