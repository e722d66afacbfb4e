package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.Workloads;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code cloudtui logs}: a workload's output; stdout lines to stdout, stderr lines to stderr. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Fetch the logs of a workload.", "With -f, ctrl-c ends the command (exit 130, like docker logs)."},
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui logs web",
            "  cloudtui logs -f --tail 20 web",
            "  cloudtui logs --since 10m -t web",
            "  cloudtui logs --since 2026-01-02T15:04:05Z docker:web"})
final class LogsCommand extends Base {
    private static final DateTimeFormatter NANOS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    @Option(names = {"-f", "--follow"}, description = "Follow log output")
    boolean follow;

    @Option(names = {"-n", "--tail"}, defaultValue = "all", paramLabel = "N", converter = TailConverter.class,
            description = "Number of lines from the end, or 'all' (default: ${DEFAULT-VALUE})")
    int tail;

    @Option(names = "--since", paramLabel = "TIME", converter = Parsers.SinceConverter.class,
            description = "Only lines after TIME: RFC 3339 (2026-01-02T15:04:05Z), unix seconds, or relative (42s, 10m, 1h30m)")
    Instant since;

    @Option(names = {"-t", "--timestamps"}, description = "Show timestamps")
    boolean timestamps;

    @Parameters(index = "0", paramLabel = "TARGET", description = Examples.TARGETS)
    String target;

    static int tail(String s) {
        if (s.equalsIgnoreCase("all")) return -1;
        try {
            int n = Integer.parseInt(s);
            if (n >= 0) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new TypeConversionException("'" + s + "' is not a number of lines or 'all'");
    }

    static final class TailConverter implements picocli.CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return tail(value);
        }
    }

    @Override
    public Integer call() {
        int n = tail;
        Workloads.Target t = ctx().workloads().resolve(target);
        Backend b = t.backend();
        require(b, Capability.LOGS);
        PrintStream out = out();
        PrintStream err = err();
        try (Backend.Cancel cancel = new Backend.Cancel()) {
            b.logs(t.ref(), new LogOptions(follow, n, since, timestamps), line -> {
                PrintStream to = line.stream() == LogLine.Stream.STDERR ? err : out;
                String text = timestamps && line.timestamp() != null ? NANOS.format(line.timestamp()) + " " + line.text() : line.text();
                to.println(text);
                if (follow) to.flush();
            }, cancel);
        }
        out.flush();
        err.flush();
        return 0;
    }
}
