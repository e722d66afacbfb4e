package io.cloudtui.tui;

import io.cloudtui.core.Backends;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The session's remote hosts as the header shows them (name, state, why not connected), read from
 * the host layer each step: a host's state is a volatile field there, so a reconnect or a lost link
 * shows without a key press, and each change is said once as a message with its full line.
 */
final class HostStates {
    /** One host: STATE is its label (connecting, connected, unreachable, auth failed, host key changed). */
    record Status(String name, String state, boolean connected, String reason) {}

    private final Supplier<List<Status>> source;
    private Map<String, Status> last = new LinkedHashMap<>();
    private boolean polled;

    HostStates(Supplier<List<Status>> source) {
        this.source = source;
    }

    /** The hosts of BACKENDS' remote layer (none without one). */
    static HostStates of(Backends backends) {
        if (backends.remote() instanceof io.cloudtui.host.Hosts hs) {
            return new HostStates(() -> hs.hosts().stream()
                    .map(h -> {
                        io.cloudtui.host.Host.State s = h.state();
                        return new Status(h.name(), s.label(), s == io.cloudtui.host.Host.State.CONNECTED, h.reason());
                    })
                    .toList());
        }
        return new HostStates(List::of);
    }

    /**
     * Reads the states again; returns the hosts whose state or reason changed since the last read
     * (on the first read: those not connected).
     */
    List<Status> poll() {
        Map<String, Status> now = new LinkedHashMap<>();
        for (Status s : source.get()) now.put(s.name(), s);
        List<Status> changed = new ArrayList<>();
        for (Status s : now.values()) {
            Status before = last.get(s.name());
            if (before == null ? polled || !s.connected() : !before.state().equals(s.state()) || !Objects.equals(before.reason(), s.reason())) {
                changed.add(s);
            }
        }
        last = now;
        polled = true;
        return changed;
    }

    Collection<Status> current() {
        return last.values();
    }

    boolean isEmpty() {
        return last.isEmpty();
    }

    /** The reason without the host's name and the remedy: "connection refused", "host name does not resolve". */
    static String shortReason(Status s) {
        String r = s.reason();
        if (r == null || r.isBlank()) return "";
        if (r.startsWith(s.name() + ": ")) r = r.substring(s.name().length() + 2);
        int cut = r.length();
        for (String stop : new String[] {" (", "; ", ". "}) {
            int i = r.indexOf(stop);
            if (i > 0) cut = Math.min(cut, i);
        }
        r = r.substring(0, cut).strip();
        return r.length() > 40 ? r.substring(0, 39) + "~" : r;
    }
}
