package io.cloudtui.libvirt;

import io.cloudtui.testing.SocketRelay;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.WorkloadEvent;
import io.cloudtui.testing.Engines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Losing libvirtd and getting it back, without stopping the shared daemon: the backend talks to
 * libvirtd through a UNIX socket relay that the test cuts and restores.
 */
class LibvirtReconnectIT {
    static final Path DAEMON = Path.of("/var/run/libvirt/libvirt-sock");

    @Test
    void disconnectIsReportedAndTheBackendReconnects() throws Exception {
        Engines.requireLibvirt();
        Path sock = Path.of("/tmp", "ctui-it-" + UUID.randomUUID().toString().substring(0, 8) + ".sock");
        SocketRelay relay = new SocketRelay(sock, DAEMON);
        relay.start();
        LibvirtBackend b = new LibvirtBackend("relay", "qemu+unix:///system?socket=" + sock, Map.of("pollInterval", 2));
        LinkedBlockingQueue<WorkloadEvent> events = new LinkedBlockingQueue<>();
        try (AutoCloseable h = b.events(events::add)) {
            assertNotNull(b.list(true));
            // only events that follow the cut count (a connect-time event may still be queued)
            events.clear();
            relay.stop();
            await(events, WorkloadEvent.Type.DISCONNECTED);
            CloudtuiException e = failsWithin(b, 30);
            assertFalse(e.getMessage().contains("\n"));
            assertTrue(e.getMessage().contains(sock.toString()) || e.getMessage().contains("libvirt"), e.getMessage());
            relay.start();
            await(events, WorkloadEvent.Type.CONNECTED);
            assertNotNull(b.list(true));
        } finally {
            b.close();
            relay.stop();
            Files.deleteIfExists(sock);
        }
    }

    /** The first call that fails once the connection is seen dead (a call already in flight may still finish). */
    private static CloudtuiException failsWithin(LibvirtBackend b, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try {
                b.list(true);
            } catch (CloudtuiException e) {
                return e;
            }
            Thread.sleep(200);
        }
        return assertThrows(CloudtuiException.class, () -> b.list(true));
    }

    private static void await(LinkedBlockingQueue<WorkloadEvent> q, WorkloadEvent.Type type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            WorkloadEvent e = q.poll(1, TimeUnit.SECONDS);
            if (e != null && e.type() == type) return;
        }
        throw new AssertionError("no " + type + " event");
    }
}
