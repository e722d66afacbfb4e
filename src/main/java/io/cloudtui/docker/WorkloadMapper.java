package io.cloudtui.docker;

import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerPort;
import io.cloudtui.core.State;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadId;
import io.cloudtui.core.WorkloadKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Docker's container listing, as cloudtui's {@link Workload}. */
final class WorkloadMapper {
    private WorkloadMapper() {}

    static Workload map(String backend, String host, Container c, Instant started) {
        State state = state(c.getState());
        return new Workload(
                new WorkloadId(backend, c.getId()),
                name(c.getNames(), c.getId()),
                WorkloadKind.CONTAINER,
                c.getImage(),
                c.getCommand(),
                state,
                c.getStatus(),
                c.getCreated() != null ? Instant.ofEpochSecond(c.getCreated()) : null,
                state.isActive() ? started : null,
                ports(c.getPorts()),
                c.getLabels(),
                host);
    }

    static State state(String dockerState) {
        if (dockerState == null) return State.UNKNOWN;
        return switch (dockerState.toLowerCase(Locale.ROOT)) {
            case "created" -> State.CREATED;
            case "running" -> State.RUNNING;
            case "paused" -> State.PAUSED;
            case "restarting" -> State.RESTARTING;
            case "exited" -> State.STOPPED;
            case "dead" -> State.DEAD;
            case "removing" -> State.REMOVING;
            default -> State.UNKNOWN;
        };
    }

    /** The container's own name: docker also lists link aliases ("/other/alias"), which are skipped. */
    static String name(String[] names, String id) {
        if (names != null) {
            for (String n : names) {
                String s = n.startsWith("/") ? n.substring(1) : n;
                if (!s.isEmpty() && !s.contains("/")) return s;
            }
        }
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** Ports as {@code docker ps} prints them: 0.0.0.0:8080->80/tcp, :::8080->80/tcp, 443/tcp. */
    static List<String> ports(ContainerPort[] ports) {
        if (ports == null) return List.of();
        List<ContainerPort> sorted = new ArrayList<>(Arrays.asList(ports));
        sorted.sort(Comparator.comparing((ContainerPort p) -> p.getPrivatePort() == null ? 0 : p.getPrivatePort())
                .thenComparing(p -> p.getIp() == null ? "" : p.getIp()));
        Set<String> out = new LinkedHashSet<>();
        for (ContainerPort p : sorted) {
            String proto = p.getType() == null ? "tcp" : p.getType();
            String inner = p.getPrivatePort() + "/" + proto;
            if (p.getPublicPort() != null && p.getPublicPort() > 0) {
                String ip = p.getIp() == null || p.getIp().isEmpty() ? "0.0.0.0" : p.getIp();
                out.add(ip + ":" + p.getPublicPort() + "->" + inner);
            } else {
                out.add(inner);
            }
        }
        return List.copyOf(out);
    }
}
