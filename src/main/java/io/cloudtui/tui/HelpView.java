package io.cloudtui.tui;

import java.util.List;

/** Help generated from the live key map, so it always says what the keys really do. */
final class HelpView extends TextView {
    HelpView(PaneHost app) {
        super(app);
        pane.setText(text(app.keys()));
    }

    static String text(KeyMap keys) {
        StringBuilder sb = new StringBuilder();
        Action.Scope cur = null;
        for (KeyMap.Binding b : keys.bindings()) {
            if (b.scope() != cur) {
                if (cur != null) sb.append('\n');
                cur = b.scope();
                sb.append(KeyMap.scopeTitle(cur)).append('\n');
            }
            sb.append(String.format("  %-10s %-15s %s%n", b.key(), b.action().configName(), b.action().description));
        }
        sb.append("\nFilter (/)\n");
        sb.append("  text       rows containing text (any column, case-insensitive)\n");
        sb.append("  re:REGEX   rows matching a regular expression\n");
        sb.append("  !...       rows NOT matching; enter keeps the filter, esc clears it\n");
        sb.append("\nCommand palette (:)\n");
        for (String[] c : Palette.COMMANDS) sb.append(String.format("  %-28s %s%n", c[0], c[1]));
        sb.append("\nKeys are remapped in config.yaml under keys: (action name: key), e.g.  logs: L\n");
        return sb.toString();
    }

    @Override
    public String title() {
        return "help";
    }

    @Override
    public List<Action> hints() {
        return List.of(Action.SEARCH, Action.NEXT_MATCH, Action.BACK, Action.QUIT);
    }
}
