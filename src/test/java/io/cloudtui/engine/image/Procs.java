package io.cloudtui.engine.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs commands for integration tests, and ImageTool in a process of its own. */
final class Procs {
    private Procs() {}

    record Out(int code, String stdout, String stderr) {}

    static Out run(List<String> cmd, byte[] stdin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        if (stdin != null) {
            try (var o = p.getOutputStream()) {
                o.write(stdin);
            }
        } else {
            p.getOutputStream().close();
        }
        var out = new java.util.concurrent.CompletableFuture<byte[]>();
        var err = new java.util.concurrent.CompletableFuture<byte[]>();
        Thread.startVirtualThread(() -> {
            try {
                out.complete(p.getInputStream().readAllBytes());
            } catch (IOException e) {
                out.complete(new byte[0]);
            }
        });
        Thread.startVirtualThread(() -> {
            try {
                err.complete(p.getErrorStream().readAllBytes());
            } catch (IOException e) {
                err.complete(new byte[0]);
            }
        });
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        return new Out(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
    }

    static Out run(String... cmd) throws IOException, InterruptedException {
        return run(List.of(cmd), null);
    }

    static String ok(String... cmd) throws IOException, InterruptedException {
        Out o = run(cmd);
        if (o.code() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + o.code() + "): " + o.stderr() + o.stdout());
        }
        return o.stdout();
    }

    /** The command line of ImageTool from the shaded jar, optionally prefixed (e.g. setpriv). */
    static List<String> tool(List<String> prefix, Path jar, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(jar.toString());
        cmd.add("io.cloudtui.engine.image.ImageTool");
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Path jar() {
        String j = System.getProperty("cloudtui.jar");
        if (j == null || !java.nio.file.Files.isRegularFile(Path.of(j))) {
            throw new AssertionError("the shaded jar (system property cloudtui.jar) is needed: run through mvn verify");
        }
        return Path.of(j);
    }
}
