package io.cloudtui.host;

import java.util.List;
import java.util.Locale;

/**
 * Why ssh could not reach a host, read from what the system ssh wrote on stderr: the host's state
 * and one line naming the host and the remedy.
 *
 * @param state the host's state after it
 * @param line  the user's line: {@code web1: unknown host key; run 'ssh web1' once to check and accept it}
 */
public record SshFailure(Host.State state, String line) {

    /** Classifies ssh's STDERR for host NAME, reached as DESTINATION (what to tell the user to run). */
    public static SshFailure classify(String name, String destination, String stderr) {
        String s = stderr == null ? "" : stderr;
        String low = s.toLowerCase(Locale.ROOT);
        if (low.contains("remote host identification has changed") || low.contains("host key for") && low.contains("has changed")) {
            return new SshFailure(Host.State.HOST_KEY_CHANGED,
                    name + ": host key changed (possible attack); check it and fix known_hosts");
        }
        if (low.contains("host key is known") || low.contains("host key verification failed")) {
            return new SshFailure(Host.State.HOST_KEY_UNKNOWN,
                    name + ": unknown host key; run 'ssh " + destination + "' once to check and accept it");
        }
        if (low.contains("permission denied")) {
            String methods = "";
            int p = s.indexOf("Permission denied (");
            if (p >= 0 && s.indexOf(')', p) > 0) methods = " " + s.substring(p + "Permission denied ".length(), s.indexOf(')', p) + 1);
            return new SshFailure(Host.State.AUTH_FAILED,
                    name + ": permission denied" + methods + "; 'ssh-add' your key or set IdentityFile");
        }
        if (low.contains("could not resolve hostname") || low.contains("name or service not known")) {
            return new SshFailure(Host.State.UNREACHABLE, name + ": host name does not resolve (" + last(s) + ")");
        }
        if (low.contains("connection refused")) {
            return new SshFailure(Host.State.UNREACHABLE, name + ": connection refused (is sshd running there, on that port?)");
        }
        if (low.contains("timed out") || low.contains("connection timeout")) {
            return new SshFailure(Host.State.UNREACHABLE, name + ": connection timed out (no answer from its sshd)");
        }
        if (low.contains("no route to host") || low.contains("network is unreachable")) {
            return new SshFailure(Host.State.UNREACHABLE, name + ": unreachable (" + last(s) + ")");
        }
        String l = last(s);
        return new SshFailure(Host.State.UNREACHABLE, name + ": ssh failed" + (l.isEmpty() ? "" : ": " + l));
    }

    /**
     * Why the connected master of host NAME ended, from its STDERR: the host stays unreachable with
     * this line while it reconnects. SILENT is how long the keep-alives went unanswered (seconds).
     */
    public static SshFailure lost(String name, String stderr, int silent) {
        String low = stderr == null ? "" : stderr.toLowerCase(Locale.ROOT);
        String why;
        if (low.contains("timeout, server") || low.contains("not responding")) {
            why = "no answer for " + silent + " s (link down?)";
        } else if (low.contains("closed by remote host") || low.contains("closed by ")) {
            why = "connection closed by the host (sshd stopped?)";
        } else if (low.contains("connection reset") || low.contains("broken pipe")) {
            why = "connection reset";
        } else {
            why = "connection lost";
        }
        return new SshFailure(Host.State.UNREACHABLE, name + ": " + why + "; reconnecting by itself");
    }

    /** The last line ssh wrote that says something, without ssh's "ssh: " prefix. */
    static String last(String s) {
        List<String> lines = s.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("@@@")).toList();
        if (lines.isEmpty()) return "";
        String l = lines.get(lines.size() - 1);
        return l.startsWith("ssh: ") ? l.substring(5) : l;
    }
}
