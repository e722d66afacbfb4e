package io.cloudtui.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/** Every workload of every backend, and resolution of user-typed targets to one of them. */
public final class Workloads {
    private final Backends backends;

    public Workloads(Backends backends) {
        this.backends = backends;
    }

    public Backends backends() {
        return backends;
    }

    /** The result of listing all backends: what was found and which backends failed, with why. */
    public record Listing(List<Workload> workloads, Map<String, CloudtuiException> failures) {}

    /** Lists every backend in parallel; a failing backend is reported, not fatal. */
    public Listing listAll(boolean all) {
        List<Backend> list = backends.all();
        List<CompletableFuture<List<Workload>>> futures = new ArrayList<>();
        for (Backend b : list) {
            // a thread of its own per backend: the common pool has one thread on a 2-CPU host, which
            // made the backends' lists (mostly waiting for their engines) run one after the other
            futures.add(CompletableFuture.supplyAsync(() -> b.list(all), r -> {
                Thread t = new Thread(r, "cloudtui-list-" + b.name());
                t.setDaemon(true);
                t.start();
            }));
        }
        List<Workload> out = new ArrayList<>();
        Map<String, CloudtuiException> failures = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            try {
                out.addAll(futures.get(i).join());
            } catch (java.util.concurrent.CompletionException e) {
                Throwable c = e.getCause();
                failures.put(list.get(i).name(), c instanceof CloudtuiException ce ? ce
                        : new CloudtuiException(list.get(i).name() + ": " + c.getMessage(), c));
            }
        }
        return new Listing(out, failures);
    }

    /** A target resolved to its backend and workload. */
    public record Target(Backend backend, Workload workload) {
        public String ref() {
            return workload.nativeId();
        }
    }

    /**
     * Resolves {@code BACKEND:NAME-OR-ID}, or a bare name / unique id prefix across all backends.
     * Exact names and ids win over prefixes; more than one match is an error listing them.
     */
    public Target resolve(String target) {
        if (target == null || target.isBlank()) throw CloudtuiException.usage("empty target");
        int colon = target.indexOf(':');
        if (colon > 0) {
            String backendName = target.substring(0, colon);
            String ref = target.substring(colon + 1);
            Backend b = backends.get(backendName);
            Workload w = pick(target, ref, b.list(true), Map.of());
            return new Target(b, w);
        }
        Listing l = listAll(true);
        Workload w = pick(target, target, l.workloads(), l.failures());
        return new Target(backends.get(w.backend()), w);
    }

    private static Workload pick(String target, String ref, List<Workload> candidates, Map<String, CloudtuiException> failures) {
        List<Workload> exact = candidates.stream()
                .filter(w -> w.name().equals(ref) || w.nativeId().equals(ref))
                .toList();
        List<Workload> matches = exact.isEmpty()
                ? candidates.stream().filter(w -> w.nativeId().startsWith(ref)).toList()
                : exact;
        if (matches.size() == 1) return matches.get(0);
        if (matches.isEmpty()) {
            if (!failures.isEmpty()) {
                throw new CloudtuiException("no such workload '" + target + "' (not searched: "
                        + failures.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue().getMessage())
                        .collect(Collectors.joining("; ")) + ")");
            }
            throw CloudtuiException.noSuchWorkload(target);
        }
        String names = matches.stream()
                .sorted(Comparator.comparing((Workload w) -> w.backend() + ":" + w.name()).thenComparing(Workload::nativeId))
                .map(w -> w.backend() + ":" + w.name() + " (" + shortId(w.nativeId()) + ")")
                .collect(Collectors.joining(", "));
        throw new CloudtuiException("'" + target + "' is ambiguous: " + names);
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
