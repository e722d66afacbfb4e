package io.cloudtui.libvirt;

import com.sun.jna.Pointer;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide libvirt event loop (keepalives, domain events, console streams) on its own
 * daemon thread, and libvirt's error reporting sent to the log instead of stderr.
 */
final class EventLoop {
    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
    // JNA callbacks must stay strongly reachable while libvirt holds them.
    private static final Virt.ErrorFunc ERROR_FUNC = (data, err) -> LOG.debug("libvirt: {}", lastMessage());
    private static volatile boolean started;
    private static volatile Throwable failure;

    private EventLoop() {}

    /** Starts the loop once; must precede the first Connect. Throws a CloudtuiException if libvirt is missing. */
    static synchronized void ensureStarted() {
        if (started) return;
        if (failure != null) throw unavailable(failure);
        try {
            boolean set = quietLogging();
            // Library's static init may install libvirt-java's handler, so ours is set after it.
            try {
                Library.initEventLoop();
            } finally {
                // libvirt read it while initialising; child processes (virsh, ssh, qemu-img) must not inherit it.
                if (set) Virt.LibC.INSTANCE.unsetenv("LIBVIRT_LOG_OUTPUTS");
            }
            Virt.LIB.virSetErrorFunc(Pointer.NULL, ERROR_FUNC);
        } catch (LibvirtException | LinkageError e) {
            failure = e;
            throw unavailable(e);
        }
        Thread t = new Thread(EventLoop::run, "libvirt-event-loop");
        t.setDaemon(true);
        t.start();
        started = true;
    }

    /**
     * libvirt's own logging writes warnings to stderr, which would corrupt the screen. Before libvirt
     * initialises, point it (unless the user set LIBVIRT_LOG_OUTPUTS) at libvirt.log beside cloudtui's log.
     */
    private static boolean quietLogging() {
        if (System.getenv("LIBVIRT_LOG_OUTPUTS") != null) return false;
        String ours = System.getProperty("cloudtui.log.file"); // set by io.cloudtui.LogSetup
        String target = "/dev/null";
        if (ours != null && ours.startsWith("/") && !ours.equals("/dev/null")) {
            java.nio.file.Path dir = java.nio.file.Path.of(ours).getParent();
            // libvirt refuses to initialise at all if it cannot open its log file, so check first.
            if (dir != null && ensureWritable(dir.resolve("libvirt.log"))) target = dir.resolve("libvirt.log").toString();
        }
        try {
            return Virt.LibC.INSTANCE.setenv("LIBVIRT_LOG_OUTPUTS", "3:file:" + target, 1) == 0;
        } catch (LinkageError | RuntimeException e) {
            LOG.debug("cannot redirect libvirt's logging", e);
            return false;
        }
    }

    private static boolean ensureWritable(java.nio.file.Path file) {
        try {
            if (!java.nio.file.Files.exists(file)) {
                java.nio.file.Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            }
            return java.nio.file.Files.isWritable(file);
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    private static void run() {
        while (true) {
            try {
                Library.runEventLoop();
                return;
            } catch (InterruptedException e) {
                return;
            } catch (LibvirtException | RuntimeException e) {
                LOG.warn("libvirt event loop iteration failed", e);
            }
        }
    }

    static String lastMessage() {
        try {
            String m = Virt.LIB.virGetLastErrorMessage();
            return m == null ? "unknown libvirt error" : m;
        } catch (RuntimeException e) {
            return "unknown libvirt error";
        }
    }

    private static io.cloudtui.core.CloudtuiException unavailable(Throwable e) {
        return new io.cloudtui.core.CloudtuiException("libvirt client library not usable (install libvirt0): "
                + LibvirtBackend.oneLine(e.getMessage()), e);
    }
}
