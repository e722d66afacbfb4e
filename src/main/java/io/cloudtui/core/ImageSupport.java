package io.cloudtui.core;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Backends that manage images (capability IMAGES). Progress lines are human-readable text. */
public interface ImageSupport {

    List<ImageInfo> images(boolean all);

    /** Removes an image by id, id prefix or reference; returns what was untagged/deleted, one per line. */
    List<String> removeImage(String ref, boolean force);

    /** Builds an image from a directory holding a Dockerfile; streams progress; returns the image id. */
    String build(Path contextDir, String dockerfile, List<String> tags, Consumer<String> progress);

    /** {@link #build(Path, String, List, Consumer)} with docker build's options; a backend that takes none refuses them. */
    default String build(Path contextDir, BuildOptions options, Consumer<String> progress) {
        if (!options.plain()) throw new CloudtuiException("this backend builds with a Dockerfile and tags only (no --build-arg, --target, --no-cache, --network)");
        return build(contextDir, options.dockerfile(), options.tags(), progress);
    }

    /** Imports an image from a file (docker save tar, OCI layout, rootfs tar); returns the image id. */
    default String importImage(Path file, String reference, Consumer<String> progress) {
        throw new CloudtuiException("this backend cannot import image files");
    }

    /**
     * An image streamed out of a backend as an archive (a docker save tar), for {@link ImageCopy}.
     *
     * @param reference what was exported, as the backend names it
     * @param sizeHint  about how many bytes the stream holds (the image's size), 0 if unknown
     * @param stream    the archive; closing it ends the export
     */
    record Export(String reference, long sizeHint, InputStream stream) implements AutoCloseable {
        @Override
        public void close() {
            try {
                stream.close();
            } catch (java.io.IOException e) {
                // the export is over either way
            }
        }
    }

    /** Streams an image out as a docker save tar (docker: GET /images/NAME/get); the caller closes it. */
    default Export exportImage(String reference) {
        throw new CloudtuiException("this backend cannot export images");
    }

    /**
     * Imports an image archive read from a stream (docker save tar, OCI layout tar, rootfs tar) in
     * one pass, as {@link #importImage(Path, String, Consumer)} does a file; SOURCE names it in
     * messages. Returns the image id.
     */
    default String importImage(InputStream in, String source, String reference, Consumer<String> progress) {
        throw new CloudtuiException("this backend cannot import image streams");
    }

    /** Pulls an image from a registry; returns the image id. */
    default String pull(String reference, Consumer<String> progress) {
        throw new CloudtuiException("this backend cannot pull images");
    }

    /** Pushes an image to the registry its reference names; returns the pushed manifest's digest. */
    default String push(String reference, Consumer<String> progress) {
        throw new CloudtuiException("this backend cannot push images");
    }

    /** Gives image {@code source} the reference {@code target} as well. */
    default void tag(String source, String target) {
        throw new CloudtuiException("this backend cannot tag images");
    }

    /** Removes images no tag and no container uses; returns what was deleted, one per line. */
    default List<String> prune() {
        throw new CloudtuiException("this backend cannot prune images");
    }
}
