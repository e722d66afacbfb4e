package io.cloudtui.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compose projects as the engine sees them: the labels docker-compose (v1 and v2) puts on each
 * container it makes, and the grouping of workloads by project (per backend, so a remote host's
 * containers group under that host's project), then service, then container number.
 */
public final class Compose {
    public static final String PROJECT = "com.docker.compose.project";
    public static final String SERVICE = "com.docker.compose.service";
    public static final String WORKING_DIR = "com.docker.compose.project.working_dir";
    public static final String CONFIG_FILES = "com.docker.compose.project.config_files";
    public static final String NUMBER = "com.docker.compose.container-number";

    private Compose() {}

    /** The project a workload belongs to, or null when it carries no Compose labels. */
    public static String project(Workload w) {
        String p = w.labels().get(PROJECT);
        return p == null || p.isEmpty() ? null : p;
    }

    /** The workload's Compose service, or "" when it has none. */
    public static String service(Workload w) {
        return w.labels().getOrDefault(SERVICE, "");
    }

    static int number(Workload w) {
        try {
            return Integer.parseInt(w.labels().getOrDefault(NUMBER, "0").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Order inside a project: service, then container number, then name. */
    public static final Comparator<Workload> IN_PROJECT = Comparator.comparing(Compose::service)
            .thenComparingInt(Compose::number).thenComparing(Workload::name);

    /**
     * One project on one backend: its containers in {@link #IN_PROJECT} order, with where its Compose
     * files are (as the labels of its first container that has them record them).
     */
    public record Project(String backend, String name, List<Workload> members) {
        public Project {
            members = members.stream().sorted(IN_PROJECT).toList();
        }

        /** Unique in a session: BACKEND:PROJECT. */
        public String key() {
            return backend + ":" + name;
        }

        public int running() {
            return (int) members.stream().filter(w -> w.state().isActive()).count();
        }

        /** "running 2/3". */
        public String stateLabel() {
            return "running " + running() + "/" + members.size();
        }

        /** The services, in order. */
        public List<String> services() {
            return members.stream().map(Compose::service).distinct().toList();
        }

        public List<Workload> service(String s) {
            return members.stream().filter(w -> Compose.service(w).equals(s)).toList();
        }

        /** The project's working directory, or null when no container records it. */
        public Path workingDir() {
            for (Workload w : members) {
                String d = w.labels().get(WORKING_DIR);
                if (d != null && !d.isBlank()) return Path.of(d);
            }
            return null;
        }

        /** Its Compose files, absolute (v1 records them relative to the working directory); empty when unknown. */
        public List<Path> configFiles() {
            Path dir = workingDir();
            for (Workload w : members) {
                String f = w.labels().get(CONFIG_FILES);
                if (f == null || f.isBlank()) continue;
                List<Path> out = new ArrayList<>();
                for (String s : f.split(",")) {
                    if (s.isBlank()) continue;
                    Path p = Path.of(s.trim());
                    out.add(p.isAbsolute() || dir == null ? p : dir.resolve(p));
                }
                return out;
            }
            return List.of();
        }
    }

    /** The projects among {@code ws}, by backend then name; workloads without labels are left out. */
    public static List<Project> projects(List<Workload> ws) {
        Map<String, List<Workload>> by = new LinkedHashMap<>();
        Map<String, String[]> names = new LinkedHashMap<>();
        for (Workload w : ws) {
            String p = project(w);
            if (p == null) continue;
            String key = w.backend() + "\u0000" + p;
            by.computeIfAbsent(key, k -> new ArrayList<>()).add(w);
            names.putIfAbsent(key, new String[] {w.backend(), p});
        }
        List<Project> out = new ArrayList<>();
        for (var e : by.entrySet()) out.add(new Project(names.get(e.getKey())[0], names.get(e.getKey())[1], e.getValue()));
        out.sort(Comparator.comparing(Project::name).thenComparing(Project::backend));
        return out;
    }

    /**
     * The one project a user named: PROJECT, or BACKEND:PROJECT when the name is on several backends.
     * Throws a one-line error when there is none or the name is ambiguous.
     */
    public static Project find(List<Workload> ws, String named) {
        if (named == null || named.isBlank()) throw CloudtuiException.usage("empty project name");
        List<Project> all = projects(ws);
        List<Project> hits = all.stream().filter(p -> p.name().equals(named) || p.key().equals(named)).toList();
        if (hits.size() == 1) return hits.get(0);
        if (hits.isEmpty()) {
            throw new CloudtuiException("no Compose project '" + named + "'" + (all.isEmpty() ? " (no container carries Compose labels)"
                    : " (projects: " + String.join(", ", all.stream().map(Project::name).distinct().toList()) + ")"));
        }
        throw new CloudtuiException("project '" + named + "' is on several backends: "
                + String.join(", ", hits.stream().map(Project::key).toList()) + "; name one as BACKEND:PROJECT");
    }
}
