package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.core.Stats;
import org.junit.jupiter.api.Test;

class StatsMathTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void cgroupV2Sample() throws Exception {
        String json = """
                {"read":"2024-05-06T07:08:09.123Z",
                 "cpu_stats":{"cpu_usage":{"total_usage":3000000000},"system_cpu_usage":110000000000,"online_cpus":4},
                 "precpu_stats":{"cpu_usage":{"total_usage":1000000000},"system_cpu_usage":100000000000,"online_cpus":4},
                 "memory_stats":{"usage":10000,"limit":100000,"stats":{"inactive_file":4000}},
                 "networks":{"eth0":{"rx_bytes":100,"tx_bytes":10},"eth1":{"rx_bytes":5,"tx_bytes":1}},
                 "blkio_stats":{"io_service_bytes_recursive":[{"op":"read","value":7},{"op":"write","value":3},{"op":"read","value":1}]},
                 "pids_stats":{"current":3}}""";
        Stats s = StatsMath.fromJson(JSON.readTree(json));
        // 2e9 of 10e9 host ns with 4 CPUs = 0.2 * 4 * 100 = 80% (of one CPU)
        assertEquals(80.0, s.cpuPercent(), 1e-9);
        assertEquals(Stats.CpuScale.PER_CPU, s.cpuScale());
        assertEquals(6000, s.memoryUsage());
        assertEquals(100000, s.memoryLimit());
        assertEquals(105, s.netRx());
        assertEquals(11, s.netTx());
        assertEquals(8, s.blockRead());
        assertEquals(3, s.blockWrite());
        assertEquals(3, s.pids());
        assertEquals(java.time.Instant.parse("2024-05-06T07:08:09.123Z"), s.at());
    }

    @Test
    void cgroupV1UsesTotalInactiveFileAndPercpuCount() throws Exception {
        String json = """
                {"cpu_stats":{"cpu_usage":{"total_usage":200,"percpu_usage":[1,1]},"system_cpu_usage":1000},
                 "precpu_stats":{"cpu_usage":{"total_usage":100},"system_cpu_usage":500},
                 "memory_stats":{"usage":5000,"limit":9000,"stats":{"total_inactive_file":1000,"inactive_file":2}},
                 "blkio_stats":{"io_service_bytes_recursive":[{"op":"Read","value":5},{"op":"Write","value":6},{"op":"Total","value":11}]}}""";
        Stats s = StatsMath.fromJson(JSON.readTree(json));
        assertEquals(100.0 / 500 * 2 * 100, s.cpuPercent(), 1e-9);
        assertEquals(4000, s.memoryUsage());
        assertEquals(5, s.blockRead());
        assertEquals(6, s.blockWrite());
        assertEquals(-1, s.netRx());
        assertEquals(-1, s.pids());
    }

    @Test
    void firstSampleWithoutPreviousReadingIsZero() throws Exception {
        Stats s = StatsMath.fromJson(JSON.readTree("""
                {"cpu_stats":{"cpu_usage":{"total_usage":200},"system_cpu_usage":1000,"online_cpus":1},
                 "precpu_stats":{"cpu_usage":{"total_usage":0}},"memory_stats":{}}"""));
        // system delta is the whole uptime here; docker shows a small number, never NaN
        assertEquals(20.0, s.cpuPercent(), 1e-9);
        assertEquals(-1, s.memoryUsage());
        Stats stopped = StatsMath.fromJson(JSON.readTree("{\"cpu_stats\":{},\"precpu_stats\":{},\"memory_stats\":{}}"));
        assertEquals(0.0, stopped.cpuPercent());
    }

    @Test
    void inactiveFileLargerThanUsageIsIgnored() throws Exception {
        assertEquals(100, StatsMath.memoryUsage(JSON.readTree("{\"usage\":100,\"stats\":{\"inactive_file\":500}}")));
    }

    @Test
    void oneShotSampleIsMeasuredAgainstThePreviousReading() throws Exception {
        // a one-shot sample has no precpu reading: CPU% comes from the previous sample we kept
        var oneShot = JSON.readTree("""
                {"cpu_stats":{"cpu_usage":{"total_usage":3000},"system_cpu_usage":20000,"online_cpus":2},
                 "precpu_stats":{"cpu_usage":{"total_usage":0}},"memory_stats":{"usage":10}}""");
        StatsMath.CpuReading prev = new StatsMath.CpuReading(1000, 10000, 0);
        // 2000 of 10000 host ns with 2 CPUs = 40%
        assertEquals(40.0, StatsMath.fromJson(oneShot, prev).cpuPercent(), 1e-9);
        assertEquals(new StatsMath.CpuReading(3000, 20000, 7), StatsMath.CpuReading.of(oneShot, 7));
        // an engine that ignores one-shot sends its own previous reading: that one wins
        var full = JSON.readTree("""
                {"cpu_stats":{"cpu_usage":{"total_usage":3000},"system_cpu_usage":20000,"online_cpus":2},
                 "precpu_stats":{"cpu_usage":{"total_usage":2000},"system_cpu_usage":18000}}""");
        assertEquals(100.0, StatsMath.fromJson(full, prev).cpuPercent(), 1e-9);
        // counters that went back (a restart) show 0, not a negative number
        assertEquals(0.0, StatsMath.fromJson(oneShot, new StatsMath.CpuReading(5000, 10000, 0)).cpuPercent(), 1e-9);
        // a stopped container has no reading to keep
        assertEquals(null, StatsMath.CpuReading.of(JSON.readTree("{\"cpu_stats\":{}}"), 0));
    }
}
