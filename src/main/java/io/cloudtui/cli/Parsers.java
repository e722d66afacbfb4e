package io.cloudtui.cli;

import io.cloudtui.core.RunSpec;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parsers for docker-style option values; each failure is one line for a usage error (exit 2). */
public final class Parsers {
    private Parsers() {}

    private static final Pattern GO_DURATION = Pattern.compile("((\\d+(\\.\\d+)?)(ns|us|µs|ms|s|m|h))+");
    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final Pattern UNIX = Pattern.compile("(\\d+)(?:\\.(\\d{1,9}))?");

    /** Go-style duration: {@code 42s}, {@code 10m}, {@code 1h30m}, {@code 1.5h}, {@code 250ms}. */
    static Duration goDuration(String s) {
        if (!GO_DURATION.matcher(s).matches()) return null;
        Matcher m = GO_DURATION_PART.matcher(s);
        BigDecimal nanos = BigDecimal.ZERO;
        while (m.find()) {
            BigDecimal n = new BigDecimal(m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(n.multiply(BigDecimal.valueOf(unit)));
        }
        return Duration.ofNanos(nanos.longValue());
    }

    /**
     * {@code --since}/{@code --until} like docker logs: RFC 3339 timestamps, dates, unix seconds
     * (with optional fraction) or a duration before {@code now}.
     */
    static Instant since(String value, Instant now, ZoneId zone) {
        String s = value.trim();
        if (s.isEmpty()) throw new TypeConversionException("empty time");
        Duration d = goDuration(s);
        if (d != null) return now.minus(d);
        Matcher u = UNIX.matcher(s);
        if (u.matches()) {
            long frac = 0;
            if (u.group(2) != null) frac = Long.parseLong((u.group(2) + "000000000").substring(0, 9));
            return Instant.ofEpochSecond(Long.parseLong(u.group(1)), frac);
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the forms without a zone
        }
        try {
            return LocalDateTime.parse(s).atZone(zone).toInstant();
        } catch (DateTimeParseException ignored) {
            // try a bare date
        }
        try {
            return LocalDate.parse(s).atStartOfDay(zone).toInstant();
        } catch (DateTimeParseException ignored) {
            // fall through
        }
        throw new TypeConversionException("'" + value + "' is not a timestamp (2006-01-02T15:04:05Z), unix seconds, or a duration (10m, 1h30m, 42s)");
    }

    static final class SinceConverter implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            return since(value, Instant.now(), ZoneId.systemDefault());
        }
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmgtp]?)b?", Pattern.CASE_INSENSITIVE);

    /** Memory sizes like docker's: {@code 512m}, {@code 1g}, {@code 1.5g}, {@code 100k}, {@code 2048} (bytes). */
    public static long size(String value) {
        Matcher m = SIZE.matcher(value.trim());
        if (!m.matches()) throw new TypeConversionException("'" + value + "' is not a size (e.g. 512m, 1g, 1048576)");
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            case "p" -> 50;
            default -> 0;
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(2).pow(shift));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) throw new TypeConversionException("'" + value + "' is too large");
        return bytes.longValue();
    }

    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return size(value);
        }
    }

    /**
     * {@code -v SOURCE:TARGET[:ro|rw]}. A source with a '/' or starting with '.' or '~' is a host path:
     * relative ones resolve against {@code cwd}, and it must exist. Any other source is a named volume.
     */
    static RunSpec.Mount mount(String value, Path cwd, String home) {
        String[] p = value.split(":", -1);
        if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
            throw new TypeConversionException("'" + value + "' is not SOURCE:TARGET[:ro]");
        }
        boolean ro = false;
        if (p.length == 3) {
            for (String opt : p[2].split(",")) {
                switch (opt) {
                    case "ro" -> ro = true;
                    case "rw", "" -> { }
                    default -> throw new TypeConversionException("'" + value + "': unknown mount option '" + opt + "' (ro or rw)");
                }
            }
        }
        if (!p[1].startsWith("/")) throw new TypeConversionException("'" + value + "': container path '" + p[1] + "' must be absolute");
        String source = p[0];
        if (source.contains("/") || source.startsWith(".") || source.startsWith("~")) {
            Path host;
            if (source.equals("~") || source.startsWith("~/")) host = Path.of(home + source.substring(1));
            else host = cwd.resolve(source);
            host = host.toAbsolutePath().normalize();
            if (!Files.exists(host)) throw new TypeConversionException("host path '" + host + "' does not exist");
            source = host.toString();
        } else if (!source.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new TypeConversionException("'" + source + "' is neither a host path nor a volume name");
        }
        return new RunSpec.Mount(source, p[1], ro);
    }

    /**
     * {@code -B SRC[:DST[:ro|rw]][,...]} as Apptainer takes it: a comma list of host paths, each bound
     * at DST (default: the same path); SRC relative to CWD or ~/.
     */
    static List<RunSpec.Mount> binds(String value, Path cwd, String home) {
        List<RunSpec.Mount> out = new ArrayList<>();
        for (String one : value.split(",", -1)) {
            if (one.isEmpty()) throw new TypeConversionException("'" + value + "' has an empty bind (SRC[:DST[:ro]][,...])");
            String[] p = one.split(":", -1);
            if (p.length > 3 || p[0].isEmpty() || (p.length >= 2 && p[1].isEmpty())) {
                throw new TypeConversionException("'" + one + "' is not SRC[:DST[:ro|rw]]");
            }
            boolean ro = false;
            if (p.length == 3) {
                switch (p[2]) {
                    case "ro" -> ro = true;
                    case "rw" -> { }
                    default -> throw new TypeConversionException("'" + one + "': unknown bind option '" + p[2] + "' (ro or rw)");
                }
            }
            String src = p[0];
            Path host = src.equals("~") || src.startsWith("~/") ? Path.of(home + src.substring(1)) : cwd.resolve(src);
            host = host.toAbsolutePath().normalize();
            if (!Files.exists(host)) throw new TypeConversionException("bind source '" + host + "' does not exist");
            String dst = p.length >= 2 ? p[1] : host.toString();
            if (!dst.startsWith("/")) throw new TypeConversionException("'" + one + "': container path '" + dst + "' must be absolute");
            out.add(new RunSpec.Mount(host.toString(), Path.of(dst).normalize().toString(), ro));
        }
        return out;
    }

    static final class MountConverter implements ITypeConverter<RunSpec.Mount> {
        @Override
        public RunSpec.Mount convert(String value) {
            return mount(value, Path.of(System.getProperty("user.dir")), io.cloudtui.core.Dirs.home().toString());
        }
    }

    private static final Pattern PORT = Pattern.compile(
            "(?:(?:\\[([0-9a-fA-F:.]+)]|(\\d{1,3}(?:\\.\\d{1,3}){3})):)?(?:(\\d*):)?(\\d+)(?:/(tcp|udp|sctp))?");

    /** {@code -p [IP:][HOST:]CONTAINER[/tcp|udp|sctp]}; a missing host port means "any free port" (0). */
    static RunSpec.Port port(String value) {
        Matcher m = PORT.matcher(value.trim());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not [IP:]HOST:CONTAINER[/PROTO]"
                    + (value.contains("-") ? " (port ranges are not supported)" : ""));
        }
        String ip = m.group(1) != null ? m.group(1) : m.group(2);
        int host = m.group(3) == null || m.group(3).isEmpty() ? 0 : portNumber(m.group(3), value);
        int container = portNumber(m.group(4), value);
        if (container == 0) throw new TypeConversionException("'" + value + "': container port must not be 0");
        return new RunSpec.Port(ip, host, container, m.group(5) == null ? "tcp" : m.group(5));
    }

    private static int portNumber(String s, String value) {
        int n;
        try {
            n = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || n > 65535) throw new TypeConversionException("'" + value + "': port '" + s + "' out of range 0-65535");
        return n;
    }

    static final class PortConverter implements ITypeConverter<RunSpec.Port> {
        @Override
        public RunSpec.Port convert(String value) {
            return port(value);
        }
    }

    /** {@code K=V}; a bare {@code K} takes the value from {@code env}, and is dropped when unset (as docker). */
    static void env(String entry, Map<String, String> env, Map<String, String> into) {
        if (entry.isEmpty() || entry.startsWith("=")) throw new TypeConversionException("invalid environment variable '" + entry + "'");
        int eq = entry.indexOf('=');
        if (eq < 0) {
            String v = env.get(entry);
            if (v != null) into.put(entry, v);
        } else {
            into.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
    }

    /** Checks {@code -e} syntax at parse time so a bad one is a usage error. */
    static final class EnvConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            env(value, Map.of(), new LinkedHashMap<>());
            return value;
        }
    }

    /** Reads a docker env file: K=V lines, '#' comments and blank lines ignored. */
    static Map<String, String> envFile(Path file, Map<String, String> env) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new io.cloudtui.core.CloudtuiException("cannot read env file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            try {
                env(l, env, out);
            } catch (TypeConversionException e) {
                throw io.cloudtui.core.CloudtuiException.usage(file + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    static <T> T orElse(T v, Supplier<T> d) {
        return v != null ? v : d.get();
    }
}
