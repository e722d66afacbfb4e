package io.cloudtui.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Maps the composed YAML document of a well-formed config file straight to {@link
 * ConfigLoader.FileForm}, without Jackson: setting up Jackson's YAML mapper and its record
 * deserializers cost more start-up time than most commands. It vouches only for documents whose
 * meaning it knows for certain to be Jackson's: every key known, every scalar of the type its field
 * takes, as Jackson's YAML parser (which resolves scalars with the same SnakeYAML resolver) reads it:
 * strings, whole numbers in plain decimal, {@code true}/{@code false}, durations; no anchors, explicit
 * tags, empty or null values. For anything else (every error among them) it returns null and the
 * loader maps the text with Jackson, which reports the problem as before. {@code DirectMapperTest}
 * checks both agree.
 */
final class DirectMapper {
    private static final Pattern INT = Pattern.compile("-?(0|[1-9][0-9]{0,8})");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,18})(ms|s|m|h)");
    private static final Resolver RESOLVER = new Resolver();

    /** Thrown when the document is not one this mapper vouches for. */
    private static final class NotMine extends Exception {
        NotMine() {
            super(null, null, false, false);
        }
    }

    private static final NotMine NOT_MINE = new NotMine();

    private DirectMapper() {}

    /** The file's form, or null when Jackson must map it (unusual constructs, or an error to report). */
    static ConfigLoader.FileForm map(Node root) {
        try {
            List<BackendConfig> backends = null;
            String defaultBackend = null;
            UiConfig ui = null;
            Map<String, String> keys = null;
            String logFile = null;
            List<HostConfig> hosts = null;
            AgentConfig agent = null;
            for (NodeTuple t : mapping(root)) {
                Node v = t.getValueNode();
                switch (key(t)) {
                    case "backends" -> backends = backends(v);
                    case "defaultBackend" -> defaultBackend = string(v);
                    case "ui" -> ui = ui(v);
                    case "keys" -> keys = stringMap(v);
                    case "logFile" -> logFile = string(v);
                    case "hosts" -> hosts = hosts(v);
                    case "agent" -> agent = agent(v);
                    default -> throw NOT_MINE;
                }
            }
            return new ConfigLoader.FileForm(backends, defaultBackend, ui, keys, logFile, hosts, agent);
        } catch (NotMine e) {
            return null;
        }
    }

    private static List<BackendConfig> backends(Node n) throws NotMine {
        List<BackendConfig> out = new ArrayList<>();
        for (Node item : sequence(n)) {
            String name = null;
            String type = null;
            Boolean enabled = null;
            String host = null;
            Boolean tlsVerify = null;
            String certPath = null;
            String uri = null;
            String root = null;
            String store = null;
            String ociRuntime = null;
            Map<String, Object> options = null;
            for (NodeTuple t : mapping(item)) {
                Node v = t.getValueNode();
                switch (key(t)) {
                    case "name" -> name = string(v);
                    case "type" -> type = string(v);
                    case "enabled" -> enabled = bool(v);
                    case "host" -> host = string(v);
                    case "tlsVerify" -> tlsVerify = bool(v);
                    case "certPath" -> certPath = string(v);
                    case "uri" -> uri = string(v);
                    case "root" -> root = string(v);
                    case "store" -> store = string(v);
                    case "ociRuntime" -> ociRuntime = string(v);
                    case "options" -> options = options(v);
                    default -> throw NOT_MINE;
                }
            }
            if (name == null || type == null) throw NOT_MINE; // required: Jackson says which is missing
            out.add(new BackendConfig(name, type, enabled, host, tlsVerify, certPath, uri, root, store, ociRuntime, options));
        }
        return out;
    }

    private static List<HostConfig> hosts(Node n) throws NotMine {
        List<HostConfig> out = new ArrayList<>();
        for (Node item : sequence(n)) {
            String name = null;
            String ssh = null;
            Boolean enabled = null;
            List<String> backends = null;
            for (NodeTuple t : mapping(item)) {
                Node v = t.getValueNode();
                switch (key(t)) {
                    case "name" -> name = string(v);
                    case "ssh" -> ssh = string(v);
                    case "enabled" -> enabled = bool(v);
                    case "backends" -> backends = stringList(v);
                    default -> throw NOT_MINE;
                }
            }
            if (name == null || ssh == null) throw NOT_MINE; // required: Jackson says which is missing
            out.add(new HostConfig(name, ssh, enabled, backends));
        }
        return out;
    }

    private static UiConfig ui(Node n) throws NotMine {
        String theme = null;
        Duration statsInterval = null;
        Integer logBufferLines = null;
        Boolean showStopped = null;
        List<String> shell = null;
        String detachKeys = null;
        for (NodeTuple t : mapping(n)) {
            Node v = t.getValueNode();
            switch (key(t)) {
                case "theme" -> theme = string(v);
                case "statsInterval" -> statsInterval = duration(v);
                case "logBufferLines" -> logBufferLines = integer(v);
                case "showStopped" -> showStopped = bool(v);
                case "shell" -> shell = stringList(v);
                case "detachKeys" -> detachKeys = string(v);
                default -> throw NOT_MINE;
            }
        }
        return new UiConfig(theme, statsInterval, logBufferLines, showStopped, shell, detachKeys);
    }

    private static AgentConfig agent(Node n) throws NotMine {
        Boolean enabled = null;
        Duration idle = null;
        for (NodeTuple t : mapping(n)) {
            Node v = t.getValueNode();
            switch (key(t)) {
                case "enabled" -> enabled = bool(v);
                case "idle" -> idle = duration(v);
                default -> throw NOT_MINE;
            }
        }
        return new AgentConfig(enabled, idle);
    }

    private static List<NodeTuple> mapping(Node n) throws NotMine {
        if (!(n instanceof MappingNode m) || !n.getTag().equals(Tag.MAP) || n.getAnchor() != null) throw NOT_MINE;
        return m.getValue();
    }

    private static List<Node> sequence(Node n) throws NotMine {
        if (!(n instanceof SequenceNode s) || !n.getTag().equals(Tag.SEQ) || n.getAnchor() != null) throw NOT_MINE;
        return s.getValue();
    }

    private static String key(NodeTuple t) throws NotMine {
        return string(t.getKeyNode());
    }

    /** A scalar whose tag is the one the resolver gives its text (no explicit tag), not empty. */
    private static ScalarNode scalar(Node n, Tag want) throws NotMine {
        if (!(n instanceof ScalarNode s) || n.getAnchor() != null || s.getValue().isEmpty() || !n.getTag().equals(want)) throw NOT_MINE;
        if (!RESOLVER.resolve(NodeId.scalar, s.getValue(), s.isPlain()).equals(want)) throw NOT_MINE;
        return s;
    }

    private static String string(Node n) throws NotMine {
        return scalar(n, Tag.STR).getValue();
    }

    private static Integer integer(Node n) throws NotMine {
        String v = scalar(n, Tag.INT).getValue();
        if (!INT.matcher(v).matches()) throw NOT_MINE;
        return Integer.valueOf(v);
    }

    private static Boolean bool(Node n) throws NotMine {
        return switch (scalar(n, Tag.BOOL).getValue()) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw NOT_MINE;
        };
    }

    /** As {@link ConfigLoader}'s Duration deserializer reads a string. */
    private static Duration duration(Node n) throws NotMine {
        Matcher m = DURATION.matcher(string(n).trim());
        if (!m.matches()) throw NOT_MINE;
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(v);
            case "s" -> Duration.ofSeconds(v);
            case "m" -> Duration.ofMinutes(v);
            default -> Duration.ofHours(v);
        };
    }

    private static List<String> stringList(Node n) throws NotMine {
        List<String> out = new ArrayList<>();
        for (Node item : sequence(n)) out.add(string(item));
        return out;
    }

    private static Map<String, String> stringMap(Node n) throws NotMine {
        Map<String, String> out = new LinkedHashMap<>();
        for (NodeTuple t : mapping(n)) out.put(key(t), string(t.getValueNode()));
        return out;
    }

    /** Free-form options: strings, whole numbers (Integer, as Jackson gives small ones) and booleans only. */
    private static Map<String, Object> options(Node n) throws NotMine {
        Map<String, Object> out = new LinkedHashMap<>();
        for (NodeTuple t : mapping(n)) {
            Node v = t.getValueNode();
            Tag tag = v.getTag();
            Object value = tag.equals(Tag.STR) ? string(v) : tag.equals(Tag.INT) ? integer(v) : tag.equals(Tag.BOOL) ? bool(v) : null;
            if (value == null) throw NOT_MINE;
            out.put(key(t), value);
        }
        return out;
    }
}
