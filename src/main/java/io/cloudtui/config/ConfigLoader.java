package io.cloudtui.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Finds and reads config.yaml. Order: --config, $CLOUDTUI_CONFIG, $XDG_CONFIG_HOME/cloudtui/config.yaml
 * (~/.config when unset). Every problem is reported as {@code FILE:LINE:COLUMN: what} with exit code 2.
 */
public final class ConfigLoader {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private ObjectMapper mapper;
    private final java.util.List<java.util.function.Consumer<Config>> checks;

    /** A loader that checks only what the config package knows. */
    public ConfigLoader() {
        this(java.util.List.of());
    }

    /**
     * A loader that also runs CHECKS on every file it reads (backend types, themes, key bindings:
     * what other packages know); a check throws {@link ConfigProblem}, reported with its position.
     */
    public ConfigLoader(java.util.List<java.util.function.Consumer<Config>> checks) {
        this.checks = java.util.List.copyOf(checks);
    }

    /** Built on first parse: with no config file, start-up never pays for Jackson's YAML setup. */
    private ObjectMapper mapper() {
        if (mapper != null) return mapper;
        SimpleModule module = new SimpleModule();
        module.addDeserializer(Duration.class, new DurationDeserializer());
        mapper = JsonMapper.builder(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .addModule(module)
                .build();
        return mapper;
    }

    /** Picks the config path: explicit, then $CLOUDTUI_CONFIG, then the XDG default (may not exist). */
    public static Path locate(Path explicit, Map<String, String> env) {
        if (explicit != null) return explicit;
        String fromEnv = env.get("CLOUDTUI_CONFIG");
        if (fromEnv != null && !fromEnv.isBlank()) return Path.of(fromEnv);
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : io.cloudtui.core.Dirs.home(env).resolve(".config");
        return base.resolve("cloudtui").resolve("config.yaml");
    }

    /**
     * Loads config. A path that was asked for explicitly (flag or env) must exist; the XDG default
     * may be absent, which yields {@link Config#defaults()}.
     */
    public Config load(Path explicit, Map<String, String> env) {
        boolean required = explicit != null || (env.get("CLOUDTUI_CONFIG") != null && !env.get("CLOUDTUI_CONFIG").isBlank());
        Path path = locate(explicit, env);
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            if (required) throw CloudtuiException.usage("config file not found: " + path);
            return Config.defaults();
        } catch (IOException e) {
            throw CloudtuiException.usage("cannot read config file " + path + ": " + e.getMessage());
        }
        return parse(text, path);
    }

