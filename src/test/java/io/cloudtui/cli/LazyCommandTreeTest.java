package io.cloudtui.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cloudtui.Main;
import io.cloudtui.config.Config;
import io.cloudtui.core.Backends;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Main registers only the subcommand a command line names: its parsing, help and errors must be
 * exactly those of the whole command tree.
 */
class LazyCommandTreeTest {
    /** The root as it was declared before Main registered subcommands itself: every one in the annotation. */
    @CommandLine.Command(name = "cloudtui", mixinStandardHelpOptions = true, versionProvider = Versions.class,
            description = "Containers and virtual machines, in one terminal UI and CLI.%n"
                    + "With no command, opens the full-screen UI.",
            subcommands = {PsCommand.class, TargetVerb.Start.class, TargetVerb.Stop.class, TargetVerb.Restart.class,
                TargetVerb.Kill.class, TargetVerb.Pause.class, TargetVerb.Unpause.class, TargetVerb.Rm.class, LogsCommand.class,
                ExecCommand.class, AttachCommand.class, RunCommand.class, InspectCommand.class, StatsCommand.class, ImagesCommand.class, RmiCommand.class,
                ImageCommand.class, ImageCommand.Pull.class, ImageCommand.Push.class, BuildCommand.class, VolumesCommand.class, NetworksCommand.class, NetworkCommand.class,
                CompletionCommand.class, io.cloudtui.runtime.RuntimeCommand.class, ConsoleCommand.class, VmCommand.class,
                ComposeCommand.class, ServiceCommand.class, NodeCommand.class})
    static final class AnnotatedRoot extends CloudtuiCommand {
        AnnotatedRoot(Context ctx) {
            super(ctx);
        }
    }

    /** WHOLE: the annotated tree with Main's settings; else what Main builds for ARGS. */
    private static String run(boolean whole, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(err, true, StandardCharsets.UTF_8);
        Backends none = Backends.of(List.of(), null);
        try (Context ctx = new Context(Config.defaults(), c -> none, new ByteArrayInputStream(new byte[0]), po, pe)) {
            Path log = Path.of("/tmp/cloudtui-test.log");
            CommandLine cl = whole ? Main.configure(new CommandLine(new AnnotatedRoot(ctx)), ctx, log) : Main.commandLine(ctx, log, args);
            int code = cl.execute(args);
            return "exit " + code + "\n" + out.toString(StandardCharsets.UTF_8) + "\n--\n" + err.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void theSameSubcommandsInTheSameOrder() {
        try (Context ctx = new Context(Config.defaults(), c -> Backends.of(List.of(), null), new ByteArrayInputStream(new byte[0]), System.out, System.err)) {
            CommandLine annotated = new CommandLine(new AnnotatedRoot(ctx));
            assertEquals(List.copyOf(annotated.getSubcommands().keySet()), List.copyOf(Main.commandLine(ctx, Path.of("/tmp/x")).getSubcommands().keySet()));
        }
    }

    @Test
    void subcommandNamesAreTheAnnotatedOnes() {
        for (var e : CloudtuiCommand.SUBCOMMANDS.entrySet()) {
            CommandLine.Command c = e.getValue().getAnnotation(CommandLine.Command.class);
            assertEquals(e.getKey(), c.name(), e.getValue().getName());
            assertEquals(0, c.aliases().length, e.getKey() + " has aliases, which the lazy tree does not look up");
        }
    }

    @Test
    void helpUsageErrorsAndVersionAreThoseOfTheWholeTree() {
        List<String[]> cases = new ArrayList<>();
        for (String name : CloudtuiCommand.SUBCOMMANDS.keySet()) {
            cases.add(new String[] {name, "--help"});
            cases.add(new String[] {name, "--no-such-option"});
        }
        cases.add(new String[] {"--version"});
        cases.add(new String[] {"-V"});
        cases.add(new String[] {"--help"});
        cases.add(new String[] {"--bogus"});
        cases.add(new String[] {"psx"});
        cases.add(new String[] {"run"});
        cases.add(new String[] {"run", "--memory", "lots", "img"});
        cases.add(new String[] {"run", "--cpus", "0", "img"});
        cases.add(new String[] {"--config", "x.yaml", "stop"});
        cases.add(new String[] {"image", "import", "--help"});
        cases.add(new String[] {"vm", "snapshot", "--help"});
        cases.add(new String[] {"runtime", "state"});
        cases.add(new String[] {"completion", "bash"});
        cases.add(new String[] {"completion", "zsh"});
        cases.add(new String[] {"exec", "web", "ls", "-la", "--color"});
        cases.add(new String[] {"run", "-d", "img", "sh", "-c", "x"});
        for (String[] args : cases) {
            assertEquals(run(true, args), run(false, args), String.join(" ", args));
        }
    }

    @Test
    void onlyWhatTheCommandLineReachesIsRegistered() {
        assertEquals(Set.of("run"), Main.neededSubcommands(new String[] {"run", "--rm", "img", "ps"}));
        assertEquals(Set.of("ps"), Main.neededSubcommands(new String[] {"--config", "f.yaml", "ps", "-a"}));
        assertEquals(Set.of("ps"), Main.neededSubcommands(new String[] {"--config=f.yaml", "ps"}));
        assertEquals(Set.of(), Main.neededSubcommands(new String[] {}));
        assertEquals(Set.of(), Main.neededSubcommands(new String[] {"--version"}));
        assertEquals(Set.of(), Main.neededSubcommands(new String[] {"--config", "f.yaml"}));
        assertNull(Main.neededSubcommands(new String[] {"--help"}));
        assertNull(Main.neededSubcommands(new String[] {"--config"}));
        assertNull(Main.neededSubcommands(new String[] {"nosuch"}));
        assertNull(Main.neededSubcommands(new String[] {"completion", "bash"}));
        assertNull(Main.neededSubcommands(new String[] {"-x", "ps"}));
    }
}
