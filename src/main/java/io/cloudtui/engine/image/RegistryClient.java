package io.cloudtui.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls an image over the Docker Registry HTTP API v2: anonymous, basic or bearer-token auth,
 * manifest lists and OCI indexes (linux/amd64), Docker schema2 and OCI manifests, blobs verified by
 * sha256 and downloaded into partial/ so an interrupted pull resumes with a Range request.
 */
final class RegistryClient {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
    private static final String ACCEPT = String.join(", ", Importer.OCI_INDEX, Importer.DOCKER_LIST,
            "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json");
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final int ATTEMPTS = 4;

    private final ImageStore store;
    private final ImageStore.Op op;
    private final LayerUnpacker.Budget budget;
    private final ImageStore.Progress progress;
    private final HttpClient http;
    private Reference ref;
    private String base;
    private String authorization;

    RegistryClient(ImageStore store, ImageStore.Op op, LayerUnpacker.Budget budget, ImageStore.Progress progress) {
        this.store = store;
        this.op = op;
        this.budget = budget;
        this.progress = progress;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15)).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    static boolean plainHttp(String domain, java.util.Set<String> insecure) {
        String host = domain.startsWith("[") ? domain.substring(0, domain.indexOf(']') + 1) : domain.split(":")[0];
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]") || insecure.contains(domain)
                || insecure.contains(host);
    }

    ImageStore.PendingImage pull(Reference r) throws IOException {
        this.ref = r;
        String host = r.registryHost();
        this.base = (plainHttp(r.domain(), store.options().insecureRegistries()) ? "http://" : "https://") + host + "/v2/" + r.path();
        byte[] top = get("/manifests/" + r.manifestRef(), ACCEPT, "manifest " + r);
        String topDigest = Fs.digest(top);
        if (r.digest() != null && !r.digest().equals(topDigest)) {
            throw new CloudtuiException("registry sent a manifest whose digest is " + topDigest + ", not " + r.digest());
        }
        JsonNode m = io.cloudtui.core.JsonTrees.read(top);
        if (m.path("schemaVersion").asInt() == 1) {
            throw new CloudtuiException("image " + r + " has a schema 1 manifest, which is not supported");
        }
        if (Importer.isIndex(m, m)) {
            JsonNode chosen = Importer.choosePlatform(m.path("manifests"), "manifest list of " + r);
            String d = chosen.path("digest").asText();
            Fs.hex(d);
            byte[] inner = get("/manifests/" + d, ACCEPT, "manifest " + d);
            if (!Fs.digest(inner).equals(d)) {
                throw new CloudtuiException("manifest " + d + " failed sha256 verification");
            }
            m = io.cloudtui.core.JsonTrees.read(inner);
        }
        String cfgDigest = m.path("config").path("digest").asText();
        Fs.hex(cfgDigest);
        byte[] cfg = get("/blobs/" + cfgDigest, "*/*", "config " + cfgDigest);
        if (!Fs.digest(cfg).equals(cfgDigest)) {
            throw new CloudtuiException("config " + cfgDigest + " failed sha256 verification");
        }
        JsonNode diffIds = io.cloudtui.core.JsonTrees.read(cfg).path("rootfs").path("diff_ids");
        JsonNode layers = m.path("layers");
        if (diffIds.size() != layers.size()) {
            throw new CloudtuiException("image config lists " + diffIds.size() + " layers but the manifest " + layers.size());
        }
        List<ImageStore.PendingLayer> pending = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            String diffId = diffIds.get(i).asText();
            String digest = l.path("digest").asText();
            Fs.hex(digest);
            Importer.checkLayerType(l.path("mediaType").asText());
            String label = digest.substring(7, 19);
            if (store.hasLayer(diffId)) {
                JsonNode meta = ImageStore.readJson(store.layers.resolve(Fs.hex(diffId)).resolve("layer.json"));
                long size = meta == null ? 0 : meta.path("size").asLong();
                progress.update(label, l.path("size").asLong(-1), l.path("size").asLong(-1), "exists");
                pending.add(new ImageStore.PendingLayer(diffId, null, size, store.options().overlayWhiteouts()));
                continue;
            }
            Path dir = op.newDir("L");
            Path root = dir.resolve("root");
            Files.createDirectory(root);
            LayerUnpacker.Result res;
            try (InputStream in = download(digest, l.path("size").asLong(-1), label)) {
                progress.update(label, l.path("size").asLong(-1), l.path("size").asLong(-1), "extracting");
                res = new LayerUnpacker(root, store.options().privileged(), store.options().overlayWhiteouts(), budget).unpackBlob(in);
            }
            if (!res.diffId().equals(diffId)) {
                throw new CloudtuiException("layer " + digest + " unpacks to diff-id " + res.diffId() + ", not " + diffId);
            }
            progress.update(label, l.path("size").asLong(-1), l.path("size").asLong(-1), "done");
            pending.add(new ImageStore.PendingLayer(diffId, dir, res.size(), store.options().overlayWhiteouts()));
        }
        List<String> tags = r.tag() != null ? List.of(r.tagKey()) : List.of();
        return new ImageStore.PendingImage(cfg, pending, tags, r.familiarName() + "@" + topDigest, top);
    }

    /** A blob to push: its file, digest and size. */
    record Blob(Path file, String digest, long size) {}

    /**
     * Pushes an image to R's repository: each blob (the layers, gzipped tars, then the config) unless
     * the registry has it already, then a Docker schema 2 manifest under R's tag. Returns the
     * manifest's digest.
     */
    String push(Reference r, byte[] config, List<Blob> layers) throws IOException {
        this.ref = r;
        if (r.tag() == null) throw new CloudtuiException("push " + r + ": name a tag to push to (not a digest)");
        this.base = (plainHttp(r.domain(), store.options().insecureRegistries()) ? "http://" : "https://") + r.registryHost() + "/v2/" + r.path();
        ObjectNode man = io.cloudtui.core.JsonTrees.object();
        man.put("schemaVersion", 2).put("mediaType", "application/vnd.docker.distribution.manifest.v2+json");
        String cfgDigest = Fs.digest(config);
        man.putObject("config").put("mediaType", "application/vnd.docker.container.image.v1+json").put("size", config.length).put("digest", cfgDigest);
        ArrayNode ls = man.putArray("layers");
        for (Blob b : layers) {
            String label = b.digest().substring(7, 19);
            if (exists(b.digest())) {
                progress.update(label, b.size(), b.size(), "exists");
            } else {
                upload(b.digest(), HttpRequest.BodyPublishers.ofFile(b.file()), "layer " + b.digest());
                progress.update(label, b.size(), b.size(), "pushed");
            }
            ls.addObject().put("mediaType", "application/vnd.docker.image.rootfs.diff.tar.gzip").put("size", b.size()).put("digest", b.digest());
        }
        if (!exists(cfgDigest)) upload(cfgDigest, HttpRequest.BodyPublishers.ofByteArray(config), "config " + cfgDigest);
        byte[] body = io.cloudtui.core.JsonTrees.bytes(man);
        HttpResponse<String> resp = send(request("/manifests/" + r.tag()).PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/vnd.docker.distribution.manifest.v2+json"), HttpResponse.BodyHandlers.ofString(), "manifest " + r);
        if (resp.statusCode() != 201 && resp.statusCode() != 200) throw new CloudtuiException(describe(resp.statusCode(), "manifest " + r) + errorText(resp.body()));
        return Fs.digest(body);
    }

    private boolean exists(String digest) throws IOException {
        HttpResponse<Void> resp = send(request("/blobs/" + digest).method("HEAD", HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.discarding(),
                "blob " + digest);
        return resp.statusCode() == 200;
    }

    /** A monolithic upload: POST for an upload URL, then PUT of the whole blob with its digest. */
    private void upload(String digest, HttpRequest.BodyPublisher body, String what) throws IOException {
        HttpResponse<String> start = send(request("/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.ofString(), what);
        if (start.statusCode() != 202) throw new CloudtuiException(describe(start.statusCode(), "an upload of " + what) + errorText(start.body()));
        String loc = start.headers().firstValue("Location").orElseThrow(() -> new CloudtuiException("registry " + ref.registryHost() + " gave no upload URL"));
        URI u = URI.create(base).resolve(loc);
        URI put = URI.create(u + (u.getRawQuery() == null ? "?" : "&") + "digest=" + URLEncoder.encode(digest, StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(put).timeout(Duration.ofMinutes(30)).PUT(body).header("Content-Type", "application/octet-stream");
        if (authorization != null) b.header("Authorization", authorization);
        HttpResponse<String> resp = send(b, HttpResponse.BodyHandlers.ofString(), what);
        if (resp.statusCode() != 201) throw new CloudtuiException(describe(resp.statusCode(), "the upload of " + what) + errorText(resp.body()));
    }

    /** The registry's first error message ({"errors":[{"message":...}]}), as ": MESSAGE", or "". */
    private static String errorText(String body) {
        try {
            String m = io.cloudtui.core.JsonTrees.read(body.getBytes(StandardCharsets.UTF_8)).path("errors").path(0).path("message").asText("");
            return m.isEmpty() ? "" : ": " + m;
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Downloads a blob into partial/HEX, resuming what an earlier attempt or process left; verifies it. */
    /** Partial blobs this JVM is writing: prune must not open them (closing any descriptor drops our lock). */
    static final java.util.Set<Path> ACTIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Downloads a blob into partial/HEX, resuming what an earlier attempt or process left, verifies it
     * and returns it open for reading; the file itself is removed, since a finished blob needs no resume.
     */
    private InputStream download(String digest, long size, String label) throws IOException {
        Path part = store.partial.resolve(Fs.hex(digest));
        if (!ACTIVE.add(part)) {
            throw new CloudtuiException("layer " + digest + " is being downloaded by another pull in this process");
        }
        try {
            for (int i = 0; i < ATTEMPTS; i++) {
                InputStream in = downloadLocked(part, digest, size, label);
                if (in != null) {
                    return in;
                }
            }
            throw new CloudtuiException("download of layer " + digest + " kept being taken over by other pulls");
        } finally {
            ACTIVE.remove(part);
        }
    }

    private InputStream downloadLocked(Path part, String digest, long size, String label) throws IOException {
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            FileLock lock = ch.lock(); // a second process pulling the same blob waits here instead of interleaving writes
            try {
                if (!Files.exists(part)) {
                    return null; // the process we waited for finished this blob and removed it: start afresh
                }
                MessageDigest md = Fs.sha256();
                long have = rehash(ch, md);
                IOException last = null;
                for (int attempt = 0; attempt < ATTEMPTS && (size < 0 || have < size); attempt++) {
                    try {
                        have = fetchInto(ch, digest, have, size, md, label);
                        last = null;
                        if (size < 0) {
                            break;
                        }
                    } catch (IOException e) {
                        last = e;
                        have = ch.size();
                        md = Fs.sha256();
                        rehash(ch, md);
                        LOG.info("download of {} interrupted at {} bytes, resuming: {}", digest, have, e.toString());
                    }
                }
                if (last != null) {
                    throw new CloudtuiException("download of layer " + digest + " failed: " + last.getMessage(), last);
                }
                if (size >= 0 && have != size) {
                    throw new CloudtuiException("download of layer " + digest + " stopped at " + have + " of " + size + " bytes");
                }
                if (!Fs.digest(md).equals(digest)) {
                    ch.truncate(0);
                    throw new CloudtuiException("layer " + digest + " failed sha256 verification (download discarded)");
                }
                InputStream in = Files.newInputStream(part);
                Files.delete(part);
                return in;
            } finally {
                lock.release();
            }
        }
    }

    /**
     * Hashes what the locked channel holds. Reads go through that channel, never a second descriptor:
     * fcntl locks belong to the process, and closing any other descriptor of the file would drop the
     * lock, letting a second puller in to download into the same file.
     */
    private static long rehash(FileChannel ch, MessageDigest md) throws IOException {
        long n = 0;
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(65536);
        int r;
        while ((r = ch.read(buf, n)) > 0) {
            buf.flip();
            md.update(buf);
            buf.clear();
            n += r;
        }
        return n;
    }

    private long fetchInto(FileChannel ch, String digest, long have, long size, MessageDigest md, String label) throws IOException {
        HttpRequest.Builder b = request("/blobs/" + digest).header("Accept", "*/*");
        if (have > 0) {
            b.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> resp = send(b, HttpResponse.BodyHandlers.ofInputStream(), "layer " + digest);
        try (InputStream in = resp.body()) {
            int status = resp.statusCode();
            if (status == 416) {
                // what we hold is not a prefix the server recognises: start over
                ch.truncate(0);
                md.reset();
                throw new IOException("range not satisfiable");
            }
            if (status == 200 && have > 0) {
                ch.truncate(0);
                md.reset();
                have = 0;
            } else if (status != 200 && status != 206) {
                throw new CloudtuiException(describe(status, "layer " + digest));
            }
            ch.position(have);
            byte[] buf = new byte[65536];
            long lastReport = 0;
            int r;
            progress.update(label, have, size, "downloading");
            while ((r = in.read(buf)) > 0) {
                if (size >= 0 && have + r > size) {
                    throw new CloudtuiException("layer " + digest + " is larger than its manifest says (" + size + " bytes)");
                }
                ch.write(ByteBuffer.wrap(buf, 0, r));
                md.update(buf, 0, r);
                have += r;
                if (have - lastReport >= (1 << 20)) {
                    progress.update(label, have, size, "downloading");
                    lastReport = have;
                }
            }
            progress.update(label, have, size, "downloaded");
            return have;
        }
    }

    private HttpRequest.Builder request(String suffix) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + suffix)).timeout(Duration.ofMinutes(10)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    private byte[] get(String suffix, String accept, String what) throws IOException {
        HttpResponse<byte[]> resp = send(request(suffix).header("Accept", accept), HttpResponse.BodyHandlers.ofByteArray(), what);
        if (resp.statusCode() != 200) {
            throw new CloudtuiException(describe(resp.statusCode(), what));
        }
        return resp.body();
    }

    private String describe(int status, String what) {
        return switch (status) {
            case 401 -> "registry " + ref.registryHost() + " refused the credentials for " + what;
            case 403 -> "registry " + ref.registryHost() + " denies access to " + what;
            case 404 -> what + " not found in registry " + ref.registryHost();
            default -> "registry " + ref.registryHost() + " answered HTTP " + status + " for " + what;
        };
    }

    /** Sends a request; on a 401 challenge, authenticates (basic or bearer token) once and retries. */
    private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler, String what) throws IOException {
        HttpResponse<T> resp = exchange(b.build(), handler);
        if (resp.statusCode() != 401) {
            return resp;
        }
        String challenge = resp.headers().firstValue("WWW-Authenticate").orElse("");
        closeQuietly(resp);
        authorization = authenticate(challenge);
        b.setHeader("Authorization", authorization);
        return exchange(b.build(), handler);
    }

    private static void closeQuietly(HttpResponse<?> resp) {
        if (resp.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException e) {
                // the body of a refused request does not matter
            }
        }
    }

    private <T> HttpResponse<T> exchange(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(req, handler);
        } catch (ConnectException | HttpConnectTimeoutException | java.nio.channels.UnresolvedAddressException e) {
            throw new CloudtuiException("cannot reach registry " + ref.registryHost() + " (" + req.uri().getScheme() + "): "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (HttpTimeoutException e) {
            throw new IOException("registry " + ref.registryHost() + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException("pull interrupted");
        } catch (IOException e) {
            if (e.getCause() instanceof java.nio.channels.UnresolvedAddressException || e.getCause() instanceof ConnectException) {
                throw new CloudtuiException("cannot reach registry " + ref.registryHost() + ": " + e.getCause(), e);
            }
            throw e;
        }
    }

    private String basic() {
        ImageStore.Credentials c = store.options().credentials().get(ref.domain());
        if (c == null) {
            c = store.options().credentials().get(ref.registryHost());
        }
        if (c == null) {
            return null;
        }
        return "Basic " + Base64.getEncoder().encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
    }

    private String authenticate(String challenge) throws IOException {
        String scheme = challenge.split(" ", 2)[0].trim();
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) {
            params.put(m.group(1), m.group(2));
        }
        String basic = basic();
        if (scheme.equalsIgnoreCase("Basic")) {
            if (basic == null) {
                throw new CloudtuiException("registry " + ref.registryHost() + " requires a login (no credentials configured for it)");
            }
            return basic;
        }
        if (!scheme.equalsIgnoreCase("Bearer") || !params.containsKey("realm")) {
            throw new CloudtuiException("registry " + ref.registryHost() + " asks for unsupported authentication: " + challenge);
        }
        StringBuilder url = new StringBuilder(params.get("realm"));
        String sep = url.indexOf("?") >= 0 ? "&" : "?";
        if (params.containsKey("service")) {
            url.append(sep).append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
            sep = "&";
        }
        String scope = params.getOrDefault("scope", "repository:" + ref.path() + ":pull");
        url.append(sep).append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        HttpRequest.Builder tb = HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofSeconds(30)).GET();
        if (basic != null) {
            tb.header("Authorization", basic);
        }
        HttpResponse<byte[]> resp = exchange(tb.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
            throw new CloudtuiException("token server " + URI.create(params.get("realm")).getHost() + " refused a token (HTTP "
                    + resp.statusCode() + ")" + (basic == null ? "; no credentials configured" : ""));
        }
        JsonNode t = io.cloudtui.core.JsonTrees.read(resp.body());
        String token = t.path("token").asText(t.path("access_token").asText(""));
        if (token.isEmpty()) {
            throw new CloudtuiException("token server answered without a token");
        }
        return "Bearer " + token;
    }
}
