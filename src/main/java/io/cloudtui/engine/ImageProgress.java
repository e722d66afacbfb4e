package io.cloudtui.engine;

import io.cloudtui.engine.image.ImageStore;
import java.util.function.Consumer;

/** Image store progress as text lines ("a1b2c3d4e5f6: downloading 40%"), at most one per layer per status or ten per cent. */
final class ImageProgress {
    private ImageProgress() {}

    static ImageStore.Progress of(Consumer<String> sink) {
        if (sink == null) return ImageStore.Progress.NONE;
        java.util.Map<String, String> last = new java.util.concurrent.ConcurrentHashMap<>();
        return (layer, done, total, status) -> {
            String shortLayer = layer.startsWith("sha256:") ? layer.substring(7, Math.min(layer.length(), 19)) : layer;
            String pct = total > 0 ? " " + (100 * done / total / 10 * 10) + "%" : "";
            String line = shortLayer + ": " + status + pct;
            if (!line.equals(last.put(layer, line))) sink.accept(line);
        };
    }
}
