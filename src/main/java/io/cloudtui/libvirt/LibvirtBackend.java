package io.cloudtui.libvirt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.jna.Pointer;
import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.State;
import io.cloudtui.core.Stats;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.core.WorkloadId;
import io.cloudtui.core.WorkloadKind;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.DomainInterface;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.libvirt.MemoryStatistic;
import org.libvirt.event.DomainEvent;
import org.libvirt.event.LifecycleListener;
import org.libvirt.event.StoppedDetail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One libvirt connection (qemu:///system, qemu:///session, qemu+ssh://...): every domain as a VM
 * workload, lifecycle verbs, stats, serial console, snapshots and VM creation. The connection is
 * opened on first use and reopened with backoff after it drops; events report both transitions.
 */
final class LibvirtBackend implements Backend, VmSupport {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtBackend.class);
    static final String DEFAULT_URI = "qemu:///system";
    private static final Pattern UUID_RE = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final int LIST_ACTIVE = 1;
    private static final int UNDEFINE_MANAGED_SAVE = 1;
    private static final int UNDEFINE_SNAPSHOTS_METADATA = 2;
    private static final int UNDEFINE_NVRAM = 4;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String name;
    private final String uri;
    private final Map<String, Object> options;
    private final Object connLock = new Object();
    private volatile Conn conn;
    private volatile int hostCpus = 1;
    private volatile boolean closed;
    private volatile boolean eventsWanted;
    private volatile Conn eventsOn;
    private final List<Consumer<WorkloadEvent>> listeners = new CopyOnWriteArrayList<>();
    // Each running VM's last two readings {older, newer}: CPU% is measured between them.
    private final Map<String, DomainStats.Sample[]> history = new ConcurrentHashMap<>();
    // Parsed domain XML, kept only while lifecycle events keep it fresh (dropped on any event for the VM).
    private final Map<String, DomainXml> xmlCache = new ConcurrentHashMap<>();
    private volatile Map<String, DomainStats.Sample> recentBulk;
    private volatile long recentBulkAt;
    private final Object wake = new Object();
    private ExecutorService dispatch;
    private Thread supervisor;
    private volatile String domainType;
    /** The host of a daemon reached through the host layer's forwarded socket (its files are there), or null. */
    private final HostShell remote;
    // Held here because libvirt-java only keeps a weak hold on what it registers natively.
    private final LifecycleListener lifecycle = this::onLifecycle;

    /** libvirt-java's Connect with access to the native handle for the JNA bindings. */
    static final class Conn extends Connect {
        Conn(String uri) throws LibvirtException {
            super(uri);
        }

        Pointer raw() {
            return vcp.getPointer();
        }
    }

    @FunctionalInterface
    interface Fn<T> {
        T apply(Conn c) throws LibvirtException;
    }

    LibvirtBackend(String name, String uri, Map<String, Object> options) {
        this.name = name;
        this.uri = uri == null || uri.isBlank() ? DEFAULT_URI : uri;
        this.options = options == null ? Map.of() : options;
        this.remote = this.options.get(LibvirtProvider.REMOTE_HOST) instanceof HostShell h ? h : null;
    }

    /** The remote host whose daemon this backend reaches through a forwarded socket, or null. */
    HostShell remote() {
        return remote;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "libvirt";
    }

    @Override
    public String endpoint() {
        return uri;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.LIST, Capability.EVENTS, Capability.START, Capability.STOP, Capability.RESTART,
                Capability.KILL, Capability.PAUSE, Capability.UNPAUSE, Capability.REMOVE, Capability.ATTACH,
                Capability.INSPECT, Capability.STATS, Capability.CONSOLE);
    }

    // ---------------------------------------------------------------- connection

    Conn conn() {
        Conn c = conn;
        if (c != null) return c;
        synchronized (connLock) {
            if (closed) throw new CloudtuiException("libvirt backend '" + name + "' is closed");
            if (conn == null) {
                conn = open();
                if (eventsWanted) registerEvents(conn);
            }
            return conn;
        }
    }

    private Conn open() {
        EventLoop.ensureStarted();
        Conn c;
        try {
            c = new Conn(connectUri(uri));
        } catch (LibvirtException e) {
            String m = message(e);
            String lower = m.toLowerCase(Locale.ROOT);
            boolean denied = lower.contains("permission denied") || lower.contains("authentication")
                    || lower.contains("system bus") || lower.contains("polkit");
            if (denied && uri.endsWith("/system")) {
                // libvirt's own words (a D-Bus or polkit failure) say nothing a user can act on: the log has them
                LOG.info("cannot connect to libvirt at {}: {}", uri, m);
                throw new CloudtuiException("this user may not connect to libvirt at " + uri
                        + " (run as root, join the 'libvirt' group, or configure uri: qemu:///session)", e);
            }
            throw new CloudtuiException("cannot connect to libvirt at " + uri + ": " + m, e);
        }
        try {
            c.setKeepAlive(5, 3);
        } catch (LibvirtException e) {
            LOG.debug("keepalive not supported on {}", uri);
        }
        try {
            c.registerCloseListener((cc, reason) -> {
                LOG.info("libvirt connection {} closed: {}", uri, reason);
                wakeSupervisor();
            });
        } catch (LibvirtException e) {
            LOG.debug("close listener not supported on {}", uri);
        }
        try {
            hostCpus = Math.max(1, c.nodeInfo().cpus);
        } catch (LibvirtException e) {
            LOG.debug("nodeInfo failed", e);
        }
        LOG.info("connected to libvirt at {}", uri);
        return c;
    }

    /**
     * The URI libvirt is opened with: an ssh transport ({@code qemu+ssh://...}) gets {@code no_tty=1}
     * unless the config says otherwise, so ssh runs in batch mode and never asks for a password or
     * passphrase on the terminal the UI is drawing on (keys or an agent must do).
     */
    static String connectUri(String uri) {
        int colon = uri.indexOf(':');
        if (colon < 0 || !uri.substring(0, colon).toLowerCase(Locale.ROOT).endsWith("+ssh")) return uri;
        int q = uri.indexOf('?');
        if (q >= 0) {
            for (String p : uri.substring(q + 1).split("&")) {
                if (p.equals("no_tty") || p.startsWith("no_tty=")) return uri;
            }
        }
        return uri + (q < 0 ? "?" : uri.endsWith("?") || uri.endsWith("&") ? "" : "&") + "no_tty=1";
    }

    private void dropConnection(Conn c) {
        synchronized (connLock) {
            if (conn != c) return;
            conn = null;
            eventsOn = null;
            xmlCache.clear();
        }
        try {
            c.close();
        } catch (LibvirtException | RuntimeException e) {
            LOG.debug("closing dead connection", e);
        }
    }

    private static boolean alive(Conn c) {
        try {
            return c.isAlive();
        } catch (LibvirtException | RuntimeException e) {
            return false;
        }
    }

    /** Runs {@code fn} on the connection; libvirt errors become one-line CloudtuiExceptions. */
    <T> T call(String what, Fn<T> fn) {
        return call(() -> what, fn);
    }

    /** As {@link #call(String, Fn)}, the message's subject read only when there is an error. */
    <T> T call(java.util.function.Supplier<String> what, Fn<T> fn) {
        Conn c = conn();
        try {
            return fn.apply(c);
        } catch (LibvirtException e) {
            if (!alive(c)) {
                dropConnection(c);
                wakeSupervisor();
                throw new CloudtuiException("lost the connection to libvirt at " + uri + ": " + message(e), e);
            }
            throw new CloudtuiException(what.get() + ": " + message(e), e);
        }
    }

    static String message(LibvirtException e) {
        Error err = e.getError();
        String m = err != null && err.getMessage() != null ? err.getMessage() : e.getMessage();
        return oneLine(m);
    }

    static String oneLine(String m) {
        if (m == null) return "unknown error";
        return m.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /**
     * Why a VM did not start, in one line: a session VM whose forwarded ssh port is taken says so
     * (QEMU's own message is a multi-line monitor error), anything else is libvirt's message.
     */
    static String startFailure(LibvirtException e, int sshPort) {
        String m = message(e);
        if (sshPort > 0 && m.contains("host forwarding rule")) {
            return "its ssh port " + VmCreator.LOOPBACK + ":" + sshPort + " (forwarded to the guest's port 22) is in use by another program";
        }
        return m;
    }

    /** Starts a defined VM; a forwarded ssh port that is taken is one line naming the VM and the port. */
    private static void startDomain(Domain d) throws LibvirtException {
        try {
            d.create();
        } catch (LibvirtException e) {
            throw portTaken(d, e, "cannot start VM '" + d.getName() + "'");
        }
    }

    /**
     * {@code e} as is, or, when QEMU could not forward the VM's ssh port (taken by another program),
     * a one-line "WHAT: its ssh port ... is in use" thrown instead (start, reboot, a revert that
     * starts QEMU anew).
     */
    static LibvirtException portTaken(Domain d, LibvirtException e, String what) {
        if (!message(e).contains("host forwarding rule")) return e;
        int port;
        try {
            port = DomainXml.parse(d.getXMLDesc(0)).sshPort();
        } catch (LibvirtException | RuntimeException ignored) {
            return e; // the original error is the better message then
        }
        if (port > 0) throw new CloudtuiException(what + ": " + startFailure(e, port), e);
        return e;
    }

    /** A session URI (qemu:///session): the user's own libvirtd, no libvirt networks of the system's. */
    boolean isSession() {
        return uri.endsWith("/session") || uri.contains("/session?");
    }

    static boolean noDomain(LibvirtException e) {
        return e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_NO_DOMAIN;
    }

    @Override
    public void ping() {
        call("libvirt at " + uri, c -> c.getLibVersion());
    }

    // ---------------------------------------------------------------- listing

    /** Finds a domain by UUID, name or unique UUID prefix. */
    Domain find(Conn c, String ref) throws LibvirtException {
        if (UUID_RE.matcher(ref).matches()) {
            try {
                return c.domainLookupByUUIDString(ref);
            } catch (LibvirtException e) {
                if (!noDomain(e)) throw e;
            }
        }
        try {
            return c.domainLookupByName(ref);
        } catch (LibvirtException e) {
            if (!noDomain(e)) throw e;
        }
        Domain found = null;
        if (ref.length() >= 4) {
            for (Domain d : c.listAllDomains(0)) {
                if (d.getUUIDString().startsWith(ref.toLowerCase(Locale.ROOT))) {
                    if (found != null) throw new CloudtuiException("'" + ref + "' matches more than one VM on " + name);
                    found = d;
                }
            }
        }
        if (found == null) throw CloudtuiException.noSuchWorkload(name + ":" + ref);
        return found;
    }

    /**
     * Runs {@code fn} on the VM {@code ref} names; a libvirt error becomes "VERB VM 'NAME': reason",
     * naming the VM by its name even when {@code ref} is its UUID (as the CLI and the UI pass it).
     */
    <T> T onDomain(String ref, String verb, DomainFn<T> fn) {
        return onDomain(ref, verb, "", fn);
    }

    /** As {@link #onDomain(String, String, DomainFn)}, {@code tail} after the VM's name ("VERB VM 'NAME'TAIL: reason"). */
    <T> T onDomain(String ref, String verb, String tail, DomainFn<T> fn) {
        String[] vm = {ref};
        return call(() -> verb + " VM '" + vm[0] + "'" + tail, c -> {
            Domain d = find(c, ref);
            try {
                vm[0] = d.getName();
                return fn.apply(c, d);
            } catch (LibvirtException e) {
                if (noDomain(e)) throw CloudtuiException.noSuchWorkload(name + ":" + ref);
                throw e;
            }
        });
    }

    /** For a message: the name of the VM with this UUID, or the UUID when it cannot be read. */
    private String nameOf(String uuid) {
        Conn c = conn;
        if (c != null) {
            try {
                return c.domainLookupByUUIDString(uuid).getName();
            } catch (LibvirtException | RuntimeException e) {
                LOG.debug("name of {}: {}", uuid, e.getMessage());
            }
        }
        return uuid;
    }

    /** The name of the VM {@code ref} (a name, UUID or UUID prefix) names: what messages show. */
    String vmName(String ref) {
        return onDomain(ref, "look up", (c, d) -> d.getName());
    }

    @FunctionalInterface
    interface DomainFn<T> {
        T apply(Conn c, Domain d) throws LibvirtException;
    }

    @Override
    public List<Workload> list(boolean all) {
        return call("list VMs on " + uri, c -> {
            List<Workload> out = new ArrayList<>();
            Domain[] domains = c.listAllDomains(all ? 0 : LIST_ACTIVE);
            Map<String, DomainStats.Sample> bulk = null;
            if (domains.length > 0) {
                try {
                    // Every domain's state in one round trip; the state group does not query QEMU.
                    bulk = DomainStats.fetch(c.raw(), DomainStats.STATE, all ? 0 : DomainStats.ONLY_ACTIVE);
                } catch (IllegalStateException e) {
                    LOG.debug("bulk state unavailable on {}: {}", uri, e.getMessage());
                }
            }
            for (Domain d : domains) {
                try {
                    out.add(toWorkload(c, d, bulk));
                } catch (LibvirtException e) {
                    // Undefined by someone else between listing and reading it: simply gone.
                    if (!noDomain(e)) throw e;
                }
            }
            return out;
        });
    }

    @Override
    public Workload get(String ref) {
        return onDomain(ref, "get", (c, d) -> toWorkload(c, d, null));
    }

    Workload toWorkload(Conn c, Domain d, Map<String, DomainStats.Sample> bulk) throws LibvirtException {
        String uuid = d.getUUIDString();
        String vmName = d.getName();
        DomainStats.Sample s = bulk != null ? bulk.get(uuid) : null;
        DomainXml x = xml(c, d, uuid);
        DomainInfo.DomainState ds;
        int vcpus = x.vcpus();
        long maxKiB = x.memoryBytes() / 1024;
        if (s != null && s.state() >= 0 && s.state() < DomainInfo.DomainState.values().length && vcpus > 0 && maxKiB > 0) {
            ds = DomainInfo.DomainState.values()[s.state()];
        } else {
            DomainInfo info = d.getInfo();
            ds = info.state;
            vcpus = info.nrVirtCpu;
            maxKiB = info.maxMem;
        }
        State state = mapState(ds);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("vcpus", Integer.toString(vcpus));
        labels.put("memory", humanBytes(maxKiB * 1024));
        labels.put("domainType", x.type());
        List<String> addresses = !state.isActive() ? List.of() : x.forwardedSsh() != null ? List.of(x.forwardedSsh())
                : !x.nics().isEmpty() ? quietAddresses(d) : List.of();
        return new Workload(new WorkloadId(name, uuid), vmName, WorkloadKind.VM, x.imageLabel(), "", state,
                statusText(ds), null, state.isActive() ? startedAt(vmName) : null, addresses, labels, hostLabel());
    }

    private DomainXml xml(Conn c, Domain d, String uuid) throws LibvirtException {
        boolean cacheable = eventsOn == c;
        if (cacheable) {
            DomainXml x = xmlCache.get(uuid);
            if (x != null) return x;
        }
        DomainXml x = DomainXml.parse(d.getXMLDesc(0));
        if (cacheable) xmlCache.put(uuid, x);
        return x;
    }

    static State mapState(DomainInfo.DomainState s) {
        if (s == null) return State.UNKNOWN;
        return switch (s) {
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED, VIR_DOMAIN_SHUTDOWN -> State.RUNNING;
            case VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED -> State.PAUSED;
            case VIR_DOMAIN_SHUTOFF -> State.STOPPED;
            case VIR_DOMAIN_CRASHED -> State.DEAD;
            default -> State.UNKNOWN;
        };
    }

    static String statusText(DomainInfo.DomainState s) {
        if (s == null) return "unknown";
        return switch (s) {
            case VIR_DOMAIN_RUNNING -> "running";
            case VIR_DOMAIN_BLOCKED -> "running (blocked)";
            case VIR_DOMAIN_PAUSED -> "paused";
            case VIR_DOMAIN_SHUTDOWN -> "shutting down";
            case VIR_DOMAIN_SHUTOFF -> "shut off";
            case VIR_DOMAIN_CRASHED -> "crashed";
            case VIR_DOMAIN_PMSUSPENDED -> "suspended by guest";
            default -> "no state";
        };
    }

    private String hostLabel() {
        try {
            String h = URI.create(uri).getHost();
            return h == null ? "" : h;
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    boolean isLocal() {
        // a socket the host layer forwards looks local (qemu+unix) but its daemon, files and QEMU are the host's
        return remote == null && hostLabel().isEmpty() && (uri.startsWith("qemu:") || uri.startsWith("qemu+unix:"));
    }

    /** QEMU's pid file is written at start; only readable for local system connections. */
    private Instant startedAt(String vmName) {
        if (!isLocal()) return null;
        Path pid = Path.of(uri.endsWith("/session") ? System.getenv().getOrDefault("XDG_RUNTIME_DIR", "/nonexistent") + "/libvirt/qemu/run"
                : "/run/libvirt/qemu", vmName + ".pid");
        try {
            return Files.getLastModifiedTime(pid).toInstant();
        } catch (Exception e) {
            return null;
        }
    }

    /** Addresses for the table: DHCP leases, then ARP; never the agent (it can block for seconds). */
    private List<String> quietAddresses(Domain d) {
        for (int src : new int[] {Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
                Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP}) {
            try {
                List<String> a = addressesFrom(d.interfaceAddresses(src, 0));
                if (!a.isEmpty()) return a;
            } catch (LibvirtException | RuntimeException e) {
                LOG.debug("addresses of {} from source {}: {}", name, src, e.getMessage());
            }
        }
        return List.of();
    }

    static List<String> addressesFrom(Collection<DomainInterface> ifaces) {
        Set<String> v4 = new LinkedHashSet<>();
        Set<String> v6 = new LinkedHashSet<>();
        if (ifaces == null) return List.of();
        for (DomainInterface i : ifaces) {
            if (i.addrs == null || "lo".equals(i.name)) continue;
            for (DomainInterface.InterfaceAddress a : i.addrs) {
                InetAddress ip = a.address;
                if (ip == null || ip.isLoopbackAddress() || ip.isLinkLocalAddress()) continue;
                (ip instanceof Inet4Address ? v4 : v6).add(ip.getHostAddress());
            }
        }
        List<String> out = new ArrayList<>(v4);
        out.addAll(v6);
        return out;
    }

    @Override
    public List<String> addresses(String ref) {
        return onDomain(ref, "addresses of", (c, d) -> {
            if (d.isActive() == 0) return List.of();
            // a session VM's user-mode NIC: no lease, no ARP entry here; its ssh is the forwarded port
            String forwarded = DomainXml.parse(d.getXMLDesc(0)).forwardedSsh();
            if (forwarded != null) return List.of(forwarded);
            for (int src : new int[] {Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
                    Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
                    Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP}) {
                try {
                    List<String> a = addressesFrom(d.interfaceAddresses(src, 0));
                    if (!a.isEmpty()) return a;
                } catch (LibvirtException e) {
                    LOG.debug("addresses of {} from source {}: {}", ref, src, message(e));
                }
            }
            return List.of();
        });
    }

    // ---------------------------------------------------------------- verbs

    @Override
    public void start(String ref) {
        onDomain(ref, "start", (c, d) -> {
            startDomain(d);
            return null;
        });
    }

    @Override
    public void stop(String ref, Duration timeout) {
        String vm = onDomain(ref, "shut down", (c, d) -> {
            d.shutdown();
            return d.getName();
        });
        if (timeout == null || timeout.isZero() || timeout.isNegative()) return;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!isActive(ref)) return;
            sleep(250);
        }
        if (!isActive(ref)) return;
        throw new CloudtuiException("VM '" + vm + "' did not shut down within " + timeout.toSeconds()
                + "s: the ACPI request was sent but the guest has not acted on it (use 'kill' to force it off)");
    }

    private boolean isActive(String ref) {
        try {
            return onDomain(ref, "state of", (c, d) -> d.isActive() == 1);
        } catch (CloudtuiException e) {
            if (e.getMessage().startsWith("no such workload")) return false;
            throw e;
        }
    }

    @Override
    public void restart(String ref, Duration timeout) {
        onDomain(ref, "reboot", (c, d) -> {
            if (d.isActive() == 0) {
                startDomain(d);
            } else {
                d.reboot(0);
            }
            return null;
        });
    }

    @Override
    public void kill(String ref, String signal) {
        String s = signal == null ? "KILL" : signal.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
        if (!Set.of("KILL", "9", "TERM", "15").contains(s)) {
            throw new CloudtuiException("a VM can only be forced off (kill = destroy); signal '" + signal + "' has no meaning for it");
        }
        onDomain(ref, "destroy", (c, d) -> {
            d.destroy();
            return null;
        });
    }

    @Override
    public void pause(String ref) {
        onDomain(ref, "suspend", (c, d) -> {
            d.suspend();
            return null;
        });
    }

    @Override
    public void unpause(String ref) {
        onDomain(ref, "resume", (c, d) -> {
            d.resume();
            return null;
        });
    }

    @Override
    public void remove(String ref, boolean force) {
        undefine(ref, force, false);
    }

    @Override
    public List<String> undefine(String ref, boolean force, boolean storage) {
        return onDomain(ref, "undefine", (c, d) -> {
            String vm = d.getName();
            String uuid = d.getUUIDString();
            DomainXml x = DomainXml.parse(d.getXMLDesc(0));
            if (d.isActive() == 1) {
                if (!force) throw new CloudtuiException("VM '" + vm + "' is running: stop it first, or force it off and remove it with --force");
                d.destroy();
            }
            List<String> files = new ArrayList<>();
            if (storage) {
                for (DomainXml.Disk disk : x.disks()) {
                    if (disk.source() == null) continue;
                    boolean own = "disk".equals(disk.device())
                            || ("cdrom".equals(disk.device()) && disk.source().endsWith("/" + vm + "-seed.iso"));
                    if (own) files.add(disk.source());
                }
                files.removeAll(diskFilesInUseElsewhere(c, uuid));
            }
            try {
                d.undefine(UNDEFINE_MANAGED_SAVE | UNDEFINE_SNAPSHOTS_METADATA | UNDEFINE_NVRAM);
            } catch (LibvirtException e) {
                if (e.getError() == null || e.getError().getCode() != Error.ErrorNumber.VIR_ERR_INVALID_ARG) throw e;
                d.undefine(UNDEFINE_MANAGED_SAVE | UNDEFINE_SNAPSHOTS_METADATA);
            }
            List<String> deleted = new ArrayList<>();
            for (String f : files) {
                if (deleteStorage(c, f)) deleted.add(f);
            }
            return deleted;
        });
    }

    /** Disk files (and their backing files) other domains use: never deleted with this one's storage. */
    private Set<String> diskFilesInUseElsewhere(Conn c, String uuid) throws LibvirtException {
        Set<String> used = new java.util.HashSet<>();
        for (Domain other : c.listAllDomains(0)) {
            if (other.getUUIDString().equals(uuid)) continue;
            for (DomainXml.Disk disk : DomainXml.parse(other.getXMLDesc(0)).disks()) {
                if (disk.source() == null) continue;
                used.add(disk.source());
                if (isLocal()) used.addAll(Images.backingChain(Path.of(disk.source())));
            }
        }
        return used;
    }

    private boolean deleteStorage(Conn c, String file) {
        try {
            c.storageVolLookupByPath(file).delete(0);
            return true;
        } catch (LibvirtException e) {
            LOG.debug("{} is not a storage volume: {}", file, message(e));
        }
        if (remote != null) {
            // the host's file, deleted there over its connection (rm -f: one already gone is no error)
            String out = remote.run("f=" + shQuote(file) + "; if [ -e \"$f\" ]; then rm -f -- \"$f\" && echo deleted; fi", null);
            return out.strip().equals("deleted");
        }
        if (isLocal()) {
            try {
                return Files.deleteIfExists(Path.of(file));
            } catch (java.io.IOException e) {
                throw new CloudtuiException("VM undefined, but its disk " + file + " could not be deleted: " + e.getMessage(), e);
            }
        }
        return false;
    }

    @Override
    public void setAutostart(String ref, boolean on) {
        onDomain(ref, "autostart", (c, d) -> {
            d.setAutostart(on);
            return null;
        });
    }

    @Override
    public void logs(String ref, LogOptions options, Consumer<LogLine> sink, Cancel cancel) {
        String vm = vmName(ref);
        throw new CloudtuiException("VM '" + vm + "' has no log stream in libvirt; open its serial console instead: cloudtui console " + vm);
    }

    @Override
    public int exec(String ref, List<String> command, Stdio stdio) {
        String vm = vmName(ref);
        throw new CloudtuiException("exec into VM '" + vm + "' is not supported; use its console (cloudtui console " + vm
                + ") or ssh (cloudtui vm ssh " + vm + ")");
    }

    @Override
    public int attach(String ref, Stdio stdio) {
        return console(ref, stdio, false);
    }

    @Override
    public int console(String ref, Stdio stdio, boolean force) {
        Conn c = conn();
        String[] id = onDomain(ref, "cannot open the console of", (cc, d) -> {
            if (d.isActive() == 0) throw new CloudtuiException("VM '" + d.getName() + "' is not running: start it to use its console");
            return new String[] {d.getUUIDString(), d.getName()};
        });
        return new ConsoleSession(c, id[0], id[1]).run(stdio, force);
    }

    // ---------------------------------------------------------------- inspect and stats

    @Override
    public String inspect(String ref) {
        return onDomain(ref, "inspect", (c, d) -> {
            String xml = d.getXMLDesc(0);
            DomainXml x = DomainXml.parse(xml);
            DomainInfo info = d.getInfo();
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("name", d.getName());
            summary.put("uuid", d.getUUIDString());
            summary.put("backend", name);
            summary.put("uri", uri);
            summary.put("domainType", x.type());
            summary.put("state", statusText(info.state));
            summary.put("vcpus", info.nrVirtCpu);
            summary.put("maxMemoryBytes", info.maxMem * 1024);
            summary.put("memoryBytes", info.memory * 1024);
            summary.put("cpuTimeNs", info.cpuTime);
            summary.put("persistent", d.isPersistent() == 1);
            summary.put("autostart", d.getAutostart());
            summary.put("os", x.imageLabel());
            List<Map<String, Object>> disks = new ArrayList<>();
            for (DomainXml.Disk disk : x.disks()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("target", disk.target());
                m.put("device", disk.device());
                m.put("source", disk.source());
                m.put("format", disk.format());
                disks.add(m);
            }
            summary.put("disks", disks);
            List<Map<String, Object>> nics = new ArrayList<>();
            for (DomainXml.Nic n : x.nics()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("mac", n.mac());
                m.put("network", n.network());
                m.put("hostDevice", n.target());
                nics.add(m);
            }
            summary.put("interfaces", nics);
            summary.put("addresses", info.state == DomainInfo.DomainState.VIR_DOMAIN_SHUTOFF ? List.of()
                    : x.forwardedSsh() != null ? List.of(x.forwardedSsh()) : quietAddresses(d));
            summary.put("snapshots", d.snapshotNum());
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("summary", summary);
            doc.put("xml", xml);
            try {
                return JSON.writeValueAsString(doc);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Override
    public Stats stats(String ref) {
        Map<String, DomainStats.Sample> fresh = freshBulk();
        String uuid = fresh != null && fresh.containsKey(ref) ? ref : onDomain(ref, "stats of", (c, d) -> {
            if (d.isActive() == 0) throw new CloudtuiException("VM '" + d.getName() + "' is not running: no stats");
            return d.getUUIDString();
        });
        if (fresh == null || !fresh.containsKey(uuid)) sample(uuid);
        DomainStats.Sample[] h = history.get(uuid);
        if (!usable(h)) {
            // CPU% needs two readings: take a second one a second later (for every running VM at once).
            sleep(1000);
            sample(uuid);
            h = history.get(uuid);
        }
        return toStats(h[0] != null ? h[0] : h[1], h[1], hostCpus);
    }

    private static boolean usable(DomainStats.Sample[] h) {
        if (h == null || h[0] == null) return false;
        long dt = h[1].atNanos() - h[0].atNanos();
        return dt >= 20_000_000L && dt <= 30_000_000_000L && h[0].cpuTimeNs() <= h[1].cpuTimeNs();
    }

    static Stats toStats(DomainStats.Sample prev, DomainStats.Sample now, int hostCpus) {
        double cpu = DomainStats.cpuPercent(prev.cpuTimeNs(), prev.atNanos(), now.cpuTimeNs(), now.atNanos(), hostCpus);
        return new Stats(Instant.now(), cpu, Stats.CpuScale.ALL_CPUS, now.memoryUsedBytes(), now.memoryLimitBytes(),
                now.netRx(), now.netTx(), now.blockRead(), now.blockWrite(), -1);
    }

    /** Stats of every running domain in one libvirt call, CPU% against the previous call. */
    Map<String, Stats> statsAll() {
        Map<String, DomainStats.Sample> samples = call("stats on " + uri, this::fetchBulk);
        Map<String, Stats> out = new LinkedHashMap<>();
        for (DomainStats.Sample s : samples.values()) {
            DomainStats.Sample[] h = history.get(s.uuid());
            out.put(s.uuid(), toStats(h[0] != null ? h[0] : s, s, hostCpus));
        }
        return out;
    }

    /** A bulk sample of every running domain taken in the last quarter second, shared by a refresh's stats calls. */
    private Map<String, DomainStats.Sample> freshBulk() {
        Map<String, DomainStats.Sample> m = recentBulk;
        return m != null && System.nanoTime() - recentBulkAt < 250_000_000L ? m : null;
    }

    /** Every running domain's counters in one call; each VM's last two readings are kept for CPU%. */
    private Map<String, DomainStats.Sample> fetchBulk(Conn c) {
        Map<String, DomainStats.Sample> all = DomainStats.fetch(c.raw(), DomainStats.ALL_GROUPS, DomainStats.ONLY_ACTIVE);
        for (DomainStats.Sample s : all.values()) remember(s);
        recentBulk = all;
        recentBulkAt = System.nanoTime();
        return all;
    }

    private void remember(DomainStats.Sample s) {
        history.compute(s.uuid(), (k, h) -> h == null ? new DomainStats.Sample[] {null, s} : new DomainStats.Sample[] {h[1], s});
    }

    /** Takes a new reading of {@code uuid}: the bulk call when the driver has it, else per-device calls. */
    private void sample(String uuid) {
        call(() -> "cannot read the stats of VM '" + nameOf(uuid) + "'", c -> {
            try {
                DomainStats.Sample s = fetchBulk(c).get(uuid);
                if (s != null && s.cpuTimeNs() >= 0) return null;
            } catch (IllegalStateException e) {
                LOG.debug("bulk stats unavailable on {}: {}", uri, e.getMessage());
            }
            remember(samplePerDevice(c, uuid));
            return null;
        });
    }

    private DomainStats.Sample samplePerDevice(Conn c, String uuid) throws LibvirtException {
        Domain d = c.domainLookupByUUIDString(uuid);
        DomainInfo info = d.getInfo();
        long at = System.nanoTime();
        DomainXml x = DomainXml.parse(d.getXMLDesc(0));
        long rx = -1, tx = -1, rd = -1, wr = -1;
        for (DomainXml.Nic n : x.nics()) {
            if (n.target() == null) continue;
            try {
                var s = d.interfaceStats(n.target());
                rx = Math.max(rx, 0) + s.rx_bytes;
                tx = Math.max(tx, 0) + s.tx_bytes;
            } catch (LibvirtException e) {
                LOG.debug("interface stats {}: {}", n.target(), message(e));
            }
        }
        for (DomainXml.Disk disk : x.disks()) {
            if (disk.target() == null) continue;
            try {
                var s = d.blockStats(disk.target());
                rd = Math.max(rd, 0) + s.rd_bytes;
                wr = Math.max(wr, 0) + s.wr_bytes;
            } catch (LibvirtException e) {
                LOG.debug("block stats {}: {}", disk.target(), message(e));
            }
        }
        Map<Integer, Long> mem = new HashMap<>();
        try {
            for (MemoryStatistic m : d.memoryStats(13)) mem.put(m.getTag(), m.getValue());
        } catch (LibvirtException e) {
            LOG.debug("memory stats: {}", message(e));
        }
        // Tags from virDomainMemoryStatTags: 4 unused, 5 available, 6 actual balloon, 7 rss, 8 usable.
        return new DomainStats.Sample(uuid, at, info.state.ordinal(), info.cpuTime, info.nrVirtCpu,
                mem.getOrDefault(6, info.memory), info.maxMem, mem.getOrDefault(7, -1L), mem.getOrDefault(5, -1L),
                mem.getOrDefault(8, -1L), rx, tx, rd, wr);
    }

    int hostCpus() {
        return hostCpus;
    }

    // ---------------------------------------------------------------- events

    @Override
    public AutoCloseable events(Consumer<WorkloadEvent> listener) {
        listeners.add(listener);
        synchronized (connLock) {
            eventsWanted = true;
            if (dispatch == null) {
                dispatch = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "libvirt-events-" + name);
                    t.setDaemon(true);
                    return t;
                });
            }
            if (conn != null && eventsOn != conn) registerEvents(conn);
            if (supervisor == null) {
                supervisor = new Thread(this::supervise, "libvirt-supervisor-" + name);
                supervisor.setDaemon(true);
                supervisor.start();
            }
        }
        return () -> listeners.remove(listener);
    }

    private void registerEvents(Conn c) {
        try {
            c.addLifecycleListener(lifecycle);
            eventsOn = c;
        } catch (LibvirtException e) {
            LOG.warn("cannot subscribe to lifecycle events on {}: {}", uri, message(e));
        }
    }

    private int onLifecycle(Domain d, DomainEvent ev) {
        try {
            String uuid = d.getUUIDString();
            xmlCache.remove(uuid);
            emit(new WorkloadEvent(name, new WorkloadId(name, uuid), WorkloadEvent.Type.WORKLOAD, action(ev), Instant.now()));
        } catch (LibvirtException | RuntimeException e) {
            LOG.debug("lifecycle event", e);
        }
        return 0;
    }

    static String action(DomainEvent ev) {
        return switch (ev.getType()) {
            case DEFINED -> "define";
            case UNDEFINED -> "undefine";
            case STARTED -> "start";
            case SUSPENDED -> "pause";
            case RESUMED -> "unpause";
            case STOPPED -> ev.getDetail() == StoppedDetail.DESTROYED ? "destroy"
                    : ev.getDetail() == StoppedDetail.SHUTDOWN ? "shutdown" : "stop";
            case SHUTDOWN -> "shutting-down";
            case PMSUSPENDED -> "pmsuspend";
            case CRASHED -> "crash";
            default -> "change";
        };
    }

    private void emit(WorkloadEvent e) {
        ExecutorService d = dispatch;
        if (d == null) return;
        try {
            d.execute(() -> {
                for (Consumer<WorkloadEvent> l : listeners) {
                    try {
                        l.accept(e);
                    } catch (RuntimeException ex) {
                        LOG.warn("event listener failed", ex);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException ex) {
            // closing
        }
    }

    private void wakeSupervisor() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** Reconnects with backoff and polls states slowly in case an event was missed. */
    private void supervise() {
        long pollMs = pollInterval().toMillis();
        long backoff = 1000;
        boolean up = conn != null;
        Map<String, State> last = null;
        long nextPoll = 0;
        while (!closed) {
            Conn c = conn;
            if (c == null || !alive(c)) {
                if (c != null) dropConnection(c);
                if (up) {
                    up = false;
                    emit(new WorkloadEvent(name, null, WorkloadEvent.Type.DISCONNECTED, "disconnect", Instant.now()));
                }
                try {
                    conn();
                    up = true;
                    backoff = 1000;
                    last = null;
                    nextPoll = 0;
                    emit(new WorkloadEvent(name, null, WorkloadEvent.Type.CONNECTED, "connect", Instant.now()));
                    continue;
                } catch (CloudtuiException e) {
                    LOG.debug("reconnect to {} failed: {}", uri, e.getMessage());
                    waitWake(backoff);
                    backoff = Math.min(backoff * 2, 15_000);
                    continue;
                }
            }
            if (!up) {
                up = true;
            }
            if (System.currentTimeMillis() >= nextPoll) {
                try {
                    Map<String, State> now = new HashMap<>();
                    for (Domain d : c.listAllDomains(0)) now.put(d.getUUIDString(), mapState(d.getInfo().state));
                    if (last != null) {
                        Set<String> ids = new LinkedHashSet<>(now.keySet());
                        ids.addAll(last.keySet());
                        for (String id : ids) {
                            if (!java.util.Objects.equals(now.get(id), last.get(id))) {
                                xmlCache.remove(id);
                                emit(new WorkloadEvent(name, new WorkloadId(name, id), WorkloadEvent.Type.WORKLOAD, "poll", Instant.now()));
                            }
                        }
                    }
                    last = now;
                } catch (LibvirtException | RuntimeException e) {
                    LOG.debug("poll of {} failed: {}", uri, e.getMessage());
                }
                nextPoll = System.currentTimeMillis() + pollMs;
            }
            waitWake(1000);
        }
    }

    Duration pollInterval() {
        Object v = options.get("pollInterval");
        if (v instanceof Number n) return Duration.ofSeconds(Math.max(1, n.longValue()));
        return Duration.ofSeconds(30);
    }

    private void waitWake(long ms) {
        synchronized (wake) {
            try {
                wake.wait(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
    }

    // ---------------------------------------------------------------- snapshots, creation

    @Override
    public void snapshotCreate(String ref, String snapshot, String description, Boolean memory) {
        onDomain(ref, "cannot take snapshot '" + snapshot + "' of", (c, d) -> Snapshots.create(d, snapshot, description, memory));
    }

    @Override
    public List<Snapshot> snapshots(String ref) {
        return onDomain(ref, "cannot list the snapshots of", (c, d) -> Snapshots.list(d));
    }

    @Override
    public String whyNoSnapshots(String ref) {
        return onDomain(ref, "cannot read", (c, d) -> Snapshots.whyNot(d.getName(), DomainXml.parse(d.getXMLDesc(0))));
    }

    @Override
    public void snapshotRevert(String ref, String snapshot) {
        onDomain(ref, "cannot revert", " to snapshot '" + snapshot + "'", (c, d) -> {
            try {
                return Snapshots.revert(d, snapshot);
            } catch (LibvirtException e) {
                throw portTaken(d, e, "cannot revert VM '" + d.getName() + "' to snapshot '" + snapshot + "'");
            }
        });
    }

    @Override
    public void snapshotDelete(String ref, String snapshot) {
        onDomain(ref, "cannot delete snapshot '" + snapshot + "' of", (c, d) -> Snapshots.delete(d, snapshot));
    }

    @Override
    public String create(CreateSpec spec) {
        return create(spec, step -> {});
    }

    @Override
    public String create(CreateSpec spec, Consumer<String> progress) {
        return new VmCreator(this).create(spec, progress);
    }

    @Override
    public String domainType() {
        String t = domainType;
        if (t != null) return t;
        synchronized (this) {
            if (domainType == null) {
                Object forced = options.get("domainType");
                domainType = forced != null ? forced.toString() : new DomainTypeProbe(this).probe(null);
            }
            return domainType;
        }
    }

    /** The domain type for a VM booting {@code kernel}: the cached answer, or a probe with that kernel. */
    String domainTypeFor(Path kernel) {
        synchronized (this) {
            if (domainType == null) {
                Object forced = options.get("domainType");
                domainType = forced != null ? forced.toString() : new DomainTypeProbe(this).probe(kernel);
            }
            return domainType;
        }
    }

    @Override
    public SshTarget sshTarget(String ref, String userOverride) {
        DomainXml x = onDomain(ref, "cannot ssh to", (c, d) -> {
            if (d.isActive() == 0) throw new CloudtuiException("VM '" + d.getName() + "' is not running");
            return DomainXml.parse(d.getXMLDesc(0));
        });
        List<String> addrs = x.sshPort() > 0 ? List.of(VmCreator.LOOPBACK) : addresses(ref);
        if (addrs.isEmpty()) {
            throw new CloudtuiException("VM '" + x.name() + "' has no known address yet (no DHCP lease, guest agent or ARP entry)");
        }
        // a VM cloudtui made with a key but no recorded user (before the user was always recorded) has the default user
        String user = userOverride != null ? userOverride : x.sshUser() != null ? x.sshUser()
                : x.sshKey() != null ? VmCreator.DEFAULT_USER : "root";
        Path key = null;
        if (x.sshKey() != null) {
            Path pub = Path.of(x.sshKey());
            String s = pub.toString();
            Path priv = s.endsWith(".pub") ? Path.of(s.substring(0, s.length() - 4)) : null;
            if (priv != null && Files.isReadable(priv)) key = priv;
        }
        // a VM of a remote host: reached through that host (its address is the host's view: a session VM's
        // loopback port is the host's); known_hosts names the VM, as an address may be another VM's elsewhere
        if (remote != null) {
            return new SshTarget(user, addrs.get(0), x.sshPort(), key, "cloudtui-vm-" + x.uuid(), remote.proxyCommand(), remote.hostName());
        }
        return new SshTarget(user, addrs.get(0), x.sshPort(), key, x.sshPort() > 0 ? "cloudtui-vm-" + x.uuid() : null);
    }

    // ---------------------------------------------------------------- misc

    static String humanBytes(long b) {
        if (b < 0) return "-";
        if (b >= 1L << 30 && b % (1L << 30) == 0) return (b >> 30) + "GiB";
        if (b >= 1L << 20) return (b >> 20) + "MiB";
        if (b >= 1L << 10) return (b >> 10) + "KiB";
        return b + "B";
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException("interrupted");
        }
    }

    @Override
    public void close() {
        closed = true;
        wakeSupervisor();
        Conn c;
        synchronized (connLock) {
            c = conn;
            conn = null;
            if (dispatch != null) dispatch.shutdownNow();
        }
        if (c != null) {
            try {
                if (eventsOn == c) c.removeLifecycleListener(lifecycle);
            } catch (LibvirtException | RuntimeException e) {
                LOG.debug("removing listener", e);
            }
            try {
                // the close callback holds a reference on the connection: registered, virConnectClose left
                // its socket open (a warm process running many commands gained a descriptor with each)
                c.unregisterCloseListener();
            } catch (LibvirtException | RuntimeException e) {
                LOG.debug("unregistering the close listener", e);
            }
            try {
                c.close();
            } catch (LibvirtException | RuntimeException e) {
                LOG.debug("closing connection", e);
            }
        }
    }

    /** S as one word for sh: single-quoted. */
    static String shQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
