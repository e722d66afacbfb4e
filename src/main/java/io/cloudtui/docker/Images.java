package io.cloudtui.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.api.model.PullResponseItem;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.ImageInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;

/** Image listing, removal, build, pull and load (docker save tars). */
final class Images {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Engine engine;
    private final String backend;

    Images(Engine engine, String backend) {
        this.engine = engine;
        this.backend = backend;
    }

    List<ImageInfo> list(boolean all) {
        List<ImageInfo> out = new ArrayList<>();
        for (Image i : engine.client().listImagesCmd().withShowAll(all).exec()) {
            List<String> tags = i.getRepoTags() == null ? List.of()
                    : Arrays.stream(i.getRepoTags()).filter(t -> !t.equals("<none>:<none>")).toList();
            out.add(new ImageInfo(backend, i.getId(), tags, i.getSize() == null ? -1 : i.getSize(),
                    i.getCreated() == null ? null : Instant.ofEpochSecond(i.getCreated())));
        }
        return out;
    }

    /** Like docker rmi: one "Untagged: ..." or "Deleted: ..." line per thing the engine removed. */
    List<String> remove(String ref, boolean force) {
        JsonNode res = engine.rawJson("DELETE", "/images/" + DockerBackend.enc(ref) + "?force=" + force, null, null);
        List<String> lines = new ArrayList<>();
        for (JsonNode n : res) {
            if (n.has("Untagged")) lines.add("Untagged: " + n.get("Untagged").asText());
            if (n.has("Deleted")) lines.add("Deleted: " + n.get("Deleted").asText());
        }
        return lines;
    }

    String build(Path contextDir, String dockerfile, List<String> tags, Consumer<String> progress) {
        return build(contextDir, new io.cloudtui.core.BuildOptions(dockerfile, tags, java.util.Map.of(), null, false, null), progress);
    }

    String build(Path contextDir, io.cloudtui.core.BuildOptions options, Consumer<String> progress) {
        String dockerfile = options.dockerfile();
        List<String> tags = options.tags();
        if (!Files.isDirectory(contextDir)) throw CloudtuiException.usage("build context " + contextDir + " is not a directory");
        Path file = contextDir.resolve(dockerfile == null || dockerfile.isBlank() ? "Dockerfile" : dockerfile);
        if (!Files.isRegularFile(file)) throw CloudtuiException.usage("no Dockerfile at " + file);
        String[] imageId = {null};
        String[] error = {null};
        StringBuilder partial = new StringBuilder();
        Streaming<BuildResponseItem> stream = new Streaming<>(item -> {
            if (item.isErrorIndicated()) {
                error[0] = errorOf(item);
                return;
            }
            if (item.getStream() != null) lines(partial, item.getStream(), progress);
            if (item.getImageId() != null) imageId[0] = item.getImageId();
        });
        // base directory first: given a directory, docker-java insists on a file named Dockerfile in it
        var cmd = engine.client().buildImageCmd().withBaseDirectory(contextDir.toFile()).withDockerfile(file.toFile()).withPull(false)
                // like docker build: intermediate containers go, and (forcerm) also those of a failed step
                .withRemove(true).withForcerm(true);
        if (tags != null && !tags.isEmpty()) cmd.withTags(new LinkedHashSet<>(tags));
        options.buildArgs().forEach(cmd::withBuildArg);
        if (options.target() != null) cmd.withTarget(options.target());
        if (options.noCache()) cmd.withNoCache(true);
        if (options.network() != null) cmd.withNetworkMode(options.network());
        cmd.exec(stream);
        stream.await();
        // ctrl-c of a warm command: the stream closed, and with it the engine's build
        if (Thread.currentThread().isInterrupted()) throw new CloudtuiException("the build was interrupted");
        if (partial.length() > 0) progress.accept(partial.toString());
        if (stream.error() != null) throw engine.translate(stream.error());
        if (error[0] != null) throw new CloudtuiException("build failed: " + error[0].trim().replace('\n', ' '));
        if (imageId[0] == null) throw new CloudtuiException("build finished without an image id");
        // the legacy builder reports a short id ("Successfully built 0123abcd")
        return engine.client().inspectImageCmd(imageId[0]).exec().getId();
    }

