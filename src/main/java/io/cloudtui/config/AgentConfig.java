package io.cloudtui.config;

import java.time.Duration;

/**
 * The warm process (README, "Warm CLI"): whether the native client hands commands to it, and how
 * long it stays without a client before it exits.
 *
 * @param enabled false: every command runs in a JVM of its own, as without the client (default true)
 * @param idle    the warm process exits after this long without a client (default 5m)
 */
public record AgentConfig(Boolean enabled, Duration idle) {
    public static final AgentConfig DEFAULTS = new AgentConfig(true, Duration.ofMinutes(5));

    /** Fills unset fields from {@link #DEFAULTS}. */
    public AgentConfig withDefaults() {
        return new AgentConfig(enabled != null ? enabled : DEFAULTS.enabled, idle != null ? idle : DEFAULTS.idle);
    }

    public boolean isEnabled() {
        return enabled == null || enabled;
    }
}
