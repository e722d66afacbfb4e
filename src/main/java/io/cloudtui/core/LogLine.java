package io.cloudtui.core;

import java.time.Instant;

/** One line (or chunk, for TTY streams) of a workload's output; text excludes the newline. */
public record LogLine(Stream stream, Instant timestamp, String text) {
    public enum Stream { STDOUT, STDERR }
}
