package io.cloudtui.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.runtime.oci.OciRuntime;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code cloudtui runtime}: cloudtui's OCI runtime with runc's calling conventions, so dockerd and
 * containerd-shim-runc-v2 can drive it (see bin/cloudtui-runtime).
 */
@Command(name = "runtime", mixinStandardHelpOptions = true,
        description = "cloudtui's own OCI runtime (runc-compatible: create, start, state, kill, delete, exec...)",
        subcommands = {
            RuntimeCommand.Create.class, RuntimeCommand.Start.class, RuntimeCommand.State.class, RuntimeCommand.Kill.class,
            RuntimeCommand.Delete.class, RuntimeCommand.Exec.class, RuntimeCommand.ListCmd.class, RuntimeCommand.Pause.class,
            RuntimeCommand.Resume.class, RuntimeCommand.Run.class, RuntimeCommand.Ps.class,
        })
public final class RuntimeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--root", paramLabel = "DIR", description = "State directory (default: /run/cloudtui/runtime; rootless: $XDG_RUNTIME_DIR/cloudtui/runtime)")
    Path root;

    @Option(names = "--log", paramLabel = "FILE", description = "Append errors and warnings to FILE")
    Path log;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "text or json")
    String logFormat = "text";

    @Option(names = "--debug", description = "Accepted for runc compatibility")
    boolean debug;

    @Option(names = "--systemd-cgroup", description = "Not supported: cloudtui's runtime drives cgroupfs")
    boolean systemdCgroup;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    OciRuntime runtime() {
        if (systemdCgroup) throw fail(CloudtuiException.usage("--systemd-cgroup is not supported: cloudtui's runtime drives cgroupfs"));
        return new OciRuntime(root != null ? root : OciRuntime.defaultRoot(), this::warn);
    }

    /** Records the error in --log (containerd reads the last error from it), then lets it be printed. */
    CloudtuiException fail(CloudtuiException e) {
        logLine("error", e.getMessage());
        return e;
    }

    void warn(String msg) {
        logLine("warning", msg);
    }

    private void logLine(String level, String msg) {
        if (log == null) return;
        String line;
        if ("json".equals(logFormat)) {
            ObjectNode o = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().createObjectNode();
            o.put("level", level).put("msg", msg).put("time", Instant.now().toString());
            line = o.toString();
        } else {
            line = Instant.now() + " " + level + ": " + msg;
        }
        try {
            Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // nowhere else to put it: the error still reaches stderr
        }
    }

    /** Runs a verb; a CloudtuiException is logged to --log too. */
    int guard(Callable<Integer> verb) {
        try {
            return verb.call();
        } catch (CloudtuiException e) {
            throw fail(e);
        } catch (RuntimeException e) {
            throw fail(new CloudtuiException("internal error: " + e, e));
        } catch (Exception e) {
            throw fail(new CloudtuiException(e.getMessage(), e));
        }
    }

    private PrintWriter stdout;

    /** picocli's stdout, or (verbs read by FastArgs) one of our own on System.out. */
    PrintWriter out() {
        if (spec != null) return spec.commandLine().getOut();
        if (stdout == null) stdout = new PrintWriter(new java.io.OutputStreamWriter(System.out, java.nio.charset.Charset.defaultCharset()), true);
        return stdout;
    }

    static String json(Object node) {
        try {
            return com.fasterxml.jackson.databind.json.JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a container from an OCI bundle; it waits for 'start'")
    static final class Create extends FromBundle {
        @Option(names = "--no-pivot", description = "Refused: cloudtui always uses pivot_root") boolean noPivot;
        @Option(names = "--no-new-keyring", description = "Accepted for runc compatibility (no session keyring is created)") boolean noNewKeyring;
        @Option(names = "--container-attach", description = "With --container-log: serve STATE/ID/attach.sock for the container's output and stdin") boolean attach;

        @Override
        public Integer call() {
            return parent.guard(() -> {
                if (noPivot) throw CloudtuiException.usage("--no-pivot is not supported: cloudtui always uses pivot_root");
                parent.runtime().create(id, bundle, pidFile, consoleSocket, log.spec(), attach);
                return 0;
            });
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a created container")
    static final class Start implements Callable<Integer> {
        @ParentCommand RuntimeCommand parent;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            return parent.guard(() -> {
                parent.runtime().start(id);
                return 0;
            });
        }
    }

    @Command(name = "state", mixinStandardHelpOptions = true, description = "Print a container's state (OCI state JSON)")
    static final class State implements Callable<Integer> {
        @ParentCommand RuntimeCommand parent;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            return parent.guard(() -> {
                parent.out().println(json(parent.runtime().state(id)));
                return 0;
            });
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true, description = "Send a signal (default SIGTERM) to the container's init")
    static final class Kill implements Callable<Integer> {
        @ParentCommand RuntimeCommand parent;
        @Option(names = {"--all", "-a"}, description = "Signal every process of the container") boolean all;
        @Parameters(index = "0", paramLabel = "ID") String id;
        @Parameters(index = "1", paramLabel = "SIGNAL", arity = "0..1", description = "Name or number (default TERM)") String signal = "TERM";

        @Override
        public Integer call() {
            return parent.guard(() -> {
                parent.runtime().kill(id, OciRuntime.parseSignal(signal), all);
                return 0;
            });
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a stopped (or, with --force, any) container")
    static final class Delete implements Callable<Integer> {
        @ParentCommand RuntimeCommand parent;
        @Option(names = {"--force", "-f"}, description = "Kill it first if it is running") boolean force;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            return parent.guard(() -> {
                parent.runtime().delete(id, force);
                return 0;
            });
        }
    }

    /** Options end at the first positional (ID): the command's own options, like sh -c, are not ours. */
    static final class StopAtPositional implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            spec.parser().stopAtPositional(true);
            return spec;
        }
    }

    @Command(name = "exec", mixinStandardHelpOptions = true, modelTransformer = StopAtPositional.class,
            description = "Run a process in a running container")
    static final class Exec implements Callable<Integer> {
        @ParentCommand RuntimeCommand parent;
        @Option(names = {"--process", "-p"}, paramLabel = "FILE", description = "process.json describing the process") Path process;
        @Option(names = {"--tty", "-t"}, description = "Allocate a pty (relayed to this terminal unless --console-socket)") boolean tty;
        @Option(names = {"--detach", "-d"}, description = "Do not wait for the process") boolean detach;
        @Option(names = "--pid-file", paramLabel = "FILE") Path pidFile;
        @Option(names = "--console-socket", paramLabel = "SOCKET") String consoleSocket;
        @Option(names = "--cwd", paramLabel = "DIR") String cwd;
        @Option(names = {"--env", "-e"}, paramLabel = "K=V") List<String> env = new ArrayList<>();
        @Parameters(index = "0", paramLabel = "ID") String id;
        @Parameters(index = "1..*", paramLabel = "CMD") List<String> cmd = new ArrayList<>();

        @Override
        public Integer call() {
            return parent.guard(() -> {
                if (process != null && !cmd.isEmpty()) throw CloudtuiException.usage("give either --process or a command, not both");
                return parent.runtime().exec(id, process == null ? null : io.cloudtui.runtime.oci.OciConfig.loadProcess(process), cmd, tty,
                        cwd, env, consoleSocket, pidFile, detach);
            });
        }
    }

    @Command(name = "ps", mixinStandardHelpOptions = true, description = "Pids of the container's processes (runc's 'ps --format json')")
    static final class Ps implements Callable<Integer> {
        @ParentCommand RuntimeCommand parent;
        @Option(names = {"--format", "-f"}, description = "table or json") String format = "table";
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            return parent.guard(() -> {
                List<Integer> pids = parent.runtime().pids(id);
                if ("json".equals(format)) parent.out().println(pids);
                else for (int p : pids) parent.out().println(p);
                return 0;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List containers")
    static final class ListCmd implements Callable<Integer> {
        @ParentCommand RuntimeCommand parent;
        @Option(names = {"--format", "-f"}, description = "table or json") String format = "table";
        @Option(names = {"--quiet", "-q"}, description = "Only ids") boolean quiet;

        @Override
        public Integer call() {
            return parent.guard(() -> {
                List<ObjectNode> all = parent.runtime().list();
                PrintWriter out = parent.out();
                if ("json".equals(format)) {
                    out.println(json(all));
                } else if (quiet) {
                    for (ObjectNode s : all) out.println(s.get("id").asText());
                } else {
                    out.printf("%-24s %-8s %-9s %-40s %s%n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
                    for (ObjectNode s : all) {
                        out.printf("%-24s %-8d %-9s %-40s %s%n", s.get("id").asText(), s.get("pid").asInt(), s.get("status").asText(),
                                s.get("bundle").asText(), s.get("created").asText());
                    }
                }
                return 0;
            });
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Freeze every process of the container")
    static final class Pause implements Callable<Integer> {
        @ParentCommand RuntimeCommand parent;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            return parent.guard(() -> {
                parent.runtime().pause(id);
                return 0;
            });
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Thaw a paused container")
    static final class Resume implements Callable<Integer> {
        @ParentCommand RuntimeCommand parent;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            return parent.guard(() -> {
                parent.runtime().resume(id);
                return 0;
            });
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "create + start; waits and deletes unless --detach")
    static final class Run extends FromBundle {
        @Option(names = {"--detach", "-d"}, description = "Leave it running: no wait, no delete") boolean detach;

        @Override
        public Integer call() {
            return parent.guard(() -> parent.runtime().run(id, bundle, pidFile, consoleSocket, detach, log.spec()));
        }
    }

    /** What create and run share: a container ID made from a bundle. */
    abstract static class FromBundle implements Callable<Integer> {
        @ParentCommand RuntimeCommand parent;
        @Option(names = {"--bundle", "-b"}, paramLabel = "DIR", description = "Bundle directory (default: current directory)") Path bundle = Path.of(".");
        @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the init's pid to FILE") Path pidFile;
        @Option(names = "--console-socket", paramLabel = "SOCKET", description = "Unix socket receiving the pty master (process.terminal)") String consoleSocket;
        @picocli.CommandLine.Mixin ContainerLog log;
        @Parameters(paramLabel = "ID") String id;
    }

    /** create/run: the monitor logs the container's output (cloudtui's own option, not runc's). */
    static final class ContainerLog {
        @Option(names = "--container-log", paramLabel = "FILE",
                description = "The monitor logs the container's stdout/stderr to FILE (Docker json-file format) instead of passing ours on") Path file;
        @Option(names = "--container-log-max-size", paramLabel = "BYTES", description = "Rotate the log before it exceeds BYTES (default: 10 MiB)") long maxBytes = 10L << 20;
        @Option(names = "--container-log-keep", paramLabel = "N", description = "Rotated log files kept, FILE.1 .. FILE.N (default: 5)") int keep = 5;

        io.cloudtui.runtime.oci.OciRuntime.LogSpec spec() {
            return file == null ? null : new io.cloudtui.runtime.oci.OciRuntime.LogSpec(file.toAbsolutePath(), maxBytes, keep);
        }
    }

    /** Lean entry for bin/cloudtui-runtime: no config, no backends, no UI classes loaded. */
    public static void main(String[] args) {
        if (args.length == 1 && args[0].equals("--cds-training")) {
            // run once by bin/cloudtui-runtime to fill its class-data archive with what create loads
            io.cloudtui.runtime.oci.OciRuntime.training();
            FastArgs.parse(new String[] {"--root", "/nonexistent", "--log", "/dev/null", "--log-format", "json", "create",
                "--bundle", "/nonexistent", "--pid-file", "/dev/null", "x"}, new RuntimeCommand());
            FastArgs.parse(new String[] {"exec", "-t", "--env", "A=1", "x", "true"}, new RuntimeCommand());
            new CommandLine(new RuntimeCommand()).usage(new PrintWriter(java.io.OutputStream.nullOutputStream()));
            System.exit(0);
        }
        RuntimeCommand top = new RuntimeCommand();
        Callable<Integer> fast = FastArgs.parse(args, top);
        int code;
        if (fast != null) {
            try {
                code = fast.call();
            } catch (Exception ex) {
                code = report(ex);
            }
            if (top.stdout != null) top.stdout.flush();
        } else {
            CommandLine cl = new CommandLine(top);
            cl.setParameterExceptionHandler((ex, a) -> {
                System.err.println("cloudtui runtime: " + ex.getMessage());
                return 2;
            });
            cl.setExecutionExceptionHandler((ex, c, parsed) -> report(ex));
            code = cl.execute(args);
        }
        System.out.flush();
        System.exit(code);
    }

    /** A verb's failure as one line on stderr; its exit code. */
    private static int report(Exception ex) {
        String msg = ex instanceof CloudtuiException ? ex.getMessage() : "internal error: " + ex;
        System.err.println("cloudtui runtime: " + msg);
        return ex instanceof CloudtuiException ce ? ce.exitCode() : 1;
    }
}
