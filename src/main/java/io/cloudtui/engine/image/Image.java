package io.cloudtui.engine.image;

import java.time.Instant;
import java.util.List;

/**
 * An image in the store. {@code id} is the sha256 digest of its config JSON (as Docker's image ids);
 * {@code layers} are diff-ids, bottom layer first; {@code size} is the unpacked size in bytes.
 */
public record Image(String id, List<String> tags, List<String> repoDigests, ImageConfig config, List<String> layers, long size,
        Instant created) {
    public Image {
        tags = List.copyOf(tags);
        repoDigests = List.copyOf(repoDigests);
        layers = List.copyOf(layers);
    }

    /** The first 12 hex digits of the id, as image lists show it. */
    public String shortId() {
        return id.substring("sha256:".length(), "sha256:".length() + 12);
    }
}
