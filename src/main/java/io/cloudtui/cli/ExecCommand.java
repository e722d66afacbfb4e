package io.cloudtui.cli;

import io.cloudtui.core.Capability;
import io.cloudtui.core.ExecSpec;
import io.cloudtui.core.Workloads;
import io.cloudtui.term.DetachKeys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui exec}: runs a command in a running workload; exits with the command's code. */
@Command(name = "exec", mixinStandardHelpOptions = true, modelTransformer = StopAtPositional.class,
        description = {"Run a command in a running workload; the exit code is the command's.",
            "With -it the terminal is in raw mode; the detach keys (default ctrl-p,ctrl-q)",
            "leave the session without ending the command.",
            "-it needs a terminal on stdin (as docker: 'the input device is not a TTY').",
            "TARGET may be a swarm task (web.2, a task id): run on whichever node runs it."},
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui exec web ls -l /",
            "  cloudtui exec -it web sh",
            "  cloudtui exec -e DEBUG=1 -w /app -u nobody web ./check.sh",
            "  echo hi | cloudtui exec -i web cat"})
final class ExecCommand extends Base {
    @Option(names = {"-i", "--interactive"}, description = "Keep stdin open and forward it")
    boolean interactive;

    @Option(names = {"-t", "--tty"}, description = "Allocate a TTY")
    boolean tty;

    @Option(names = {"-e", "--env"}, converter = Parsers.EnvConverter.class, paramLabel = "K=V", description = "Set an environment variable (K alone: take it from this environment)")
    List<String> env = new ArrayList<>();

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the workload")
    String workdir;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "User name or UID[:GID]")
    String user;

    @Option(names = "--detach-keys", paramLabel = "KEYS", description = "Keys that detach, e.g. ctrl-p,ctrl-q (default: ui.detachKeys from config)")
    String detachKeys;

    @Parameters(index = "0", paramLabel = "TARGET", description = Examples.TARGETS)
    String target;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "Command and its arguments")
    List<String> command;

    @Override
    public Integer call() {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String e : env) Parsers.env(e, System.getenv(), vars);
        DetachKeys keys = Interactive.detachKeys(ctx(), detachKeys);
        Interactive.checkTty(ctx(), interactive, tty);
        Workloads.Target t = SwarmCli.workloadOrTask(ctx(), target);
        require(t.backend(), Capability.EXEC);
        ExecSpec es = new ExecSpec(command, vars, workdir, user, tty, interactive);
        return Interactive.session(ctx(), interactive, tty, keys, stdio -> t.backend().exec(t.ref(), es, stdio));
    }
}
