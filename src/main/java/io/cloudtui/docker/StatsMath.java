package io.cloudtui.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudtui.core.Stats;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;

/** The docker CLI's arithmetic on one stats sample of the engine API (GET /containers/{id}/stats). */
final class StatsMath {
    private StatsMath() {}

    /** The CPU counters of one sample, kept to compute the next one-shot sample's CPU%. */
    record CpuReading(double total, double system, long atNanos) {
        static CpuReading of(JsonNode s, long atNanos) {
            JsonNode cpu = s.path("cpu_stats");
            double system = cpu.path("system_cpu_usage").asDouble(0);
            return system > 0 ? new CpuReading(cpu.path("cpu_usage").path("total_usage").asDouble(0), system, atNanos) : null;
        }
    }

    static Stats fromJson(JsonNode s) {
        return fromJson(s, null);
    }

    /**
     * A sample whose CPU% is measured against {@code previous} when the engine sent no previous
     * reading of its own (a one-shot sample); without either it is docker's formula as is.
     */
    static Stats fromJson(JsonNode s, CpuReading previous) {
        JsonNode pre = s.path("precpu_stats");
        double cpu;
        if (previous != null && pre.path("system_cpu_usage").asDouble(0) <= 0) {
            JsonNode c = s.path("cpu_stats");
            cpu = cpuPercent(c.path("cpu_usage").path("total_usage").asDouble(0) - previous.total(),
                    c.path("system_cpu_usage").asDouble(0) - previous.system(), online(c));
        } else {
            cpu = cpuPercent(s.path("cpu_stats"), pre);
        }
        return new Stats(
                readTime(s.path("read").asText("")),
                cpu,
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
        return cpuPercent(cpuDelta, systemDelta, online(cpu));
    }

    private static double cpuPercent(double cpuDelta, double systemDelta, long online) {
        if (systemDelta > 0 && cpuDelta > 0) return cpuDelta / systemDelta * online * 100.0;
        return 0.0;
    }

    private static long online(JsonNode cpu) {
        long online = cpu.path("online_cpus").asLong(0);
        if (online == 0) online = cpu.path("cpu_usage").path("percpu_usage").size();
        return online;
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
        for (Map.Entry<String, JsonNode> e : networks.properties()) sum += e.getValue().path(field).asLong(0);
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
