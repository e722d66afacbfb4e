package io.cloudtui.docker;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.BackendProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Docker Engine backend ({@code type: docker}). The endpoint is taken from the backend's config
 * (host, tlsVerify, certPath), else DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, else the
 * current docker context, else the local Docker (or Podman) socket. Nothing connects until first use.
 */
public final class DockerProvider implements BackendProvider {
    static final String TYPE = "docker";
    /** The option with which the host layer hands over a forwarded socket: the remote host's name. */
    public static final String REMOTE_HOST = "remoteHost";
    /**
     * With {@link #REMOTE_HOST}: the host's cgroup files ({@link io.cloudtui.core.CgroupFiles.Remote}),
     * from which stats of its containers are read instead of asking its engine.
     */
    public static final String HOST_CGROUPS = "hostCgroups";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Backend create(BackendConfig config) {
        Object remote = config.options().get(REMOTE_HOST);
        if (remote != null) {
            // a socket the host layer forwards to a remote host's engine: not this machine's
            return new DockerBackend(config.name(), new Endpoint(config.host(), false, null, "host '" + remote + "' over ssh: " + config.name(),
                    remote.toString()), config.options().get(HOST_CGROUPS) instanceof io.cloudtui.core.CgroupFiles.Remote c ? c : null);
        }
        return new DockerBackend(config.name(), EndpointResolver.system().resolve(config));
    }

    @Override
    public Optional<Backend> autodetect() {
        return EndpointResolver.system().autodetect().map(e -> new DockerBackend(TYPE, e));
    }

    /** The endpoint DOCKER_HOST, the context or a local socket gives now (ssh:// too), and the socket this user may not open. */
    @Override
    public String detectionKey() {
        EndpointResolver r = EndpointResolver.system();
        StringBuilder b = new StringBuilder();
        try {
            b.append(r.sshEndpoint().map(Endpoint::host).orElse("-")).append(' ');
            Endpoint e = r.resolve(null);
            b.append(e).append(' ');
            if (e.isUnixSocket()) {
                // a restarted engine makes its socket afresh: connections kept to the old one are not to be reused
                Path sock = Path.of(java.net.URI.create(e.host()).getPath());
                var a = Files.readAttributes(sock, java.nio.file.attribute.BasicFileAttributes.class);
                b.append(a.fileKey()).append(' ').append(a.lastModifiedTime().toMillis()).append(' ');
            }
        } catch (RuntimeException | java.io.IOException e) {
            b.append("! ").append(e.getMessage()).append(' ');
        }
        b.append(r.unopenableSocket(Files::exists));
        return b.toString();
    }

    /**
     * The ssh:// endpoint that DOCKER_HOST or the current docker context names, as {URL, SOURCE}
     * ("DOCKER_HOST", "context 'web'"): the host layer reaches it. Empty for any other endpoint.
     */
    public static Optional<String[]> sshEndpoint() {
        return EndpointResolver.system().sshEndpoint().map(e -> new String[] {e.host(), e.source()});
    }

    /** Docker's socket is there but this user may not open it (not in its group): says so, and how to fix it. */
    @Override
    public Optional<Unusable> unusable() {
        Path p = EndpointResolver.system().unopenableSocket(Files::exists);
        return p == null ? Optional.empty() : Optional.of(unusable(p, group(p), System.getProperty("user.name")));
    }

    static Unusable unusable(Path socket, String group, String user) {
        String fix = group != null && !group.equals("root")
                ? "this user is not in the '" + group + "' group: 'sudo usermod -aG " + group + " " + user
                        + "' and log in again, or use the bundled engine"
                : "only root may open it: run as root, or use the bundled engine";
        return new Unusable("permission denied on " + socket, fix);
    }

    private static String group(Path p) {
        try {
            return ((java.nio.file.attribute.GroupPrincipal) Files.getAttribute(p, "posix:group")).getName();
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }
}
