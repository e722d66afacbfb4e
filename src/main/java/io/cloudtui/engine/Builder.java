package io.cloudtui.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.BuildOptions;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.JsonTrees;
import io.cloudtui.core.RunSpec;
import io.cloudtui.engine.image.Image;
import io.cloudtui.engine.image.ImageConfig;
import io.cloudtui.engine.image.ImageStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds an image from a Dockerfile on the bundled engine, as {@code docker build} does: each stage
 * starts FROM an image of the store (pulled if missing), {@code scratch} or an earlier stage; RUN
 * runs in a container of the engine over the stage's layers so far, and what it changed (the
 * overlay's upper directory) becomes a layer tar with OCI whiteouts; COPY and ADD write their layer
 * tar straight from the context (or another stage); the other instructions change the config. Every
 * step is cached under a key made of its parent's key and the step (for COPY and ADD: the copied
 * files' contents, not their times), in {@code <store>/build-cache}; a layer stays in the store until
 * a garbage collection finds no image using it.
 */
final class Builder {
    private static final HexFormat HEX = HexFormat.of();

    private final EngineBackend engine;
    private final ImageStore store;
    private final Path context;
    private final BuildOptions opt;
    private final Consumer<String> progress;
    private static final boolean ROOTLESS = RootFs.rootless();
    private final boolean rootless = ROOTLESS;
    private final Path cacheDir;
    private Path work;
    private char escape;
    private DockerIgnore ignore;
    private int stepNo;
    private final Map<String, Stage> stagesByName = new HashMap<>();
    private final List<Stage> stages = new ArrayList<>();
    private final Map<String, Path> flattened = new HashMap<>();

    /** A stage being built: its layers, config (the image config's "config" object), history and cache key. */
    private static final class Stage {
        String name;
        int index;
        List<String> layers = new ArrayList<>();
        ObjectNode config = JsonTrees.object();
        ArrayNode history = JsonTrees.object().putArray("h");
        String key;
        String os = "linux";
        String arch = "amd64";
        Instant created;
        final Map<String, String> args = new LinkedHashMap<>();
        boolean cmdSet;
    }

    Builder(EngineBackend engine, ImageStore store, Path context, BuildOptions opt, Consumer<String> progress) {
        this.engine = engine;
        this.store = store;
        this.context = context;
        this.opt = opt;
        this.progress = progress;
        this.cacheDir = store.root().resolveSibling("build-cache");
    }

