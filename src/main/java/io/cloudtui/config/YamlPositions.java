package io.cloudtui.config;

import java.io.StringReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

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

    static YamlPositions of(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new YamlPositions(new Yaml(options).compose(new StringReader(text)));
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
