package io.cloudtui.core;

import java.util.List;
import java.util.Map;

/**
 * What {@code cloudtui run} asks for, as {@code docker run} options. Empty lists/maps and nulls mean
 * "image default".
 */
public record RunSpec(
        String image,
        String name,
        List<String> command,
        List<String> entrypoint,
        Map<String, String> env,
        List<Mount> mounts,
        String workdir,
        List<Port> ports,
        boolean detach,
        boolean interactive,
        boolean tty,
        boolean autoRemove,
        String hostname,
        String user,
        Long memoryBytes,
        Double cpus,
        Long pidsLimit,
        boolean readOnly,
        String network,
        Map<String, String> labels,
        Hpc hpc) {

    /** Without HPC habits (every backend's plain run). */
    public RunSpec(String image, String name, List<String> command, List<String> entrypoint, Map<String, String> env, List<Mount> mounts,
            String workdir, List<Port> ports, boolean detach, boolean interactive, boolean tty, boolean autoRemove, String hostname,
            String user, Long memoryBytes, Double cpus, Long pidsLimit, boolean readOnly, String network, Map<String, String> labels) {
        this(image, name, command, entrypoint, env, mounts, workdir, ports, detach, interactive, tty, autoRemove, hostname, user,
                memoryBytes, cpus, pidsLimit, readOnly, network, labels, null);
    }

    /** This spec run with HPC habits (H), or without (null). */
    public RunSpec withHpc(Hpc h) {
        return new RunSpec(image, name, command, entrypoint, env, mounts, workdir, ports, detach, interactive, tty, autoRemove, hostname, user,
                memoryBytes, cpus, pidsLimit, readOnly, network, labels, h);
    }

    /**
     * {@code run --hpc}, as Apptainer runs an image: as the invoking user, the host's network, devices,
     * $HOME, working directory and /tmp, the invoker's environment (all but what {@code cleanEnv}
     * drops), no cgroup. The binds of {@code -B} are in {@link #mounts}.
     */
    public record Hpc(boolean cleanEnv) {}

    public RunSpec {
        command = command == null ? List.of() : List.copyOf(command);
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        env = env == null ? Map.of() : Map.copyOf(env);
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        ports = ports == null ? List.of() : List.copyOf(ports);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** A bind mount {@code -v host:container[:ro]}; a source of {@link #TMPFS} (a build's RUN --mount=type=tmpfs) is a fresh tmpfs. */
    public record Mount(String source, String target, boolean readOnly) {
        /** The source of a tmpfs mount (no path can be this), optionally followed by ":SIZE" in bytes. */
        public static final String TMPFS = "\0tmpfs";
    }

    /** A published port {@code -p [ip:]hostPort:containerPort[/proto]}. */
    public record Port(String hostIp, int hostPort, int containerPort, String protocol) {}
}
