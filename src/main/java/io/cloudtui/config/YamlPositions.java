package io.cloudtui.config;

import java.io.StringReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Line:column of every key and value in a YAML document, by path ({@code ui.theme},
 * {@code backends[1].host}), so mapping errors can point at the exact spot. Composing also
 * surfaces YAML syntax errors with their position.
 */
final class YamlPositions {
    private final Map<String, String> keys = new HashMap<>();
    private final Map<String, String> values = new HashMap<>();
    private final boolean empty;
    private final Node root;

    private YamlPositions(Node root) {
        this.root = root;
        empty = root == null;
        if (root != null) walk("", root);
    }

    /**
     * Composes TEXT as {@code new Yaml(options).compose(...)} does, without building a Yaml object,
     * whose (unused) constructor and representer cost each command milliseconds.
     */
    static YamlPositions of(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Composer composer = new Composer(new ParserImpl(new StreamReader(new StringReader(text)), options), new Resolver(), options);
        return new YamlPositions(composer.getSingleNode());
    }

    boolean isEmpty() {
        return empty;
    }

    /** The composed document (null when empty). */
    Node root() {
        return root;
    }

    /** Position of the key at {@code path}, or null. */
    String key(String path) {
        return keys.get(path);
    }

    /** Position of the value at {@code path} (the document for ""), or null. */
    String value(String path) {
        return values.get(path);
    }

    private void walk(String path, Node node) {
        values.put(path, pos(node));
        if (node instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k) {
                    String child = path.isEmpty() ? k.getValue() : path + "." + k.getValue();
                    keys.put(child, pos(k));
                    walk(child, t.getValueNode());
                }
            }
        } else if (node instanceof SequenceNode s) {
            List<Node> items = s.getValue();
            for (int i = 0; i < items.size(); i++) walk(path + "[" + i + "]", items.get(i));
        }
    }

    private static String pos(Node n) {
        return (n.getStartMark().getLine() + 1) + ":" + (n.getStartMark().getColumn() + 1);
    }
}
