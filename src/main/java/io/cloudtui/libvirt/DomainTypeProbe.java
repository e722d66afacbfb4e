package io.cloudtui.libvirt;

import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Stdio;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides between domain type kvm and qemu (TCG) by evidence, not by /dev/kvm existing: libvirt
 * must offer kvm, and a throwaway kvm guest must get its kernel to print "Linux version" on the
 * serial console. Hosts where KVM exists but guests hang or reset (nested setups) get qemu.
 */
final class DomainTypeProbe {
    private static final Logger LOG = LoggerFactory.getLogger(DomainTypeProbe.class);
    private static final String MARKER = "Linux version";
    private static final int START_PAUSED = 1;

    private final LibvirtBackend backend;

    DomainTypeProbe(LibvirtBackend backend) {
        this.backend = backend;
    }

    String probe(Path kernelHint) {
        String caps = backend.call("capabilities of " + backend.endpoint(), c -> c.getCapabilities());
        if (!caps.contains("<domain type='kvm'") && !caps.contains("<domain type=\"kvm\"")) {
            LOG.info("libvirt offers no kvm domain type on {}: using qemu (TCG)", backend.endpoint());
            return "qemu";
        }
        Path kernel = kernelFor(kernelHint);
        if (kernel == null) {
            LOG.warn("no kernel to test-boot on {}: trusting libvirt's capabilities (kvm)", backend.endpoint());
            return "kvm";
        }
        String key = cacheKey();
        String cached = readCache(key);
        if (cached != null) return cached;
        boolean ok = bootsUnderKvm(kernel);
        LOG.info("kvm probe with {}: {}", kernel, ok ? "guest kernel started, using kvm" : "guest kernel did not start, using qemu (TCG)");
        String type = ok ? "kvm" : "qemu";
        writeCache(key, type);
        return type;
    }

    // The boot probe takes seconds, so its answer is kept per URI, host kernel and libvirt version.
    private String cacheKey() {
        String release;
        try {
            release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (Exception e) {
            release = "unknown";
        }
        long lib = backend.call("version", c -> c.getLibVersion());
        // a host's forwarded socket is a new path each session: the host and the daemon's kind name it
        String where = backend.remote() != null ? "host:" + backend.remote().hostName() + (backend.isSession() ? "/session" : "/system")
                : backend.endpoint();
        if (backend.remote() != null) release = "remote";
        return (where + "|" + release + "|" + lib).replaceAll("[^A-Za-z0-9_.:/|+-]", "_");
    }

    static Path cacheFile() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : io.cloudtui.core.Dirs.home().resolve(".cache");
        return base.resolve("cloudtui").resolve("libvirt-domain-type.properties");
    }

    private static String readCache(String key) {
        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newInputStream(cacheFile())) {
            p.load(in);
            String v = p.getProperty(key);
            return "kvm".equals(v) || "qemu".equals(v) ? v : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static void writeCache(String key, String type) {
        java.util.Properties p = new java.util.Properties();
        Path f = cacheFile();
        try {
            if (Files.exists(f)) {
                try (var in = Files.newInputStream(f)) {
                    p.load(in);
                }
            }
            p.setProperty(key, type);
            Files.createDirectories(f.getParent());
            try (var out = Files.newOutputStream(f)) {
                p.store(out, "cloudtui: domain type found by booting a kvm guest; delete to probe again");
            }
        } catch (Exception e) {
            LOG.debug("cannot cache the probe result in {}", f, e);
        }
    }

    private Path kernelFor(Path hint) {
        // a remote host's backend: the VM's kernel is a path there (vm create checked it); else none to boot
        if (backend.remote() != null) return hint;
        if (!backend.isLocal()) return null;
        if (hint != null && Files.isReadable(hint)) return hint;
        for (String p : List.of("/var/cache/cloudtui-test/guest/vmlinuz", "/boot/vmlinuz", "/vmlinuz")) {
            if (Files.isReadable(Path.of(p))) return Path.of(p);
        }
        try (var s = Files.list(Path.of("/boot"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-") && Files.isReadable(p)).sorted().reduce((a, b) -> b).orElse(null);
        } catch (Exception e) {
            return null;
        }
    }

    boolean bootsUnderKvm(Path kernel) {
        String name = "ctui-probe-" + UUID.randomUUID().toString().substring(0, 8);
        String xml = "<domain type='kvm'><name>" + name + "</name><memory unit='MiB'>96</memory><vcpu>1</vcpu>"
                + "<os><type arch='x86_64'>hvm</type><kernel>" + Snapshots.escape(kernel.toString()) + "</kernel>"
                + "<cmdline>console=ttyS0 loglevel=7 panic=-1</cmdline></os>"
                + "<on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>"
                + "<devices><serial type='pty'/><console type='pty'/><memballoon model='none'/></devices></domain>";
        CompletableFuture<Boolean> seen = new CompletableFuture<>();
        OutputStream watch = new OutputStream() {
            private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                if (buf.size() < 1 << 20) buf.write(b, off, len);
                if (buf.toString(StandardCharsets.ISO_8859_1).contains(MARKER)) seen.complete(true);
            }
        };
        Domain dom;
        try {
            dom = backend.call("kvm probe", c -> c.domainCreateXML(xml, START_PAUSED));
        } catch (CloudtuiException e) {
            LOG.info("kvm probe guest did not start: {}", e.getMessage());
            return false;
        }
        String uuid;
        try {
            uuid = dom.getUUIDString();
        } catch (LibvirtException e) {
            return false;
        }
        Thread console = Thread.ofPlatform().daemon().name("kvm-probe-console").start(() -> {
            try {
                new ConsoleSession(backend.conn(), uuid, name).run(new Stdio(null, watch, watch, true, null, null), true);
            } catch (RuntimeException e) {
                LOG.debug("probe console", e);
            }
            seen.complete(false);
        });
        try {
            LibvirtBackend.sleep(300); // let the console attach before the kernel starts printing
            dom.resume();
            return seen.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.info("kvm probe: {}", e.toString());
            return false;
        } finally {
            try {
                dom.destroy();
            } catch (LibvirtException e) {
                // already gone (it reset or panicked)
            }
            console.interrupt();
        }
    }
}
