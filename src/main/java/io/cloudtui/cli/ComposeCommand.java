package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Compose;
import io.cloudtui.core.ComposeCli;
import io.cloudtui.core.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cloudtui compose VERB PROJECT [SERVICE...]}: a Compose project (as its containers' labels
 * group them) driven as a unit. stop, start, restart and down act on the containers through the
 * engine; up, pull, build and down -v run the Compose CLI from the project's working directory.
 */
@Command(name = "compose", mixinStandardHelpOptions = true,
        description = {"Act on a Compose project (or some of its services) as a unit.",
            "stop, start, restart: its containers, all at once; down: stops and removes them.",
            "up (-d), pull, build, down -v: run the Compose CLI this machine has (docker compose, else",
            "docker-compose) in the project's working directory with the files its labels record."},
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui compose stop shop",
            "  cloudtui compose restart shop web",
            "  cloudtui compose up shop",
            "  cloudtui compose down -v shop"})
final class ComposeCommand extends Base {
    @Parameters(index = "0", paramLabel = "VERB", description = "stop, start, restart, down, up, pull or build")
    String verb;

    @Parameters(index = "1", paramLabel = "PROJECT", description = "The project's name (BACKEND:PROJECT when on several backends)")
    String project;

    @Parameters(index = "2..*", paramLabel = "SERVICE", description = "Only these services")
    List<String> services = new ArrayList<>();

    @Option(names = {"-v", "--volumes"}, description = "With down: run the Compose CLI's down -v (also removes volumes and networks)")
    boolean volumes;

    @Option(names = {"-t", "--time"}, defaultValue = "10", paramLabel = "SECONDS", description = "stop, restart, down: seconds to wait before killing (default: ${DEFAULT-VALUE})")
    int seconds;

    @Override
    public Integer call() {
        if (volumes && !verb.equals("down")) throw CloudtuiException.usage("-v is for down only");
        Compose.Project p = Compose.find(ctx().workloads().listAll(true).workloads(), project);
        Backend b = ctx().backends().get(p.backend());
        for (String s : services) {
            if (p.service(s).isEmpty()) {
                throw new CloudtuiException("project " + p.name() + " has no service '" + s + "' (services: " + String.join(", ", p.services()) + ")");
            }
        }
        ComposeCli.Verb cli = switch (verb) {
            case "up" -> ComposeCli.Verb.UP;
            case "pull" -> ComposeCli.Verb.PULL;
            case "build" -> ComposeCli.Verb.BUILD;
            case "down" -> volumes ? ComposeCli.Verb.DOWN_VOLUMES : null;
            case "stop", "start", "restart" -> null;
            default -> throw CloudtuiException.usage("unknown compose verb '" + verb + "' (stop, start, restart, down, up, pull, build)");
        };
        if (cli != null) {
            int rc = ComposeCli.run(b, p, cli, services, System.getenv(), out()::println, null);
            out().flush();
            if (rc != 0) throw new CloudtuiException(cli.label + " of " + p.name() + " failed (the Compose CLI's exit code " + rc + ")");
            return 0;
        }
        List<Workload> targets = new ArrayList<>();
        for (Workload w : p.members()) if (services.isEmpty() || services.contains(Compose.service(w))) targets.add(w);
        Duration t = Duration.ofSeconds(Math.max(0, seconds));
        Capability need = switch (verb) {
            case "stop" -> Capability.STOP;
            case "start" -> Capability.START;
            case "restart" -> Capability.RESTART;
            default -> Capability.REMOVE;
        };
        require(b, need);
        return each(targets, w -> {
            switch (verb) {
                case "stop" -> {
                    if (w.state().isActive()) b.stop(w.nativeId(), t);
                }
                case "start" -> {
                    if (!w.state().isActive()) b.start(w.nativeId());
                }
                case "restart" -> b.restart(w.nativeId(), t);
                default -> {
                    if (w.state().isActive()) b.stop(w.nativeId(), t);
                    b.remove(w.nativeId(), true);
                }
            }
        });
    }

    /** Runs {@code verb} on every target at once; prints each name done, a line per failure; 1 if any failed. */
    private int each(List<Workload> targets, java.util.function.Consumer<Workload> verb) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(8, targets.size())), r -> {
            Thread th = new Thread(r, "cloudtui-compose");
            th.setDaemon(true);
            return th;
        });
        try {
            List<Future<String>> fs = new ArrayList<>();
            for (Workload w : targets) {
                fs.add(pool.submit(() -> {
                    try {
                        verb.accept(w);
                        return null;
                    } catch (RuntimeException e) {
                        return w.name() + ": " + messageOf(e);
                    }
                }));
            }
            int failed = 0;
            for (int i = 0; i < fs.size(); i++) {
                String err;
                try {
                    err = fs.get(i).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    err = targets.get(i).name() + ": " + e.getCause();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 130;
                }
                if (err != null) {
                    error(err);
                    failed++;
                } else {
                    out().println(targets.get(i).name());
                }
            }
            return failed == 0 ? 0 : 1;
        } finally {
            pool.shutdownNow();
        }
    }
}
