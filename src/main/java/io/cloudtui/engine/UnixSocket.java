package io.cloudtui.engine;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Connects to a unix socket whose path may not fit in sun_path (107 bytes): a rootless user's
 * state directory ($XDG_RUNTIME_DIR/cloudtui/engine/ID/ with a 64-character id, or under $HOME)
 * easily exceeds it. Then the connection goes through a symlink to the socket's directory in a
 * fresh private temporary directory, removed right after.
 */
final class UnixSocket {
    private static final int MAX = 100;

    private UnixSocket() {}

    static SocketChannel connect(Path socket) throws IOException {
        Path abs = socket.toAbsolutePath();
        if (abs.toString().getBytes(StandardCharsets.UTF_8).length <= MAX) return SocketChannel.open(UnixDomainSocketAddress.of(abs));
        Path tmp = Files.createTempDirectory(Path.of("/tmp"), "ctui-"); // 0700, ours
        Path link = tmp.resolve("d");
        try {
            Files.createSymbolicLink(link, abs.getParent());
            return SocketChannel.open(UnixDomainSocketAddress.of(link.resolve(abs.getFileName())));
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(tmp);
        }
    }
}
