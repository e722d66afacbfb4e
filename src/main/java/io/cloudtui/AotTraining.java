package io.cloudtui;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * The workload the launcher records its AOT cache with (JDK 25+, {@code -XX:AOTCacheOutput}): the
 * commands people run most, in one JVM, every output discarded. {@code --version}; {@code ps -a} on
 * whatever engines this host has (read only); and on a private, throw-away store of the bundled
 * engine an image import, {@code images}, {@code ps -a} and (as root) {@code run --rm} of an image
 * whose one file is the runtime's static native stage (it prints its usage and exits). The classes those load and link are what the cache holds; a
 * step that fails only leaves its classes out. Not {@code images} on docker: the JVM loads every
 * class of the cache at start, and docker-java's client (about a thousand classes more) made every
 * other command pay for it (run --rm on the bundled engine about 25 ms of CPU).
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) {
        LogSetup.deferJul(); // as Main.main does
        if (args.length == 1 && args[0].equals("ui")) {
            ui();
            System.exit(0);
        }
        PrintStream none = new PrintStream(OutputStream.nullOutputStream(), true);
        Path dir = null;
        Path state = null;
        try {
            dir = Files.createTempDirectory("cloudtui-aot-");
            // the runtime's state directory: short, since a container's attach socket path must fit in 108 bytes
            boolean root = "root".equals(System.getProperty("user.name"));
            state = root ? Path.of("/run/cloudtui-aot-" + ProcessHandle.current().pid()) : dir.resolve("root");
            // diagnostics of the training go to its own log, not the user's
            Files.writeString(dir.resolve("host.yaml"), "logFile: " + dir.resolve("training.log") + "\n");
            Files.writeString(dir.resolve("engine.yaml"), "logFile: " + dir.resolve("training.log") + "\n"
                    + "backends:\n  - name: train\n    type: runtime\n    store: " + dir.resolve("store") + "\n    root: " + state + "\n");
            Files.createDirectories(dir.resolve("rootfs"));
            if (root) {
                // the image's one program: the runtime's static native stage, which prints its usage and exits 2
                Path prog = dir.resolve("rootfs/prog");
                Files.copy(io.cloudtui.runtime.oci.OciRuntime.nativeStage(), prog);
                Files.setPosixFilePermissions(prog, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Map<String, String> host = env(dir.resolve("host.yaml"));
            Map<String, String> engine = env(dir.resolve("engine.yaml"));
            run(host, none, "--version");
            run(host, none, "ps", "-a");
            run(engine, none, "image", "import", "--backend", "train", dir.resolve("rootfs").toString(), "cloudtui-aot/empty:1");
            run(engine, none, "images");
            run(engine, none, "ps", "-a");
            if (root) {
                run(engine, none, "run", "--rm", "cloudtui-aot/empty:1", "/prog");
            }
            run(engine, none, "ps", "-a", "--format", "json");
        } catch (IOException | RuntimeException e) {
            // best effort: the cache just holds fewer classes
        } finally {
            if (dir != null && !mountedUnder(dir)) deleteTree(dir);
            if (state != null && !state.startsWith(dir)) deleteTree(state);
        }
        System.exit(0);
    }

    /**
     * The UI's own cache (the launcher records it with the UI's JVM options): the full-screen UI on a
     * virtual terminal over whatever engines this host has, read only, until they are listed (see
     * {@link io.cloudtui.tui.TuiApp#train}). Remote hosts of the user's config are left out.
     */
    private static void ui() {
        PrintStream none = new PrintStream(OutputStream.nullOutputStream(), true);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("cloudtui-aot-");
            Files.writeString(dir.resolve("host.yaml"), "logFile: " + dir.resolve("training.log") + "\n");
            Map<String, String> env = env(dir.resolve("host.yaml"));
            io.cloudtui.config.Config config = Main.loader(env).load(null, env);
            io.cloudtui.host.Hosts hosts = io.cloudtui.host.Hosts.of(config, env, null);
            LogSetup.init(Path.of(config.logFile()));
            try (io.cloudtui.cli.Context ctx = new io.cloudtui.cli.Context(config,
                    c -> io.cloudtui.core.Backends.open(c, Main.pluginLoader(), hosts), InputStream.nullInputStream(), none, none)) {
                ctx.onUi(hosts::live);
                ctx.ui();
                io.cloudtui.tui.TuiApp.train(ctx, env, 5000);
            }
        } catch (IOException | RuntimeException e) {
            // best effort: the cache just holds fewer classes
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    private static Map<String, String> env(Path config) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("CLOUDTUI_CONFIG", config.toString());
        return env;
    }

    private static void run(Map<String, String> env, PrintStream none, String... args) {
        try {
            Main.run(args, InputStream.nullInputStream(), none, none, env);
        } catch (RuntimeException e) {
            // the next step still runs
        }
    }

    /** Whether a mount (a container's root filesystem left by a failed step) lies under DIR: then DIR stays. */
    private static boolean mountedUnder(Path dir) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[4].startsWith(dir.toString() + "/")) return true;
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
