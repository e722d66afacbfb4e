package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Compose;
import io.cloudtui.core.LogMerge;
import io.cloudtui.core.LogPrefix;
import io.cloudtui.core.Workload;
import io.cloudtui.core.Workloads;
import java.util.ArrayList;
import java.util.List;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code cloudtui logs}: a workload's output; stdout lines to stdout, stderr lines to stderr. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Fetch the logs of a workload.", "With -f, ctrl-c ends the command (exit 130, like docker logs).",
            "Several targets, or --project, give one stream in time order (by the engines' timestamps),",
            "each line prefixed with its container; their control characters and escapes are removed."},
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui logs web",
            "  cloudtui logs -f --tail 20 web",
            "  cloudtui logs --since 10m -t web",
            "  cloudtui logs --since 2026-01-02T15:04:05Z docker:web",
            "  cloudtui logs -f --project shop        every container of Compose project shop",
            "  cloudtui logs --project shop --service web",
            "  cloudtui logs web app db               three containers, merged"})
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

    @Option(names = "--project", paramLabel = "PROJECT", description = "Every container of this Compose project, merged")
    String project;

    @Option(names = "--service", paramLabel = "SERVICE", description = "With --project: only this service's containers")
    String service;

    @Option(names = "--color", description = "Colour each container's prefix (ANSI), as the UI does")
    boolean color;

    @Parameters(paramLabel = "TARGET", arity = "0..*", description = Examples.TARGETS)
    List<String> targets = new ArrayList<>();

    /** How long a followed merged stream holds a line for a quiet container's earlier one. */
    static final long REORDER_WINDOW_MS = 250;

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
        if (project == null && service != null) throw new ParameterException(spec.commandLine(), "--service needs --project");
        if (project != null && !targets.isEmpty()) throw new ParameterException(spec.commandLine(), "give --project or TARGETs, not both");
        if (project == null && targets.isEmpty()) throw new ParameterException(spec.commandLine(), "Missing required parameter: 'TARGET' (or --project)");
        if (project != null || targets.size() > 1) return merged();
        int n = tail;
        Workloads.Target t = ctx().workloads().resolve(targets.get(0));
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

    /** Several containers' logs as one stream, each line "NAME | text" in time order. */
    private int merged() {
        List<LogMerge.Source> sources = new ArrayList<>();
        if (project != null) {
            Compose.Project p = Compose.find(ctx().workloads().listAll(true).workloads(), project);
            List<Workload> members = service == null ? p.members() : p.service(service);
            if (members.isEmpty()) throw new CloudtuiException("project " + p.name() + " has no service '" + service + "' (services: "
                    + String.join(", ", p.services()) + ")");
            Backend b = ctx().backends().get(p.backend());
            require(b, Capability.LOGS);
            for (Workload w : members) sources.add(new LogMerge.Source(b, w));
        } else {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String target : targets) {
                Workloads.Target t = ctx().workloads().resolve(target);
                require(t.backend(), Capability.LOGS);
                if (seen.add(t.workload().id().toString())) sources.add(new LogMerge.Source(t.backend(), t.workload()));
            }
        }
        List<String> prefixes = LogPrefix.prefixes(sources.stream().map(s -> s.workload().name()).toList());
        PrintStream out = out();
        PrintStream err = err();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Backend.Cancel cancel = new Backend.Cancel()) {
            LogMerge.run(sources, new LogOptions(follow, tail, since, true), REORDER_WINDOW_MS, (i, line) -> {
                PrintStream to = line.stream() == LogLine.Stream.STDERR ? err : out;
                String pre = color ? LogPrefix.ansi(i) + prefixes.get(i) + "\u001b[0m" : prefixes.get(i);
                String text = io.cloudtui.tui.SafeText.plain(line.text());
                to.println(pre + (timestamps && line.timestamp() != null ? NANOS.format(line.timestamp()) + " " : "") + text);
                if (follow) to.flush();
            }, (i, msg) -> failures.add(sources.get(i).workload().name() + ": " + msg), cancel);
        }
        out.flush();
        for (String f : failures) error(f);
        err.flush();
        return failures.size() == sources.size() ? 1 : 0;
    }
}
