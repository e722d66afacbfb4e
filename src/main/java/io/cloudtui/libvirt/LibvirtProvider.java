package io.cloudtui.libvirt;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.BackendProvider;
import io.cloudtui.core.CloudtuiException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The libvirt backend type: {@code type: libvirt}, {@code uri: qemu:///system} (the default),
 * qemu:///session or qemu+ssh://user@host/system; several instances may be configured.
 */
public final class LibvirtProvider implements BackendProvider {
    private static final Set<String> OPTIONS = Set.of("pollInterval", "domainType");
    /** The option with which the host layer hands over a forwarded daemon socket: the remote host ({@link HostShell}). */
    public static final String REMOTE_HOST = "remoteHost";

    @Override
    public String type() {
        return "libvirt";
    }

    @Override
    public Backend create(BackendConfig config) {
        if (config.host() != null || config.root() != null || config.store() != null || config.ociRuntime() != null
                || config.tlsVerify() != null || config.certPath() != null) {
            throw CloudtuiException.usage("backend '" + config.name() + "': a libvirt backend takes 'uri' (and options "
                    + String.join(", ", OPTIONS.stream().sorted().toList()) + "), not docker or runtime settings");
        }
        for (var o : config.options().entrySet()) {
            String k = o.getKey();
            // only the host layer hands over a host (a config's remoteHost: is no HostShell)
            if (!OPTIONS.contains(k) && !(k.equals(REMOTE_HOST) && o.getValue() instanceof HostShell)) {
                throw CloudtuiException.usage("backend '" + config.name() + "': unknown libvirt option '" + k + "' (known: "
                        + String.join(", ", OPTIONS.stream().sorted().toList()) + ")");
            }
        }
        Object dt = config.options().get("domainType");
        if (dt != null && !List.of("kvm", "qemu").contains(dt.toString())) {
            throw CloudtuiException.usage("backend '" + config.name() + "': domainType must be kvm or qemu");
        }
        String uri = config.uri() == null || config.uri().isBlank() ? LibvirtBackend.DEFAULT_URI : config.uri().trim();
        try {
            URI u = URI.create(uri);
            if (u.getScheme() == null) throw new IllegalArgumentException("no scheme");
        } catch (IllegalArgumentException e) {
            throw CloudtuiException.usage("backend '" + config.name() + "': '" + uri + "' is not a libvirt URI (like qemu:///system)");
        }
        return new LibvirtBackend(config.name(), uri, config.options());
    }

    /**
     * Enabled without config when this user can reach the system libvirt daemon, as far as files
     * tell (no connection is made): its socket exists and may be opened, and, for anyone but root,
     * the D-Bus system bus is there, without which libvirt's polkit check refuses every other user.
     * An unreachable libvirt nobody configured is nothing to report.
     */
    @Override
    public Optional<Backend> autodetect() {
        return reachable(Files::isWritable, isRoot(), systemBus(System.getenv()))
                ? Optional.of(new LibvirtBackend("libvirt", LibvirtBackend.DEFAULT_URI, null)) : Optional.empty();
    }

    /** Whether {@link #autodetect} would enable it now. */
    @Override
    public String detectionKey() {
        return Boolean.toString(reachable(Files::isWritable, isRoot(), systemBus(System.getenv())));
    }

    static boolean reachable(java.util.function.Predicate<Path> writable, boolean root, Path systemBus) {
        for (String sock : List.of("/run/libvirt/libvirt-sock", "/var/run/libvirt/libvirt-sock", "/run/libvirt/virtqemud-sock")) {
            if (writable.test(Path.of(sock))) return root || (systemBus != null && Files.exists(systemBus));
        }
        return false;
    }

    /** The D-Bus system bus socket: $DBUS_SYSTEM_BUS_ADDRESS (unix:path=...) or the standard one; null for another transport. */
    static Path systemBus(java.util.Map<String, String> env) {
        String a = env.get("DBUS_SYSTEM_BUS_ADDRESS");
        if (a == null || a.isBlank()) return Path.of("/run/dbus/system_bus_socket");
        for (String part : a.split(";")[0].split(",")) {
            int at = part.indexOf("path=");
            if (at >= 0) return Path.of(part.substring(at + 5));
        }
        return null;
    }

    private static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }
}
