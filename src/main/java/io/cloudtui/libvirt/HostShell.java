package io.cloudtui.libvirt;

/**
 * The remote machine a libvirt backend's daemon runs on, as the host layer ({@code io.cloudtui.host})
 * reaches it over its one ssh connection. A backend with one works on that machine's files, not this
 * one's: a new VM's disk and seed are made there, {@code vm rm --storage} deletes them there, and
 * {@code vm ssh} reaches the VM's address as that machine sees it (through it: {@link #proxyCommand}).
 */
public interface HostShell {
    /** The host's name (the prefix of its backends). */
    String hostName();

    /**
     * Runs SCRIPT with POSIX sh on the host, STDIN (may be null) on its standard input; its standard
     * output. A non-zero exit is a CloudtuiException naming the host, with what the script said last
     * on stderr.
     */
    String run(String script, byte[] stdin);

    /**
     * An ssh {@code ProxyCommand} (run by the user's shell, with ssh's {@code %h} and {@code %p}) that
     * connects to an address as the host sees it, through the host's connection.
     */
    String proxyCommand();
}
