package io.cloudtui.engine.image;

import io.cloudtui.core.CloudtuiException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A bare command line over the store for benchmarks and crash tests, which need a process of their
 * own to time or kill: {@code java -cp cloudtui.jar io.cloudtui.engine.image.ImageTool --root DIR
 * [--unprivileged] [--insecure HOST] import FILE [REF] | pull REF | images | rmi REF | prune}.
 * Users get these verbs from cloudtui's CLI.
 */
final class ImageTool {
    private ImageTool() {}

    public static void main(String[] argv) {
        List<String> args = new ArrayList<>(List.of(argv));
        Path root = ImageStore.defaultRoot();
        ImageStore.Options opts = ImageStore.Options.defaults();
        while (!args.isEmpty() && args.get(0).startsWith("--")) {
            String o = args.remove(0);
            switch (o) {
                case "--root" -> root = Path.of(args.remove(0));
                case "--unprivileged" -> opts = opts.withPrivileged(false);
                case "--insecure" -> opts = opts.withInsecureRegistry(args.remove(0));
                default -> fail("unknown option " + o, 2);
            }
        }
        if (args.isEmpty()) {
            fail("usage: ImageTool [--root DIR] [--unprivileged] import FILE [REF] | pull REF | images | rmi REF | prune", 2);
        }
        try {
            ImageStore store = new ImageStore(root, opts);
            String cmd = args.remove(0);
            switch (cmd) {
                case "import" -> store.importImage(Path.of(args.get(0)), args.size() > 1 ? args.get(1) : null, ImageStore.Progress.NONE)
                        .forEach(System.out::println);
                case "pull" -> System.out.println(store.pull(args.get(0), (l, d, t, s) -> System.err.println(l + " " + s + " " + d + "/" + t)));
                case "images" -> store.list().forEach(i -> System.out.println(i.id() + " " + String.join(",", i.tags()) + " " + i.size()));
                case "rmi" -> store.remove(args.get(0), true).forEach(System.out::println);
                case "prune" -> store.prune().forEach(System.out::println);
                default -> fail("unknown command " + cmd, 2);
            }
        } catch (CloudtuiException e) {
            fail(e.getMessage(), e.exitCode());
        }
    }

    private static void fail(String msg, int code) {
        System.err.println("cloudtui: " + msg);
        System.exit(code);
    }
}
