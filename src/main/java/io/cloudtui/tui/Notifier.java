package io.cloudtui.tui;

/** The message line, as views and actions see it: news and errors for the user. UI thread only. */
interface Notifier {
    void info(String s);

    void error(String s);
}
