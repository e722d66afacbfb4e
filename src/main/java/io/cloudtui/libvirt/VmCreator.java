package io.cloudtui.libvirt;

import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.Network;

/**
 * Builds a new VM: a qcow2 overlay on a base image (the base is only read) or direct kernel boot,
 * a NoCloud seed with the user and SSH key, serial console, virtio NIC, guest-agent channel.
 */
final class VmCreator {
    /**
     * The qcow2 disk a kernel-booted VM gets when no --disk is given: QEMU keeps internal snapshots
     * (disk and memory) in a qcow2 disk, so without one the VM could have none. Sparse: a few
     * hundred KiB on the host until snapshots fill it.
     */
    static final long SCRATCH_DISK_BYTES = 16L << 20;

    /** The user cloud-init creates when a key is given without --user. */
    static final String DEFAULT_USER = "cloud";

    /** Where a session VM's ssh port is forwarded: loopback only, never other hosts. */
    static final String LOOPBACK = "127.0.0.1";

    /** The namespace of libvirt's QEMU passthrough elements ({@code <qemu:commandline>}). */
    static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";

    /**
     * The PCI slot of a session VM's NIC: the last one of the pc machine's bus. libvirt does not know
     * of the device (it is QEMU's, from the command line) and gives its own devices the lowest free
     * slots, so the NIC must not take one of those.
     */
    static final String NIC_SLOT = "0x1f";

    private final LibvirtBackend backend;

    VmCreator(LibvirtBackend backend) {
        this.backend = backend;
    }

