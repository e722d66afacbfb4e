package io.cloudtui.core;

import java.time.Instant;

/**
 * What part of a log to read.
 *
 * @param follow     keep streaming new output
 * @param tail       last N lines only; negative means all
 * @param since      only lines after this time; null for all
 * @param timestamps ask the backend for each line's timestamp
 */
public record LogOptions(boolean follow, int tail, Instant since, boolean timestamps) {
    public static LogOptions all() {
        return new LogOptions(false, -1, null, false);
    }
}
