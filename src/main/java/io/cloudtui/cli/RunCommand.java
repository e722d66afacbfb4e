package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.RunSupport;
import io.cloudtui.term.DetachKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui run}: create and start a container, like {@code docker run}. */
@Command(name = "run", versionProvider = Versions.class, modelTransformer = StopAtPositional.class,
        description = {"Create and start a container.",
            "With -d prints its id; otherwise attaches and exits with the container's exit code.",
            "Exit 125 means the container could not be created or started, 126 that its",
            "command cannot be invoked, 127 that it was not found (as docker run)."},
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui run -d --name web -p 8080:80 local/busybox httpd -f -p 80",
            "  cloudtui run --rm -it local/busybox sh",
            "  cloudtui run --rm -v $(pwd):/app -w /app local/busybox ls",
            "  cloudtui run --rm --memory 512m --cpus 1.5 --network none local/busybox true",
            "  cloudtui run --backend runtime -d local/busybox sleep 100",
            "  cloudtui run --hpc --rm -B /scratch:/data:ro lolcow ./job.sh"})
final class RunCommand extends Base {
    /** Docker's exit code when the container could not be run at all. */
    static final int RUN_FAILED = 125;

    @Option(names = {"-d", "--detach"}, description = "Run in the background and print the container id")
    boolean detach;

    @Option(names = {"-i", "--interactive"}, description = "Keep stdin open and forward it")
    boolean interactive;

    @Option(names = {"-t", "--tty"}, description = "Allocate a TTY")
    boolean tty;

    @Option(names = "--rm", description = "Remove the container when it exits")
    boolean rm;

    @Option(names = "--name", paramLabel = "NAME", description = "Container name")
    String name;

    @Option(names = {"-e", "--env"}, converter = Parsers.EnvConverter.class, paramLabel = "K=V", description = "Set an environment variable (K alone: take it from this environment)")
    List<String> env = new ArrayList<>();

    @Option(names = "--env-file", paramLabel = "FILE", description = "Read K=V lines from a file")
    List<Path> envFiles = new ArrayList<>();

    @Option(names = {"-v", "--volume"}, converter = Parsers.MountConverter.class, paramLabel = "SRC:DST[:ro]",
            description = "Bind a host path (relative to the current directory) or a named volume")
    List<RunSpec.Mount> volumes = new ArrayList<>();

    @Option(names = {"-B", "--bind"}, paramLabel = "SRC[:DST[:ro]]", description = "Bind host paths, comma-separated (Apptainer's -B; DST defaults to SRC)")
    List<String> binds = new ArrayList<>();

    @Option(names = "--hpc", description = "Run as Apptainer does: as you, with the host's network, devices, $HOME, /tmp, working directory and environment, no cgroup (see README, HPC runs)")
    boolean hpc;

    @Option(names = "--cleanenv", description = "With --hpc: pass none of this environment but TERM and the proxy settings (implies --hpc)")
    boolean cleanEnv;

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the container")
    String workdir;

    @Option(names = {"-p", "--publish"}, converter = Parsers.PortConverter.class, paramLabel = "[IP:]HOST:CTR[/PROTO]",
            description = "Publish a container port")
    List<RunSpec.Port> ports = new ArrayList<>();

