package io.cloudtui.cli;

import io.cloudtui.Main;
import io.cloudtui.config.Config;
import io.cloudtui.core.Backend;
import io.cloudtui.core.Backends;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Runs the real command tree against fake backends with captured streams. */
final class CliHarness {
    record Result(int code, String out, String err) {
        List<String> outLines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private CliHarness() {}

    static Result run(List<? extends Backend> backends, String... args) {
        return withStdin(backends, "", args);
    }

    static Result withStdin(List<? extends Backend> backends, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(err, true, StandardCharsets.UTF_8);
        Backends b = Backends.of(List.copyOf(backends), null);
        try (Context ctx = new Context(Config.defaults(), c -> b, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), po, pe)) {
            int code = Main.execute(ctx, Path.of("/tmp/cloudtui-test.log"), args);
            po.flush();
            pe.flush();
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}
