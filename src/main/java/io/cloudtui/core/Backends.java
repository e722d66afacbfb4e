package io.cloudtui.core;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.config.Config;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends of one session: built from config, or autodetected when config names none.
 * Providers are found with {@link ServiceLoader}, so a plugin jar on the classpath adds a type.
 */
public final class Backends implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private final Map<String, BackendProvider> providers;
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    private final String defaultBackend;
    /** Autodetected: the bundled engine may be named (--backend runtime) before it is in use here. */
    private final boolean embeddedOnRequest;

    /** Autodetected: the types whose engine is there but this user cannot use, and why. */
    private final Map<String, BackendProvider.Unusable> unusable = new LinkedHashMap<>();

    private Backends(Map<String, BackendProvider> providers, List<Backend> list, String defaultBackend, boolean embeddedOnRequest) {
        this.providers = providers;
        for (Backend b : list) backends.put(b.name(), b);
        this.defaultBackend = defaultBackend;
        this.embeddedOnRequest = embeddedOnRequest;
    }

    /** Loads every provider visible to {@code loader}, keyed by type; the first of a type wins. */
    public static Map<String, BackendProvider> discover(ClassLoader loader) {
        Map<String, BackendProvider> found = new LinkedHashMap<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, loader)) {
            found.putIfAbsent(p.type(), p);
        }
        return found;
    }

    /** A config check: every enabled backend of CONFIG has a type some provider visible to LOADER serves. */
    public static void checkTypes(Config config, ClassLoader loader) {
        if (config.backends().isEmpty()) return;
        java.util.Set<String> known = null;
        for (int i = 0; i < config.backends().size(); i++) {
            BackendConfig bc = config.backends().get(i);
            if (!bc.isEnabled()) continue;
            if (known == null) known = discover(loader).keySet();
            if (!known.contains(bc.type())) {
                throw new io.cloudtui.config.ConfigProblem("backends[" + i + "].type", false, "backend '" + bc.name()
                        + "' has unknown type '" + bc.type() + "' (known: " + String.join(", ", known) + ")");
            }
        }
    }

    /** Builds the session's backends from config (or autodetection when config lists none). */
    public static Backends open(Config config, ClassLoader loader) {
        Map<String, BackendProvider> providers = discover(loader);
        List<Backend> list = new ArrayList<>();
        if (config.backends().isEmpty()) {
            Map<String, BackendProvider.Unusable> unusable = new LinkedHashMap<>();
            for (BackendProvider p : providers.values()) {
                try {
                    Optional<Backend> b = p.autodetect();
                    b.ifPresent(list::add);
                    if (b.isEmpty()) p.unusable().ifPresent(u -> unusable.put(p.type(), u));
                } catch (RuntimeException e) {
                    LOG.warn("autodetect of {} failed", p.type(), e);
                }
            }
            // no container engine reachable (libvirt alone runs none): the bundled daemonless engine is the embedded default
            BackendProvider embedded = providers.get("runtime");
            if (list.stream().noneMatch(b -> b.supports(Capability.RUN)) && embedded != null) {
                try {
                    list.add(embedded.create(BackendConfig.of("runtime", "runtime")));
                } catch (RuntimeException e) {
                    LOG.warn("the embedded runtime backend is unavailable", e);
                }
            }
            Backends bs = new Backends(providers, list, config.defaultBackend(), true);
            bs.unusable.putAll(unusable);
            return bs;
        } else {
            for (BackendConfig bc : config.backends()) {
                if (!bc.isEnabled()) continue;
                BackendProvider p = providers.get(bc.type());
                if (p == null) {
                    throw CloudtuiException.usage((config.source() != null ? config.source() + ": " : "")
                            + "backend '" + bc.name() + "' has unknown type '" + bc.type() + "' (known: "
                            + String.join(", ", providers.keySet()) + ")");
                }
                list.add(p.create(bc));
            }
        }
        return new Backends(providers, list, config.defaultBackend(), config.backends().isEmpty());
    }

    /** For tests and embedding: a fixed set of backends. */
    public static Backends of(List<Backend> list, String defaultBackend) {
        return new Backends(Map.of(), list, defaultBackend, false);
    }

    public Map<String, BackendProvider> providers() {
        return providers;
    }

    /**
     * Autodetected, not enabled: the backend types whose engine is there but this user cannot use
     * (a socket it may not open), and why; {@code ps} says so in one short line.
     */
    public synchronized Map<String, BackendProvider.Unusable> unusable() {
        return Map.copyOf(unusable);
    }

    /** Every name {@link #get} takes: the enabled backends, and those it explains (runtime, unusable types). */
    public synchronized java.util.Set<String> nameable() {
        java.util.Set<String> names = new java.util.LinkedHashSet<>(backends.keySet());
        if (embeddedOnRequest && providers.containsKey("runtime")) names.add("runtime");
        names.addAll(unusable.keySet());
        return names;
    }

    public synchronized List<Backend> all() {
        return List.copyOf(backends.values());
    }

    public synchronized boolean isEmpty() {
        return backends.isEmpty();
    }

    /**
     * The enabled backend NAME. Without a backends list in the config, {@code runtime} is there
     * even when autodetection left it out (its store still empty, another engine reachable), so
     * the first {@code pull --backend runtime} or {@code image copy docker:IMAGE runtime} can fill it.
     */
    public synchronized Backend get(String name) {
        Backend b = backends.get(name);
        BackendProvider embedded = providers.get("runtime");
        if (b == null && embeddedOnRequest && name.equals("runtime") && embedded != null) {
            b = embedded.create(BackendConfig.of("runtime", "runtime"));
            backends.put(name, b);
        }
        if (b == null && unusable.containsKey(name)) throw new CloudtuiException(name + ": " + unusable.get(name).message());
        if (b == null) {
            throw new CloudtuiException("no such backend '" + name + "'"
                    + (backends.isEmpty() ? " (no backend is enabled)" : " (enabled: " + String.join(", ", backends.keySet()) + ")"));
        }
        return b;
    }

    /**
     * The backend for commands that create things: {@code explicit} if given, else the configured
     * default, else the first enabled backend with {@code needed}.
     */
    public synchronized Backend forCreate(String explicit, Capability needed) {
        if (explicit != null) return require(get(explicit), needed);
        if (defaultBackend != null && backends.containsKey(defaultBackend)) return require(backends.get(defaultBackend), needed);
        for (Backend b : backends.values()) {
            if (b.supports(needed)) return b;
        }
        throw new CloudtuiException(backends.isEmpty()
                ? "no backend is enabled: start a container engine or configure one (see config.example.yaml)"
                : "no enabled backend supports " + needed.name().toLowerCase(java.util.Locale.ROOT));
    }

    private static Backend require(Backend b, Capability c) {
        if (!b.supports(c)) throw CloudtuiException.unsupported(b.name(), c.name().toLowerCase(java.util.Locale.ROOT));
        return b;
    }

    @Override
    public void close() {
        for (Backend b : backends.values()) {
            try {
                b.close();
            } catch (RuntimeException e) {
                LOG.debug("closing {}", b.name(), e);
            }
        }
    }
}
