package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.Main;
import io.cloudtui.config.Config;
import io.cloudtui.core.Backends;
import io.cloudtui.core.RunSpec;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What FastRun reads from a command line is what picocli reads; what it declines, picocli handles. */
class FastRunTest {
    /** picocli's RunCommand for ARGS, or null if picocli refuses them. */
    private static RunCommand picocli(String... args) {
        try (Context ctx = new Context(Config.defaults(), c -> Backends.of(List.of(), null), new ByteArrayInputStream(new byte[0]), System.out, System.err)) {
            CommandLine cl = Main.commandLine(ctx, Path.of("/tmp/cloudtui-test.log"), args);
            try {
                CommandLine.ParseResult r = cl.parseArgs(args);
                if (!r.hasSubcommand()) return null;
                return (RunCommand) r.subcommand().commandSpec().userObject();
            } catch (CommandLine.ParameterException e) {
                return null;
            }
        }
    }

    private static String describe(RunCommand rc) {
        RunSpec s = rc.spec();
        return s + " backend=" + rc.backend + " detachKeys=" + rc.detachKeys + " help=" + rc.help;
    }

    private static final List<String[]> TAKEN = List.of(
            new String[] {"run", "--rm", "local/busybox", "true"},
            new String[] {"run", "--hpc", "--rm", "img", "true"},
            new String[] {"run", "--cleanenv", "-e", "A=1", "img", "env"},
            new String[] {"run", "local/busybox"},
            new String[] {"run", "-d", "--name", "web", "img:1", "httpd", "-f", "-p", "80"},
            new String[] {"run", "--rm", "-i", "-t", "img", "sh"},
            new String[] {"run", "--detach", "--interactive", "--tty", "--read-only", "img"},
            new String[] {"run", "--backend", "runtime", "--network", "none", "-w", "/data", "-u", "app:app", "-h", "box", "img", "ls", "-la"},
            new String[] {"run", "--workdir", "/w", "--user", "0", "--hostname", "h", "img"},
            new String[] {"run", "-e", "A=1", "--env", "B=two words", "-e", "C", "img", "env"},
            new String[] {"run", "--rm", "img", "sh", "-c", "echo --rm -d; exit 3"},
            new String[] {"run", "img", "--", "x"},
            new String[] {"run", "img", "--name", "x", "-e", "K=V"},
            new String[] {"run", "", "true"});

    private static final List<String[]> DECLINED = List.of(
            new String[] {"run"},
            new String[] {"run", "--rm"},
            new String[] {"ps"},
            new String[] {"--config", "x.yaml", "run", "img"},
            new String[] {"run", "-it", "img"},
            new String[] {"run", "--name=web", "img"},
            new String[] {"run", "--name", "a", "--name", "b", "img"},
            new String[] {"run", "--rm", "--rm", "img"},
            new String[] {"run", "--name"},
            new String[] {"run", "--name", "-d", "img"},
            new String[] {"run", "--", "img"},
            new String[] {"run", "--help"},
            new String[] {"run", "-v", "/a:/b", "img"},
            new String[] {"run", "-p", "80:80", "img"},
            new String[] {"run", "--memory", "512m", "img"},
            new String[] {"run", "--cpus", "1", "img"},
            new String[] {"run", "--entrypoint", "", "img"},
            new String[] {"run", "-l", "a=b", "img"},
            new String[] {"run", "--detach-keys", "ctrl-x", "img"},
            new String[] {"run", "--env-file", "f", "img"},
            new String[] {"run", "--pids-limit", "5", "img"},
            new String[] {"run", "-x", "img"},
            new String[] {"run", "@args.txt"},
            new String[] {"run", "img", "@file"},
            new String[] {"run", "-e", "=bad", "img"});

    @Test
    void readsWhatPicocliReads() {
        for (String[] args : TAKEN) {
            RunCommand fast = FastRun.parse(args);
            assertNotNull(fast, String.join(" ", args));
            RunCommand slow = picocli(args);
            assertNotNull(slow, "picocli takes " + String.join(" ", args));
            assertEquals(describe(slow), describe(fast), String.join(" ", args));
        }
    }

    @Test
    void declinesTheRest() {
        for (String[] args : DECLINED) assertNull(FastRun.parse(args), String.join(" ", args));
    }

    @Test
    void everyOptionItReadsIsOneOfRunsOptions() {
        List<String> names = new ArrayList<>();
        try (Context ctx = new Context(Config.defaults(), c -> Backends.of(List.of(), null), new ByteArrayInputStream(new byte[0]), System.out, System.err)) {
            CommandLine run = Main.commandLine(ctx, Path.of("/tmp/x"), new String[] {"run"}).getSubcommands().get("run");
            run.getCommandSpec().options().forEach(o -> names.addAll(List.of(o.names())));
            for (String n : FastRun.names()) {
                assertTrue(names.contains(n), n);
                CommandLine.Model.OptionSpec o = run.getCommandSpec().findOption(n);
                // flags take no value, the others exactly one
                boolean flag = o.typeInfo().isBoolean();
                assertEquals(flag ? 0 : 1, o.arity().max() == Integer.MAX_VALUE ? -1 : o.arity().max(), n);
            }
        }
    }
}