    String create(VmSupport.CreateSpec s, Consumer<String> progress) {
        HostShell remote = backend.remote();
        validate(s, remote == null);
        progress.accept("checking the name");
        if (!backend.isLocal() && remote == null) {
            throw new CloudtuiException("vm create needs a local libvirt URI (the disk and seed are built on this machine); "
                    + backend.endpoint() + " is remote");
        }
        boolean exists = backend.call("look up " + s.name(), c -> {
            try {
                c.domainLookupByName(s.name());
                return true;
            } catch (LibvirtException e) {
                if (LibvirtBackend.noDomain(e)) return false;
                throw e;
            }
        });
        if (exists) throw new CloudtuiException("a VM named '" + s.name() + "' already exists on " + backend.name());
        // a remote host's VM boots files of that host: --image, --kernel and --initrd are paths there
        if (remote != null) Remote.checkReadable(remote, s.image(), s.kernel(), s.initrd());
        progress.accept("looking up the network");
        String network = resolveNetwork(s.network());
        // a session VM (an ordinary user, no libvirt network it may use): QEMU's user-mode network
        // with the guest's ssh forwarded to a loopback port, remembered with the VM for vm ssh
        int sshPort = network == null && backend.isSession() ? (remote != null ? Remote.freeLoopbackPort(remote) : freeLoopbackPort()) : 0;
        progress.accept("choosing the domain type (kvm or qemu)");
        String type = s.kernel() != null ? backend.domainTypeFor(s.kernel()) : backend.domainType();
        Path dir = remote != null ? Remote.imageDir(remote, backend.isSession()) : imageDir();
        Path disk = dir.resolve(s.name() + ".qcow2");
        Path seed = dir.resolve(s.name() + "-seed.iso");
        if (remote != null ? Remote.exists(remote, disk) : Files.exists(disk)) {
            throw new CloudtuiException("disk " + disk + (remote != null ? " on " + remote.hostName() : "") + " already exists; remove it or pick another name");
        }
        List<Path> made = new ArrayList<>();
        try {
            progress.accept("creating the disk " + disk.getFileName());
            // a kernel-booted VM without --disk still gets a small qcow2 disk: its snapshots live there
            long size = s.image() != null ? s.diskBytes() : s.diskBytes() > 0 ? s.diskBytes() : SCRATCH_DISK_BYTES;
            if (remote != null) {
                made.add(disk);
                Remote.disk(remote, s.image(), disk, size);
            } else if (s.image() != null) {
                Images.overlay(s.image(), disk, size);
            } else {
                Images.blank(disk, size);
            }
            if (remote == null) made.add(disk);
            String publicKey = null;
            if (s.sshPublicKey() != null) publicKey = Files.readString(s.sshPublicKey()).strip();
            boolean withSeed = publicKey != null || s.user() != null;
            if (withSeed) {
                progress.accept("writing the cloud-init seed " + seed.getFileName());
                if (remote != null) {
                    made.add(seed);
                    Remote.seed(remote, seed, s.name(), user(s), publicKey);
                } else {
                    Images.seedIso(seed, s.name(), user(s), publicKey);
                    made.add(seed);
                }
            }
            Path agent = !backend.isSession() ? null : remote != null ? Remote.agentSocket(remote, s.name()) : sessionAgentSocket(s.name());
            String xml = xml(s, type, disk, withSeed ? seed : null, network, sshPort, agent);
            progress.accept("defining the VM (libvirtd)");
            return backend.call("cannot define VM '" + s.name() + "'", c -> {
                Domain d = c.domainDefineXML(xml);
                if (s.start()) {
                    progress.accept("starting the VM");
                    try {
                        d.create();
                    } catch (LibvirtException e) {
                        throw new CloudtuiException("VM '" + s.name() + "' was defined but did not start: "
                                + LibvirtBackend.startFailure(e, sshPort), e);
                    }
                }
                return d.getUUIDString();
            });
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof CloudtuiException ce && ce.getMessage().contains("was defined"))) {
                for (Path p : made) {
                    try {
                        if (remote != null) Remote.delete(remote, p);
                        else Files.deleteIfExists(p);
                    } catch (IOException | RuntimeException ignored) {
                        // best effort
                    }
                }
            }
            if (e instanceof RuntimeException re) throw re;
            throw new CloudtuiException("cannot create VM '" + s.name() + "': " + e.getMessage(), e);
        }
    }

    /** The user the seed creates and vm ssh logs in as: --user, else "cloud" when there is a seed. */
    static String user(VmSupport.CreateSpec s) {
        return s.user() != null ? s.user() : s.sshPublicKey() != null ? DEFAULT_USER : null;
    }

    private static void validate(VmSupport.CreateSpec s, boolean local) {
        if (s.name() == null || !s.name().matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
            throw CloudtuiException.usage("invalid VM name '" + s.name() + "' (letters, digits, '_', '.', '-')");
        }
        if (s.vcpus() < 1 || s.vcpus() > 256) throw CloudtuiException.usage("--vcpus must be between 1 and 256");
        if (s.memoryBytes() < 32L << 20) throw CloudtuiException.usage("--memory must be at least 32M");
        if ((s.image() == null) == (s.kernel() == null)) throw CloudtuiException.usage("give exactly one of --image or --kernel");
        if (s.initrd() != null && s.kernel() == null) throw CloudtuiException.usage("--initrd needs --kernel");
        // the key is read here (it goes into the seed); a remote host's VM boots that host's files, checked there
        for (Path p : local ? new Path[] {s.image(), s.kernel(), s.initrd(), s.sshPublicKey()} : new Path[] {s.sshPublicKey()}) {
            if (p != null && !Files.isReadable(p)) throw CloudtuiException.usage("cannot read " + p);
        }
        if (s.user() != null && !s.user().matches("[a-z_][a-z0-9_-]{0,31}")) throw CloudtuiException.usage("invalid user name '" + s.user() + "'");
    }

    /** The named network; with none given, "default" when it exists, else no NIC. */
    private String resolveNetwork(String requested) {
        return backend.call("network", c -> {
            String name = requested != null ? requested : "default";
            try {
                Network n = c.networkLookupByName(name);
                if (n.isActive() == 0) n.create();
                return name;
            } catch (LibvirtException e) {
                if (requested != null) throw new CloudtuiException("no network '" + requested + "' on " + backend.endpoint(), e);
                return null;
            }
        });
    }

    /**
     * Where a session VM's guest-agent socket goes: libvirt's own choice,
     * ~/.config/libvirt/qemu/channel/target/domain-ID-NAME/org.qemu.guest_agent.0, outgrows a unix
     * socket's 107 bytes with a longer home, name or domain ID (which grows with every start), and
     * then the VM does not start. A short name in the session's runtime dir instead; null (libvirt's
     * choice) without XDG_RUNTIME_DIR.
     */
    static Path sessionAgentSocket(String vmName) {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime == null || runtime.isBlank()) return null;
        Path dir = Path.of(runtime, "libvirt", "qemu", "run");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            return null;
        }
        String hash = java.util.HexFormat.of().formatHex(sha256(vmName), 0, 6);
        return dir.resolve("ga-" + hash + ".sock");
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A loopback TCP port nothing listens on now (the kernel's choice from its ephemeral range). */
    static int freeLoopbackPort() {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(LOOPBACK))) {
            return ss.getLocalPort();
        } catch (IOException e) {
            throw new CloudtuiException("cannot find a free port on " + LOOPBACK + " for the VM's ssh: " + e.getMessage(), e);
        }
    }

    private Path imageDir() {
        Path dir = backend.isSession()
                ? io.cloudtui.core.Dirs.home().resolve(".local/share/libvirt/images")
                : Path.of("/var/lib/libvirt/images");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CloudtuiException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    static String xml(VmSupport.CreateSpec s, String type, Path disk, Path seed, String network) {
        return xml(s, type, disk, seed, network, 0, null);
    }

    /**
     * The domain XML. {@code sshPort} > 0 (only without a network): a user-mode NIC (QEMU's slirp:
     * DHCP 10.0.2.15, NAT to the host's network) whose guest port 22 is forwarded to
     * 127.0.0.1:{@code sshPort}. libvirt 9's {@code <interface type='user'>} forwards ports only with
     * passt, so the NIC is given to QEMU directly ({@code <qemu:commandline>}); libvirt marks such
     * a domain "tainted (custom-argv)" in its log, nothing more. {@code agentSocket}: where the
     * guest-agent channel's socket goes (null: libvirt's choice).
     */
    static String xml(VmSupport.CreateSpec s, String type, Path disk, Path seed, String network, int sshPort, Path agentSocket) {
        StringBuilder x = new StringBuilder();
        x.append("<domain type='").append(type).append("'");
        if (sshPort > 0) x.append(" xmlns:qemu='").append(QEMU_NS).append("'");
        x.append(">\n");
        x.append("  <name>").append(Snapshots.escape(s.name())).append("</name>\n");
        String label = s.image() != null ? s.image().getFileName().toString() : "kernel " + s.kernel().getFileName();
        x.append("  <title>").append(Snapshots.escape(label)).append("</title>\n");
        x.append("  <metadata>\n    <cloudtui:vm xmlns:cloudtui='").append(DomainXml.NS).append("'>\n");
        // the user the seed creates, also when it is the default: vm ssh and the UI's x log in as it
        String user = user(s);
        if (user != null) x.append("      <cloudtui:user>").append(Snapshots.escape(user)).append("</cloudtui:user>\n");
        if (s.sshPublicKey() != null) {
            x.append("      <cloudtui:sshKey>").append(Snapshots.escape(s.sshPublicKey().toAbsolutePath().toString())).append("</cloudtui:sshKey>\n");
        }
        if (sshPort > 0) x.append("      <cloudtui:sshPort>").append(sshPort).append("</cloudtui:sshPort>\n");
        x.append("    </cloudtui:vm>\n  </metadata>\n");
        x.append("  <memory unit='KiB'>").append(s.memoryBytes() / 1024).append("</memory>\n");
        x.append("  <vcpu>").append(s.vcpus()).append("</vcpu>\n");
        x.append("  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n");
        if (s.kernel() != null) {
            x.append("    <kernel>").append(Snapshots.escape(s.kernel().toAbsolutePath().toString())).append("</kernel>\n");
            if (s.initrd() != null) x.append("    <initrd>").append(Snapshots.escape(s.initrd().toAbsolutePath().toString())).append("</initrd>\n");
            String cmdline = s.cmdline() != null ? s.cmdline() : "console=ttyS0";
            x.append("    <cmdline>").append(Snapshots.escape(cmdline)).append("</cmdline>\n");
        } else {
            x.append("    <boot dev='hd'/>\n");
        }
        x.append("  </os>\n  <features><acpi/><apic/></features>\n");
        if ("kvm".equals(type)) x.append("  <cpu mode='host-passthrough'/>\n");
        x.append("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n");
        x.append("  <devices>\n");
        if (disk != null) {
            x.append("    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='")
                    .append(Snapshots.escape(disk.toString())).append("'/><target dev='vda' bus='virtio'/></disk>\n");
        }
        if (seed != null) {
            x.append("    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='")
                    .append(Snapshots.escape(seed.toString())).append("'/><target dev='hdc' bus='ide'/><readonly/></disk>\n");
        }
        if (network != null) {
            x.append("    <interface type='network'><source network='").append(Snapshots.escape(network))
                    .append("'/><model type='virtio'/></interface>\n");
        }
        x.append("    <serial type='pty'><target port='0'/></serial>\n    <console type='pty'><target type='serial' port='0'/></console>\n");
        x.append("    <channel type='unix'>");
        if (agentSocket != null) x.append("<source mode='bind' path='").append(Snapshots.escape(agentSocket.toString())).append("'/>");
        x.append("<target type='virtio' name='org.qemu.guest_agent.0'/></channel>\n");
        x.append("    <memballoon model='virtio'><stats period='5'/></memballoon>\n");
        x.append("  </devices>\n");
        if (sshPort > 0) {
            x.append("  <qemu:commandline>\n");
            for (String a : List.of("-netdev", "user,id=ctuinet0,hostfwd=tcp:" + LOOPBACK + ":" + sshPort + "-:22",
                    "-device", "virtio-net-pci,netdev=ctuinet0,bus=pci.0,addr=" + NIC_SLOT)) {
                x.append("    <qemu:arg value='").append(Snapshots.escape(a)).append("'/>\n");
            }
            x.append("  </qemu:commandline>\n");
        }
        x.append("</domain>\n");
        return x.toString();
    }

    /**
     * A new VM's files on a remote host, made there over its connection: the disk by that host's
     * qemu-img, the seed built here and written there, the image directory, a free loopback port and the
     * guest-agent socket as that host and its ssh user have them.
     */
    static final class Remote {
        private Remote() {}

        static String q(Path p) {
            return LibvirtBackend.shQuote(p.toString());
        }

        static void checkReadable(HostShell h, Path... paths) {
            for (Path p : paths) {
                if (p == null) continue;
                if (!h.run("if [ -r " + q(p) + " ] && [ -f " + q(p) + " ]; then echo ok; fi", null).strip().equals("ok")) {
                    throw CloudtuiException.usage("cannot read " + p + " on " + h.hostName() + " (a remote host's VM boots that host's files)");
                }
            }
        }

        /** The session user's ~/.local/share/libvirt/images there, or the system's /var/lib/libvirt/images; made when missing. */
        static Path imageDir(HostShell h, boolean session) {
            String d = session ? "\"$HOME/.local/share/libvirt/images\"" : "/var/lib/libvirt/images";
            String out = h.run("d=" + d + "; mkdir -p \"$d\" && echo \"$d\"", null).strip();
            if (!out.startsWith("/")) throw new CloudtuiException(h.hostName() + ": cannot make the image directory " + d);
            return Path.of(out);
        }

        static boolean exists(HostShell h, Path p) {
            return h.run("if [ -e " + q(p) + " ]; then echo yes; fi", null).strip().equals("yes");
        }

        /** A qcow2 overlay on BASE (null: a blank qcow2 of SIZE bytes) at DISK, by the host's qemu-img. */
        static void disk(HostShell h, Path base, Path disk, long size) {
            String script;
            if (base == null) {
                script = "qemu-img create -q -f qcow2 " + q(disk) + " " + size;
            } else {
                script = "fmt=$(qemu-img info -U --output=json " + q(base) + " | sed -n 's/^ *\"format\": \"\\([a-z0-9]*\\)\".*/\\1/p' | head -n 1); "
                        + "qemu-img create -q -f qcow2 -F \"${fmt:-raw}\" -b " + q(base) + " " + q(disk) + (size > 0 ? " " + size : "");
            }
            h.run(script, null);
        }

        /** The NoCloud seed, built here (genisoimage or xorriso) and written to SEED there. */
        static void seed(HostShell h, Path seed, String hostname, String user, String publicKey) {
            Path tmp = null;
            try {
                tmp = Files.createTempFile("cloudtui-seed", ".iso");
                Files.delete(tmp);
                Images.seedIso(tmp, hostname, user, publicKey);
                h.run("umask 077; cat > " + q(seed), Files.readAllBytes(tmp));
            } catch (IOException e) {
                throw new CloudtuiException("cannot write the cloud-init seed: " + e.getMessage(), e);
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // best effort
                    }
                }
            }
        }

        static void delete(HostShell h, Path p) {
            h.run("rm -f -- " + q(p), null);
        }

        /**
         * A loopback port nothing listens on, on the host (its kernel's tables, /proc/net/tcp and tcp6,
         * as seen by the ssh session there): a random one from the ephemeral range that none holds.
         */
        static int freeLoopbackPort(HostShell h) {
            String out = h.run("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; cat /proc/sys/net/ipv4/ip_local_port_range", null);
            java.util.Set<Integer> used = new java.util.HashSet<>();
            int lo = 32768;
            int hi = 60999;
            for (String line : out.split("\n")) {
                String[] f = line.strip().split("\\s+");
                if (f.length == 2 && f[0].matches("[0-9]+") && f[1].matches("[0-9]+")) {
                    lo = Integer.parseInt(f[0]);
                    hi = Integer.parseInt(f[1]);
                } else if (f.length > 2 && f[1].contains(":")) {
                    try {
                        used.add(Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16));
                    } catch (NumberFormatException ignored) {
                        // the header line
                    }
                }
            }
            java.util.Random r = new java.util.Random();
            for (int i = 0; i < 1000; i++) {
                int port = lo + r.nextInt(Math.max(1, hi - lo + 1));
                if (!used.contains(port)) return port;
            }
            throw new CloudtuiException(h.hostName() + ": no free port on " + LOOPBACK + " for the VM's ssh");
        }

        /**
         * The guest-agent socket in the session daemon's runtime directory there ($XDG_RUNTIME_DIR, else
         * ~/.cache, as libvirt has it), short for the same reason as {@link #sessionAgentSocket}.
         */
        static Path agentSocket(HostShell h, String vmName) {
            String out = h.run("d=\"${XDG_RUNTIME_DIR:-$HOME/.cache}/libvirt/qemu/run\"; mkdir -p \"$d\" && echo \"$d\"", null).strip();
            if (!out.startsWith("/")) return null;
            return Path.of(out, "ga-" + java.util.HexFormat.of().formatHex(sha256(vmName), 0, 6) + ".sock");
        }
    }
}
