package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import org.junit.jupiter.api.Test;

/** Subnets of the bundled engine's networks: parsing, normalising, overlaps. */
class NetworksCidrTest {
    @Test
    void parsesAndNormalises() {
        assertEquals("10.219.1.0/24", Networks.Cidr.parse("10.219.1.77/24").toString());
        assertEquals(256, Networks.Cidr.parse("10.219.1.0/24").size());
        assertEquals("10.219.1.1", Networks.Cidr.ip(Networks.Cidr.parse("10.219.1.0/24").base() + 1));
    }

    @Test
    void overlaps() {
        Networks.Cidr a = Networks.Cidr.parse("10.219.0.0/16");
        assertTrue(a.overlaps(Networks.Cidr.parse("10.219.77.0/24")));
        assertTrue(Networks.Cidr.parse("10.219.77.128/25").overlaps(Networks.Cidr.parse("10.219.77.0/24")));
        assertFalse(a.overlaps(Networks.Cidr.parse("172.17.0.0/16")));
        assertFalse(Networks.Cidr.parse("10.219.0.0/24").overlaps(Networks.Cidr.parse("10.219.1.0/24")));
    }

    @Test
    void badSubnetsAreUsageErrors() {
        for (String bad : new String[] {"10.300.0.0/24", "10.0.0.0", "10.0.0.0/33", "a.b.c.d/8", "10.0.0/8", "10.0.0.0/x"}) {
            CloudtuiException e = assertThrows(CloudtuiException.class, () -> Networks.Cidr.parse(bad), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }
}
