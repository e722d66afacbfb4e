package io.cloudtui.agent;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The commands the warm process runs: those whose result does not depend on a terminal or on reading
 * standard input (the warm JVM has its own System.in), and that take a relative path, if any, from
 * the client's working directory as the command's context gives it ({@code build}: its DIR and -f).
 * Anything else is answered "fallback" and runs in a JVM of its own, as without the client. Checked
 * against each command's code: these read no file by a path relative to the process, no System.in, no
 * isatty, no environment variable but through the command's context (exec -e K is refused).
 */
public final class AllowList {
    private AllowList() {}

    /** Commands that take only names, ids and flags. */
    private static final Set<String> PLAIN = Set.of("ps", "images", "inspect", "start", "stop", "restart", "kill", "pause", "unpause",
            "rm", "rmi", "logs", "volumes", "networks");

    /** Subcommands of service and node that only list. */
    private static final Set<String> SWARM_LISTS = Set.of("ls", "list", "ps");

    /** Variables holding paths: a relative one would be taken from the warm process's directory. */
    private static final List<String> PATH_VARS = List.of("HOME", "CLOUDTUI_CONFIG", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME",
            "XDG_RUNTIME_DIR", "XDG_CACHE_HOME", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "CLOUDTUI_PLUGINS", "CLOUDTUI_SSH_CONFIG");

    /** Why ARGS with ENV cannot run in the warm process, or null when it can. */
    public static String refuse(List<String> args, Map<String, String> env) {
        for (String v : PATH_VARS) {
            String s = env.get(v);
            if (s != null && !s.isEmpty() && !s.startsWith("/")) return v + " is a relative path";
        }
        for (String a : args) {
            if (a.startsWith("@")) return "an @file argument";
        }
        int i = 0;
        for (; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--config") && i + 1 < args.size()) {
                if (!args.get(++i).startsWith("/")) return "a relative --config";
            } else if (a.startsWith("--config=")) {
                if (!a.substring("--config=".length()).startsWith("/")) return "a relative --config";
            } else if ((a.equals("-H") || a.equals("--host")) && i + 1 < args.size()) {
                // a remote host: the agent keeps its ssh connection between commands
                i++;
            } else if (a.startsWith("-H") && a.length() > 2 || a.startsWith("--host=")) {
                continue;
            } else if (a.equals("--version") || a.equals("-V")) {
                return null;
            } else if (a.startsWith("-")) {
                return "option " + a;
            } else {
                break;
            }
        }
        if (i == args.size()) return "the full-screen UI";
        String cmd = args.get(i);
        List<String> rest = args.subList(i + 1, args.size());
        if (PLAIN.contains(cmd)) return null;
        return switch (cmd) {
            case "stats" -> rest.contains("--no-stream") ? null : "stats without --no-stream redraws a terminal";
            case "exec" -> exec(rest);
            // DIR, -f and --build-arg KEY are the client's (Context.resolve, Context.getenv); ctrl-c interrupts it cleanly
            case "build" -> null;
            // the swarm's lists (a command per service or node in scripts: bench/swarm); not logs -f, create, scale...
            case "service", "node" -> !rest.isEmpty() && SWARM_LISTS.contains(rest.get(0)) ? null : "this " + cmd + " command";
            case "vm" -> !rest.isEmpty() && (rest.get(0).equals("addresses") || rest.get(0).equals("autostart")
                    || rest.size() > 1 && rest.get(0).equals("snapshot") && rest.get(1).equals("list")) ? null : "this vm command";
            default -> "command " + cmd;
        };
    }

    /** exec CONTAINER COMMAND..., with only -u/--user and -w/--workdir before the container (no -i, -t, -e). */
    private static String exec(List<String> rest) {
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (!a.startsWith("-")) return null;
            if ((a.equals("-u") || a.equals("--user") || a.equals("-w") || a.equals("--workdir")) && i + 1 < rest.size()) {
                i++;
            } else {
                return "exec option " + a;
            }
        }
        return null;
    }
}
