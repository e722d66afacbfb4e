package io.cloudtui.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The runtime's calls from containerd-shim and dockerd (create, run, start, state, kill, delete,
 * exec with their usual options) read without picocli: building picocli's annotation model of the
 * runtime's commands took longer than the rest of a {@code create}. Global options --root, --log,
 * --log-format, --debug; each option once (--env as often as wanted), as {@code --opt VALUE} or
 * {@code --opt=VALUE}. For anything else (help, other verbs, unknown or repeated options, a value
 * that looks like an option, missing or extra arguments, {@code @files}) it declines and picocli
 * parses as always, with its messages. {@code FastArgsTest} checks that what it reads is what
 * picocli reads.
 */
final class FastArgs {
    private FastArgs() {}

    /** Per verb: option names (aliases to their canonical name) and which of them take a value. */
    private record Verb(Map<String, String> names, Set<String> valued, int minPositionals, int maxPositionals) {
        /** ALIASES: each "canonical alias..."; BUNDLE: with the options create and run share. */
        static Verb of(int min, int max, boolean bundle, Set<String> valued, String... aliases) {
            Map<String, String> n = new HashMap<>();
            List<String> all = new ArrayList<>(List.of(aliases));
            Set<String> v = new java.util.HashSet<>(valued);
            if (bundle) {
                // RuntimeCommand.FromBundle's options, each with a value
                for (String a : List.of("--bundle -b", "--pid-file", "--console-socket", "--container-log", "--container-log-max-size",
                        "--container-log-keep")) {
                    all.add(a);
                    v.add(a.split(" ")[0]);
                }
            }
            for (String a : all) {
                String[] parts = a.split(" ");
                for (String p : parts) n.put(p, parts[0]);
            }
            return new Verb(n, v, min, max);
        }
    }

    private static final Map<String, Verb> VERBS = Map.of(
            "create", Verb.of(1, 1, true, Set.of(), "--no-pivot", "--no-new-keyring", "--container-attach"),
            "run", Verb.of(1, 1, true, Set.of(), "--detach -d"),
            "start", Verb.of(1, 1, false, Set.of()),
            "state", Verb.of(1, 1, false, Set.of()),
            "kill", Verb.of(1, 2, false, Set.of(), "--all -a"),
            "delete", Verb.of(1, 1, false, Set.of(), "--force -f"),
            "exec", Verb.of(1, Integer.MAX_VALUE, false, Set.of("--process", "--pid-file", "--console-socket", "--cwd", "--env"),
                    "--process -p", "--tty -t", "--detach -d", "--pid-file", "--console-socket", "--cwd", "--env -e"));

    /** The verb ARGS call for, with its fields as picocli would set them (its parent is PARENT, also filled), or null. */
    static Callable<Integer> parse(String[] args, RuntimeCommand parent) {
        for (String a : args) {
            if (a.startsWith("@") || a.equals("--")) return null; // picocli reads @files, and ends its options at --
        }
        Map<String, String> global = new HashMap<>();
        int i = 0;
        for (; i < args.length && args[i].startsWith("-"); i++) {
            String[] nv = split(args[i]);
            switch (nv[0]) {
                case "--debug" -> {
                    if (nv[1] != null || global.put("--debug", "") != null) return null;
                }
                case "--root", "--log", "--log-format" -> {
                    String v = nv[1];
                    if (v == null) {
                        if (++i >= args.length) return null;
                        v = args[i];
                    }
                    if (!plain(v) || global.put(nv[0], v) != null) return null;
                }
                default -> {
                    return null;
                }
            }
        }
        if (i >= args.length) return null;
        String verbName = args[i];
        Verb verb = VERBS.get(verbName);
        if (verb == null) return null;
        Map<String, List<String>> opts = new HashMap<>();
        List<String> pos = new ArrayList<>();
        for (i++; i < args.length; i++) {
            String a = args[i];
            boolean stop = verbName.equals("exec") && !pos.isEmpty(); // exec: the command's own options are not ours
            if (stop || !a.startsWith("-") || a.equals("-")) {
                pos.add(a);
                continue;
            }
            String[] nv = split(a);
            String name = verb.names().get(nv[0]);
            if (name == null) return null;
            String v = nv[1];
            if (verb.valued().contains(name)) {
                if (v == null) {
                    if (++i >= args.length) return null;
                    v = args[i];
                }
                if (!plain(v)) return null;
            } else if (v != null) {
                return null;
            }
            List<String> vs = opts.computeIfAbsent(name, k -> new ArrayList<>());
            if (!vs.isEmpty() && !name.equals("--env")) return null; // picocli refuses a second one
            vs.add(v);
        }
        if (pos.size() < verb.minPositionals() || pos.size() > verb.maxPositionals()) return null;
        try {
            Callable<Integer> c = build(verbName, opts, pos, parent);
            if (c == null) return null;
            if (global.containsKey("--root")) parent.root = Path.of(global.get("--root"));
            if (global.containsKey("--log")) parent.log = Path.of(global.get("--log"));
            if (global.containsKey("--log-format")) parent.logFormat = global.get("--log-format");
            parent.debug = global.containsKey("--debug");
            return c;
        } catch (RuntimeException e) {
            return null; // a value picocli would refuse (a bad number or path): it says so
        }
    }

