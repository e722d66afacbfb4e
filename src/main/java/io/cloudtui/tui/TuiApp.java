package io.cloudtui.tui;

import io.cloudtui.cli.Context;
import io.cloudtui.core.CloudtuiException;

/** Entry of the full-screen UI. */
public final class TuiApp {
    private TuiApp() {}

    public static int run(Context ctx) {
        throw new CloudtuiException("the full-screen UI is not built yet; use the subcommands (cloudtui --help)");
    }
}