    String build() {
        String dfName = opt.dockerfile() == null || opt.dockerfile().isBlank() ? "Dockerfile" : opt.dockerfile();
        Path df = context.resolve(dfName);
        Dockerfile.Parsed parsed;
        try {
            parsed = Dockerfile.parse(Files.readString(df));
            Path di = context.resolve(".dockerignore");
            ignore = new DockerIgnore(Files.isRegularFile(di) ? Files.readString(di) : "");
        } catch (IOException e) {
            throw new CloudtuiException("cannot read " + df + ": " + e.getMessage());
        }
        escape = parsed.escape();
        for (String t : opt.tags()) ImageStore.checkTag(t); // a bad tag fails before any work
        // stages: global ARGs, then FROM and what follows it
        Map<String, String> global = new LinkedHashMap<>();
        List<List<Dockerfile.Instruction>> groups = new ArrayList<>();
        for (Dockerfile.Instruction in : parsed.instructions()) {
            if (in.keyword().equals("FROM")) groups.add(new ArrayList<>());
            if (groups.isEmpty()) {
                if (!in.keyword().equals("ARG")) throw new CloudtuiException("Dockerfile line " + in.line() + ": the first instruction must be FROM (or ARG)");
                for (String w : Dockerfile.words(in.args(), escape)) {
                    int eq = w.indexOf('=');
                    String k = eq < 0 ? w : w.substring(0, eq);
                    String def = eq < 0 ? null : Dockerfile.expand(w.substring(eq + 1), global::get, escape);
                    global.put(k, opt.buildArgs().getOrDefault(k, def));
                }
                continue;
            }
            groups.get(groups.size() - 1).add(in);
        }
        int last = groups.size() - 1;
        if (opt.target() != null) {
            last = -1;
            for (int i = 0; i < groups.size(); i++) {
                if (stageName(groups.get(i).get(0)).equalsIgnoreCase(opt.target())) last = i;
            }
            if (last < 0) throw new CloudtuiException("--target: no stage named '" + opt.target() + "' in the Dockerfile");
        }
        try {
            Files.createDirectories(cacheDir);
            work = Files.createTempDirectory(store.root().getParent(), "build-");
        } catch (IOException e) {
            throw new CloudtuiException("cannot prepare the build: " + e.getMessage());
        }
        long t0 = System.nanoTime();
        Path w = work;
        Thread hook = new Thread(() -> {
            try {
                RootFs.deleteOwnTree(w);
            } catch (IOException e) {
                // a later build's store is unaffected by it
            }
        }, "build-cleanup");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException e) {
            throw new CloudtuiException("the build was interrupted");
        }
        try {
            Stage s = null;
            for (int i = 0; i <= last; i++) s = stage(i, groups.get(i), global, groups.size() > 1);
            return finish(s, t0);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                RootFs.deleteOwnTree(work);
            } catch (IllegalStateException e) {
                // exiting: the hook removes it
            } catch (IOException e) {
                progress.accept("cannot remove " + work + ": " + e.getMessage());
            }
        }
    }

    private String stageName(Dockerfile.Instruction from) {
        List<String> w = Dockerfile.words(from.args(), escape);
        return w.size() == 3 && w.get(1).equalsIgnoreCase("AS") ? w.get(2) : "";
    }

    // ---------------------------------------------------------------- stages and steps

    private Stage stage(int index, List<Dockerfile.Instruction> ins, Map<String, String> global, boolean multi) {
        Dockerfile.Instruction from = ins.get(0);
        List<String> w = Dockerfile.words(Dockerfile.expand(from.args(), global::get, escape), escape);
        if (w.size() != 1 && !(w.size() == 3 && w.get(1).equalsIgnoreCase("AS"))) throw from.error("FROM IMAGE [AS NAME]");
        Stage s = new Stage();
        s.index = index;
        s.name = w.size() == 3 ? w.get(2).toLowerCase(Locale.ROOT) : null;
        String label = multi ? (s.name != null ? s.name : "stage-" + index) + " " : "";
        int total = ins.size() + onBuildCount(w.get(0));
        int n = step("[" + label + "1/" + total + "] " + from.original());
        long t = System.nanoTime();
        base(s, w.get(0), n);
        done(n, t);
        // the base's ONBUILD triggers run first, in order, as docker runs them; the image made here does not keep them
        List<Dockerfile.Instruction> steps = new ArrayList<>(triggers(s, w.get(0), from.line()));
        steps.addAll(ins.subList(1, ins.size()));
        total = steps.size() + 1;
        for (int i = 0; i < steps.size(); i++) {
            // ctrl-c of a build the warm agent runs: no step after it
            if (Thread.currentThread().isInterrupted()) throw new CloudtuiException("the build was interrupted");
            Dockerfile.Instruction in = steps.get(i);
            int no = step("[" + label + (i + 2) + "/" + total + "] " + in.original());
            long ts = System.nanoTime();
            boolean cached = instruction(s, in, global, no);
            if (cached) progress.accept("#" + no + " CACHED");
            else done(no, ts);
        }
        if (s.name != null) stagesByName.put(s.name, s);
        stages.add(s);
        return s;
    }

    /** How many ONBUILD triggers base REF has, when it is an earlier stage or in the store already (for the step numbers). */
    private int onBuildCount(String ref) {
        if (ref.equalsIgnoreCase("scratch")) return 0;
        Stage prev = stagesByName.get(ref.toLowerCase(Locale.ROOT));
        if (prev != null) return prev.config.path("OnBuild").size();
        try {
            return JsonTrees.read(store.configJson(store.inspect(ref).id())).path("config").path("OnBuild").size();
        } catch (IOException | CloudtuiException e) {
            return 0; // pulled: counted when there
        }
    }

    /** The ONBUILD triggers of the stage's base (taken out of its config), as instructions of line LINE (its FROM). */
    private List<Dockerfile.Instruction> triggers(Stage s, String base, int line) {
        JsonNode on = s.config.path("OnBuild");
        s.config.remove("OnBuild");
        List<Dockerfile.Instruction> out = new ArrayList<>();
        if (!on.isArray()) return out;
        for (JsonNode t : on) {
            Dockerfile.Instruction in;
            try {
                List<Dockerfile.Instruction> p = Dockerfile.parse(t.asText()).instructions();
                if (p.size() != 1) throw new CloudtuiException("not one instruction");
                in = p.get(0);
            } catch (CloudtuiException e) {
                throw new CloudtuiException("Dockerfile line " + line + ": FROM " + base + ": its ONBUILD trigger '" + t.asText() + "' is invalid: " + e.getMessage());
            }
            if (List.of("ONBUILD", "FROM", "MAINTAINER").contains(in.keyword())) {
                throw new CloudtuiException("Dockerfile line " + line + ": FROM " + base + ": its ONBUILD trigger '" + t.asText() + "' is not allowed");
            }
            out.add(new Dockerfile.Instruction(in.keyword(), in.flags(), in.args(), line, "ONBUILD " + in.original(), in.heredocs()));
        }
        return out;
    }

    private void base(Stage s, String ref, int no) {
        if (ref.equalsIgnoreCase("scratch")) {
            s.key = digest("scratch");
            return;
        }
        Stage prev = stagesByName.get(ref.toLowerCase(Locale.ROOT));
        if (prev != null) {
            s.layers = new ArrayList<>(prev.layers);
            s.config = prev.config.deepCopy();
            s.history = prev.history.deepCopy();
            s.key = prev.key;
            s.created = prev.created;
            return;
        }
        Image img;
        try {
            img = store.inspect(ref);
        } catch (CloudtuiException e) {
            progress.accept("#" + no + " pulling " + ref);
            store.pull(ref, (layer, done, tot, status) -> { });
            img = store.inspect(ref);
        }
        JsonNode cfg;
        try {
            cfg = JsonTrees.read(store.configJson(img.id()));
        } catch (IOException e) {
            throw new CloudtuiException("image " + ref + ": its config is damaged: " + e.getMessage());
        }
        s.layers = new ArrayList<>(img.layers());
        if (cfg.path("config").isObject()) s.config = (ObjectNode) cfg.path("config").deepCopy();
        if (cfg.path("history").isArray()) s.history = (ArrayNode) cfg.path("history").deepCopy();
        s.os = cfg.path("os").asText("linux");
        s.arch = cfg.path("architecture").asText("amd64");
        s.key = img.id();
        s.created = img.created();
    }

    /** Runs one instruction; true when its result came from the cache. */
    private boolean instruction(Stage s, Dockerfile.Instruction in, Map<String, String> global, int no) {
        java.util.function.Function<String, String> vars = k -> {
            String e = env(s).get(k);
            return e != null ? e : s.args.get(k);
        };
        String args = in.args();
        switch (in.keyword()) {
            case "RUN" -> {
                return run(s, in, vars, no);
            }
            case "COPY", "ADD" -> {
                return copy(s, in, vars, no);
            }
            case "WORKDIR" -> {
                String dir = Dockerfile.expand(args.strip(), vars, escape);
                if (!dir.startsWith("/")) dir = s.config.path("WorkingDir").asText("/") + "/" + dir;
                dir = "/" + DockerIgnore.clean(dir);
                s.config.put("WorkingDir", dir);
                String d = resolveLinks(s, dir.substring(1));
                if (!d.isEmpty() && find(s, d) == null) {
                    return layerStep(s, in, "WORKDIR " + dir, null, tar -> writeParents(s, tar, d, true, null));
                }
                meta(s, in, "WORKDIR " + dir);
            }
            case "ENV" -> {
                Map<String, String> env = env(s);
                for (String[] p : Dockerfile.pairs(Dockerfile.expand(args, vars, escape), escape, "ENV", in.line())) env.put(p[0], p[1]);
                ArrayNode a = s.config.putArray("Env");
                env.forEach((k, v) -> a.add(k + "=" + v));
                meta(s, in, null);
            }
            case "LABEL" -> {
                ObjectNode l = s.config.path("Labels").isObject() ? (ObjectNode) s.config.get("Labels") : s.config.putObject("Labels");
                for (String[] p : Dockerfile.pairs(Dockerfile.expand(args, vars, escape), escape, "LABEL", in.line())) l.put(p[0], p[1]);
                meta(s, in, null);
            }
            case "ARG" -> {
                StringBuilder canon = new StringBuilder("ARG");
                for (String w : Dockerfile.words(args, escape)) {
                    int eq = w.indexOf('=');
                    String k = eq < 0 ? w : w.substring(0, eq);
                    String v = opt.buildArgs().containsKey(k) ? opt.buildArgs().get(k)
                            : eq >= 0 ? Dockerfile.expand(w.substring(eq + 1), vars, escape) : global.get(k);
                    s.args.put(k, v);
                    canon.append(' ').append(k).append('=').append(v);
                }
                meta(s, in, canon.toString());
            }
            case "CMD", "ENTRYPOINT" -> {
                List<String> cmd = in.json();
                if (cmd == null) {
                    cmd = new ArrayList<>(shell(s));
                    cmd.add(args);
                }
                ArrayNode a = s.config.putArray(in.keyword().equals("CMD") ? "Cmd" : "Entrypoint");
                cmd.forEach(a::add);
                if (in.keyword().equals("CMD")) s.cmdSet = true;
                else if (!s.cmdSet) s.config.putNull("Cmd");
                meta(s, in, null);
            }
            case "EXPOSE" -> {
                ObjectNode p = s.config.path("ExposedPorts").isObject() ? (ObjectNode) s.config.get("ExposedPorts") : s.config.putObject("ExposedPorts");
                for (String w : Dockerfile.words(Dockerfile.expand(args, vars, escape), escape)) {
                    if (!w.matches("\\d+(-\\d+)?(/(tcp|udp|sctp))?")) throw in.error("invalid port '" + w + "'");
                    p.putObject(w.contains("/") ? w : w + "/tcp");
                }
                meta(s, in, null);
            }
            case "VOLUME" -> {
                List<String> vs = in.json();
                if (vs == null) vs = Dockerfile.words(Dockerfile.expand(args, vars, escape), escape);
                ObjectNode v = s.config.path("Volumes").isObject() ? (ObjectNode) s.config.get("Volumes") : s.config.putObject("Volumes");
                for (String x : vs) v.putObject(x);
                meta(s, in, null);
            }
            case "USER" -> {
                s.config.put("User", Dockerfile.expand(args.strip(), vars, escape));
                meta(s, in, "USER " + s.config.get("User").asText());
            }
            case "STOPSIGNAL" -> {
                s.config.put("StopSignal", Dockerfile.expand(args.strip(), vars, escape));
                meta(s, in, null);
            }
            case "SHELL" -> {
                List<String> sh = in.json();
                if (sh == null || sh.isEmpty()) throw in.error("SHELL takes the exec form: SHELL [\"executable\", \"parameters\"]");
                ArrayNode a = s.config.putArray("Shell");
                sh.forEach(a::add);
                meta(s, in, null);
            }
            case "ONBUILD" -> {
                String kw = args.strip().split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
                if (List.of("ONBUILD", "FROM", "MAINTAINER").contains(kw)) throw in.error(kw + " is not allowed as an ONBUILD trigger");
                if (!Dockerfile.KEYWORDS.contains(kw)) throw in.error("unknown instruction: " + args.strip().split("\\s+", 2)[0]);
                ArrayNode a = s.config.path("OnBuild").isArray() ? (ArrayNode) s.config.get("OnBuild") : s.config.putArray("OnBuild");
                a.add(args);
                meta(s, in, null);
            }
            case "HEALTHCHECK" -> {
                healthcheck(s, in);
                meta(s, in, null);
            }
            case "MAINTAINER" -> meta(s, in, null);
            case "FROM" -> throw in.error("unexpected FROM");
            default -> throw in.error("not supported");
        }
        return false;
    }

    private void healthcheck(Stage s, Dockerfile.Instruction in) {
        String a = in.args().strip();
        if (a.equalsIgnoreCase("NONE")) {
            s.config.putObject("Healthcheck").putArray("Test").add("NONE");
            return;
        }
        if (!a.regionMatches(true, 0, "CMD", 0, 3)) throw in.error("HEALTHCHECK [OPTIONS] CMD command, or HEALTHCHECK NONE");
        String rest = a.substring(3).strip();
        ObjectNode h = s.config.putObject("Healthcheck");
        ArrayNode t = h.putArray("Test");
        Dockerfile.Instruction probe = new Dockerfile.Instruction("CMD", Map.of(), rest, in.line(), rest);
        List<String> j = probe.json();
        if (j != null) {
            t.add("CMD");
            j.forEach(t::add);
        } else {
            t.add("CMD-SHELL").add(rest);
        }
        for (var f : in.flags().entrySet()) {
            switch (f.getKey()) {
                case "interval" -> h.put("Interval", duration(f.getValue(), in));
                case "timeout" -> h.put("Timeout", duration(f.getValue(), in));
                case "start-period" -> h.put("StartPeriod", duration(f.getValue(), in));
                case "retries" -> h.put("Retries", Integer.parseInt(f.getValue()));
                default -> throw in.error("unknown flag --" + f.getKey());
            }
        }
    }

    private static long duration(String v, Dockerfile.Instruction in) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(v);
        if (!m.matches()) throw in.error("invalid duration '" + v + "' (like 30s, 5m)");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> n * 1_000_000L;
            case "s" -> n * 1_000_000_000L;
            case "m" -> n * 60_000_000_000L;
            default -> n * 3_600_000_000_000L;
        };
    }

    private List<String> shell(Stage s) {
        List<String> sh = new ArrayList<>();
        s.config.path("Shell").forEach(x -> sh.add(x.asText()));
        return sh.isEmpty() ? List.of("/bin/sh", "-c") : sh;
    }

    private static Map<String, String> env(Stage s) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : s.config.path("Env")) {
            String x = e.asText();
            int eq = x.indexOf('=');
            if (eq > 0) env.put(x.substring(0, eq), x.substring(eq + 1));
        }
        return env;
    }

    // ---------------------------------------------------------------- cache

    private record Cached(Instant created, String diffId) {}

    private Cached cached(String key) {
        Path f = cacheDir.resolve(HEX.formatHex(sha(key.getBytes(StandardCharsets.UTF_8))) + ".json");
        if (!Files.isRegularFile(f)) return null;
        try {
            JsonNode n = JsonTrees.read(Files.readAllBytes(f));
            String d = n.path("diffId").asText(null);
            if (d != null && !store.hasLayerDiff(d)) return null; // its layer was collected since
            return new Cached(Instant.parse(n.path("created").asText()), d);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void remember(String key, Cached c) {
        Path f = cacheDir.resolve(HEX.formatHex(sha(key.getBytes(StandardCharsets.UTF_8))) + ".json");
        ObjectNode n = JsonTrees.object().put("created", c.created().toString());
        if (c.diffId() != null) n.put("diffId", c.diffId());
        try {
            Path tmp = Files.createTempFile(cacheDir, "entry", ".tmp");
            Files.write(tmp, JsonTrees.bytes(n));
            Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            progress.accept("cannot write the build cache: " + e.getMessage());
        }
    }

    /** A step that changes only the config: its history entry (its time kept by the cache, so a rebuild makes the same image). */
    private void meta(Stage s, Dockerfile.Instruction in, String canonical) {
        String c = canonical != null ? canonical : in.keyword() + " " + in.args();
        String key = s.key + "\n" + c;
        Cached hit = cached(key);
        Instant when = hit != null ? hit.created() : Instant.now();
        if (hit == null) remember(key, new Cached(when, null));
        s.key = digest(key);
        s.created = when;
        s.history.addObject().put("created", when.toString()).put("created_by", c).put("comment", "cloudtui build").put("empty_layer", true);
    }

    interface TarBody {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    /**
     * A step that adds a layer: taken from the cache when KEY (with the parent's) is there, else the
     * layer tar is written by BODY (or, for RUN, handed in as LAYER by the caller) and stored.
     */
    private boolean layerStep(Stage s, Dockerfile.Instruction in, String canonical, String contentKey, TarBody body) {
        String key = s.key + "\n" + canonical + "\n" + (contentKey == null ? "" : contentKey);
        Cached hit = opt.noCache() ? null : cached(key);
        if (hit != null) {
            addLayer(s, key, hit, canonical);
            return true;
        }
        Path tarFile = work.resolve("layer-" + (stepNo) + ".tar");
        try (OutputStream fo = new java.io.BufferedOutputStream(Files.newOutputStream(tarFile), 65536);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(fo)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            body.write(tar);
            tar.finish();
        } catch (IOException e) {
            throw in.error(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        storeLayer(s, key, tarFile, canonical);
        return false;
    }

    private void storeLayer(Stage s, String key, Path tarFile, String canonical) {
        String diffId = store.addLayer(tarFile);
        try {
            Files.deleteIfExists(tarFile);
        } catch (IOException e) {
            // the work directory goes at the end
        }
        Cached c = new Cached(Instant.now(), diffId);
        remember(key, c);
        addLayer(s, key, c, canonical);
    }

    private void addLayer(Stage s, String key, Cached c, String canonical) {
        s.layers.add(c.diffId());
        s.key = digest(key);
        s.created = c.created();
        s.history.addObject().put("created", c.created().toString()).put("created_by", canonical).put("comment", "cloudtui build");
    }

    // ---------------------------------------------------------------- RUN

    private boolean run(Stage s, Dockerfile.Instruction in, java.util.function.Function<String, String> vars, int no) {
        List<String> cmd = in.heredocs().isEmpty() ? in.json() : null;
        String canonical;
        if (cmd == null) {
            cmd = new ArrayList<>(shell(s));
            String script = in.args();
            if (!in.heredocs().isEmpty()) {
                Dockerfile.Heredoc h = in.heredocs().get(0);
                if (in.heredocs().size() == 1 && in.args().strip().matches("<<-?[\"']?" + h.word() + "[\"']?")) {
                    script = h.content(); // RUN <<EOF: the document is the script
                } else {
                    // RUN python3 <<EOF: the shell reads the documents itself
                    StringBuilder b = new StringBuilder(in.args()).append('\n');
                    for (Dockerfile.Heredoc d : in.heredocs()) b.append(d.content()).append(d.word()).append('\n');
                    script = b.toString();
                }
            }
            cmd.add(script);
            canonical = "RUN " + String.join(" ", cmd);
        } else {
            ArrayNode a = JsonTrees.array();
            cmd.forEach(a::add);
            canonical = "RUN " + JsonTrees.write(a);
        }
        for (String f : in.flags().keySet()) {
            if (!f.equals("mount")) throw in.error("flags (--" + f + ") are not supported (only --mount)");
        }
        List<RunMount> mounts = runMounts(s, in, vars);
        if (!mounts.isEmpty()) {
            StringBuilder m = new StringBuilder("RUN");
            for (RunMount x : mounts) m.append(" --mount=").append(x.canonical());
            canonical = m + canonical.substring(3);
        }
        Map<String, String> env = env(s);
        Map<String, String> runEnv = new LinkedHashMap<>();
        s.args.forEach((k, v) -> {
            if (v != null && !env.containsKey(k)) runEnv.put(k, v);
        });
        String network = opt.network() == null ? "host" : opt.network();
        String key = s.key + "\n" + canonical + "\n" + runEnv + "\nnetwork=" + network;
        for (RunMount x : mounts) {
            if (x.contentKey() != null) key += "\nmount " + x.target() + " " + x.contentKey();
        }
        Cached hit = opt.noCache() ? null : cached(key);
        if (hit != null) {
            addLayer(s, key, hit, canonical);
            return true;
        }
        ObjectNode cfgJson = JsonTrees.object();
        cfgJson.set("config", s.config);
        ImageConfig ic = ImageStore.configOf(cfgJson);
        Image img = new Image("sha256:" + digestHex(s.key), List.of(), List.of(), ic, s.layers, 0, null);
        String wd = s.config.path("WorkingDir").asText("");
        String user = s.config.path("User").asText("");
        // the mounts' sources (a cache directory, a filtered copy of the context) are made only now, on a cache miss
        List<RunSpec.Mount> specMounts = new ArrayList<>();
        java.util.Set<String> stubs = new java.util.HashSet<>();
        for (RunMount x : mounts) {
            specMounts.add(mountSource(x, in, no, specMounts.size()));
            // a mount point the runtime had to make is not part of the layer (as with docker)
            if (find(s, x.target().substring(1)) == null) stubs.add(x.target().substring(1));
        }
        RunSpec spec = new RunSpec("build:" + (s.name != null ? s.name : "stage-" + s.index), null, cmd, List.of(), runEnv, specMounts,
                wd.isEmpty() ? null : wd, List.of(), false, false, false, false, null, user.isEmpty() ? null : user, null, null, null, false,
                network, Map.of());
        long t0 = System.nanoTime();
        Path tarFile = work.resolve("layer-" + no + ".tar");
        OutputStream out = new LineSink(no, t0);
        int code = engine.runStep(img, spec, out, out, d -> tarUpper(d, tarFile, stubs));
        try {
            out.close();
        } catch (IOException e) {
            // only flushes
        }
        if (code != 0) {
            String why = rootless && ((LineSink) out).aptSetgroups
                    ? ": apt cannot drop to its _apt user here (rootless without subordinate ids: E: setgroups failed);"
                            + " give the user subordinate ids (/etc/subuid, /etc/subgid) or use apt-get -o APT::Sandbox::User=root"
                    : "";
            throw new CloudtuiException("build step #" + no + " '" + in.original() + "' failed: exit code " + code + why);
        }
        storeLayer(s, key, tarFile, canonical);
        return false;
    }

    // ---------------------------------------------------------------- RUN --mount

    /**
     * One {@code RUN --mount}: TYPE bind, cache or tmpfs at TARGET (absolute); SOURCE (bind: a path of
     * the context or of FROM, a stage or image), ID (cache), the options, and what of its content
     * goes into the step's cache key (bind: the mounted files; null for the others).
     */
    private record RunMount(String type, String target, String source, String from, Path root, String id, boolean readOnly, int mode, long uid,
            long gid, String size, String contentKey) {
        String canonical() {
            return switch (type) {
                case "cache" -> "type=cache,target=" + target + ",id=" + id + (readOnly ? ",ro" : "") + (mode >= 0 ? ",mode=" + Integer.toOctalString(mode) : "")
                        + (uid > 0 ? ",uid=" + uid : "") + (gid > 0 ? ",gid=" + gid : "");
                case "tmpfs" -> "type=tmpfs,target=" + target + (size != null ? ",size=" + size : "");
                default -> "type=bind,target=" + target + ",source=" + source + (from != null ? ",from=" + from : "") + (readOnly ? "" : ",rw");
            };
        }
    }

    /** The --mount flags of a RUN, read as BuildKit reads them; secret and ssh mounts (and anything else) refused in one line. */
    private List<RunMount> runMounts(Stage s, Dockerfile.Instruction in, java.util.function.Function<String, String> vars) {
        String all = in.flags().get("mount");
        List<RunMount> out = new ArrayList<>();
        if (all == null) return out;
        for (String spec : all.split("\n")) {
            Map<String, String> o = new LinkedHashMap<>();
            for (String kv : Dockerfile.expand(spec, vars, escape).split(",")) {
                if (kv.isBlank()) continue;
                int eq = kv.indexOf('=');
                String k = (eq < 0 ? kv : kv.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
                o.put(k, eq < 0 ? "true" : kv.substring(eq + 1).strip());
            }
            String type = o.getOrDefault("type", "bind").toLowerCase(Locale.ROOT);
            if (type.equals("secret") || type.equals("ssh")) {
                throw in.error("--mount=type=" + type + " is not supported by the bundled engine (secret and ssh mounts are refused; bind, cache and tmpfs work)");
            }
            if (!List.of("bind", "cache", "tmpfs").contains(type)) throw in.error("--mount: unknown type '" + type + "' (bind, cache or tmpfs)");
            String target = first(o, "target", "dst", "destination");
            if (target == null || target.isEmpty()) throw in.error("--mount=type=" + type + " needs a target (target=/path)");
            if (!target.startsWith("/")) {
                String wd = s.config.path("WorkingDir").asText("");
                target = (wd.isEmpty() ? "/" : wd) + "/" + target;
            }
            target = "/" + DockerIgnore.clean(target);
            if (target.equals("/")) throw in.error("--mount: the target cannot be /");
            boolean ro = bool(o, "ro", in) || bool(o, "readonly", in);
            boolean rw = bool(o, "rw", in) || bool(o, "readwrite", in);
            for (String k : o.keySet()) {
                List<String> known = switch (type) {
                    case "cache" -> List.of("type", "target", "dst", "destination", "id", "ro", "readonly", "rw", "readwrite", "sharing", "mode", "uid", "gid",
                            "from", "source", "src");
                    case "tmpfs" -> List.of("type", "target", "dst", "destination", "size");
                    default -> List.of("type", "target", "dst", "destination", "source", "src", "from", "ro", "readonly", "rw", "readwrite");
                };
                if (!known.contains(k)) throw in.error("--mount=type=" + type + ": unknown option '" + k + "'");
            }
            switch (type) {
                case "cache" -> {
                    if (o.containsKey("from") || o.containsKey("source") || o.containsKey("src")) {
                        throw in.error("--mount=type=cache: from= and source= are not supported by the bundled engine");
                    }
                    String sharing = o.getOrDefault("sharing", "shared");
                    if (!List.of("shared", "private", "locked").contains(sharing)) throw in.error("--mount=type=cache: sharing is shared, private or locked");
                    int mode = 0755;
                    if (o.containsKey("mode")) {
                        if (!o.get("mode").matches("0?[0-7]{3,4}")) throw in.error("--mount: mode takes an octal mode (like 0755)");
                        mode = Integer.parseInt(o.get("mode"), 8);
                    }
                    long uid = number(o, "uid", in);
                    long gid = number(o, "gid", in);
                    String id = o.getOrDefault("id", target);
                    out.add(new RunMount(type, target, null, null, null, id, ro, mode, uid, gid, null, null));
                }
                case "tmpfs" -> {
                    String size = o.get("size");
                    if (size != null && !size.matches("\\d+[kmgKMG]?")) throw in.error("--mount=type=tmpfs: size takes bytes (like 64m)");
                    out.add(new RunMount(type, target, null, null, null, null, false, -1, 0, 0, size, null));
                }
                default -> {
                    String from = o.get("from");
                    String source = first(o, "source", "src");
                    source = source == null ? "" : DockerIgnore.clean(source);
                    Path root;
                    String fromKey;
                    if (from == null) {
                        root = context;
                        fromKey = "";
                    } else {
                        root = fromRoot(from, in);
                        Stage st = stagesByName.get(from.toLowerCase(Locale.ROOT));
                        if (st == null && from.matches("\\d+") && Integer.parseInt(from) < stages.size()) st = stages.get(Integer.parseInt(from));
                        fromKey = st != null ? st.key : store.inspect(from).id();
                    }
                    Path src = source.isEmpty() ? root : root.resolve(source);
                    if (!src.normalize().startsWith(root.normalize())) throw in.error("--mount: source '" + source + "' is outside " + (from == null ? "the build context" : from));
                    if (!Files.exists(src, LinkOption.NOFOLLOW_LINKS) || from == null && !source.isEmpty() && ignore.excluded(source)) {
                        throw in.error("--mount: source '" + (source.isEmpty() ? "." : source) + "' is not in " + (from == null ? "the build context (or .dockerignore excludes it)" : from));
                    }
                    try {
                        // a symlink on the way must not lead out of the context (or the stage's files) to the host's
                        if (!src.toRealPath().startsWith(root.toRealPath())) {
                            throw in.error("--mount: source '" + source + "' leads outside " + (from == null ? "the build context" : from) + " through a symlink");
                        }
                    } catch (IOException e) {
                        throw in.error("--mount: source '" + source + "': " + e.getMessage());
                    }
                    String content = from == null ? treeDigest(src, source, in) : fromKey;
                    out.add(new RunMount(type, target, source.isEmpty() ? "." : source, from, root, null, !rw, -1, 0, 0, null, content));
                }
            }
        }
        return out;
    }

    private static String first(Map<String, String> o, String... keys) {
        for (String k : keys) {
            if (o.containsKey(k)) return o.get(k);
        }
        return null;
    }

    private static boolean bool(Map<String, String> o, String k, Dockerfile.Instruction in) {
        String v = o.get(k);
        if (v == null || v.equalsIgnoreCase("false")) return false;
        if (v.equalsIgnoreCase("true")) return true;
        throw in.error("--mount: " + k + " takes true or false");
    }

    private static long number(Map<String, String> o, String k, Dockerfile.Instruction in) {
        String v = o.get(k);
        if (v == null) return 0;
        if (!v.matches("\\d{1,9}")) throw in.error("--mount: " + k + " takes a number");
        return Long.parseLong(v);
    }

    /** A digest of the files of the context below REL (at SRC), .dockerignore honoured: names, types, modes and contents. */
    private String treeDigest(Path src, String rel, Dockerfile.Instruction in) {
        MessageDigest md = sha();
        try {
            hashEntry(md, ".", src);
            if (Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
                walkDir(src, rel.isEmpty() ? "" : rel + "/", true, (r, p) -> hashEntry(md, r, p));
            }
        } catch (IOException e) {
            throw in.error("cannot read " + src + ": " + e.getMessage());
        }
        return HEX.formatHex(md.digest());
    }

    private static void hashEntry(MessageDigest md, String name, Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        md.update((name + "\0" + (a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" + Files.readSymbolicLink(file) : "f")
                + Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) + "\0").getBytes(StandardCharsets.UTF_8));
        if (a.isRegularFile()) {
            try (InputStream fin = Files.newInputStream(file)) {
                byte[] buf = new byte[65536];
                int n;
                while ((n = fin.read(buf)) > 0) md.update(buf, 0, n);
            }
        }
    }

    /** The host side of a RUN --mount: a cache directory kept between builds, the context's files (a filtered copy when needed), a tmpfs. */
    private RunSpec.Mount mountSource(RunMount m, Dockerfile.Instruction in, int no, int index) {
        try {
            switch (m.type()) {
                case "cache" -> {
                    Path dir = cacheDir.resolve("mounts").resolve(digestHex(m.id()));
                    if (!Files.isDirectory(dir)) {
                        Files.createDirectories(dir.getParent());
                        Path tmp = Files.createTempDirectory(dir.getParent(), ".new-");
                        Files.setPosixFilePermissions(tmp, posix(m.mode()));
                        if (!rootless && (m.uid() != 0 || m.gid() != 0)) {
                            Files.setAttribute(tmp, "unix:uid", (int) m.uid(), LinkOption.NOFOLLOW_LINKS);
                            Files.setAttribute(tmp, "unix:gid", (int) m.gid(), LinkOption.NOFOLLOW_LINKS);
                        }
                        try {
                            Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                        } catch (IOException e) {
                            Files.deleteIfExists(tmp); // another build made it meanwhile
                        }
                    }
                    return new RunSpec.Mount(dir.toString(), m.target(), m.readOnly());
                }
                case "tmpfs" -> {
                    return new RunSpec.Mount(RunSpec.Mount.TMPFS + (m.size() != null ? ":" + m.size() : ""), m.target(), false);
                }
                default -> {
                    Path src = m.source().equals(".") ? m.root() : m.root().resolve(m.source());
                    boolean filtered = m.from() == null && ignore.any();
                    if (m.readOnly() && !filtered) return new RunSpec.Mount(src.toAbsolutePath().toString(), m.target(), true);
                    // writes to a bind mount are discarded, and .dockerignore'd files are not there: a copy
                    Path copy = work.resolve("mount-" + no + "-" + index);
                    copyTree(src, copy, m.from() == null ? (m.source().equals(".") ? "" : m.source() + "/") : null);
                    return new RunSpec.Mount(copy.toString(), m.target(), m.readOnly());
                }
            }
        } catch (IOException e) {
            throw in.error("--mount: cannot prepare " + m.target() + ": " + e.getMessage());
        }
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> posix(int mode) {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> out = java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
        java.nio.file.attribute.PosixFilePermission[] all = java.nio.file.attribute.PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < 9; i++) {
            if ((mode & (0400 >> i)) != 0) out.add(all[i]);
        }
        return out;
    }

    /** Copies SRC to DST (files, directories, symlinks, modes); with a context PREFIX, .dockerignore'd files stay out. */
    private void copyTree(Path src, Path dst, String prefix) throws IOException {
        if (!Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dst.getParent());
            Files.copy(src, dst, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            return;
        }
        Files.createDirectories(dst);
        Visitor v = (rel, p) -> {
            String sub = prefix == null ? rel : rel.substring(prefix.length());
            Path t = dst.resolve(sub);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(t);
            else Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        };
        walkDir(src, prefix == null ? "" : prefix, prefix != null, v);
    }

    /** Output of a RUN, line by line, as "#N SECONDS LINE". */
    private final class LineSink extends OutputStream {
        private final int no;
        private final long t0;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

        LineSink(int no, long t0) {
            this.no = no;
            this.t0 = t0;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') emit();
            else line.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        /** Whether the step's apt said it cannot drop to its sandbox user (E: setgroups 65534 failed). */
        volatile boolean aptSetgroups;

        private void emit() {
            String text = line.toString(StandardCharsets.UTF_8);
            if (text.startsWith("E: setgroups ") && text.contains(" failed")) aptSetgroups = true;
            progress.accept(String.format(Locale.ROOT, "#%d %.3f %s", no, (System.nanoTime() - t0) / 1e9, text));
            line.reset();
        }

        @Override
        public synchronized void close() {
            if (line.size() > 0) emit();
        }
    }

    /**
     * The overlay's upper directory of step container D as a layer tar: char 0:0 devices become .wh.
     * entries, opaque directories .wh..wh..opq. Rootless with subordinate ids, the step's other users
     * may have left files we cannot read (apt's _apt-owned 0700 partial directory): the tree is then
     * read from inside a user namespace with the container's maps, owners as the container sees them.
     */
    private void tarUpper(Path d, Path tarFile, java.util.Set<String> stubs) throws IOException {
        List<io.cloudtui.runtime.oci.OciConfig.IdMap> uids = rootless ? RootFs.mappings(d, "uidMappings") : List.of();
        try (OutputStream fo = new java.io.BufferedOutputStream(Files.newOutputStream(tarFile), 65536);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(fo)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            if (uids.size() > 1) {
                io.cloudtui.runtime.oci.OciRuntime.readAsMapped(d.resolve("upper"), uids, RootFs.mappings(d, "gidMappings"),
                        in -> tarStream(new java.io.DataInputStream(new java.io.BufferedInputStream(in, 65536)), tar, stubs));
            } else {
                tarDir(d.resolve("upper"), "", tar, new HashMap<>(), true, stubs);
            }
            tar.finish();
        }
    }

    /** The tree stream of {@code OciRuntime.readAsMapped} as layer tar entries, left out and whiteouts as {@link #tarDir} does. */
    static void tarStream(java.io.DataInputStream in, TarArchiveOutputStream tar, java.util.Set<String> stubs) throws IOException {
        Map<String, String> inodes = new HashMap<>();
        String skip = null; // a directory left out, with all it holds ("proc/")
        while (true) {
            int k = in.read();
            if (k == 'Z') return;
            if (k != 'E') throw new IOException("the tree stream of the step was cut short");
            int mode = in.readInt();
            long uid = in.readInt() & 0xffffffffL;
            long gid = in.readInt() & 0xffffffffL;
            FileTime mtime = FileTime.from(java.time.Instant.ofEpochSecond(in.readLong(), in.readInt() & 0xffffffffL));
            long size = in.readLong();
            int major = in.readInt();
            int minor = in.readInt();
            String inode = in.readLong() + ":" + in.readLong();
            int nlink = in.readInt();
            boolean opaque = in.readByte() != 0;
            String rel = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
            String link = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
            int type = mode & 0170000;
            boolean dir = type == 0040000;
            boolean regular = type == 0100000;
            if (skip != null && rel.startsWith(skip)) {
                in.skipNBytes(size);
                continue;
            }
            boolean runtimeMade = rel.equals("proc") || rel.equals("sys") || rel.equals("dev")
                    || (rel.equals("etc/hostname") || rel.equals("etc/hosts") || rel.equals("etc/resolv.conf")) && regular && size == 0;
            if (runtimeMade || stubs.contains(rel) && (dir || regular && size == 0)) {
                if (dir) skip = rel + "/";
                in.skipNBytes(size);
                continue;
            }
            int slash = rel.lastIndexOf('/');
            if (type == 0020000 && major == 0 && minor == 0) {
                TarArchiveEntry e = new TarArchiveEntry(rel.substring(0, slash + 1) + ".wh." + rel.substring(slash + 1));
                e.setMode(0100000);
                e.setModTime(mtime);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
                continue;
            }
            TarArchiveEntry e;
            boolean content = false;
            if (dir) {
                e = new TarArchiveEntry(rel + "/", TarConstants.LF_DIR);
            } else if (type == 0120000) {
                e = new TarArchiveEntry(rel, TarConstants.LF_SYMLINK);
                e.setLinkName(link);
            } else if (regular && nlink > 1 && inodes.containsKey(inode)) {
                e = new TarArchiveEntry(rel, TarConstants.LF_LINK);
                e.setLinkName(inodes.get(inode));
            } else if (regular) {
                e = new TarArchiveEntry(rel, TarConstants.LF_NORMAL);
                e.setSize(size);
                if (nlink > 1) inodes.put(inode, rel);
                content = true;
            } else if (type == 0020000 || type == 0060000 || type == 0010000) {
                e = new TarArchiveEntry(rel, type == 0020000 ? TarConstants.LF_CHR : type == 0060000 ? TarConstants.LF_BLK : TarConstants.LF_FIFO);
                e.setDevMajor(major);
                e.setDevMinor(minor);
            } else {
                continue; // sockets are not part of an image
            }
            e.setMode(mode);
            e.setUserId(uid);
            e.setGroupId(gid);
            e.setModTime(mtime);
            tar.putArchiveEntry(e);
            if (content) {
                byte[] buf = new byte[65536];
                long left = size;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) throw new IOException("the tree stream of the step was cut short");
                    tar.write(buf, 0, n);
                    left -= n;
                }
            } else {
                in.skipNBytes(size);
            }
            tar.closeArchiveEntry();
            if (dir && opaque) {
                TarArchiveEntry o = new TarArchiveEntry(rel + "/.wh..wh..opq");
                o.setMode(0100000);
                tar.putArchiveEntry(o);
                tar.closeArchiveEntry();
            }
        }
    }

    /**
     * A stored layer's tree (overlayfs whiteouts and opaque directories, or OCI ones) as a layer tar
     * with OCI whiteouts, written to OUT (not closed): for an export out of the store.
     */
    static void layerTar(Path dir, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tarDir(dir, "", tar, new HashMap<>(), false, java.util.Set.of());
        tar.finish();
    }

    /** Mount points the runtime makes in every container: not part of what a step changed. */
    private static boolean runtimeMade(String rel, BasicFileAttributes a) {
        if (rel.equals("proc") || rel.equals("sys") || rel.equals("dev")) return true;
        return (rel.equals("etc/hostname") || rel.equals("etc/hosts") || rel.equals("etc/resolv.conf")) && a.isRegularFile() && a.size() == 0;
    }

    private static void tarDir(Path dir, String prefix, TarArchiveOutputStream tar, Map<Object, String> inodes, boolean top, java.util.Set<String> stubs)
            throws IOException {
        List<Path> children = new ArrayList<>();
        try (var ds = Files.newDirectoryStream(dir)) {
            ds.forEach(children::add);
        }
        Collections.sort(children);
        for (Path c : children) {
            String rel = prefix + c.getFileName();
            BasicFileAttributes a = Files.readAttributes(c, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (top && runtimeMade(rel, a)) continue;
            if (stubs.contains(rel) && (a.isDirectory() || a.isRegularFile() && a.size() == 0)) continue;
            if (!a.isDirectory() && !a.isRegularFile() && !a.isSymbolicLink() && ImageStore.overlayWhiteout(c)) {
                TarArchiveEntry e = new TarArchiveEntry(prefix + ".wh." + c.getFileName());
                e.setMode(0100000);
                e.setModTime(a.lastModifiedTime());
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
                continue;
            }
            if (a.isDirectory()) {
                tar.putArchiveEntry(entry(c, rel + "/", TarConstants.LF_DIR));
                tar.closeArchiveEntry();
                if (ImageStore.overlayOpaque(c)) {
                    TarArchiveEntry o = new TarArchiveEntry(rel + "/.wh..wh..opq");
                    o.setMode(0100000);
                    tar.putArchiveEntry(o);
                    tar.closeArchiveEntry();
                }
                tarDir(c, rel + "/", tar, inodes, false, stubs);
            } else {
                fileEntry(c, rel, a, tar, inodes, -1, -1, -1);
            }
        }
    }

    /** A tar entry of file C as NAME (uid, gid and mode given, or -1 for its own). */
    private static void fileEntry(Path c, String name, BasicFileAttributes a, TarArchiveOutputStream tar, Map<Object, String> inodes, long uid, long gid,
            int mode) throws IOException {
        Map<String, Object> u = Files.readAttributes(c, "unix:mode,rdev,nlink", LinkOption.NOFOLLOW_LINKS);
        int type = (Integer) u.get("mode") & 0170000;
        TarArchiveEntry e;
        boolean content = false;
        if (a.isSymbolicLink()) {
            e = entry(c, name, TarConstants.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(c).toString());
        } else if (a.isRegularFile() && inodes != null && (Integer) u.get("nlink") > 1 && inodes.containsKey(a.fileKey())) {
            e = entry(c, name, TarConstants.LF_LINK);
            e.setLinkName(inodes.get(a.fileKey()));
        } else if (a.isRegularFile()) {
            e = entry(c, name, TarConstants.LF_NORMAL);
            e.setSize(a.size());
            if (inodes != null && (Integer) u.get("nlink") > 1) inodes.put(a.fileKey(), name);
            content = true;
        } else if (type == 0020000 || type == 0060000 || type == 0010000) {
            e = entry(c, name, type == 0020000 ? TarConstants.LF_CHR : type == 0060000 ? TarConstants.LF_BLK : TarConstants.LF_FIFO);
            long rdev = (Long) u.get("rdev");
            e.setDevMajor((int) (((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL)));
            e.setDevMinor((int) ((rdev & 0xff) | ((rdev >> 12) & ~0xffL)));
        } else {
            return; // sockets are not part of an image
        }
        if (uid >= 0) {
            e.setUserId(uid);
            e.setGroupId(gid);
        }
        if (mode >= 0 && !a.isSymbolicLink()) e.setMode((e.getMode() & 0170000) | mode);
        tar.putArchiveEntry(e);
        if (content) Files.copy(c, tar);
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry entry(Path p, String name, byte type) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        Map<String, Object> u = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        e.setMode((Integer) u.get("mode"));
        // rootless, every file of the store is ours (root inside), and the unpacking drops ownership anyway
        e.setUserId(ROOTLESS ? 0 : (Integer) u.get("uid"));
        e.setGroupId(ROOTLESS ? 0 : (Integer) u.get("gid"));
        e.setModTime((FileTime) u.get("lastModifiedTime"));
        return e;
    }

    // ---------------------------------------------------------------- COPY, ADD, WORKDIR

    private record Item(Path file, String dest) {}

    private boolean copy(Stage s, Dockerfile.Instruction in, java.util.function.Function<String, String> vars, int no) {
        boolean add = in.keyword().equals("ADD");
        for (String f : in.flags().keySet()) {
            if (!List.of("from", "chown", "chmod", "link").contains(f)) throw in.error("unknown flag --" + f);
            if (add && f.equals("from")) throw in.error("ADD takes no --from (use COPY --from)");
        }
        List<String> words = in.json();
        if (words == null) words = Dockerfile.words(in.args(), escape);
        List<String> ws = new ArrayList<>();
        for (String w : words) ws.add(Dockerfile.expand(w, vars, escape));
        Path docs = null;
        if (!in.heredocs().isEmpty()) {
            if (in.flags().containsKey("from")) throw in.error("here-documents and --from do not go together");
            try {
                docs = Files.createDirectories(work.resolve("heredocs-" + no));
                for (Dockerfile.Heredoc h : in.heredocs()) {
                    Files.writeString(docs.resolve(h.word()), h.expand() ? Dockerfile.expand(h.content(), vars, escape) : h.content());
                    Files.setPosixFilePermissions(docs.resolve(h.word()), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                }
            } catch (IOException e) {
                throw in.error("cannot write a here-document: " + e.getMessage());
            }
            for (int i = 0; i < ws.size(); i++) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("<<-?[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?").matcher(ws.get(i));
                if (m.matches()) ws.set(i, "\0heredoc:" + m.group(1));
            }
        }
        if (ws.size() < 2) throw in.error("needs at least one source and a destination");
        List<String> srcs = ws.subList(0, ws.size() - 1);
        String dest = ws.get(ws.size() - 1);
        String wd = s.config.path("WorkingDir").asText("");
        boolean destDir = dest.endsWith("/") || dest.endsWith("/.") || dest.equals(".");
        if (!dest.startsWith("/")) dest = (wd.isEmpty() ? "/" : wd) + "/" + dest;
        String destGiven = DockerIgnore.clean(dest);
        // the source tree: the context, or a stage's (an image's) files
        Path root;
        boolean fromContext = !in.flags().containsKey("from");
        if (fromContext) root = context;
        else root = fromRoot(Dockerfile.expand(in.flags().get("from"), vars, escape), in);
        List<Path> sources = new ArrayList<>();
        for (String src : srcs) {
            if (src.startsWith("\0heredoc:")) {
                sources.add(docs.resolve(src.substring(9)));
                continue;
            }
            if (add && src.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
                throw in.error("ADD of a URL (" + src + ") is not supported by the bundled engine: download it into the context and COPY it");
            }
            String c = DockerIgnore.clean(src);
            List<Path> hits = new ArrayList<>();
            if (DockerIgnore.hasWildcard(c)) {
                java.util.regex.Pattern p = DockerIgnore.glob(c);
                walk(root, fromContext, (rel, path) -> {
                    if (p.matcher(rel).matches()) hits.add(path);
                });
            } else {
                Path p = c.isEmpty() ? root : root.resolve(c);
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !(fromContext && !c.isEmpty() && ignore.excluded(c))) hits.add(p);
            }
            if (hits.isEmpty()) {
                throw in.error(fromContext ? "'" + src + "' is not in the build context (or .dockerignore excludes it)" : "'" + src + "' not found in " + in.flags().get("from"));
            }
            if (!root.normalize().equals(root.resolve(c).normalize()) && !root.resolve(c).normalize().startsWith(root.normalize())) {
                throw in.error("'" + src + "' is outside the build context");
            }
            sources.addAll(hits);
        }
        if (sources.size() > 1) destDir = true;
        // symlinks of the image on the way (a Debian image's /bin is one) are followed, as docker does
        String destRel;
        if (destDir || sources.stream().anyMatch(Files::isDirectory)) {
            destRel = resolveLinks(s, destGiven);
        } else if (destGiven.contains("/")) {
            destRel = join(resolveLinks(s, destGiven.substring(0, destGiven.lastIndexOf('/'))), destGiven.substring(destGiven.lastIndexOf('/') + 1));
        } else {
            destRel = destGiven;
        }
        if (sources.size() > 1 && !ws.get(ws.size() - 1).endsWith("/")) throw in.error("with more than one source, the destination must be a directory and end with a /");
        // what is copied, and where
        List<Item> items = new ArrayList<>();
        List<String> dirsMade = new ArrayList<>();
        boolean tarAdd = false;
        for (Path p : sources) {
            Path real = p;
            if (Files.isSymbolicLink(p)) {
                try {
                    real = p.toRealPath();
                } catch (IOException e) {
                    throw in.error("'" + root.relativize(p) + "' is a dangling symlink");
                }
                if (!real.startsWith(realRoot(root))) throw in.error("'" + root.relativize(p) + "' points outside the build context");
            }
            if (Files.isDirectory(real)) {
                dirsMade.add(destRel);
                String relTop = root.relativize(p).toString();
                walk(real, fromContext, (rel, path) -> {
                    String full = relTop.isEmpty() ? rel : relTop + "/" + rel;
                    if (fromContext && ignore.excluded(full)) return;
                    items.add(new Item(path, join(destRel, rel)));
                });
            } else if (add && isArchive(real)) {
                tarAdd = true;
                items.add(new Item(real, destRel));
            } else {
                items.add(new Item(real, destDir ? join(destRel, p.getFileName().toString()) : destRel));
            }
        }
        // ownership and mode
        long uid = 0;
        long gid = 0;
        String chown = in.flags().get("chown");
        if (chown != null && !chown.isEmpty()) {
            BundleSpec.User u = BundleSpec.user(Dockerfile.expand(chown, vars, escape), rel -> {
                Path f = find(s, rel);
                return f != null && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) ? f : null;
            });
            uid = u.uid();
            gid = u.gid();
        }
        int mode = -1;
        String chmod = in.flags().get("chmod");
        if (chmod != null) {
            if (!chmod.matches("[0-7]{3,4}")) throw in.error("--chmod takes an octal mode (like 0755)");
            mode = Integer.parseInt(chmod, 8);
        }
        // the cache key: the copied files' names, types, modes and contents (not their times)
        MessageDigest md = sha();
        for (Item it : items) {
            try {
                BasicFileAttributes a = Files.readAttributes(it.file(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                md.update((it.dest() + "\0" + (a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" + Files.readSymbolicLink(it.file()) : "f")
                        + Files.getAttribute(it.file(), "unix:mode", LinkOption.NOFOLLOW_LINKS) + "\0").getBytes(StandardCharsets.UTF_8));
                if (a.isRegularFile()) {
                    try (InputStream fin = Files.newInputStream(it.file())) {
                        byte[] buf = new byte[65536];
                        int n;
                        while ((n = fin.read(buf)) > 0) md.update(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                throw in.error("cannot read " + it.file() + ": " + e.getMessage());
            }
        }
        String canonical = in.keyword() + (fromContext ? "" : " --from=" + in.flags().get("from")) + (chown != null ? " --chown=" + chown : "")
                + (chmod != null ? " --chmod=" + chmod : "") + " " + String.join(" ", srcs).replace("\0heredoc:", "<<") + " " + dest;
        long fu = uid;
        long fg = gid;
        int fm = mode;
        boolean unpack = tarAdd;
        return layerStep(s, in, canonical, HEX.formatHex(md.digest()), tar -> {
            java.util.Set<String> written = new java.util.HashSet<>();
            for (Item it : items) {
                String parent = it.dest().contains("/") ? it.dest().substring(0, it.dest().lastIndexOf('/')) : "";
                if (!parent.isEmpty() && written.add(parent)) writeParents(s, tar, parent, true, dirsMade.contains(parent) ? new long[] {fu, fg} : null);
                if (unpack && isArchive(it.file()) && !Files.isDirectory(it.file())) {
                    if (written.add(it.dest())) writeParents(s, tar, it.dest(), true, null);
                    unpackInto(it.file(), it.dest(), tar);
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(it.file(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isDirectory()) {
                    TarArchiveEntry e = entry(it.file(), it.dest() + "/", TarConstants.LF_DIR);
                    e.setUserId(fu);
                    e.setGroupId(fg);
                    if (fm >= 0) e.setMode(040000 | fm);
                    tar.putArchiveEntry(e);
                    tar.closeArchiveEntry();
                    written.add(it.dest());
                } else {
                    fileEntry(it.file(), it.dest(), a, tar, null, fu, fg, fm);
                }
            }
        });
    }

    private static Path realRoot(Path root) {
        try {
            return root.toRealPath();
        } catch (IOException e) {
            return root.toAbsolutePath();
        }
    }

    private static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    interface Visitor {
        void visit(String rel, Path path) throws IOException;
    }

    /** Everything below ROOT (not ROOT itself), sorted, with paths relative to it; .dockerignore'd directories skipped in the context. */
    private void walk(Path root, boolean context, Visitor v) {
        try {
            walkDir(root, "", context && root.equals(this.context), v);
        } catch (IOException e) {
            throw new CloudtuiException("cannot read " + root + ": " + e.getMessage());
        }
    }

    private void walkDir(Path dir, String prefix, boolean ctx, Visitor v) throws IOException {
        List<Path> children = new ArrayList<>();
        try (var ds = Files.newDirectoryStream(dir)) {
            ds.forEach(children::add);
        }
        Collections.sort(children);
        for (Path c : children) {
            String rel = prefix + c.getFileName();
            if (ctx && ignore.excluded(rel) && (!Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS) || !ignore.hasExceptions())) continue;
            v.visit(rel, c);
            if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) walkDir(c, rel + "/", ctx, v);
        }
    }

    /** COPY --from: the files of an earlier stage (by name or index) or of an image, flattened once per build. */
    private Path fromRoot(String from, Dockerfile.Instruction in) {
        Path done = flattened.get(from);
        if (done != null) return done;
        Stage st = stagesByName.get(from.toLowerCase(Locale.ROOT));
        if (st == null && from.matches("\\d+")) {
            int i = Integer.parseInt(from);
            if (i < stages.size()) st = stages.get(i);
        }
        List<String> layers;
        if (st != null) {
            layers = st.layers;
        } else {
            try {
                layers = store.inspect(from).layers();
            } catch (CloudtuiException e) {
                throw in.error("--from=" + from + ": no stage of that name before this one, and no such image in the store");
            }
        }
        Path target = work.resolve("from-" + flattened.size());
        store.flattenLayers(layers, target);
        flattened.put(from, target);
        return target;
    }

    private static boolean isArchive(Path p) {
        if (!Files.isRegularFile(p)) return false;
        try (InputStream in = Files.newInputStream(p)) {
            byte[] h = in.readNBytes(512);
            if (h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) return true;
            return h.length == 512 && new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        } catch (IOException e) {
            return false;
        }
    }

    /** ADD of a local tar (maybe gzipped): its entries, below DEST. */
    private static void unpackInto(Path archive, String dest, TarArchiveOutputStream out) throws IOException {
        try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(archive), 65536)) {
            raw.mark(4);
            int a = raw.read();
            int b = raw.read();
            raw.reset();
            InputStream in = a == 0x1f && b == 0x8b ? new java.util.zip.GZIPInputStream(raw, 65536) : raw;
            TarArchiveInputStream tin = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
            TarArchiveEntry e;
            while ((e = tin.getNextEntry()) != null) {
                String name = DockerIgnore.clean(e.getName());
                if (name.isEmpty()) continue;
                if (List.of(e.getName().split("/")).contains("..")) throw new CloudtuiException("refusing archive " + archive.getFileName() + ": entry '" + e.getName() + "' has '..'");
                e.setName(join(dest, name) + (e.isDirectory() ? "/" : ""));
                if (e.isLink()) e.setLinkName(join(dest, DockerIgnore.clean(e.getLinkName())));
                out.putArchiveEntry(e);
                if (e.isFile() && !e.isLink()) tin.transferTo(out);
                out.closeArchiveEntry();
            }
        }
    }

    /**
     * Directory entries for REL and each of its parents (with INCLUSIVE, REL itself): as they are in
     * the stage's files where they exist, else 0755 root (or OWNER) like docker makes them.
     */
    private void writeParents(Stage s, TarArchiveOutputStream tar, String rel, boolean inclusive, long[] owner) throws IOException {
        String[] parts = rel.split("/");
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (!inclusive && i == parts.length - 1) break;
            if (cur.length() > 0) cur.append('/');
            cur.append(parts[i]);
            Path existing = find(s, cur.toString());
            TarArchiveEntry e;
            if (existing != null && Files.isSymbolicLink(existing)) {
                throw new CloudtuiException("/" + cur + " is a symlink in the image: copy to where it points instead");
            }
            if (existing != null && Files.isDirectory(existing, LinkOption.NOFOLLOW_LINKS)) {
                e = entry(existing, cur + "/", TarConstants.LF_DIR);
            } else {
                e = new TarArchiveEntry(cur + "/", TarConstants.LF_DIR);
                e.setMode(040755);
                e.setModTime(FileTime.from(Instant.now()));
                if (owner != null && i == parts.length - 1) {
                    e.setUserId(owner[0]);
                    e.setGroupId(owner[1]);
                }
            }
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
        }
    }

    /** REL (relative to the root) with the symlinks of the stage's files on its way followed, never above the root. */
    private String resolveLinks(Stage s, String rel) {
        List<String> done = new ArrayList<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(rel.split("/")));
        int hops = 0;
        while (!todo.isEmpty()) {
            String c = todo.poll();
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (!done.isEmpty()) done.remove(done.size() - 1);
                continue;
            }
            Path f = find(s, join(String.join("/", done), c));
            if (f != null && Files.isSymbolicLink(f)) {
                if (++hops > 40) throw new CloudtuiException("too many levels of symlinks at /" + join(String.join("/", done), c));
                String target;
                try {
                    target = Files.readSymbolicLink(f).toString();
                } catch (IOException e) {
                    throw new CloudtuiException("cannot read the symlink /" + join(String.join("/", done), c) + ": " + e.getMessage());
                }
                if (target.startsWith("/")) done.clear();
                List<String> parts = new ArrayList<>(List.of(target.split("/")));
                java.util.Collections.reverse(parts);
                parts.forEach(todo::addFirst);
                continue;
            }
            done.add(c);
        }
        return String.join("/", done);
    }

    /**
     * A path of the stage's files (relative to its root) as overlayfs would show it: the topmost
     * layer that has it, whiteouts and opaque directories honoured; null when absent.
     */
    private Path find(Stage s, String rel) {
        if (rel.isEmpty() || s.layers.isEmpty()) return null;
        Image img = new Image("sha256:" + "0".repeat(64), List.of(), List.of(), ImageStore.configOf(null), s.layers, 0, null);
        List<Path> dirs = new ArrayList<>(store.layerDirs(img));
        Collections.reverse(dirs);
        String[] parts = rel.split("/");
        for (Path layer : dirs) {
            Path cur = layer;
            boolean opaque = false;
            for (int i = 0; i < parts.length; i++) {
                cur = cur.resolve(parts[i]);
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(cur, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    a = null;
                }
                if (a == null) break;
                if (a.isOther() && ImageStore.overlayWhiteout(cur)) return null;
                if (i == parts.length - 1) return cur;
                if (!a.isDirectory()) return null;
                if (ImageStore.overlayOpaque(cur)) opaque = true;
            }
            if (opaque) return null;
        }
        return null;
    }

    // ---------------------------------------------------------------- the image

    private String finish(Stage s, long t0) {
        if (Thread.currentThread().isInterrupted()) throw new CloudtuiException("the build was interrupted");
        ObjectNode cfg = JsonTrees.object();
        cfg.put("architecture", s.arch).put("os", s.os);
        cfg.put("created", (s.created != null ? s.created : Instant.EPOCH).toString());
        cfg.set("config", s.config);
        ObjectNode rootfs = cfg.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        s.layers.forEach(ids::add);
        cfg.set("history", s.history);
        int no = step("exporting to image");
        long t = System.nanoTime();
        String id = store.addImage(JsonTrees.bytes(cfg), s.layers, opt.tags());
        progress.accept("#" + no + " writing image " + id + " done");
        for (String tag : opt.tags()) progress.accept("#" + no + " naming to " + tag + " done");
        done(no, t);
        return id;
    }

    // ---------------------------------------------------------------- progress, digests, files

    private int step(String what) {
        int n = ++stepNo;
        progress.accept("#" + n + " " + what);
        return n;
    }

    private void done(int n, long t0) {
        progress.accept(String.format(Locale.ROOT, "#%d DONE %.1fs", n, (System.nanoTime() - t0) / 1e9));
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha(byte[] b) {
        return sha().digest(b);
    }

    private static String digestHex(String s) {
        return HEX.formatHex(sha(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static String digest(String s) {
        return "sha256:" + digestHex(s);
    }
}
