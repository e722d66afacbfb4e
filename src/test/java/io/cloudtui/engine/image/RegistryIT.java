package io.cloudtui.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.testing.Engines;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from Debian's docker-registry on loopback, filled by docker push: anonymous, basic auth
 * (htpasswd, bcrypt) and token auth. Token auth is the registry's own: it trusts a certificate made
 * here with openssl, and a small JDK HttpServer in this test plays the token server, issuing RS256
 * JWTs signed with that key (Debian's registry cannot issue tokens itself). The three registries
 * share one storage directory, so images are pushed once, anonymously.
 */
class RegistryIT {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static Path work;
    static final List<io.cloudtui.testing.Registry> registries = new ArrayList<>();
    static int anonPort;
    static int basicPort;
    static int tokenPort;
    static HttpServer tokenServer;
    static final List<String> tokenRequests = new CopyOnWriteArrayList<>();
    static final String MULTI = "ctui-it-images-reg:" + ProcessHandle.current().pid();

    static int freePort() throws IOException {
        return io.cloudtui.testing.Registry.freePort();
    }

    /** The three share one storage directory, so images are pushed once. */
    static void startRegistry(String name, int port, String auth) throws Exception {
        registries.add(io.cloudtui.testing.Registry.start(work, name, port, work.resolve("storage"), auth));
    }

    @BeforeAll
    static void start() throws Exception {
        Engines.requireDocker();
        Engines.requireRoot();
        io.cloudtui.testing.Registry.require();
        Engines.require(Engines.run("htpasswd", "-h") != -1 && Engines.run("openssl", "version") == 0, "htpasswd and openssl");
        work = Files.createTempDirectory("ctui-it-registry-");
        anonPort = freePort();
        startRegistry("anon", anonPort, "");

        Files.writeString(work.resolve("htpasswd"), Procs.ok("htpasswd", "-Bbn", "ctui", "s3cret"));
        basicPort = freePort();
        startRegistry("basic", basicPort, """
                auth:
                  htpasswd:
                    realm: ctui-basic
                    path: %s
                """.formatted(work.resolve("htpasswd")));

        Procs.ok("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ctui-it-token", "-keyout",
                work.resolve("key.pem").toString(), "-out", work.resolve("cert.pem").toString());
        startTokenServer();
        tokenPort = freePort();
        startRegistry("token", tokenPort, """
                auth:
                  token:
                    realm: http://127.0.0.1:%d/token
                    service: ctui-it-registry
                    issuer: ctui-it-issuer
                    rootcertbundle: %s
                """.formatted(tokenServer.getAddress().getPort(), work.resolve("cert.pem")));

        String repo = "localhost:" + anonPort + "/ctui-it/";
        Procs.ok("docker", "tag", "local/busybox:latest", repo + "busybox:latest");
        Procs.ok("docker", "push", repo + "busybox:latest");
        Procs.Out b = Procs.run(List.of("docker", "build", "-q", "-t", MULTI, "-"), DockerImagesIT.DOCKERFILE.getBytes());
        assertEquals(0, b.code(), b.stderr());
        Procs.ok("docker", "tag", MULTI, repo + "multi:amd64");
        Procs.ok("docker", "push", repo + "multi:amd64");
        Procs.ok("docker", "tag", "local/busybox:latest", repo + "multi:other");
        Procs.ok("docker", "push", repo + "multi:other");
    }

    @AfterAll
    static void stop() throws Exception {
        for (io.cloudtui.testing.Registry r : registries) {
            r.close();
        }
        if (tokenServer != null) {
            tokenServer.stop(0);
        }
        if (work != null) {
            String repo = "localhost:" + anonPort + "/ctui-it/";
            Procs.run("docker", "rmi", repo + "busybox:latest", repo + "multi:amd64", repo + "multi:other", MULTI);
            Fs.deleteTree(work);
        }
    }

    static String b64url(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The token server: checks basic credentials, grants what the scope asks, signs an RS256 JWT the registry trusts. */
    static void startTokenServer() throws Exception {
        String pem = Files.readString(work.resolve("key.pem")).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        X509Certificate cert;
        try (var in = Files.newInputStream(work.resolve("cert.pem"))) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        String x5c = Base64.getEncoder().encodeToString(cert.getEncoded());
        tokenServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        tokenServer.createContext("/token", ex -> {
            String q = ex.getRequestURI().getRawQuery();
            tokenRequests.add(q == null ? "" : URLDecoder.decode(q, StandardCharsets.UTF_8));
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String want = "Basic " + Base64.getEncoder().encodeToString("ctui:s3cret".getBytes(StandardCharsets.UTF_8));
            if (!want.equals(auth)) {
                ex.sendResponseHeaders(401, -1);
                ex.close();
                return;
            }
            try {
                ObjectNode claims = Tars.JSON.createObjectNode();
                long now = Instant.now().getEpochSecond();
                claims.put("iss", "ctui-it-issuer").put("sub", "ctui").put("aud", "ctui-it-registry").put("exp", now + 300)
                        .put("nbf", now - 10).put("iat", now).put("jti", java.util.UUID.randomUUID().toString());
                ArrayNode access = claims.putArray("access");
                for (String part : (q == null ? "" : URLDecoder.decode(q, StandardCharsets.UTF_8)).split("&")) {
                    if (part.startsWith("scope=")) {
                        String[] s = part.substring(6).split(":");
                        ObjectNode a = access.addObject().put("type", s[0]).put("name", s[1]);
                        ArrayNode actions = a.putArray("actions");
                        for (String act : s[2].split(",")) {
                            actions.add(act);
                        }
                    }
                }
                ObjectNode header = Tars.JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256");
                header.putArray("x5c").add(x5c);
                String signingInput = b64url(Tars.JSON.writeValueAsBytes(header)) + "." + b64url(Tars.JSON.writeValueAsBytes(claims));
                Signature sig = Signature.getInstance("SHA256withRSA");
                sig.initSign(key);
                sig.update(signingInput.getBytes(StandardCharsets.US_ASCII));
                String jwt = signingInput + "." + b64url(sig.sign());
                byte[] body = Tars.JSON.writeValueAsBytes(Tars.JSON.createObjectNode().put("token", jwt));
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
            }
            ex.close();
        });
        tokenServer.start();
    }

    static String dockerId(String ref) throws Exception {
        return Procs.ok("docker", "image", "inspect", "-f", "{{.Id}}", ref).trim();
    }

    @Test
    void anonymousPullMatchesDockerAndByDigestToo(@TempDir Path tmp) throws Exception {
        ImageStore s = new ImageStore(tmp.resolve("store"));
        List<String> progress = new CopyOnWriteArrayList<>();
        String ref = "localhost:" + anonPort + "/ctui-it/busybox:latest";
        String id = s.pull(ref, (l, d, t, st) -> progress.add(l + " " + st + " " + d + "/" + t));
        assertEquals(dockerId("local/busybox:latest"), id);
        Image img = s.inspect(ref);
        assertEquals(List.of(ref), img.tags());
        assertEquals(Procs.ok("docker", "image", "inspect", "-f", "{{json .RootFS.Layers}}", "local/busybox:latest").trim(),
                Tars.JSON.writeValueAsString(img.layers()));
        assertTrue(progress.stream().anyMatch(p -> p.contains(" downloaded ") && p.split(" ")[2].split("/")[0].equals(p.split("/")[1])),
                progress.toString());
        String repoDigest = img.repoDigests().get(0);
        String pushed = Procs.ok("docker", "image", "inspect", "-f", "{{range .RepoDigests}}{{println .}}{{end}}", ref);
        assertTrue(pushed.contains(repoDigest), pushed + " vs " + repoDigest);
        Path rootfs = tmp.resolve("rootfs");
        s.flatten(ref, rootfs);
        assertTrue(Files.isExecutable(rootfs.resolve("bin/busybox")));

        ImageStore s2 = new ImageStore(tmp.resolve("store2"));
        String byDigest = "localhost:" + anonPort + "/ctui-it/busybox@" + repoDigest.substring(repoDigest.indexOf('@') + 1);
        assertEquals(id, s2.pull(byDigest, null));
        assertTrue(s2.inspect(id).tags().isEmpty(), "a digest pull adds no tag");
        assertEquals(id, s2.inspect(byDigest).id(), "found again by NAME@DIGEST");
        assertEquals(List.of(repoDigest), s2.inspect(id).repoDigests());
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> s2.pull("localhost:" + anonPort + "/ctui-it/nope:1", null));
        assertTrue(e.getMessage().contains("not found in registry"), e.getMessage());
    }

    @Test
    void manifestListChoosesLinuxAmd64(@TempDir Path tmp) throws Exception {
        String base = "http://127.0.0.1:" + anonPort + "/v2/ctui-it/multi/manifests/";
        String v2 = "application/vnd.docker.distribution.manifest.v2+json";
        ObjectNode list = Tars.JSON.createObjectNode();
        list.put("schemaVersion", 2);
        list.put("mediaType", Importer.DOCKER_LIST);
        ArrayNode ms = list.putArray("manifests");
        for (String[] tp : new String[][] {{"other", "arm64"}, {"amd64", "amd64"}}) {
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + tp[0])).header("Accept", v2).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            ObjectNode m = ms.addObject().put("mediaType", v2).put("digest", Fs.digest(r.body())).put("size", r.body().length);
            m.putObject("platform").put("architecture", tp[1]).put("os", "linux");
        }
        HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(base + "list")).header("Content-Type", Importer.DOCKER_LIST)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(Tars.JSON.writeValueAsBytes(list))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, put.statusCode(), put.body());
        ImageStore s = new ImageStore(tmp.resolve("store"));
        String id = s.pull("localhost:" + anonPort + "/ctui-it/multi:list", null);
        assertEquals(dockerId(MULTI), id, "the amd64 entry, not the arm64 one listed first");
        assertEquals(3, s.inspect(id).layers().size());
        Path rootfs = tmp.resolve("rootfs");
        s.flatten(id, rootfs);
        assertEquals("new\n", Files.readString(rootfs.resolve("data/opq/new")));
        assertTrue(!Files.exists(rootfs.resolve("data/file")) && !Files.exists(rootfs.resolve("data/opq/old")));
    }

    @Test
    void interruptedDownloadResumesWithRange(@TempDir Path tmp) throws Exception {
        String repo = "http://127.0.0.1:" + anonPort + "/v2/ctui-it/busybox/";
        HttpResponse<byte[]> m = HTTP.send(HttpRequest.newBuilder(URI.create(repo + "manifests/latest"))
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json").build(), HttpResponse.BodyHandlers.ofByteArray());
        String layer = Tars.JSON.readTree(m.body()).path("layers").get(0).path("digest").asText();
        byte[] blob = HTTP.send(HttpRequest.newBuilder(URI.create(repo + "blobs/" + layer)).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        ImageStore s = new ImageStore(tmp.resolve("store"));
        int half = blob.length / 2;
        // what a pull killed half-way leaves: the first half of the blob in partial/
        Files.write(tmp.resolve("store/partial/sha256").resolve(layer.substring(7)), java.util.Arrays.copyOf(blob, half));
        s.pull("localhost:" + anonPort + "/ctui-it/busybox:latest", null);
        assertEquals(1, s.list().size());
        String log = Files.readString(work.resolve("anon.log"));
        String expect = "\"GET /v2/ctui-it/busybox/blobs/" + layer + " HTTP/1.1\" 206 " + (blob.length - half);
        assertTrue(log.contains(expect), "registry access log shows a ranged GET: " + expect);
        try (var p = Files.list(tmp.resolve("store/partial/sha256"))) {
            assertEquals(0, p.count(), "the finished download left partial/");
        }
    }

    /**
     * A proxy in front of the real registry that can slow blob bodies down, so a pull can be killed
     * mid-download, and that records the Range headers it forwards.
     */
    static HttpServer slowProxy(int registryPort, java.util.concurrent.atomic.AtomicBoolean slow, List<String> ranges) throws IOException {
        HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", ex -> {
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + registryPort + ex.getRequestURI()));
                for (String h : List.of("Accept", "Range")) {
                    String v = ex.getRequestHeaders().getFirst(h);
                    if (v != null) {
                        b.header(h, v);
                        if (h.equals("Range")) {
                            ranges.add(v);
                        }
                    }
                }
                HttpResponse<java.io.InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                for (String h : List.of("Content-Type", "Docker-Content-Digest", "Content-Range", "WWW-Authenticate")) {
                    r.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().add(h, v));
                }
                long len = r.headers().firstValueAsLong("Content-Length").orElse(0);
                ex.sendResponseHeaders(r.statusCode(), len == 0 ? -1 : len);
                try (var in = r.body(); var out = ex.getResponseBody()) {
                    byte[] buf = new byte[16384];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        out.flush();
                        if (slow.get() && ex.getRequestURI().getPath().contains("/blobs/")) {
                            Thread.sleep(40);
                        }
                    }
                }
            } catch (Exception e) {
                // the client went away (killed): nothing to report
            } finally {
                ex.close();
            }
        });
        proxy.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        proxy.start();
        return proxy;
    }

    @Test
    void killDashNineMidPullThenTheNextPullResumes(@TempDir Path tmp) throws Exception {
        var slow = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<String> ranges = new CopyOnWriteArrayList<>();
        HttpServer proxy = slowProxy(anonPort, slow, ranges);
        try {
            Path root = tmp.resolve("store");
            String ref = "localhost:" + proxy.getAddress().getPort() + "/ctui-it/busybox:latest";
            Process p = new ProcessBuilder(Procs.tool(List.of(), Procs.jar(), "--root", root.toString(), "pull", ref)).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("pull.log").toFile()).start();
            Path partial = root.resolve("partial/sha256");
            long have = 0;
            for (int i = 0; i < 600 && have == 0; i++) {
                Thread.sleep(50);
                if (Files.isDirectory(partial)) {
                    try (var l = Files.list(partial)) {
                        have = l.mapToLong(x -> x.toFile().length()).sum();
                    }
                }
            }
            assertTrue(have > 0, "the pull never started downloading: " + Files.readString(tmp.resolve("pull.log")));
            p.destroyForcibly();
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            try (var l = Files.list(root.resolve("layers")); var im = Files.list(root.resolve("images"))) {
                assertEquals(0, l.count(), "no layer listed after the kill");
                assertEquals(0, im.count());
            }
            slow.set(false);
            ImageStore s = new ImageStore(root);
            try (var w = Files.list(root.resolve("tmp"))) {
                assertEquals(0, w.count(), "the dead pull's work area is gone");
            }
            assertEquals(dockerId("local/busybox:latest"), s.pull(ref, null));
            assertTrue(ranges.stream().anyMatch(r -> r.matches("bytes=[1-9][0-9]*-")), "resumed with a Range request: " + ranges);
        } finally {
            proxy.stop(0);
        }
    }

    @Test
    void twoProcessesPullingTheSameImageAtOnceBothSucceed(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("store");
        String ref = "localhost:" + anonPort + "/ctui-it/multi:amd64";
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ps.add(new ProcessBuilder(Procs.tool(List.of(), Procs.jar(), "--root", root.toString(), "pull", ref)).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("pull" + i + ".log").toFile()).start());
        }
        for (int i = 0; i < 2; i++) {
            assertTrue(ps.get(i).waitFor(300, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, ps.get(i).exitValue(), Files.readString(tmp.resolve("pull" + i + ".log")));
        }
        ImageStore s = new ImageStore(root);
        assertEquals(dockerId(MULTI), s.inspect(ref).id());
        try (var l = Files.list(root.resolve("layers")); var p = Files.list(root.resolve("partial/sha256"))) {
            assertEquals(3, l.count());
            assertEquals(0, p.count());
        }
    }

    @Test
    void basicAuth(@TempDir Path tmp) {
        String ref = "localhost:" + basicPort + "/ctui-it/busybox:latest";
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> new ImageStore(tmp.resolve("a")).pull(ref, null));
        assertTrue(e.getMessage().contains("requires a login"), e.getMessage());
        ImageStore wrong = new ImageStore(tmp.resolve("b"), ImageStore.Options.defaults().withCredentials("localhost:" + basicPort, "ctui", "nope"));
        e = assertThrows(CloudtuiException.class, () -> wrong.pull(ref, null));
        assertTrue(e.getMessage().contains("refused the credentials"), e.getMessage());
        ImageStore right = new ImageStore(tmp.resolve("c"), ImageStore.Options.defaults().withCredentials("localhost:" + basicPort, "ctui", "s3cret"));
        assertEquals(right.pull(ref, null), right.inspect(ref).id());
        assertEquals(1, right.list().size());
    }

    @Test
    void tokenAuth(@TempDir Path tmp) {
        String ref = "localhost:" + tokenPort + "/ctui-it/busybox:latest";
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> new ImageStore(tmp.resolve("a")).pull(ref, null));
        assertTrue(e.getMessage().contains("refused a token (HTTP 401); no credentials configured"), e.getMessage());
        tokenRequests.clear();
        ImageStore s = new ImageStore(tmp.resolve("b"), ImageStore.Options.defaults().withCredentials("localhost:" + tokenPort, "ctui", "s3cret"));
        String id = s.pull(ref, null);
        assertEquals(id, s.inspect(ref).id());
        assertTrue(tokenRequests.stream().anyMatch(q -> q.contains("service=ctui-it-registry") && q.contains("scope=repository:ctui-it/busybox:pull")),
                tokenRequests.toString());
    }

    @Test
    void unreachableRegistriesFailClearly(@TempDir Path tmp) {
        ImageStore s = new ImageStore(tmp.resolve("store"));
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> s.pull("busybox", null));
        assertTrue(e.getMessage().startsWith("cannot reach registry registry-1.docker.io"), e.getMessage());
        e = assertThrows(CloudtuiException.class, () -> s.pull("127.0.0.1:" + freePortQuiet() + "/x:1", null));
        assertTrue(e.getMessage().startsWith("cannot reach registry 127.0.0.1:") && e.getMessage().contains("(http)"), e.getMessage());
        e = assertThrows(CloudtuiException.class, () -> s.pull("ctui-it.invalid:5000/x:1", null));
        assertTrue(e.getMessage().contains("ctui-it.invalid:5000") && e.getMessage().contains("(https)"), e.getMessage());
        assertTrue(s.list().isEmpty());
        Map<String, String> none = Map.of();
        assertTrue(none.isEmpty());
    }

    static int freePortQuiet() {
        try {
            return freePort();
        } catch (IOException e) {
            return 1;
        }
    }
}
