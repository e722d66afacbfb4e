package io.cloudtui.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A private sshd on a free loopback port, for tests that go through ssh (the UI over ssh,
 * qemu+ssh libvirt URIs): its own host key, and one client key pair ({@link #key}) authorized
 * for the user running the tests.
 */
public final class Sshd implements AutoCloseable {
    public final Path dir;
    public final int port;
    public final Path key;
    private final Process process;

    private Sshd(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.key = dir.resolve("user");
        this.process = process;
    }

    public static Sshd start(Path dir) throws IOException, InterruptedException {
        Engines.require(Files.isExecutable(Path.of("/usr/sbin/sshd")) && Engines.run("ssh", "-V") == 0, "sshd and ssh");
        Files.createDirectories(dir);
        if (Engines.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host").toString()) != 0
                || Engines.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("user").toString()) != 0) {
            throw new IOException("ssh-keygen failed");
        }
        Files.copy(dir.resolve("user.pub"), dir.resolve("authorized_keys"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("sshd_config"), "Port " + port + "\nListenAddress 127.0.0.1\nHostKey " + dir.resolve("host")
                + "\nAuthorizedKeysFile " + dir.resolve("authorized_keys") + "\nPermitRootLogin yes\nPasswordAuthentication no\n"
                + "KbdInteractiveAuthentication no\nStrictModes no\nUsePAM no\nPidFile " + dir.resolve("sshd.pid") + "\n");
        Files.createDirectories(Path.of("/run/sshd"));
        Process p = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        // ready when the port answers
        for (int i = 0; i < 100; i++) {
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                break;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        return new Sshd(dir, port, p);
    }

    /** ssh options for a client that trusts this server without asking. */
    public String clientOptions() {
        return "-p " + port + " -i " + key + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR";
    }

    @Override
    public void close() {
        process.destroy();
    }
}
