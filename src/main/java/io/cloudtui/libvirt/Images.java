package io.cloudtui.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Local disk-image work for VM creation: qemu-img overlays and cloud-init NoCloud seed ISOs. */
final class Images {
    private static final Logger LOG = LoggerFactory.getLogger(Images.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Images() {}

    /** Files {@code image} is layered on (not including itself); empty when unknown. */
    static Set<String> backingChain(Path image) {
        Set<String> out = new LinkedHashSet<>();
        if (!Files.isRegularFile(image)) return out;
        try {
            String json = run(List.of("qemu-img", "info", "-U", "--output=json", "--backing-chain", image.toString()), 30);
            for (JsonNode n : JSON.readTree(json)) {
                JsonNode f = n.get("full-backing-filename");
                if (f == null) f = n.get("backing-filename");
                if (f != null) out.add(f.asText());
            }
        } catch (IOException | CloudtuiException e) {
            LOG.debug("backing chain of {}: {}", image, e.getMessage());
        }
        return out;
    }

    static String format(Path image) {
        try {
            return JSON.readTree(run(List.of("qemu-img", "info", "-U", "--output=json", image.toString()), 30)).path("format").asText("raw");
        } catch (IOException e) {
            throw new CloudtuiException("cannot read image " + image + ": " + e.getMessage(), e);
        }
    }

    /** A qcow2 overlay on {@code base} (left untouched), grown to {@code sizeBytes} when larger. */
    static void overlay(Path base, Path target, long sizeBytes) {
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", format(base), "-b",
                base.toAbsolutePath().toString(), target.toString()));
        if (sizeBytes > 0) cmd.add(Long.toString(sizeBytes));
        run(cmd, 60);
    }

    static void blank(Path target, long sizeBytes) {
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", target.toString(), Long.toString(sizeBytes)), 60);
    }

    /** The cloud-init NoCloud seed: an ISO labelled "cidata" with user-data and meta-data. */
    static void seedIso(Path target, String hostname, String user, String publicKey) {
        Path dir;
        try {
            dir = Files.createTempDirectory("cloudtui-seed");
        } catch (IOException e) {
            throw new CloudtuiException("cannot create a temporary directory: " + e.getMessage(), e);
        }
        try {
            Files.writeString(dir.resolve("user-data"), userData(user, publicKey), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("meta-data"), "instance-id: " + hostname + "-" + System.currentTimeMillis()
                    + "\nlocal-hostname: " + hostname + "\n", StandardCharsets.UTF_8);
            String tool = which("genisoimage") ? "genisoimage" : which("xorriso") ? "xorriso" : which("mkisofs") ? "mkisofs" : null;
            if (tool == null) throw new CloudtuiException("a cloud-init seed needs genisoimage or xorriso (apt-get install genisoimage)");
            List<String> cmd = new ArrayList<>();
            cmd.add(tool);
            if (tool.equals("xorriso")) cmd.addAll(List.of("-as", "mkisofs"));
            cmd.addAll(List.of("-quiet", "-output", target.toString(), "-volid", "cidata", "-joliet", "-rock",
                    dir.resolve("user-data").toString(), dir.resolve("meta-data").toString()));
            run(cmd, 60);
        } catch (IOException e) {
            throw new CloudtuiException("cannot write the cloud-init seed: " + e.getMessage(), e);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                LOG.debug("cleanup {}", dir, e);
            }
        }
    }

    static String userData(String user, String publicKey) {
        StringBuilder sb = new StringBuilder("#cloud-config\n");
        sb.append("users:\n  - name: ").append(user).append('\n')
                .append("    sudo: ALL=(ALL) NOPASSWD:ALL\n    shell: /bin/bash\n    lock_passwd: true\n");
        if (publicKey != null) {
            sb.append("    ssh_authorized_keys:\n      - ").append(publicKey.strip().replace("\n", " ")).append('\n');
        }
        sb.append("ssh_pwauth: false\n");
        return sb.toString();
    }

    static boolean which(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/usr/bin", tool));
    }

    /** Runs a tool; its stdout on success, a one-line error with its stderr otherwise. */
    static String run(List<String> cmd, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            p.getOutputStream().close();
            var err = new java.io.ByteArrayOutputStream();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    p.getErrorStream().transferTo(err);
                } catch (IOException e) {
                    // process gone
                }
            });
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CloudtuiException(cmd.get(0) + " did not finish within " + timeoutSeconds + "s");
            }
            t.join(1000);
            if (p.exitValue() != 0) {
                throw new CloudtuiException(cmd.get(0) + " failed: " + LibvirtBackend.oneLine(err.toString(StandardCharsets.UTF_8)));
            }
            return out;
        } catch (IOException e) {
            throw new CloudtuiException("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException("interrupted while running " + cmd.get(0));
        }
    }
}
