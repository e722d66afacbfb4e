package io.cloudtui.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration file. Every field is optional.
 *
 * @param backends       configured backends; empty means "enable every backend that is reachable"
 * @param defaultBackend backend used by commands that create things when --backend is not given
 * @param ui             UI settings
 * @param keys           action name to key, overriding the default key map
 * @param logFile        diagnostics log; default $XDG_STATE_HOME/cloudtui/cloudtui.log
 * @param hosts          machines reached over SSH, whose engines are used besides the local ones
 * @param agent          the warm process of the native client
 * @param source         file it was read from (not a YAML key), null for defaults
 */
public record Config(
        List<BackendConfig> backends,
        String defaultBackend,
        UiConfig ui,
        Map<String, String> keys,
        String logFile,
        List<HostConfig> hosts,
        AgentConfig agent,
        Path source) {

    public Config {
        backends = backends == null ? List.of() : List.copyOf(backends);
        ui = ui == null ? UiConfig.DEFAULTS : ui.withDefaults();
        keys = keys == null ? Map.of() : Map.copyOf(keys);
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        agent = agent == null ? AgentConfig.DEFAULTS : agent.withDefaults();
    }

    /** A config without the agent's settings (its defaults). */
    public Config(List<BackendConfig> backends, String defaultBackend, UiConfig ui, Map<String, String> keys, String logFile,
            List<HostConfig> hosts, Path source) {
        this(backends, defaultBackend, ui, keys, logFile, hosts, null, source);
    }

    /** A config without hosts. */
    public Config(List<BackendConfig> backends, String defaultBackend, UiConfig ui, Map<String, String> keys, String logFile, Path source) {
        this(backends, defaultBackend, ui, keys, logFile, null, source);
    }

    public static Config defaults() {
        return new Config(null, null, null, null, null, null);
    }

    Config withSource(Path p) {
        return new Config(backends, defaultBackend, ui, keys, logFile, hosts, agent, p);
    }
}
