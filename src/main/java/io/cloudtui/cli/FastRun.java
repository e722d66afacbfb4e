package io.cloudtui.cli;

import io.cloudtui.core.CloudtuiException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code cloudtui run} with only its most common options, read without picocli: building picocli's
 * model of even one command (annotation parsing, proxies, reflection) cost more start-up time than
 * most of what a {@code run --rm} does. It takes the flags --rm, -d, -i, -t, --read-only, --hpc, --cleanenv, the
 * options --name, --backend, --network, -w, -u, -h, -e (each as its own argument, once; -e as
 * often as wanted), then IMAGE and the command; for anything else (help, errors, other options,
 * {@code --opt=value}, clusters like -it, {@code --}, {@code @files}) it declines and picocli parses
 * as always. {@code FastRunTest} checks that what it reads is what picocli reads.
 */
public final class FastRun {
    private static final Set<String> FLAGS = Set.of("--rm", "-d", "--detach", "-i", "--interactive", "-t", "--tty", "--read-only", "--hpc",
            "--cleanenv");
    private static final Set<String> VALUED = Set.of("--name", "--backend", "--network", "-w", "--workdir", "-u", "--user",
            "-h", "--hostname", "-e", "--env");

    private FastRun() {}

    /** The run command for ARGS ({@code run ...}), its fields as picocli would set them, or null. */
    static RunCommand parse(String[] args) {
        if (args.length < 2 || !args[0].equals("run")) return null;
        for (String a : args) {
            if (a.startsWith("@")) return null; // picocli reads @file arguments from files
        }
        RunCommand rc = new RunCommand();
        Set<String> seen = new HashSet<>();
        int i = 1;
        for (; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-")) break;
            String name = canonical(a);
            if (name == null) return null;
            // every option here but -e once: picocli refuses a second one
            if (!name.equals("--env") && !seen.add(name)) return null;
            if (FLAGS.contains(a)) {
                switch (name) {
                    case "--rm" -> rc.rm = true;
                    case "--detach" -> rc.detach = true;
                    case "--interactive" -> rc.interactive = true;
                    case "--tty" -> rc.tty = true;
                    case "--read-only" -> rc.readOnly = true;
                    case "--hpc" -> rc.hpc = true;
                    case "--cleanenv" -> rc.cleanEnv = true;
                    default -> {
                        return null;
                    }
                }
                continue;
            }
            if (i + 1 >= args.length) return null;
            String v = args[++i];
            if (v.startsWith("-") || v.startsWith("@")) return null; // picocli may take it for an option
            switch (name) {
                case "--name" -> rc.name = v;
                case "--backend" -> rc.backend = v;
                case "--network" -> rc.network = v;
                case "--workdir" -> rc.workdir = v;
                case "--user" -> rc.user = v;
                case "--hostname" -> rc.hostname = v;
                case "--env" -> {
                    try {
                        rc.env.add(new Parsers.EnvConverter().convert(v));
                    } catch (RuntimeException e) {
                        return null; // picocli reports it
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        if (i >= args.length) return null; // no IMAGE: picocli says so
        rc.image = args[i];
        rc.command = new java.util.ArrayList<>(Arrays.asList(args).subList(i + 1, args.length));
        return rc;
    }

    /** The long name of a taken option, or null. */
    private static String canonical(String a) {
        return switch (a) {
            case "--rm", "--read-only", "--name", "--backend", "--network", "--hpc", "--cleanenv" -> a;
            case "-d", "--detach" -> "--detach";
            case "-i", "--interactive" -> "--interactive";
            case "-t", "--tty" -> "--tty";
            case "-w", "--workdir" -> "--workdir";
            case "-u", "--user" -> "--user";
            case "-h", "--hostname" -> "--hostname";
            case "-e", "--env" -> "--env";
            default -> null;
        };
    }

    /** The options it reads, by every name (for tests). */
    static List<String> names() {
        List<String> out = new java.util.ArrayList<>(FLAGS);
        out.addAll(VALUED);
        return out;
    }

    /**
     * Runs ARGS when {@link #parse} takes them, as picocli would execute the command (its exit code;
     * errors through HANDLER, as picocli's execution exception handler); null when it does not.
     */
    public static Integer run(String[] args, Context ctx, ExceptionHandler handler) {
        RunCommand rc = parse(args);
        if (rc == null) return null;
        rc.parent = new CloudtuiCommand(ctx);
        try {
            return rc.call();
        } catch (CloudtuiException e) {
            return handler.handle(e);
        } catch (RuntimeException e) {
            return handler.handle(e);
        }
    }

    /** What picocli's execution exception handler does with an exception of the command. */
    @FunctionalInterface
    public interface ExceptionHandler {
        int handle(Exception e);
    }
}
