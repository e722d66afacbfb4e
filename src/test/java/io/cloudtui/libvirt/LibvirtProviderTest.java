package io.cloudtui.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibvirtProviderTest {
    static final Path SOCK = Path.of("/run/libvirt/libvirt-sock");

    @Test
    void autodetectedOnlyWhenThisUserCanReachTheDaemon(@TempDir Path dir) throws Exception {
        Path bus = Files.createFile(dir.resolve("system_bus_socket"));
        assertFalse(LibvirtProvider.reachable(p -> false, true, bus), "no socket");
        assertTrue(LibvirtProvider.reachable(SOCK::equals, true, null), "root needs no D-Bus");
        assertFalse(LibvirtProvider.reachable(SOCK::equals, false, dir.resolve("none")), "a user without a system bus: polkit refuses");
        assertFalse(LibvirtProvider.reachable(SOCK::equals, false, null));
        assertTrue(LibvirtProvider.reachable(SOCK::equals, false, bus));
    }

    @Test
    void theSystemBusIsFoundWhereDbusSaysItIs() {
        assertEquals(Path.of("/run/dbus/system_bus_socket"), LibvirtProvider.systemBus(Map.of()));
        assertEquals(Path.of("/x/bus"), LibvirtProvider.systemBus(Map.of("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/x/bus")));
        assertEquals(Path.of("/x/bus"), LibvirtProvider.systemBus(Map.of("DBUS_SYSTEM_BUS_ADDRESS", "unix:guid=1,path=/x/bus;tcp:host=h")));
        assertNull(LibvirtProvider.systemBus(Map.of("DBUS_SYSTEM_BUS_ADDRESS", "tcp:host=h,port=1")));
    }
}
