package io.cloudtui.host;

import io.cloudtui.core.CloudtuiException;

/**
 * Where a host is reached: {@code ssh://[user@]host[:port]}, or the bare {@code [user@]host[:port]}
 * (a name of ~/.ssh/config's Host entries included), as the system ssh takes it. Only user, host
 * and port: a password, a path other than empty or "/", a query or fragment are refused, since
 * ssh would ignore them or they name something cloudtui does not do.
 *
 * @param user  the login name, or null for ssh's own choice (User in ~/.ssh/config, else the local user)
 * @param host  the host name, address or ~/.ssh/config alias, as given
 * @param port  the port, or null for ssh's own choice (Port in ~/.ssh/config, else 22)
 */
public record SshTarget(String user, String host, Integer port) {

    /** Parses SPEC; bad input is one usage error naming it. */
    public static SshTarget parse(String spec) {
        if (spec == null || spec.isBlank()) throw bad(spec, "empty");
        String s = spec.trim();
        boolean url = s.startsWith("ssh://");
        if (!url && s.contains("://")) throw bad(spec, "only ssh:// URLs name a host");
        String rest = url ? s.substring("ssh://".length()) : s;
        if (url) {
            int q = rest.indexOf('?');
            int f = rest.indexOf('#');
            if (q >= 0) throw bad(spec, "a query is not supported");
            if (f >= 0) throw bad(spec, "a fragment is not supported");
            int slash = rest.indexOf('/');
            if (slash >= 0) {
                String path = rest.substring(slash);
                if (!path.equals("/")) throw bad(spec, "a path ('" + path + "') is not supported: the host's engines are found on it");
                rest = rest.substring(0, slash);
            }
        } else if (rest.indexOf('/') >= 0 || rest.indexOf('?') >= 0) {
            throw bad(spec, "expected [user@]host[:port] or ssh://[user@]host[:port]");
        }
        String user = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            user = rest.substring(0, at);
            rest = rest.substring(at + 1);
            if (user.indexOf(':') >= 0) {
                throw bad(spec, "a password in the URL is not supported (use a key: 'ssh-add' it, or set IdentityFile in ~/.ssh/config)");
            }
            if (user.isEmpty()) throw bad(spec, "empty user name");
            if (!user.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?")) throw bad(spec, "bad user name '" + user + "'");
        }
        String host;
        String port = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) throw bad(spec, "unclosed '[' in the address");
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) throw bad(spec, "expected ':PORT' after ']'");
                port = after.substring(1);
            }
        } else {
            int colon = rest.indexOf(':');
            if (colon >= 0 && rest.indexOf(':', colon + 1) >= 0) {
                throw bad(spec, "write an IPv6 address in brackets: ssh://[" + rest + "]");
            }
            host = colon >= 0 ? rest.substring(0, colon) : rest;
            if (colon >= 0) port = rest.substring(colon + 1);
        }
        if (host.isEmpty()) throw bad(spec, "empty host");
        // never an option to ssh ("-oProxyCommand=..."), nor anything a shell or ssh would split
        if (host.startsWith("-") || !host.matches("[A-Za-z0-9_.:%-]+")) throw bad(spec, "bad host name '" + host + "'");
        Integer p = null;
        if (port != null) {
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                throw bad(spec, "bad port '" + port + "' (1-65535)");
            }
            p = Integer.parseInt(port);
        }
        return new SshTarget(user, host, p);
    }

    private static CloudtuiException bad(String spec, String why) {
        return CloudtuiException.usage("bad ssh host '" + (spec == null ? "" : spec) + "': " + why);
    }

    /** ssh's arguments naming this target: [-l USER] [-p PORT] -- HOST. */
    public java.util.List<String> args() {
        java.util.List<String> a = new java.util.ArrayList<>();
        if (user != null) a.addAll(java.util.List.of("-l", user));
        if (port != null) a.addAll(java.util.List.of("-p", port.toString()));
        return a;
    }

    /** A name for a host given only as a target (-H, DOCKER_HOST): its host name, as ssh's prompt shows it. */
    public String defaultName() {
        return host.replace(':', '_').replace('%', '_');
    }

    /** As the user would write it for ssh: {@code [user@]host[:port]}. */
    @Override
    public String toString() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return (user != null ? user + "@" : "") + h + (port != null ? ":" + port : "");
    }
}
