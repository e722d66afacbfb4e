package io.cloudtui.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One container or VM as every view and command sees it.
 *
 * @param id        backend name plus the backend's full native id
 * @param name      human name (container name, domain name)
 * @param kind      container or VM
 * @param image     image reference (containers) or OS description (VMs)
 * @param command   main command (containers), empty for VMs
 * @param state     normalised state
 * @param status    backend's own status text, e.g. "Exited (0) 3 minutes ago"
 * @param created   creation time, null when unknown
 * @param started   last start time, null when not running or unknown
 * @param ports     published ports (containers) or addresses (VMs), human readable
 * @param labels    labels or metadata
 * @param host      host the backend talks to (for multi-host views); may be empty
 */
public record Workload(
        WorkloadId id,
        String name,
        WorkloadKind kind,
        String image,
        String command,
        State state,
        String status,
        Instant created,
        Instant started,
        List<String> ports,
        Map<String, String> labels,
        String host) {

    public Workload {
        ports = ports == null ? List.of() : List.copyOf(ports);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        image = image == null ? "" : image;
        command = command == null ? "" : command;
        status = status == null ? state.label() : status;
        host = host == null ? "" : host;
    }

    public String backend() {
        return id.backend();
    }

    /** Native id (container id, domain UUID). */
    public String nativeId() {
        return id.ref();
    }
}
