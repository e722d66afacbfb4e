package io.cloudtui.core;

import java.nio.file.Path;
import java.util.Map;

/** The user's home directory as the docker CLI, ssh and the XDG base directories read it. */
public final class Dirs {
    private Dirs() {}

    /** {@code $HOME} when it is set to an absolute path, else the passwd entry's home (Java's {@code user.home}). */
    public static Path home() {
        return home(System.getenv());
    }

    public static Path home(Map<String, String> env) {
        String h = env.get("HOME");
        if (h != null && h.startsWith("/")) return Path.of(h);
        return Path.of(System.getProperty("user.home"));
    }
}