    String pull(String reference, Consumer<String> progress) {
        String[] error = {null};
        Streaming<PullResponseItem> stream = new Streaming<>(item -> {
            if (item.isErrorIndicated()) {
                error[0] = errorOf(item);
            } else if (item.getStatus() != null) {
                progress.accept((item.getId() != null ? item.getId() + ": " : "") + item.getStatus());
            }
        });
        engine.client().pullImageCmd(reference).exec(stream);
        stream.await();
        if (stream.error() != null) error[0] = engine.translate(stream.error()).getMessage();
        if (error[0] != null) throw new CloudtuiException("cannot pull " + reference + ": " + error[0].trim().replace('\n', ' '));
        return engine.client().inspectImageCmd(reference).exec().getId();
    }

    /** docker load of a saved tar; with {@code reference}, also tags the loaded image. */
    String load(Path file, String reference, Consumer<String> progress) {
        if (!Files.isRegularFile(file)) throw CloudtuiException.usage("no such file: " + file);
        try (InputStream in = Files.newInputStream(file)) {
            return load(in, file.toString(), reference, progress);
        } catch (IOException e) {
            throw new CloudtuiException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** docker load of an archive read from IN (SOURCE names it in messages); tagged REFERENCE when given. */
    String load(InputStream in, String source, String reference, Consumer<String> progress) {
        String file = source;
        String text = engine.rawText("POST", "/images/load?quiet=1", in, "application/x-tar");
        String loaded = null;
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                continue;
            }
            if (n.hasNonNull("error")) throw new CloudtuiException("cannot load " + file + ": " + n.get("error").asText());
            String s = n.path("stream").asText("").trim();
            if (s.isEmpty()) continue;
            progress.accept(s);
            if (s.startsWith("Loaded image ID: ")) loaded = s.substring("Loaded image ID: ".length()).trim();
            else if (s.startsWith("Loaded image: ")) loaded = s.substring("Loaded image: ".length()).trim();
        }
        if (loaded == null) throw new CloudtuiException("the engine loaded nothing from " + file);
        String id = engine.client().inspectImageCmd(loaded).exec().getId();
        if (reference != null && !reference.isBlank()) tag(id, reference);
        return id;
    }

    /**
     * docker save of one image, streamed: {@code GET /images/NAME/get}. The image is looked up
     * first, so a missing one is the engine's one-line "no such image", and its size is the hint.
     */
    io.cloudtui.core.ImageSupport.Export export(String reference) {
        JsonNode img = engine.rawJson("GET", "/images/" + DockerBackend.enc(reference) + "/json", null, null);
        com.github.dockerjava.transport.DockerHttpClient.Response r = engine.http().execute(
                com.github.dockerjava.transport.DockerHttpClient.Request.builder().method(
                        com.github.dockerjava.transport.DockerHttpClient.Request.Method.GET)
                        .path("/images/" + DockerBackend.enc(reference) + "/get").build());
        try {
            if (r.getStatusCode() >= 400) {
                String body = new String(r.getBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                r.close();
                throw Engine.statusError(body, r.getStatusCode());
            }
            InputStream body = new java.io.FilterInputStream(r.getBody()) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        r.close();
                    }
                }
            };
            return new io.cloudtui.core.ImageSupport.Export(reference, img.path("Size").asLong(0), body);
        } catch (IOException e) {
            r.close();
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** docker tag SOURCE TARGET (TARGET without a tag means :latest). */
    void tag(String source, String target) {
        int colon = target.lastIndexOf(':');
        boolean hasTag = colon > target.lastIndexOf('/');
        engine.client().tagImageCmd(source, hasTag ? target.substring(0, colon) : target, hasTag ? target.substring(colon + 1) : "latest").exec();
    }

    /** docker image prune: dangling images only. */
    List<String> prune() {
        var r = engine.client().pruneCmd(com.github.dockerjava.api.model.PruneType.IMAGES).exec();
        return List.of("Total reclaimed space: " + (r.getSpaceReclaimed() == null ? 0 : r.getSpaceReclaimed()) + " bytes");
    }

    private static String errorOf(com.github.dockerjava.api.model.ResponseItem item) {
        var d = item.getErrorDetail();
        return d != null && d.getMessage() != null ? d.getMessage() : "the engine reported an error without a message";
    }

    /** Splits build output into lines, carrying a trailing partial line to the next chunk. */
    static void lines(StringBuilder partial, String chunk, Consumer<String> progress) {
        partial.append(chunk);
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, nl);
            partial.delete(0, nl + 1);
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            progress.accept(line);
        }
    }
}
