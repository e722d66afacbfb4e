package io.cloudtui.core;

import java.time.Instant;

/**
 * A resource sample. CPU% follows docker stats: 100% is one host CPU fully busy for containers;
 * VM backends use virt-top's formula where 100% is all host CPUs. {@link #cpuScale} says which.
 * Byte counters are cumulative; -1 means not available.
 */
public record Stats(
        Instant at,
        double cpuPercent,
        CpuScale cpuScale,
        long memoryUsage,
        long memoryLimit,
        long netRx,
        long netTx,
        long blockRead,
        long blockWrite,
        long pids) {

    public enum CpuScale {
        /** 100% = one host CPU (docker stats). */
        PER_CPU,
        /** 100% = every host CPU (virt-top). */
        ALL_CPUS
    }

    public double memoryPercent() {
        return memoryLimit > 0 ? 100.0 * memoryUsage / memoryLimit : 0;
    }
}
