package io.cloudtui.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cloudtui.testing.Engines;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The shipped jar as its own process (stdin from /dev/null, stdout and stderr captured) with a
 * private config (the qemu:///system backend, domain type qemu) and an SSH key pair in a temp dir.
 */
final class VmCli implements AutoCloseable {
    final Path dir;

    /** What a test of a real guest reached by ssh needs: libvirtd, the tiny test guest, its network, an ssh client. */
    static void requireGuestAndSsh() {
        Engines.requireLibvirt();
        Engines.require(Files.isReadable(LibvirtIT.GUEST.resolve("vmlinuz")) && Files.isReadable(LibvirtIT.GUEST.resolve("initrd.img")),
                "test guest in " + LibvirtIT.GUEST + " (scripts/provision/30-libvirt.sh)");
        Engines.require(LibvirtIT.defaultNetworkActive(), "libvirt network 'default' active (scripts/provision/30-libvirt.sh)");
        Engines.require(Engines.run("ssh", "-V") == 0, "ssh client");
    }

    VmCli() throws Exception {
        dir = Files.createTempDirectory("ctui-it-vmcli");
        Files.writeString(dir.resolve("config.yaml"), "backends:\n  - name: kvm\n    type: libvirt\n    uri: qemu:///system\n"
                + "    options: {domainType: qemu}\n");
        assertEquals(0, Engines.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ctui-it", "-f", dir.resolve("id").toString()));
    }

    Path publicKey() {
        return dir.resolve("id.pub");
    }

    LibvirtSshIT.Result run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")).toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("CLOUDTUI_CONFIG", dir.resolve("config.yaml").toString());
        pb.environment().put("XDG_STATE_HOME", dir.resolve("state").toString());
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> LibvirtSshIT.read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> LibvirtSshIT.read(p.getErrorStream()));
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("cloudtui " + String.join(" ", args) + " did not finish");
        }
        return new LibvirtSshIT.Result(p.exitValue(), out.get(), err.get());
    }

    /** {@code vm ssh} with the non-interactive options the tests need ({@link LibvirtSshIT#SSH_OPTS}). */
    LibvirtSshIT.Result ssh(String vm, String user, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("vm", "ssh"));
        args.addAll(LibvirtSshIT.SSH_OPTS);
        if (user != null) args.addAll(List.of("-l", user));
        args.add(vm);
        args.add("--");
        args.addAll(List.of(command));
        return run(args.toArray(String[]::new));
    }

    static String virsh(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("virsh", "-c", "qemu:///system"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    @Override
    public void close() throws Exception {
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
