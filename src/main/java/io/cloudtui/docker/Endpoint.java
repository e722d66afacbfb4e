package io.cloudtui.docker;

/**
 * Where a Docker engine is reached.
 *
 * @param host      DOCKER_HOST-style URI (unix:///var/run/docker.sock, tcp://host:2376)
 * @param tlsVerify use TLS with client certificates from {@code certPath}
 * @param certPath  directory holding ca.pem, cert.pem, key.pem; null without TLS
 * @param source    how it was chosen, for error messages ("config", "DOCKER_HOST", "context 'x'", ...)
 * @param remoteHost the remote host (io.cloudtui.host) whose engine a unix socket forwards to, or null: an engine of this machine
 */
record Endpoint(String host, boolean tlsVerify, String certPath, String source, String remoteHost) {

    Endpoint(String host, boolean tlsVerify, String certPath, String source) {
        this(host, tlsVerify, certPath, source, null);
    }

    /** A unix socket of an engine on this machine (whose containers' cgroup files are this machine's). */
    boolean isLocalSocket() {
        return isUnixSocket() && remoteHost == null;
    }

    boolean isUnixSocket() {
        return host.startsWith("unix://");
    }

    /** The socket path of a unix:// endpoint. */
    String socketPath() {
        return host.substring("unix://".length());
    }
}
