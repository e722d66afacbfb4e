package io.cloudtui.cli;

/** Shared help text fragments. */
final class Examples {
    private Examples() {}

    static final String HEADING = "%nExamples:%n";
    static final String TARGETS = "A TARGET is a name, an id or unique id prefix, or BACKEND:NAME-OR-ID (docker:web).";
}
