package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The engine's event thread wakes on container and state changes (real inotify on temp dirs), not on log writes. */
class StoreWatcherTest {
    @TempDir
    Path tmp;

    /** A wait of 10 minutes that ends early when {@code change} happens, or not at all (the JUnit timeout fails it). */
    private static boolean changedBy(StoreWatcher w, ThrowingRunnable change) throws Exception {
        CompletableFuture<Boolean> r = CompletableFuture.supplyAsync(() -> {
            try {
                return w.await(Duration.ofMinutes(10));
            } catch (InterruptedException e) {
                return false;
            }
        });
        Thread.sleep(200);
        change.run();
        return r.get(30, TimeUnit.SECONDS);
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    @Timeout(120)
    void wakesOnContainersAndStateFilesButNotOnLogs() throws Exception {
        Path containers = Files.createDirectories(tmp.resolve("containers"));
        Path state = tmp.resolve("state"); // appears later, as the runtime's root does on a first create
        try (StoreWatcher w = new StoreWatcher(List.of(containers, state))) {
            assertTrue(w.await(Duration.ofMillis(10)), "the first wait starts watching and counts as a change");
            assertFalse(w.complete(), "the state root does not exist yet");
            Path c = containers.resolve("abc");
            assertTrue(changedBy(w, () -> Files.createDirectory(c)), "a new container");
            assertTrue(changedBy(w, () -> {
                Path t = Files.writeString(c.resolve("container.json.tmp"), "{}");
                Files.move(t, c.resolve("container.json"), StandardCopyOption.ATOMIC_MOVE);
            }), "container.json replaced");
            Files.writeString(c.resolve("log.json"), "{}\n");
            w.await(Duration.ofMillis(200)); // the log's creation, once
            for (int i = 0; i < 20; i++) Files.writeString(c.resolve("log.json"), "{\"log\":\"x\"}\n", StandardOpenOption.APPEND);
            assertFalse(w.await(Duration.ofMillis(500)), "appending to a log is no state change");
            Files.createDirectories(state.resolve("abc"));
            assertTrue(w.await(Duration.ofMillis(10)), "the state root appeared and is watched");
            assertTrue(w.complete());
            assertTrue(changedBy(w, () -> {
                Path t = Files.writeString(state.resolve("abc/exit.tmp"), "3");
                Files.move(t, state.resolve("abc/exit"), StandardCopyOption.ATOMIC_MOVE);
            }), "the monitor wrote the exit code");
            assertTrue(changedBy(w, () -> {
                Files.walk(c).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }), "a removed container");
        }
    }
}