    /** Parses YAML text; {@code path} is used in error messages. */
    public Config parse(String text, Path path) {
        YamlPositions positions;
        try {
            positions = YamlPositions.of(text);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = m != null ? ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1) : "";
            throw CloudtuiException.usage(path + where + ": syntax error: " + firstLine(e.getProblem()));
        } catch (RuntimeException e) {
            throw CloudtuiException.usage(path + ": syntax error: " + firstLine(e.getMessage()));
        }
        if (positions.isEmpty()) return Config.defaults().withSource(path);
        // the common, well-formed file without Jackson's (slow to set up) mapper; anything else with it
        FileForm f = DirectMapper.map(positions.root());
        if (f == null) f = withJackson(text, path, positions);
        if (f == null) return Config.defaults().withSource(path);
        Config c = new Config(f.backends, f.defaultBackend, f.ui, f.keys, f.logFile, f.hosts, f.agent, path);
        try {
            validate(c);
            for (var check : checks) check.accept(c);
        } catch (ConfigProblem p) {
            String at = p.atKey() ? positions.key(p.path()) : positions.value(p.path());
            if (at == null) at = positions.key(p.path());
            String what = p.getMessage().startsWith("config ") ? p.getMessage().substring("config ".length()) : p.getMessage();
            throw CloudtuiException.usage(path + (at != null ? ":" + at : "") + ": " + what);
        }
        return c;
    }

    /** Maps TEXT with Jackson, reporting a problem as FILE:LINE:COLUMN; null for a document of nothing. */
    FileForm withJackson(String text, Path path, YamlPositions positions) {
        try {
            return mapper().readValue(text, FileForm.class);
        } catch (JsonProcessingException e) {
            throw CloudtuiException.usage(describe(path, e, positions));
        }
    }

    private static void validate(Config c) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < c.backends().size(); i++) {
            BackendConfig b = c.backends().get(i);
            if (!b.name().matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
                throw new ConfigProblem("backends[" + i + "].name", false, "backend name '" + b.name()
                        + "' may hold only letters, digits, '_', '.', '-'");
            }
            if (!names.add(b.name())) {
                throw new ConfigProblem("backends[" + i + "].name", false, "backend name '" + b.name() + "' is used twice");
            }
        }
        Set<String> hostNames = new HashSet<>();
        for (int i = 0; i < c.hosts().size(); i++) {
            HostConfig h = c.hosts().get(i);
            if (!h.name().matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
                throw new ConfigProblem("hosts[" + i + "].name", false, "host name '" + h.name()
                        + "' may hold only letters, digits, '_', '.', '-'");
            }
            if (h.name().equals("local")) {
                throw new ConfigProblem("hosts[" + i + "].name", false, "host name 'local' is this machine's");
            }
            if (!hostNames.add(h.name())) {
                throw new ConfigProblem("hosts[" + i + "].name", false, "host '" + h.name() + "' is listed twice");
            }
            for (int j = 0; j < i; j++) {
                if (c.hosts().get(j).ssh().trim().equals(h.ssh().trim())) {
                    throw new ConfigProblem("hosts[" + i + "].ssh", false, "host '" + h.name() + "': ssh '" + h.ssh().trim()
                            + "' is host '" + c.hosts().get(j).name() + "' already");
                }
            }
            try {
                io.cloudtui.host.SshTarget.parse(h.ssh());
            } catch (CloudtuiException e) {
                throw new ConfigProblem("hosts[" + i + "].ssh", false, e.getMessage());
            }
            for (int j = 0; j < h.backends().size(); j++) {
                String t = h.backends().get(j);
                if (!HostConfig.TYPES.contains(t)) {
                    throw new ConfigProblem("hosts[" + i + "].backends[" + j + "]", false, "host '" + h.name() + "': unknown backend '"
                            + t + "' (known: " + String.join(", ", HostConfig.TYPES) + ")");
                }
                if (h.backends().indexOf(t) != j) {
                    throw new ConfigProblem("hosts[" + i + "].backends[" + j + "]", false, "host '" + h.name() + "': backend '" + t + "' is listed twice");
                }
            }
        }
        if (c.defaultBackend() != null && !c.backends().isEmpty() && !names.contains(c.defaultBackend())) {
            throw new ConfigProblem("defaultBackend", false, "defaultBackend '" + c.defaultBackend() + "' is not a configured backend");
        }
        if (c.ui().logBufferLines() < 100) {
            throw new ConfigProblem("ui.logBufferLines", false, "ui.logBufferLines must be at least 100");
        }
        if (c.ui().statsInterval().toMillis() < 250) {
            throw new ConfigProblem("ui.statsInterval", false, "ui.statsInterval must be at least 250ms");
        }
    }

    static String describe(Path path, JsonProcessingException e, YamlPositions positions) {
        JsonLocation loc = e.getLocation();
        String fallback = loc != null && loc.getLineNr() > 0 ? ":" + loc.getLineNr() + ":" + loc.getColumnNr() : "";
        String where = path + fallback;
        if (e instanceof MismatchedInputException m) {
            // Point at the key for unknown keys, at the value for type errors, at the mapping for missing keys.
            String p = missingKey(m) != null ? parentPath(pathOf(m), missingKey(m)) : pathOf(m);
            String at = m instanceof UnrecognizedPropertyException ? positions.key(p) : positions.value(p);
            if (at != null) where = path + ":" + at;
        }
        String what;
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            what = "unknown key '" + u.getPropertyName() + "'" + (known.isEmpty() ? "" : " (known: " + known + ")");
        } else if (e instanceof InvalidFormatException f) {
            what = "wrong type for '" + pathOf(f) + "': expected " + simpleType(f.getTargetType()) + ", got '" + f.getValue() + "'";
        } else if (e instanceof MismatchedInputException m) {
            String msg = m.getOriginalMessage();
            String missing = missingKey(m);
            if (missing != null) {
                String parent = parentPath(pathOf(m), missing);
                what = "missing key '" + missing + "' in " + (parent.isEmpty() ? "the top level" : "'" + parent + "'");
            } else {
                what = "wrong type for '" + pathOf(m) + "'" + (m.getTargetType() != null ? ": expected " + simpleType(m.getTargetType()) : "");
            }
        } else {
            what = "syntax error: " + firstLine(e.getOriginalMessage());
        }
        return where + ": " + what;
    }

    private static String firstLine(String s) {
        if (s == null) return "invalid YAML";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }

    private static String pathOf(MismatchedInputException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** The key named by a "Missing required creator property 'x'" error, else null. */
    private static String missingKey(MismatchedInputException e) {
        String msg = e.getOriginalMessage();
        if (msg == null || !msg.startsWith("Missing required creator property")) return null;
        Matcher m = Pattern.compile("'([^']+)'").matcher(msg);
        return m.find() ? m.group(1) : null;
    }

    private static String parentPath(String path, String key) {
        if (path.equals(key)) return "";
        return path.endsWith("." + key) ? path.substring(0, path.length() - key.length() - 1) : path;
    }

    private static String simpleType(Class<?> t) {
        if (t == null) return "a value";
        if (t == Boolean.class || t == boolean.class) return "true or false";
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) return "a whole number";
        if (t == Duration.class) return "a duration like 500ms, 2s, 1m";
        if (t == String.class) return "a string";
        if (java.util.List.class.isAssignableFrom(t)) return "a list";
        if (java.util.Map.class.isAssignableFrom(t) || t.isRecord()) return "a mapping";
        return t.getSimpleName();
    }

    /** The keys a config file may hold: {@link Config} minus what is not read from the file. */
    record FileForm(
            java.util.List<BackendConfig> backends, String defaultBackend, UiConfig ui, Map<String, String> keys, String logFile,
            java.util.List<HostConfig> hosts, AgentConfig agent) {
        FileForm(java.util.List<BackendConfig> backends, String defaultBackend, UiConfig ui, Map<String, String> keys, String logFile) {
            this(backends, defaultBackend, ui, keys, logFile, null, null);
        }
    }

    /** Durations as {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}. */
    static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String s = p.getValueAsString();
            Matcher m = s == null ? null : DURATION.matcher(s.trim());
            if (m == null || !m.matches()) {
                throw InvalidFormatException.from(p, "not a duration", s, Duration.class);
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
    }
}
