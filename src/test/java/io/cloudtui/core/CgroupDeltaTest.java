package io.cloudtui.core;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CgroupDeltaTest {
    static CgroupFiles.Reading cpu(long ns) {
        return new CgroupFiles.Reading(ns, 1, 2, 1, 0, 0);
    }

    @Test
    void aReadingRightAfterAnotherIsMeasuredAgainstTheOneBefore() throws Exception {
        CgroupFiles.Delta d = new CgroupFiles.Delta();
        long t0 = System.nanoTime();
        assertNull(d.next("c", cpu(0), -1), "the first reading only starts the delta");
        Thread.sleep(300);
        // one CPU busy all along
        long busy = System.nanoTime() - t0;
        double first = d.next("c", cpu(busy), -1).cpuPercent();
        assertTrue(first > 50, "cpu " + first);
        // asked again at once (a row that just came into view): no CPU time has been seen since, but
        // over the last 300 ms the container was busy, and that is what it shows, not 0%
        double again = d.next("c", cpu(busy), -1).cpuPercent();
        assertTrue(again > 50, "cpu " + again);
    }
}
