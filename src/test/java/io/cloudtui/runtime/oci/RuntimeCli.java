package io.cloudtui.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real runtime CLI (bin/cloudtui-runtime over the built jar) as a separate process. */
final class RuntimeCli {
    record Result(int code, String out, String err) {
        JsonNode json() throws IOException {
            return BusyboxBundle.M.readTree(out);
        }
    }

    final Path root;

    RuntimeCli(Path root) {
        this.root = root;
    }

    static Path wrapper() {
        return Path.of(System.getProperty("cloudtui.home", ".")).resolve("bin/cloudtui-runtime");
    }

    ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(wrapper().toString());
        cmd.add("--root");
        cmd.add(root.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        String jar = System.getProperty("cloudtui.jar");
        if (jar != null) pb.environment().put("CLOUDTUI_JAR", jar);
        return pb;
    }

    Result run(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("ctui-it-out", ".txt");
        Path err = Files.createTempFile("ctui-it-err", ".txt");
        try {
            Process p = builder(args).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("cloudtui runtime " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Force-deletes every container under this root (a test's leftovers). */
    void deleteAll() throws IOException, InterruptedException {
        for (String line : run("list", "-q").out().split("\n")) {
            if (!line.isBlank()) run("delete", "--force", line.trim());
        }
    }

    Result ok(String... args) throws IOException, InterruptedException {
        Result r = run(args);
        if (r.code() != 0) throw new AssertionError("cloudtui runtime " + String.join(" ", args) + " failed (" + r.code() + "): " + r.err());
        return r;
    }

    String status(String id) throws IOException, InterruptedException {
        return ok("state", id).json().get("status").asText();
    }

    /** Polls until the container has status WANT (generous timeout, no timing assertion). */
    JsonNode awaitStatus(String id, String want) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            Result r = run("state", id);
            if (r.code() == 0) { // (before its create has begun, the container does not exist yet)
                last = r.json();
                if (last.get("status").asText().equals(want)) return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("container " + id + " never became " + want + "; last state " + last);
    }
}
