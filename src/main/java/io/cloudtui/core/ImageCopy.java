package io.cloudtui.core;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Copies an image from one backend into another without a file in between: the source's export
 * (docker: {@code GET /images/NAME/get}, a docker save tar) is read straight into the
 * destination's import, with progress as bytes arrive.
 */
public final class ImageCopy {
    private ImageCopy() {}

    /** Where an image comes from or goes to: {@code BACKEND:IMAGE}, or a bare {@code BACKEND} (no image). */
    public record Place(String backend, String image) {
        /** Splits at the first colon when what precedes it is the name of a backend in {@code known}. */
        public static Place parse(String text, java.util.Collection<String> known) {
            int colon = text.indexOf(':');
            if (colon > 0 && known.contains(text.substring(0, colon))) {
                String image = text.substring(colon + 1);
                return new Place(text.substring(0, colon), image.isEmpty() ? null : image);
            }
            if (known.contains(text)) return new Place(text, null);
            return new Place(null, text);
        }
    }

    /**
     * A reference as docker save should get it: a bare repository ({@code local/busybox}) means
     * its {@code :latest}, as docker pull takes it (docker save of a bare repository would export
     * every tag); tags, digests and image ids stay as they are.
     */
    public static String normalize(String ref) {
        if (ref == null || ref.isBlank()) throw CloudtuiException.usage("no image named");
        if (!ref.matches("[A-Za-z0-9._/:@+-]+")) throw CloudtuiException.usage("invalid image reference '" + ref + "'");
        if (ref.contains("@") || ref.startsWith("sha256:") || ref.toLowerCase(Locale.ROOT).matches("[0-9a-f]{12,64}")) return ref;
        String last = ref.substring(ref.lastIndexOf('/') + 1);
        return last.contains(":") ? ref : ref + ":latest";
    }

    /**
     * Streams image {@code ref} of {@code from} into {@code to}, tagged {@code destRef} (null: the
     * tags the archive carries); returns the id {@code to} gave it. Progress: the bytes received
     * (every tenth of the expected size, or every 16 MiB), then the destination's own lines.
     */
    public static String copy(Backend from, String ref, Backend to, String destRef, Consumer<String> progress) {
        if (from.name().equals(to.name())) throw CloudtuiException.usage("source and destination are both backend '" + from.name() + "'");
        ImageSupport src = images(from, "export images");
        ImageSupport dst = images(to, "import images");
        String name = normalize(ref);
        try (ImageSupport.Export export = src.exportImage(name)) {
            String source = from.name() + ":" + export.reference();
            progress.accept("copying " + source + " to " + to.name() + (export.sizeHint() > 0 ? " (about " + human(export.sizeHint()) + ")" : ""));
            Counting in = new Counting(export.stream(), export.sizeHint(), progress);
            String id = dst.importImage(in, source, destRef, progress);
            progress.accept("received " + human(in.count) + " from " + from.name());
            return id;
        }
    }

    private static ImageSupport images(Backend b, String what) {
        if (!b.supports(Capability.IMAGES) || !(b instanceof ImageSupport is)) throw CloudtuiException.unsupported(b.name(), what);
        return is;
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        if (bytes < 1024L * 1024 * 1024) return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
        return String.format(Locale.ROOT, "%.2f GiB", bytes / 1073741824.0);
    }

    /** Counts what passes and reports it: each tenth of the expected size, or each 16 MiB without one. */
    static final class Counting extends FilterInputStream {
        private static final long STEP = 16L << 20;
        private final long expected;
        private final Consumer<String> progress;
        long count;
        private long next;

        Counting(InputStream in, long expected, Consumer<String> progress) {
            super(in);
            this.expected = expected;
            this.progress = progress;
            this.next = expected > 0 ? Math.max(1, expected / 10) : STEP;
        }

        private void add(long n) {
            if (n <= 0) return;
            count += n;
            if (count < next) return;
            if (expected > 0) {
                long pct = Math.min(99, count * 100 / expected);
                progress.accept("received " + human(count) + " (" + pct + "%)");
                while (next <= count) next += Math.max(1, expected / 10);
            } else {
                progress.accept("received " + human(count));
                while (next <= count) next += STEP;
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) add(1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            add(n);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            add(s);
            return s;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
