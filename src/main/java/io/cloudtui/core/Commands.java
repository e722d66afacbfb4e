package io.cloudtui.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A command of this machine run to its end for its output (standard input /dev/null), with a time limit. */
public final class Commands {
    private Commands() {}

    /** How CMD ended: its exit code (-1 when it was killed at the time limit), what it wrote on stdout and on stderr. */
    public record Result(int code, byte[] stdout, String stderr, boolean timedOut) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** The last non-empty line of stderr, or "". */
        public String lastError() {
            String e = stderr.strip();
            return e.substring(e.lastIndexOf('\n') + 1);
        }
    }

    /**
     * Runs CMD and waits for it, at most LIMIT (then it is killed and the result says so); an
     * interrupt kills it too. Both of its streams are read meanwhile, so a chatty stderr cannot stall it.
     *
     * @throws IOException when it cannot be started
     */
    public static Result run(List<String> cmd, Duration limit) throws IOException, InterruptedException {
        return run(cmd, null, limit);
    }

    /** As {@link #run(List, Duration)}, with STDIN (null: /dev/null) written to its standard input. */
    public static Result run(List<String> cmd, byte[] stdin, Duration limit) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : ProcessBuilder.Redirect.PIPE)
                .start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> all(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> all(p.getErrorStream()));
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // it ended without reading all of it: its exit says how it went
            }
        }
        boolean ended;
        try {
            ended = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            throw e;
        }
        if (!ended) p.destroyForcibly();
        return new Result(ended ? p.exitValue() : -1, out.join(), new String(err.join(), StandardCharsets.UTF_8), !ended);
    }

    private static byte[] all(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
