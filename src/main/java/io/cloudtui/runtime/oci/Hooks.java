package io.cloudtui.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** OCI hooks: each runs with the container's state JSON on stdin; a non-zero exit is an error. */
final class Hooks {
    private Hooks() {}

    static void run(String phase, List<OciConfig.Hook> hooks, ObjectNode state) {
        if (hooks.isEmpty()) return;
        byte[] json = io.cloudtui.core.JsonTrees.bytes(state);
        for (OciConfig.Hook h : hooks) {
            // through the C stage, so the hook gets its own argv[0] (docker's libnetwork-setkey needs it)
            List<String> cmd = new ArrayList<>();
            cmd.add(Native.binary().toString());
            cmd.add("hook");
            cmd.add(h.path());
            cmd.addAll(h.args());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.clear();
            for (String e : h.env()) {
                int eq = e.indexOf('=');
                if (eq > 0) env.put(e.substring(0, eq), e.substring(eq + 1));
            }
            try {
                Process p = pb.start();
                try (OutputStream in = p.getOutputStream()) {
                    in.write(json);
                } catch (IOException e) {
                    // the hook need not read its stdin
                }
                byte[] out = p.getInputStream().readAllBytes();
                int timeout = h.timeout() == null ? 120 : h.timeout();
                if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new CloudtuiException(phase + " hook " + h.path() + " timed out after " + timeout + "s");
                }
                if (p.exitValue() != 0) {
                    String text = new String(out, StandardCharsets.UTF_8).trim().replace('\n', ' ');
                    throw new CloudtuiException(phase + " hook " + h.path() + " failed (exit " + p.exitValue() + ")" + (text.isEmpty() ? "" : ": " + text));
                }
            } catch (IOException e) {
                throw new CloudtuiException(phase + " hook " + h.path() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CloudtuiException("interrupted");
            }
        }
    }

    static List<OciConfig.Hook> fromJson(JsonNode n) {
        List<OciConfig.Hook> out = new ArrayList<>();
        if (n == null || !n.isArray()) return out;
        for (JsonNode h : n) {
            List<String> args = new ArrayList<>();
            h.path("args").forEach(a -> args.add(a.asText()));
            List<String> env = new ArrayList<>();
            h.path("env").forEach(a -> env.add(a.asText()));
            out.add(new OciConfig.Hook(h.path("path").asText(), args, env, h.hasNonNull("timeout") ? h.get("timeout").asInt() : null));
        }
        return out;
    }
}
