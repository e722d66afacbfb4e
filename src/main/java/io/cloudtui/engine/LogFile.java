package io.cloudtui.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.LogLine;
import io.cloudtui.core.LogOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads a container log the monitor writes in Docker's json-file format, one
 * {@code {"log":..,"stream":..,"time":..}} per line, rotated to FILE.1, FILE.2 ... (oldest last).
 * Follow polls the file, so it also works while a monitor of another cloudtui process writes it.
 */
final class LogFile {
    private LogFile() {}

    static void read(Path file, LogOptions o, Consumer<LogLine> sink, Backend.Cancel cancel, BooleanSupplier alive) {
        List<Path> files = new ArrayList<>();
        for (int i = 9; i >= 1; i--) {
            Path r = file.resolveSibling(file.getFileName() + "." + i);
            if (Files.isRegularFile(r)) files.add(r);
        }
        ArrayDeque<LogLine> tail = o.tail() >= 0 ? new ArrayDeque<>() : null;
        Consumer<LogLine> out = line -> {
            if (o.since() != null && line.timestamp() != null && line.timestamp().isBefore(o.since())) return;
            if (tail == null) {
                sink.accept(line);
                return;
            }
            if (o.tail() == 0) return;
            tail.addLast(line);
            if (tail.size() > o.tail()) tail.removeFirst();
        };
        Joiner joined = new Joiner(out);
        for (Path f : files) readAll(f, joined);
        long pos = Files.isRegularFile(file) ? readAll(file, joined) : 0;
        if (!o.follow()) joined.flush();
        if (tail != null) tail.forEach(sink);
        if (!o.follow()) return;
        Joiner live = joined.to(l -> {
            if (o.since() == null || l.timestamp() == null || !l.timestamp().isBefore(o.since())) sink.accept(l);
        });
        Object ino = inode(file);
        StringBuilder partial = new StringBuilder();
        while (!cancel.isCancelled()) {
            boolean running = alive.getAsBoolean();
            Object now = inode(file);
            try {
                long size = Files.isRegularFile(file) ? Files.size(file) : 0;
                if (now != null && !now.equals(ino) || size < pos) {
                    pos = 0; // rotated: the new file starts from the beginning
                    ino = now;
                }
                if (size > pos) {
                    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                        raf.seek(pos);
                        byte[] buf = new byte[(int) Math.min(size - pos, 1 << 20)];
                        raf.readFully(buf);
                        pos += buf.length;
                        partial.append(new String(buf, StandardCharsets.UTF_8));
                        int nl;
                        while ((nl = partial.indexOf("\n")) >= 0) {
                            LogLine l = parse(partial.substring(0, nl));
                            partial.delete(0, nl + 1);
                            if (l != null) live.accept(l);
                        }
                    }
                    continue;
                }
            } catch (IOException e) {
                throw new CloudtuiException("cannot read " + file + ": " + e.getMessage());
            }
            if (!running) {
                live.flush();
                return; // exited, and everything it wrote is out
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Object inode(Path f) {
        try {
            return Files.readAttributes(f, "unix:ino").get("ino");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    private static long readAll(Path f, Consumer<LogLine> out) {
        long n = 0;
        try (var r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                n += line.getBytes(StandardCharsets.UTF_8).length + 1;
                LogLine l = parse(line);
                if (l != null) out.accept(l);
            }
        } catch (IOException e) {
            throw new CloudtuiException("cannot read " + f + ": " + e.getMessage());
        }
        return n;
    }

    /**
     * Joins the pieces the monitor splits long lines into (entries without a final newline) and
     * strips the newline, so each LogLine is one line of output.
     */
    static final class Joiner implements Consumer<LogLine> {
        private final Consumer<LogLine> out;
        private final java.util.EnumMap<LogLine.Stream, LogLine> pending = new java.util.EnumMap<>(LogLine.Stream.class);

        Joiner(Consumer<LogLine> out) {
            this.out = out;
        }

        /** The same pending pieces, from now on delivered to {@code next}. */
        Joiner to(Consumer<LogLine> next) {
            Joiner j = new Joiner(next);
            j.pending.putAll(pending);
            return j;
        }

        @Override
        public void accept(LogLine l) {
            LogLine p = pending.remove(l.stream());
            String text = p == null ? l.text() : p.text() + l.text();
            Instant t = p == null ? l.timestamp() : p.timestamp();
            if (text.endsWith("\n")) out.accept(new LogLine(l.stream(), t, text.substring(0, text.length() - 1)));
            else pending.put(l.stream(), new LogLine(l.stream(), t, text));
        }

        void flush() {
            for (LogLine l : pending.values()) out.accept(l);
            pending.clear();
        }
    }

    static LogLine parse(String json) {
        try {
            JsonNode n = io.cloudtui.core.JsonTrees.read(json);
            LogLine.Stream s = "stderr".equals(n.path("stream").asText()) ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT;
            Instant t = n.hasNonNull("time") ? Instant.parse(n.get("time").asText()) : null;
            return new LogLine(s, t, n.path("log").asText());
        } catch (IOException | RuntimeException e) {
            return null; // a torn last line while the monitor writes it: the next read gets it whole
        }
    }
}