    private static Callable<Integer> build(String verb, Map<String, List<String>> o, List<String> pos, RuntimeCommand parent) {
        switch (verb) {
            case "create" -> {
                RuntimeCommand.Create c = fromBundle(new RuntimeCommand.Create(), o, pos, parent);
                c.noPivot = o.containsKey("--no-pivot");
                c.noNewKeyring = o.containsKey("--no-new-keyring");
                c.attach = o.containsKey("--container-attach");
                return c;
            }
            case "run" -> {
                RuntimeCommand.Run c = fromBundle(new RuntimeCommand.Run(), o, pos, parent);
                c.detach = o.containsKey("--detach");
                return c;
            }
            case "start" -> {
                RuntimeCommand.Start c = new RuntimeCommand.Start();
                c.parent = parent;
                c.id = pos.get(0);
                return c;
            }
            case "state" -> {
                RuntimeCommand.State c = new RuntimeCommand.State();
                c.parent = parent;
                c.id = pos.get(0);
                return c;
            }
            case "kill" -> {
                RuntimeCommand.Kill c = new RuntimeCommand.Kill();
                c.parent = parent;
                c.all = o.containsKey("--all");
                c.id = pos.get(0);
                if (pos.size() > 1) c.signal = pos.get(1);
                return c;
            }
            case "delete" -> {
                RuntimeCommand.Delete c = new RuntimeCommand.Delete();
                c.parent = parent;
                c.force = o.containsKey("--force");
                c.id = pos.get(0);
                return c;
            }
            case "exec" -> {
                RuntimeCommand.Exec c = new RuntimeCommand.Exec();
                c.parent = parent;
                c.process = path(o, "--process");
                c.tty = o.containsKey("--tty");
                c.detach = o.containsKey("--detach");
                c.pidFile = path(o, "--pid-file");
                c.consoleSocket = one(o, "--console-socket");
                c.cwd = one(o, "--cwd");
                if (o.containsKey("--env")) c.env.addAll(o.get("--env"));
                c.id = pos.get(0);
                c.cmd.addAll(pos.subList(1, pos.size()));
                return c;
            }
            default -> {
                return null;
            }
        }
    }

    /** C with the options create and run share set from O, and its ID from POS. */
    private static <T extends RuntimeCommand.FromBundle> T fromBundle(T c, Map<String, List<String>> o, List<String> pos, RuntimeCommand parent) {
        c.parent = parent;
        if (o.containsKey("--bundle")) c.bundle = Path.of(one(o, "--bundle"));
        c.pidFile = path(o, "--pid-file");
        c.consoleSocket = one(o, "--console-socket");
        c.log = new RuntimeCommand.ContainerLog();
        c.log.file = path(o, "--container-log");
        if (o.containsKey("--container-log-max-size")) c.log.maxBytes = Long.parseLong(one(o, "--container-log-max-size"));
        if (o.containsKey("--container-log-keep")) c.log.keep = Integer.parseInt(one(o, "--container-log-keep"));
        c.id = pos.get(0);
        return c;
    }

    private static String one(Map<String, List<String>> o, String name) {
        List<String> v = o.get(name);
        return v == null ? null : v.get(0);
    }

    private static Path path(Map<String, List<String>> o, String name) {
        String v = one(o, name);
        return v == null ? null : Path.of(v);
    }

    /** {NAME, VALUE after '=' or null}; only long options take {@code =VALUE}. */
    private static String[] split(String a) {
        int eq = a.indexOf('=');
        if (a.startsWith("--") && eq > 2) return new String[] {a.substring(0, eq), a.substring(eq + 1)};
        return new String[] {a, null};
    }

    /** A value picocli takes as it is: not empty, not one that could be an option. */
    private static boolean plain(String v) {
        return !v.isEmpty() && !v.startsWith("-");
    }
}
