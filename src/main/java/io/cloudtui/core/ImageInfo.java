package io.cloudtui.core;

import java.time.Instant;
import java.util.List;

/** An image as listed by {@code cloudtui images}. */
public record ImageInfo(String backend, String id, List<String> tags, long size, Instant created) {
    public ImageInfo {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
