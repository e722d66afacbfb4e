package io.cloudtui.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How cloudtui runs the system ssh: never prompting ({@code BatchMode=yes}; stdin is never the
 * terminal), with a connect timeout and keep-alives so a dead host is noticed, and the user's own
 * ~/.ssh/config, agent and known_hosts, or the config file $CLOUDTUI_SSH_CONFIG names ({@code ssh -F}:
 * tests use a private one). $CLOUDTUI_SSH_CONNECT_TIMEOUT sets the timeout in seconds (default 10);
 * $CLOUDTUI_SSH_ALIVE_INTERVAL the seconds between keep-alives (default 5): {@value #ALIVE_COUNT}
 * unanswered ones end the connection, so a link that went down is noticed within 15 s.
 *
 * @param configFile     ssh -F FILE, or null for ssh's default
 * @param connectTimeout seconds
 * @param aliveInterval  seconds between the master's keep-alives (ServerAliveInterval)
 */
public record SshOptions(String configFile, int connectTimeout, int aliveInterval) {
    /** Keep-alives without an answer before ssh gives the connection up (ServerAliveCountMax). */
    public static final int ALIVE_COUNT = 3;

    public SshOptions(String configFile, int connectTimeout) {
        this(configFile, connectTimeout, 5);
    }

    public static SshOptions of(Map<String, String> env) {
        String f = env.get("CLOUDTUI_SSH_CONFIG");
        int t = 10;
        String ts = env.get("CLOUDTUI_SSH_CONNECT_TIMEOUT");
        if (ts != null && ts.matches("[0-9]{1,4}") && Integer.parseInt(ts) > 0) t = Integer.parseInt(ts);
        int a = 5;
        String as = env.get("CLOUDTUI_SSH_ALIVE_INTERVAL");
        if (as != null && as.matches("[0-9]{1,4}") && Integer.parseInt(as) > 0) a = Integer.parseInt(as);
        return new SshOptions(f == null || f.isBlank() ? null : f, t, a);
    }

    /** {@code ssh} and the options every invocation takes (a new list, to add to). */
    List<String> command() {
        List<String> c = new ArrayList<>(List.of("ssh"));
        if (configFile != null) c.addAll(List.of("-F", configFile));
        c.addAll(List.of("-o", "BatchMode=yes", "-o", "ConnectTimeout=" + connectTimeout,
                "-o", "ServerAliveInterval=" + aliveInterval, "-o", "ServerAliveCountMax=" + ALIVE_COUNT, "-o", "StreamLocalBindUnlink=yes"));
        return c;
    }
}
