package io.cloudtui.core;

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

    /** Imports an image from a file (docker save tar, OCI layout, rootfs tar); returns the image id. */
    default String importImage(Path file, String reference, Consumer<String> progress) {
        throw new CloudtuiException("this backend cannot import image files");
    }

    /** Pulls an image from a registry; returns the image id. */
    default String pull(String reference, Consumer<String> progress) {
        throw new CloudtuiException("this backend cannot pull images");
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
