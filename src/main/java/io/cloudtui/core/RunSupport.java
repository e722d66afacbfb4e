package io.cloudtui.core;

/** Backends that can create and run new containers (capability RUN). */
public interface RunSupport {

    /** Creates the container without starting it; returns its native id. */
    String create(RunSpec spec);

    /**
     * Creates and starts a container. Detached: returns 0 once started. Otherwise attaches
     * {@code stdio}, waits for exit, removes it if {@code autoRemove}, and returns its exit code.
     * {@code onCreated} receives the native id as soon as it exists.
     */
    int run(RunSpec spec, Stdio stdio, java.util.function.Consumer<String> onCreated);
}
