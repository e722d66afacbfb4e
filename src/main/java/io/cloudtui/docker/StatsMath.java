package io.cloudtui.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudtui.core.Stats;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** The docker CLI's arithmetic on one stats sample of the engine API (GET /containers/{id}/stats). */
final class StatsMath {
    private StatsMath() {}

    static Stats fromJson(JsonNode s) {
        return new Stats(
                readTime(s.path("read").asText("")),
                cpuPercent(s.path("cpu_stats"), s.path("precpu_stats")),
                Stats.CpuScale.PER_CPU,
                memoryUsage(s.path("memory_stats")),
                s.path("memory_stats").path("limit").asLong(-1),
                sumNetworks(s.path("networks"), "rx_bytes"),
                sumNetworks(s.path("networks"), "tx_bytes"),
                blkio(s.path("blkio_stats"), "read"),
                blkio(s.path("blkio_stats"), "write"),
                s.path("pids_stats").path("current").asLong(-1));
    }

    /** (container CPU time delta / host CPU time delta) x online CPUs x 100: 100% is one CPU busy. */
    static double cpuPercent(JsonNode cpu, JsonNode pre) {
        double cpuDelta = cpu.path("cpu_usage").path("total_usage").asDouble(0) - pre.path("cpu_usage").path("total_usage").asDouble(0);
        double systemDelta = cpu.path("system_cpu_usage").asDouble(0) - pre.path("system_cpu_usage").asDouble(0);
        long online = cpu.path("online_cpus").asLong(0);
        if (online == 0) online = cpu.path("cpu_usage").path("percpu_usage").size();
        if (systemDelta > 0 && cpuDelta > 0) return cpuDelta / systemDelta * online * 100.0;
        return 0.0;
    }

    /** Usage minus inactive page cache (cgroup v1 total_inactive_file, v2 inactive_file), as docker stats shows. */
    static long memoryUsage(JsonNode mem) {
        if (!mem.has("usage")) return -1;
        long usage = mem.path("usage").asLong();
        JsonNode st = mem.path("stats");
        String key = st.has("total_inactive_file") ? "total_inactive_file" : "inactive_file";
        if (st.has(key)) {
            long inactive = st.path(key).asLong();
            if (inactive < usage) return usage - inactive;
        }
        return usage;
    }

    static long sumNetworks(JsonNode networks, String field) {
        if (!networks.isObject()) return -1;
        long sum = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = networks.fields(); it.hasNext(); ) {
            sum += it.next().getValue().path(field).asLong(0);
        }
        return sum;
    }

    static long blkio(JsonNode blkio, String op) {
        JsonNode list = blkio.path("io_service_bytes_recursive");
        if (!list.isArray()) return list.isNull() || list.isMissingNode() ? 0 : -1;
        long sum = 0;
        for (JsonNode e : list) {
            if (op.equals(e.path("op").asText("").toLowerCase(Locale.ROOT))) sum += e.path("value").asLong(0);
        }
        return sum;
    }

    private static Instant readTime(String s) {
        try {
            return s.isEmpty() ? Instant.now() : Instant.parse(s);
        } catch (DateTimeParseException e) {
            return Instant.now();
        }
    }
}
