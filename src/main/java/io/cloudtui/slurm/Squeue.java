package io.cloudtui.slurm;

import io.cloudtui.core.State;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadId;
import io.cloudtui.core.WorkloadKind;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** squeue's and scontrol's output read into workloads: the format asked for, and the parsing. */
final class Squeue {
    private Squeue() {}

    /** Field separator of {@link #FORMAT} (a control character: job names and commands may hold anything printable). */
    static final String SEP = "\u001f";

    /** id, name, partition, state, nodes, elapsed, node list, submit time, start time, user, then the command. */
    static final String FORMAT = String.join(SEP, "%i", "%j", "%P", "%T", "%D", "%M", "%N", "%V", "%S", "%u", "%o");

    /** The workload of one line of {@code squeue -h -o FORMAT}, or null for a line that is not one. */
    static Workload parse(String backend, String host, String line) {
        String[] f = line.split(SEP, 11);
        if (f.length != 11 || f[0].isBlank()) return null;
        String id = f[0].strip();
        String state = f[3].strip();
        String nodes = f[4].strip();
        String partition = f[2].strip();
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("slurm.partition", partition);
        labels.put("slurm.nodes", nodes);
        labels.put("slurm.state", state);
        labels.put("slurm.user", f[9].strip());
        String nodeList = f[6].strip();
        String command = f[10].strip();
        if (command.equals("(null)")) command = "";
        String elapsed = f[5].strip();
        State s = state(state);
        return new Workload(new WorkloadId(backend, id), f[1].strip(), WorkloadKind.JOB,
                partition + " (" + nodes + (nodes.equals("1") ? " node" : " nodes") + ")", command, s,
                status(state, elapsed), time(f[7]), s == State.RUNNING || s == State.PAUSED ? time(f[8]) : null,
                nodeList.isEmpty() || nodeList.startsWith("(") ? List.of() : List.of(nodeList), labels, host);
    }

    static List<Workload> parseAll(String backend, String host, String out) {
        List<Workload> ws = new ArrayList<>();
        for (String line : out.split("\n")) {
            Workload w = parse(backend, host, line);
            if (w != null) ws.add(w);
        }
        return ws;
    }

    /** Slurm's job states as cloudtui's: waiting ones are created, ended ones stopped (dead when they failed). */
    static State state(String slurm) {
        return switch (slurm.replaceAll("[+ ].*", "")) {
            case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "STAGE_OUT", "SIGNALING" -> State.CREATED;
            case "RUNNING", "COMPLETING" -> State.RUNNING;
            case "SUSPENDED", "STOPPED" -> State.PAUSED;
            case "COMPLETED", "CANCELLED", "REVOKED" -> State.STOPPED;
            case "FAILED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "PREEMPTED" -> State.DEAD;
            default -> State.UNKNOWN;
        };
    }

    private static String status(String state, String elapsed) {
        String s = state.isEmpty() ? "unknown" : state.charAt(0) + state.substring(1).toLowerCase(java.util.Locale.ROOT);
        return elapsed.isEmpty() || elapsed.equals("0:00") && state.equals("PENDING") ? s : s + " " + elapsed;
    }

    /** squeue's local times (2026-12-07T17:40:01); null for N/A, Unknown or anything else. */
    static Instant time(String t) {
        try {
            return LocalDateTime.parse(t.strip()).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * {@code scontrol -o show job ID}: one line of KEY=VALUE pairs, values up to the next " KEY=" (a
     * value may hold blanks: Command=..., WorkDir=...). In order.
     */
    static Map<String, String> fields(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:^|\\s)([A-Za-z][A-Za-z0-9_:/]*)=").matcher(line.strip());
        String key = null;
        int from = 0;
        String s = line.strip();
        while (m.find()) {
            if (key != null) out.put(key, s.substring(from, m.start()).strip());
            key = m.group(1);
            from = m.end();
        }
        if (key != null) out.put(key, s.substring(from).strip());
        return out;
    }
}
