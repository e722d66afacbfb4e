package io.cloudtui.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.JsonTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Containers' state under --root: one private directory per container holding state.json (written
 * atomically), the start fifo, the monitor's exit file, and a lock file serialising CLIs.
 */
final class StateStore {
    static final String STATE = "state.json";
    static final String FIFO = "exec.fifo";
    static final String EXIT = "exit";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,1023}");

    private final Path root;

    StateStore(Path root) {
        this.root = root.toAbsolutePath();
    }

    Path root() {
        return root;
    }

    static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw CloudtuiException.usage("invalid container id '" + id + "' (letters, digits, _ . + -; must start with a letter or digit)");
        }
    }

    Path dir(String id) {
        checkId(id);
        return root.resolve(id);
    }

    /** Creates --root (0700) if needed and refuses one that others could tamper with. */
    void ensureRoot() {
        try {
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(root.getParent());
                try {
                    Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (FileAlreadyExistsException e) {
                    // a concurrent CLI made it
                }
            }
            if (Files.isSymbolicLink(root)) throw new CloudtuiException("state root " + root + " is a symlink");
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new CloudtuiException("cannot use state root " + root + ": " + e.getMessage());
        }
    }

    /** Makes the container's directory; it existing already means the id is taken. */
    Path createDir(String id) {
        ensureRoot();
        Path d = dir(id);
        try {
            Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return d;
        } catch (FileAlreadyExistsException e) {
            throw new CloudtuiException("container '" + id + "' already exists");
        } catch (IOException e) {
            throw new CloudtuiException("cannot create state for '" + id + "': " + e.getMessage());
        }
    }

    /** An exclusive lock on the container, held until closed: one mutating CLI at a time. */
    Lock lock(String id) {
        Path d = dir(id);
        try {
            FileChannel ch = FileChannel.open(d.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new Lock(ch, ch.lock());
        } catch (NoSuchFileException e) {
            throw new CloudtuiException("container '" + id + "' does not exist");
        } catch (IOException e) {
            throw new CloudtuiException("cannot lock container '" + id + "': " + e.getMessage());
        }
    }

    record Lock(FileChannel channel, FileLock lock) implements AutoCloseable {
        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // released with the process anyway
            }
        }
    }

    /** Writes state.json atomically: a reader sees the old or the new state, never half of one. */
    void save(String id, ObjectNode state) {
        Path d = dir(id);
        Path tmp = d.resolve(STATE + ".tmp");
        try {
            Files.write(tmp, JsonTrees.bytes(state));
            try {
                Files.move(tmp, d.resolve(STATE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the state directory does not support atomic renames", e);
            }
        } catch (IOException e) {
            throw new CloudtuiException("cannot save state of '" + id + "': " + e.getMessage());
        }
    }

    ObjectNode load(String id) {
        Path f = dir(id).resolve(STATE);
        try {
            JsonNode n = JsonTrees.read(Files.readAllBytes(f));
            if (!(n instanceof ObjectNode o)) throw new CloudtuiException("state of '" + id + "' is corrupt");
            return o;
        } catch (NoSuchFileException e) {
            if (Files.isDirectory(dir(id))) {
                // a create still running (or one that died before writing anything)
                ObjectNode o = JsonTrees.object();
                o.put("id", id).put("phase", "creating");
                return o;
            }
            throw new CloudtuiException("container '" + id + "' does not exist");
        } catch (IOException e) {
            throw new CloudtuiException("cannot read state of '" + id + "': " + e.getMessage());
        }
    }

    boolean exists(String id) {
        return Files.isDirectory(dir(id));
    }

    List<String> ids() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> ID.matcher(n).matches())
                    .sorted(Comparator.naturalOrder()).forEach(out::add);
        } catch (IOException e) {
            throw new CloudtuiException("cannot list " + root + ": " + e.getMessage());
        }
        return out;
    }

    /**
     * Removes the container's state: first renamed away (other CLIs see it gone at once), then
     * emptied; retried because the monitor may still be writing its exit file into it.
     */
    void removeDir(String id) {
        Path d = dir(id);
        Path gone = root.resolve(".deleted-" + id + "-" + ProcessHandle.current().pid());
        try {
            Files.move(d, gone, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new CloudtuiException("cannot remove state of '" + id + "': " + e.getMessage());
        }
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try (Stream<Path> s = Files.walk(gone)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                return;
            } catch (NoSuchFileException e) {
                if (!Files.exists(gone, LinkOption.NOFOLLOW_LINKS)) return;
                last = e;
            } catch (IOException | UncheckedIOException e) {
                // the walk met a file the monitor renamed away (exit.tmp -> exit) or one it added
                last = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new CloudtuiException("cannot remove state of '" + id + "': " + last);
    }

    /** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or -1 if no such process. */
    static long startTime(int pid) {
        if (pid <= 0) return -1;
        try {
            String s = StateStore.readKernelFile(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // fields after ")" start at field 3 (state); starttime is field 22
            if (f[0].equals("Z") || f[0].equals("X")) return -1;
            return Long.parseLong(f[19]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Reads a /proc, /sys or cgroup file; Files.readString trusts their size of 0 and truncates. */
    static String readKernelFile(Path p) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(p)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
