package io.cloudtui.config;

import io.cloudtui.core.CloudtuiException;

/**
 * Something wrong with one entry of the config (a usage error, exit code 2), found by a check that
 * knows the entry's path ({@code ui.theme}, {@code backends[1].type}, {@code keys.logs}): the
 * loader reports it as {@code FILE:LINE:COLUMN: MESSAGE}, at the entry's key or its value.
 */
public final class ConfigProblem extends CloudtuiException {
    private final String path;
    private final boolean atKey;

    /** MESSAGE as it reads without a position ("config keys: ..."); a leading "config " is dropped after one. */
    public ConfigProblem(String path, boolean atKey, String message) {
        super(message, 2, null);
        this.path = path;
        this.atKey = atKey;
    }

    public String path() {
        return path;
    }

    public boolean atKey() {
        return atKey;
    }
}
