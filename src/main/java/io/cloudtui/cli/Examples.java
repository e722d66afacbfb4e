package io.cloudtui.cli;

/** Shared help text fragments. */
final class Examples {
    private Examples() {}

    static final String HEADING = "%nExamples:%n";
    static final String TARGETS = "Name, id, unique id prefix, or BACKEND:NAME-OR-ID (docker:web)";
}
