package io.cloudtui.tui;

/** The UI's threads, as views and actions see them: slow work off the UI thread, its results back onto it. */
interface Workers {
    /** Runs {@code r} on a worker thread (backend calls, which may block). */
    void background(Runnable r);

    /** Runs {@code r} on the UI thread at the next step. */
    void onUi(Runnable r);
}
