package io.cloudtui.libvirt;

import io.cloudtui.core.Stdio;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What VMs offer beyond the common Backend verbs: serial console, snapshots, creation, autostart,
 * guest addresses and ssh. The libvirt backend implements it; CLI and UI check {@code instanceof}.
 */
public interface VmSupport {

    /**
     * Connects {@code stdio} to the VM's serial console until ctrl-] is typed, stdin ends, the
     * thread is interrupted or the console closes. With {@code force}, takes over a console held by
     * another client; otherwise such a console is a one-line error.
     */
    int console(String ref, Stdio stdio, boolean force);

    /** The console is held by another client; {@code console(ref, stdio, true)} takes it over. */
    final class ConsoleBusyException extends io.cloudtui.core.CloudtuiException {
        public ConsoleBusyException(String ref) {
            super("the console of VM '" + ref + "' is in use by another client (take it over with: cloudtui console --force " + ref + ")");
        }
    }

    /** A snapshot as listed: {@code parent} is null for a root; exactly one may be current. */
    record Snapshot(String name, String parent, String description, Instant created, String state, boolean memory, boolean current) {}

    /** Creates a snapshot; {@code memory} null means "with memory when running". */
    void snapshotCreate(String ref, String name, String description, Boolean memory);

    /** Snapshots in tree order (each parent before its children). */
    List<Snapshot> snapshots(String ref);

    /** Why this VM cannot have snapshots (one line naming it), or null when it can. */
    default String whyNoSnapshots(String ref) {
        return null;
    }

    void snapshotRevert(String ref, String name);

    /** Deletes one snapshot's metadata and internal state; never deletes a disk file. */
    void snapshotDelete(String ref, String name);

    /**
     * A new VM. Either {@code image} (a disk image used as the read-only backing file of a new
     * qcow2 overlay) or {@code kernel} (+ optional {@code initrd}) for direct boot.
     */
    record CreateSpec(String name, int vcpus, long memoryBytes, long diskBytes, Path image, Path kernel, Path initrd,
            String cmdline, Path sshPublicKey, String user, String network, boolean start) {}

    /** Defines (and optionally starts) a VM; returns its UUID. */
    String create(CreateSpec spec);

    /**
     * As {@link #create(CreateSpec)}, telling {@code progress} what it waits for at each step ("defining
     * the domain"): libvirtd can take a minute to define one, and a probe may boot a throwaway guest.
     */
    default String create(CreateSpec spec, java.util.function.Consumer<String> progress) {
        return create(spec);
    }

    /** The domain type new VMs get: "kvm" when a KVM guest really boots here, else "qemu" (TCG). */
    String domainType();

    void setAutostart(String ref, boolean on);

    /** Guest addresses from DHCP leases, then the guest agent, then the host's ARP table. */
    List<String> addresses(String ref);

    /**
     * Where {@code cloudtui vm ssh} goes. {@code port} 0: ssh's own (22); a session VM's is the
     * loopback port forwarded to its port 22, with {@code hostKeyAlias} naming the VM in
     * known_hosts (not {@code [127.0.0.1]:PORT}, which a later VM may get). {@code key} and
     * {@code hostKeyAlias} may be null (ssh's own defaults).
     */
    record SshTarget(String user, String address, int port, Path key, String hostKeyAlias, String proxyCommand, String via) {
        public SshTarget(String user, String address, Path key) {
            this(user, address, 0, key, null);
        }

        public SshTarget(String user, String address, int port, Path key, String hostKeyAlias) {
            this(user, address, port, key, hostKeyAlias, null, null);
        }

        /** {@code ssh [-i KEY] [-p PORT] -o BatchMode=yes -o StrictHostKeyChecking=accept-new USER@ADDRESS EXTRA...}. */
        public List<String> command(List<String> extra) {
            return command(List.of(), extra);
        }

        /**
         * As {@link #command(List)} with ssh {@code -o} options ahead of cloudtui's own; ssh keeps the
         * first value it sees, so {@code StrictHostKeyChecking=no} given here wins over accept-new.
         * BatchMode: ssh never prompts (for a password, a passphrase): a refused key fails at once.
         */
        public List<String> command(List<String> sshOptions, List<String> extra) {
            List<String> cmd = new java.util.ArrayList<>(List.of("ssh"));
            if (key != null) cmd.addAll(List.of("-i", key.toString()));
            if (port > 0) cmd.addAll(List.of("-p", Integer.toString(port)));
            if (sshOptions != null) for (String o : sshOptions) cmd.addAll(List.of("-o", o));
            if (hostKeyAlias != null) cmd.addAll(List.of("-o", "HostKeyAlias=" + hostKeyAlias));
            // a VM of a remote host: through that host, as ProxyJump would, its address as the host sees it
            if (proxyCommand != null) cmd.addAll(List.of("-o", "ProxyCommand=" + proxyCommand));
            cmd.addAll(List.of("-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", user + "@" + address));
            if (extra != null) cmd.addAll(extra);
            return cmd;
        }

        /**
         * One line for ssh's own failure (exit status 255) to VM {@code vm}: what ssh said last on
         * stderr ({@code sshError}, may be null) and, for a refused login, what to do about it.
         */
        public String failure(String vm, String sshError) {
            String said = sshError == null || sshError.isBlank() ? "" : ": " + sshError.strip();
            String at = where();
            String on = via != null ? " on host " + via : "";
            if (sshError != null && sshError.contains("Permission denied")) {
                return "ssh to VM '" + vm + "'" + on + " as " + at + " was refused" + said + " (the VM does not take "
                        + (key != null ? "the key " + key : "your ssh keys") + " for " + user
                        + "; log in as the user it was created with: cloudtui vm ssh -l USER " + vm + ")";
            }
            return "ssh to VM '" + vm + "'" + on + " (" + at + ") failed" + (said.isEmpty() ? " (ssh could not connect or log in)" : said);
        }

        /** The line for an ssh the user ended with ctrl-c (exit status 130). */
        public String interrupted(String vm) {
            return "ssh to VM '" + vm + "'" + (via != null ? " on host " + via : "") + " (" + where() + ") interrupted (ctrl-c)";
        }

        /** {@code USER@ADDRESS}, with {@code :PORT} for a forwarded port: what messages name. */
        public String where() {
            return user + "@" + address + (port > 0 ? ":" + port : "");
        }
    }

    SshTarget sshTarget(String ref, String userOverride);

    /** Undefines a VM (destroying it first with {@code force}); with {@code storage} also deletes its own disk files. Returns deleted files. */
    List<String> undefine(String ref, boolean force, boolean storage);
}