    @Option(names = {"-h", "--hostname"}, paramLabel = "NAME", description = "Container host name")
    String hostname;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "User name or UID[:GID]")
    String user;

    @Option(names = {"-m", "--memory"}, converter = Parsers.SizeConverter.class, paramLabel = "SIZE", description = "Memory limit (512m, 1g)")
    Long memory;

    @Option(names = "--cpus", paramLabel = "N", description = "Number of CPUs (1.5)")
    Double cpus;

    @Option(names = "--pids-limit", paramLabel = "N", description = "Maximum number of processes")
    Long pidsLimit;

    @Option(names = "--read-only", description = "Mount the root filesystem read-only")
    boolean readOnly;

    @Option(names = "--network", paramLabel = "NET", description = "none, host, or a network name")
    String network;

    @Option(names = "--network-alias", paramLabel = "ALIAS", description = "Another name the container has on its network (bundled engine)")
    List<String> networkAliases = new ArrayList<>();

    @Option(names = "--entrypoint", paramLabel = "CMD", description = "Override the image's entrypoint (\"\" clears it)")
    String entrypoint;

    @Option(names = {"-l", "--label"}, converter = Parsers.EnvConverter.class, paramLabel = "K=V", description = "Set a label")
    List<String> labels = new ArrayList<>();

    @Option(names = "--backend", paramLabel = "NAME", description = "Backend to create it on (default: defaultBackend from config, else the first that can run containers)")
    String backend;

    @Option(names = "--detach-keys", paramLabel = "KEYS", description = "Keys that detach, e.g. ctrl-p,ctrl-q (default: ui.detachKeys from config)")
    String detachKeys;

    @Option(names = "--help", usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image reference")
    String image;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "COMMAND", description = "Command and arguments (default: the image's)")
    List<String> command = new ArrayList<>();

    RunSpec spec() {
        if (cpus != null && !(cpus > 0)) throw CloudtuiException.usage("--cpus must be greater than 0");
        if (pidsLimit != null && pidsLimit == 0) throw CloudtuiException.usage("--pids-limit must not be 0");
        Map<String, String> host = System.getenv();
        Map<String, String> vars = new LinkedHashMap<>();
        for (Path f : envFiles) vars.putAll(Parsers.envFile(f, host));
        for (String e : env) Parsers.env(e, host, vars);
        Map<String, String> lbl = new LinkedHashMap<>();
        for (String l : labels) Parsers.env(l, Map.of(), lbl);
        if (!networkAliases.isEmpty()) {
            if (network == null || network.equals("none") || network.equals("host")) throw CloudtuiException.usage("--network-alias needs --network NAME");
            for (String a : networkAliases) {
                if (!a.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}")) throw CloudtuiException.usage("invalid --network-alias '" + a + "'");
            }
            lbl.put(io.cloudtui.engine.EngineBackend.ALIASES_LABEL, String.join(",", networkAliases));
        }
        List<String> ep = entrypoint == null ? null : entrypoint.isEmpty() ? List.of() : List.of(entrypoint);
        List<RunSpec.Mount> mounts = new ArrayList<>(volumes);
        for (String b : binds) {
            try {
                mounts.addAll(Parsers.binds(b, Path.of(System.getProperty("user.dir")), io.cloudtui.core.Dirs.home().toString()));
            } catch (picocli.CommandLine.TypeConversionException e) {
                throw CloudtuiException.usage("-B: " + e.getMessage());
            }
        }
        RunSpec s = new RunSpec(image, name, command, ep, vars, mounts, workdir, ports, detach, interactive, tty, rm,
                hostname, user, memory, cpus, pidsLimit, readOnly, network, lbl);
        return hpc || cleanEnv ? s.withHpc(new RunSpec.Hpc(cleanEnv)) : s;
    }

    @Override
    public Integer call() {
        RunSpec rs = spec();
        DetachKeys keys = Interactive.detachKeys(ctx(), detachKeys);
        if (!detach) Interactive.checkTty(ctx(), interactive, tty);
        Backend b = ctx().backends().forCreate(backend, Capability.RUN);
        if (rs.hpc() != null && !b.type().equals("runtime")) {
            throw CloudtuiException.usage("--hpc runs on the bundled engine (a backend of type runtime), not on " + b.name() + " (" + b.type() + ")");
        }
        RunSupport runner = support(b, Capability.RUN, RunSupport.class);
        AtomicReference<String> created = new AtomicReference<>();
        try {
            if (detach) {
                runner.run(rs, new io.cloudtui.core.Stdio(null, out(), err(), false, null, null), created::set);
                out().println(created.get() != null ? created.get() : "");
                return 0;
            }
            return Interactive.session(ctx(), interactive, tty, keys, stdio -> runner.run(rs, stdio, created::set));
        } catch (CloudtuiException e) {
            // Like docker run: a container that never ran is 125, distinct from the command's own codes.
            if (e.exitCode() == 1) throw new CloudtuiException(e.getMessage(), RUN_FAILED, e);
            throw e;
        }
    }
}
