package io.cloudtui.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How cloudtui runs the system ssh: never prompting ({@code BatchMode=yes}; stdin is never the
 * terminal), with a connect timeout and keep-alives so a dead host is noticed, and the user's own
 * ~/.ssh/config, agent and known_hosts, or the config file $CLOUDTUI_SSH_CONFIG names ({@code ssh -F}:
 * tests use a private one). $CLOUDTUI_SSH_CONNECT_TIMEOUT sets the timeout in seconds (default 10).
 *
 * @param configFile     ssh -F FILE, or null for ssh's default
 * @param connectTimeout seconds
 */
public record SshOptions(String configFile, int connectTimeout) {

    public static SshOptions of(Map<String, String> env) {
        String f = env.get("CLOUDTUI_SSH_CONFIG");
        int t = 10;
        String ts = env.get("CLOUDTUI_SSH_CONNECT_TIMEOUT");
        if (ts != null && ts.matches("[0-9]{1,4}") && Integer.parseInt(ts) > 0) t = Integer.parseInt(ts);
        return new SshOptions(f == null || f.isBlank() ? null : f, t);
    }

    /** {@code ssh} and the options every invocation takes (a new list, to add to). */
    List<String> command() {
        List<String> c = new ArrayList<>(List.of("ssh"));
        if (configFile != null) c.addAll(List.of("-F", configFile));
        c.addAll(List.of("-o", "BatchMode=yes", "-o", "ConnectTimeout=" + connectTimeout,
                "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3", "-o", "StreamLocalBindUnlink=yes"));
        return c;
    }
}
