package io.cloudtui.engine;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Tells the engine's event thread when a container may have changed, from inotify (a WatchService)
 * on the store's containers directory, the runtime's state directory and each container's
 * directory in them: files there are replaced by rename (container.json, state.json, the monitor's
 * exit), so creations and deletions are what matter; appends to logs are not watched at all. An
 * idle store then costs nothing, where listing it every second cost a read of every container.
 */
final class StoreWatcher implements AutoCloseable {
    /** The files whose replacement means a state change; anything else in a container's directory (logs, locks) is noise. */
    private static final Set<String> STATE_FILES = Set.of("container.json", "state.json", "exit");

    private final List<Path> roots;
    private final WatchService ws;
    /** What each key watches: a root (whose children are containers) or a container's directory. */
    private final Map<WatchKey, Path> keys = new HashMap<>();

    StoreWatcher(List<Path> roots) throws IOException {
        this.roots = List.copyOf(roots);
        this.ws = FileSystems.getDefault().newWatchService();
    }

    /** Whether every root exists and is watched (until then, a caller polls more often). */
    boolean complete() {
        return keys.values().containsAll(roots);
    }

    /**
     * Waits up to {@code timeout} for a change; returns whether there was one (a burst of changes
     * within 50 ms counts once). Roots that appeared meanwhile are watched from now on.
     */
    boolean await(Duration timeout) throws InterruptedException {
        boolean changed = watchRoots();
        WatchKey k;
        try {
            k = changed ? ws.poll() : ws.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            while (k != null) {
                changed |= handle(k);
                k = ws.poll(50, TimeUnit.MILLISECONDS);
            }
        } catch (ClosedWatchServiceException e) {
            throw new InterruptedException("watcher closed");
        }
        return changed;
    }

    private boolean watchRoots() {
        boolean added = false;
        for (Path r : roots) {
            if (keys.containsValue(r) || !Files.isDirectory(r)) continue;
            if (watch(r)) {
                added = true;
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(r, Files::isDirectory)) {
                    for (Path c : ds) watch(c);
                } catch (IOException e) {
                    // listed again on the next change
                }
            }
        }
        return added;
    }

    private boolean watch(Path dir) {
        try {
            WatchKey k = dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
            keys.put(k, dir);
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // gone already, or not ours to read
        }
    }

    private boolean handle(WatchKey k) {
        Path dir = keys.get(k);
        boolean root = dir != null && roots.contains(dir);
        boolean changed = false;
        for (WatchEvent<?> e : k.pollEvents()) {
            if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                changed = true;
                continue;
            }
            String name = String.valueOf(e.context());
            if (root) {
                changed = true; // a container's directory came or went
                if (e.kind() == StandardWatchEventKinds.ENTRY_CREATE && dir != null && Files.isDirectory(dir.resolve(name))) watch(dir.resolve(name));
            } else if (STATE_FILES.contains(name)) {
                changed = true;
            }
        }
        if (!k.reset()) {
            // the directory is gone (a removed container)
            keys.remove(k);
            changed = true;
        }
        return changed;
    }

    @Override
    public void close() {
        try {
            ws.close();
        } catch (IOException e) {
            // nothing to release
        }
    }
}
