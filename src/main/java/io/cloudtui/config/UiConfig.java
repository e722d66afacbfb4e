package io.cloudtui.config;

import java.time.Duration;
import java.util.List;

/**
 * Settings of the full-screen UI.
 *
 * @param theme          theme name (a file in themes/ or ~/.config/cloudtui/themes/)
 * @param statsInterval  how often stats of visible rows are refreshed
 * @param logBufferLines lines kept per log view (ring buffer)
 * @param showStopped    list stopped workloads too
 * @param shell          shells tried in order by the shell key
 * @param detachKeys     key sequence that leaves an attached session (docker's convention)
 */
public record UiConfig(
        String theme,
        Duration statsInterval,
        Integer logBufferLines,
        Boolean showStopped,
        List<String> shell,
        String detachKeys) {

    public static final UiConfig DEFAULTS =
            new UiConfig("default", Duration.ofSeconds(2), 10_000, true, List.of("bash", "sh"), "ctrl-p,ctrl-q");

    /** Fills unset fields from {@link #DEFAULTS}. */
    public UiConfig withDefaults() {
        return new UiConfig(
                theme != null ? theme : DEFAULTS.theme,
                statsInterval != null ? statsInterval : DEFAULTS.statsInterval,
                logBufferLines != null ? logBufferLines : DEFAULTS.logBufferLines,
                showStopped != null ? showStopped : DEFAULTS.showStopped,
                shell != null ? List.copyOf(shell) : DEFAULTS.shell,
                detachKeys != null ? detachKeys : DEFAULTS.detachKeys);
    }
}
