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

    /** Backends the user's environment or config named that could not be opened: name → one line saying why. */
    private final Map<String, String> failed = new LinkedHashMap<>();

    /** The session's remote hosts, closed with it; null when none. */
    private Remote remote;

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

    /** What every provider visible to LOADER would detect now ({@link BackendProvider#detectionKey}), as one string. */
    public static String detectionKey(ClassLoader loader) {
        StringBuilder b = new StringBuilder();
        for (BackendProvider p : discover(loader).values()) {
            String k;
            try {
                k = p.detectionKey();
            } catch (RuntimeException e) {
                k = "! " + e;
            }
            b.append(p.type()).append('=').append(k).append('\n');
        }
        return b.toString();
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

    /**
     * Backends on other machines (the host layer, io.cloudtui.host), opened with the local ones and
     * closed with them.
     */
    public interface Remote extends AutoCloseable {
        /** False when only the remote backends are wanted ({@code -H HOST}). */
        boolean keepsLocal();

        /** True when the environment (DOCKER_HOST, a docker context) names a remote Docker: it stands for the local one. */
        boolean replacesDocker();

        /** Whether any remote host is in the session (known once {@link #open} ran). */
        boolean hasHosts();

        /** Opens the remote backends with PROVIDERS; each that cannot be opened goes into FAILED (name → its one line). */
        List<Backend> open(Map<String, BackendProvider> providers, Map<String, String> failed);

        /**
         * The full-screen UI asks for this before {@link #open}: open then connects nothing and
         * returns at once, and {@link #start} connects in the background.
         */
        default void live() {}

        /**
         * Whether every remote host of the session is connected and answers within its connect timeout
         * (one round trip each): the warm agent reuses a session between commands only then.
         */
        default boolean healthy() {
            return true;
        }

        /** Whether every remote host is still connected as far as its ssh knows (no round trip). */
        default boolean connected() {
            return true;
        }

        /** Once the session's backends exist: in live mode, connects and hands what opens later to SINK. */
        default void start(Sink sink) {}

        /**
         * The Docker engine of a machine that is not a host of the session, reached as the user's own
         * ssh would reach it by one of NAMES (tried in order: a name the ssh config knows, an address),
         * opened as an ad-hoc host of the session with PROVIDERS. Throws one line saying why each failed.
         */
        default Backend reach(List<String> names, Map<String, BackendProvider> providers) {
            throw new CloudtuiException("no remote hosts in this session");
        }

        @Override
        void close();
    }

    /** Where backends that open after the session started go (remote hosts that connected later). */
    public interface Sink {
        /** Backend B opened: it joins the session (one of a name already there is closed and dropped). */
        void added(Backend b);

        /** Backend NAME could not be opened: LINE says why. */
        void failed(String name, String line);

        /** The failures of every name starting with PREFIX no longer hold. */
        void cleared(String prefix);
    }

    /** Builds the session's backends from config (or autodetection when config lists none). */
    public static Backends open(Config config, ClassLoader loader) {
        return open(config, loader, null);
    }

    /** As {@link #open(Config, ClassLoader)}, with the backends of REMOTE (null: none). */
    public static Backends open(Config config, ClassLoader loader, Remote remote) {
        try {
            return openAll(config, loader, remote);
        } catch (RuntimeException e) {
            if (remote != null) remote.close();
            throw e;
        }
    }

    private static Backends openAll(Config config, ClassLoader loader, Remote remote) {
        Map<String, BackendProvider> providers = discover(loader);
        List<Backend> list = new ArrayList<>();
        Map<String, String> failed = new LinkedHashMap<>();
        if (remote != null && !remote.keepsLocal()) {
            list.addAll(remote.open(providers, failed));
            Backends bs = new Backends(providers, list, config.defaultBackend(), false);
            bs.failed.putAll(failed);
            bs.remote = remote;
            bs.started();
            return bs;
        }
        if (config.backends().isEmpty()) {
            Map<String, BackendProvider.Unusable> unusable = new LinkedHashMap<>();
            for (BackendProvider p : providers.values()) {
                try {
                    Optional<Backend> b = p.autodetect();
                    b.ifPresent(list::add);
                    if (b.isEmpty()) p.unusable().ifPresent(u -> unusable.put(p.type(), u));
                } catch (CloudtuiException e) {
                    // what the environment names (DOCKER_HOST, DOCKER_CONTEXT) and cannot be used: said by every command
                    LOG.warn("autodetect of {} failed: {}", p.type(), e.getMessage());
                    failed.put(p.type(), p.type() + ": " + e.getMessage());
                } catch (RuntimeException e) {
                    LOG.warn("autodetect of {} failed", p.type(), e);
                }
            }
            boolean localRun = list.stream().anyMatch(b -> b.supports(Capability.RUN));
            if (remote != null) list.addAll(remote.open(providers, failed));
            // no container engine reachable (libvirt alone runs none): the bundled daemonless engine is the embedded
            // default; not when the environment names a Docker (DOCKER_HOST, a context), reachable or not
            BackendProvider embedded = providers.get("runtime");
            boolean named = !failed.isEmpty() && failed.containsKey("docker") || remote != null && remote.replacesDocker();
            if (!localRun && !named && embedded != null) {
                try {
                    list.add(embedded.create(BackendConfig.of("runtime", "runtime")));
                } catch (RuntimeException e) {
                    LOG.warn("the embedded runtime backend is unavailable", e);
                }
            }
            Backends bs = new Backends(providers, list, config.defaultBackend(), true);
            bs.unusable.putAll(unusable);
            bs.failed.putAll(failed);
            bs.remote = remote;
            bs.started();
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
            if (remote != null) list.addAll(remote.open(providers, failed));
        }
        Backends bs = new Backends(providers, list, config.defaultBackend(), false);
        bs.failed.putAll(failed);
        bs.remote = remote;
        bs.started();
        return bs;
    }

    /** Said about each backend that joins the session later (a remote host that connected), from the host's thread. */
    private final List<java.util.function.Consumer<Backend>> addedListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** L is called with each backend that joins the session from now on (see {@link Sink}). */
    public void onAdded(java.util.function.Consumer<Backend> l) {
        addedListeners.add(l);
    }

    private void started() {
        if (remote == null) return;
        remote.start(new Sink() {
            @Override
            public void added(Backend b) {
                synchronized (Backends.this) {
                    if (closed || backends.containsKey(b.name())) {
                        try {
                            b.close();
                        } catch (RuntimeException e) {
                            LOG.debug("closing {}", b.name(), e);
                        }
                        return;
                    }
                    backends.put(b.name(), b);
                    failed.remove(b.name());
                }
                for (var l : addedListeners) l.accept(b);
            }

            @Override
            public void failed(String name, String line) {
                synchronized (Backends.this) {
                    failed.put(name, line);
                }
            }

            @Override
            public void cleared(String prefix) {
                synchronized (Backends.this) {
                    failed.keySet().removeIf(k -> k.startsWith(prefix) || (k + "/").equals(prefix));
                }
            }
        });
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

    /**
     * The backends the user's environment, config or {@code -H} named that could not be opened (an
     * unreachable host, a missing docker context): name → one line naming it and why. Every command
     * says them on stderr; the UI shows them.
     */
    public synchronized Map<String, String> failed() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(failed));
    }

    /** Whether any backend is on a remote host (its name is HOST/TYPE), or a remote host was asked for. */
    public synchronized boolean hasRemote() {
        return remote != null && remote.hasHosts();
    }

    /**
     * The Docker engine of a machine that is not a host of the session, through the user's ssh by one
     * of NAMES (see {@link Remote#reach}); one line when none of them answers.
     */
    public Backend reach(List<String> names) {
        Remote r;
        synchronized (this) {
            r = remote;
        }
        if (r == null) throw new CloudtuiException("remote hosts are not available in this session");
        Backend b = r.reach(names, providers);
        synchronized (this) {
            Backend had = backends.get(b.name());
            if (had != null) return had;
            backends.put(b.name(), b);
            failed.remove(b.name());
            // not what opening makes: the warm agent must not hand this session, with the node in its lists, to a later command
            altered = true;
        }
        // it joins the session as a host that connected later does
        for (var l : addedListeners) l.accept(b);
        return b;
    }

    /** The remote hosts of the session (the UI shows their states), or null. */
    public synchronized Remote remote() {
        return remote;
    }

    /** The host of backend NAME: the part before '/' of a remote one's name (web1/docker), else "local". */
    public static String hostOf(String backend) {
        int slash = backend.indexOf('/');
        return slash > 0 ? backend.substring(0, slash) : "local";
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
            // not what opening finds: a later command must not see it in its lists
            altered = true;
        }
        if (b == null && unusable.containsKey(name)) throw new CloudtuiException(name + ": " + unusable.get(name).message());
        if (b == null && failed.containsKey(name)) throw new CloudtuiException(failed.get(name));
        if (b == null && failed.containsKey(hostOf(name))) throw new CloudtuiException(failed.get(hostOf(name)));
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

    /** Closed: a backend that opens afterwards (a host that connected late) is closed at once. */
    private boolean closed;
    /** A backend joined on request ({@link #get}): no longer what {@link #open} makes. */
    private boolean altered;

    /**
     * Whether the next command may use this session as it is instead of opening afresh (the warm
     * agent): open, everything named opened (nothing in {@link #failed}), nothing joined since, and
     * its remote hosts (if any) still connected; {@link Remote#healthy} then checks them for real.
     */
    public synchronized boolean reusable() {
        return !closed && !altered && failed.isEmpty() && (remote == null || remote.connected());
    }

    @Override
    public void close() {
        List<Backend> open;
        synchronized (this) {
            closed = true;
            open = List.copyOf(backends.values());
        }
        for (Backend b : open) {
            try {
                b.close();
            } catch (RuntimeException e) {
                LOG.debug("closing {}", b.name(), e);
            }
        }
        if (remote != null) remote.close();
    }
}
