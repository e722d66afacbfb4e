package io.cloudtui.tui;

import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Finds themes by name. Order: ~/.config/cloudtui/themes (user's own), then themes/ under the
 * install directory (system property cloudtui.home, set by the launcher), then the copies bundled
 * in the jar, so the jar works on its own.
 */
final class Themes {
    /** Themes shipped with cloudtui (bundled as classpath resources under themes/). */
    static final List<String> BUILT_IN = List.of("default", "light", "monochrome", "high-contrast", "solarized");

    private final List<Path> dirs;

    Themes(List<Path> dirs) {
        this.dirs = List.copyOf(dirs);
    }

    static Themes standard(Map<String, String> env) {
        List<Path> dirs = new ArrayList<>();
        String xdg = env.get("XDG_CONFIG_HOME");
        Path cfg = xdg != null && !xdg.isBlank() ? Path.of(xdg) : io.cloudtui.core.Dirs.home(env).resolve(".config");
        dirs.add(cfg.resolve("cloudtui").resolve("themes"));
        String home = System.getProperty("cloudtui.home");
        if (home != null && !home.isBlank()) dirs.add(Path.of(home).resolve("themes"));
        return new Themes(dirs);
    }

    /** Every theme name that can be loaded. */
    List<String> names() {
        TreeSet<String> names = new TreeSet<>(BUILT_IN);
        for (Path d : dirs) {
            try (var s = Files.list(d)) {
                s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
                        .forEach(f -> names.add(f.substring(0, f.length() - 5)));
            } catch (IOException e) {
                // a missing directory just has no themes
            }
        }
        return List.copyOf(names);
    }

    /** NAME is a bundled theme that no theme directory overrides. */
    boolean isBundledOnly(String name) {
        if (!BUILT_IN.contains(name)) return false;
        for (Path d : dirs) {
            if (Files.exists(d.resolve(name + ".yaml"))) return false;
        }
        return true;
    }

    Theme load(String name) {
        if (!name.matches("[A-Za-z0-9_.-]+") || name.startsWith(".")) {
            throw CloudtuiException.usage("bad theme name '" + name + "'");
        }
        for (Path d : dirs) {
            Path f = d.resolve(name + ".yaml");
            if (Files.isRegularFile(f)) {
                try {
                    return Theme.parse(name, Files.readString(f), f.toString());
                } catch (IOException e) {
                    throw CloudtuiException.usage("cannot read theme " + f + ": " + e.getMessage());
                }
            }
        }
        try (InputStream in = Themes.class.getResourceAsStream("/themes/" + name + ".yaml")) {
            if (in != null) return Theme.parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8), "themes/" + name + ".yaml (bundled)");
        } catch (IOException e) {
            throw CloudtuiException.usage("cannot read bundled theme " + name + ": " + e.getMessage());
        }
        throw CloudtuiException.usage("unknown theme '" + name + "' (known: " + String.join(", ", names()) + ")");
    }
}
