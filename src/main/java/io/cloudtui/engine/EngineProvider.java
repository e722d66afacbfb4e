package io.cloudtui.engine;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.BackendProvider;
import io.cloudtui.core.CloudtuiException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The bundled daemonless engine: {@code type: runtime}, with {@code store} (images and containers,
 * default /var/lib/cloudtui or $XDG_DATA_HOME/cloudtui) and {@code root} (runtime state, default
 * /run/cloudtui/engine or $XDG_RUNTIME_DIR/cloudtui/engine).
 */
public final class EngineProvider implements BackendProvider {
    @Override
    public String type() {
        return "runtime";
    }

    @Override
    public Backend create(BackendConfig c) {
        if (c.host() != null || c.uri() != null || c.tlsVerify() != null || c.certPath() != null) {
            throw CloudtuiException.usage("backend '" + c.name() + "': a runtime backend takes 'store', 'root' and options, not docker or libvirt settings");
        }
        long logMax = 10L << 20;
        int logKeep = 2;
        boolean hpc = false;
        for (var e : c.options().entrySet()) {
            String v = String.valueOf(e.getValue());
            switch (e.getKey()) {
                case "logMaxSize" -> logMax = size(c.name(), v);
                case "logKeep" -> {
                    try {
                        logKeep = Integer.parseInt(v);
                    } catch (NumberFormatException x) {
                        logKeep = -1;
                    }
                    if (logKeep < 1 || logKeep > 100) throw CloudtuiException.usage("backend '" + c.name() + "': logKeep must be 1 to 100");
                }
                case "hpc" -> {
                    if (!v.equals("true") && !v.equals("false")) throw CloudtuiException.usage("backend '" + c.name() + "': hpc must be true or false");
                    hpc = v.equals("true");
                }
                default -> throw CloudtuiException.usage("backend '" + c.name() + "': unknown runtime option '" + e.getKey() + "' (known: hpc, logKeep, logMaxSize)");
            }
        }
        if (c.ociRuntime() != null) throw CloudtuiException.usage("backend '" + c.name() + "': ociRuntime is not supported yet (the bundled runtime is used)");
        Path store = c.store() != null ? Path.of(c.store()) : EngineBackend.defaultStore();
        Path root = c.root() != null ? Path.of(c.root()) : EngineBackend.defaultRuntimeRoot();
        return new EngineBackend(c.name(), store, root, null).withLogRotation(logMax, logKeep).withHpc(hpc);
    }

    private static long size(String backend, String v) {
        long n;
        try {
            n = io.cloudtui.cli.Parsers.size(v);
        } catch (RuntimeException e) {
            throw CloudtuiException.usage("backend '" + backend + "': logMaxSize: " + e.getMessage());
        }
        if (n < 4096) throw CloudtuiException.usage("backend '" + backend + "': logMaxSize must be at least 4k");
        return n;
    }

    /**
     * Enabled without config once its store holds containers or images (it has been used here); when
     * no engine at all is reachable, {@link io.cloudtui.core.Backends} enables it anyway as the
     * embedded default.
     */
    @Override
    public Optional<Backend> autodetect() {
        Path store = EngineBackend.defaultStore();
        if (nonEmpty(store.resolve("containers")) || nonEmpty(store.resolve("images/images"))) {
            return Optional.of(new EngineBackend("runtime", store, EngineBackend.defaultRuntimeRoot(), null));
        }
        return Optional.empty();
    }

    /** Whether its store holds containers or images now (which makes {@link #autodetect} enable it). */
    @Override
    public String detectionKey() {
        Path store = EngineBackend.defaultStore();
        return store + " " + nonEmpty(store.resolve("containers")) + " " + nonEmpty(store.resolve("images/images"));
    }

    private static boolean nonEmpty(Path dir) {
        try (var s = java.nio.file.Files.newDirectoryStream(dir)) {
            for (Path p : s) if (!p.getFileName().toString().startsWith(".")) return true;
            return false;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
