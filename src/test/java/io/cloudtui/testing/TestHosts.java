package io.cloudtui.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The test hosts of scripts/provision/50-hosts.sh: "remote machines" on this one, each a network
 * namespace {@code ctui-hN} at 10.213.0.(100+N) named hN, with its own sshd on port 22 and its own
 * dockerd, whose ssh users see that dockerd at /var/run/docker.sock and have homes of their own on
 * each host (a session libvirtd, qemu:///session, starts per host on demand). Users: {@link #DOCKER_USER} (in the hosts'
 * docker group), {@link #PLAIN_USER} (no Docker). Client side: {@link #sshConfig()} has a
 * {@code Host hN} entry per host (user {@link #DOCKER_USER}, the private key and known_hosts, strict
 * host key checking), so {@code ssh -F CONFIG hN} works with no prompt; the local user
 * {@link #CLI_USER} has the same in its own ~/.ssh, to run cloudtui as a user would ({@link #asCliUser}).
 *
 * <p>Faults for tests: link down/up, sshd killed (with its sessions) and restarted, a changed host key,
 * dockerd stopped and started, established connections to a host's sshd counted, and a relay that
 * delays every chunk ({@link #relay}). A test that makes a fault calls {@link #heal} afterwards.
 */
public final class TestHosts {
    public static final Path DIR = Path.of("/var/lib/cloudtui-test/hosts");
    /** A user in each host's docker group (the ssh_config's default user). */
    public static final String DOCKER_USER = "ctui-hdock";
    /** A user without Docker on the hosts. */
    public static final String PLAIN_USER = "ctui-hplain";
    /** The hosts' docker group (their dockerd's --group). */
    public static final String DOCKER_GROUP = "ctui-hdocker";
    /** A local user whose ~/.ssh/config, key and known_hosts reach the hosts by name. */
    public static final String CLI_USER = "ctui-sshcli";

    /** One test host. */
    public record Host(String name, String address) {
        public Path dir() {
            return DIR.resolve(name);
        }

        /** Its dockerd's socket, by its real path in this machine's mount namespace. */
        public Path dockerSocket() {
            return dir().resolve("run/docker.sock");
        }

        /** {@code unix://...} for DOCKER_HOST or {@code docker -H}. */
        public String dockerHost() {
            return "unix://" + dockerSocket();
        }

        /** Its network namespace, for {@code nsenter --net=}. */
        public Path netns() {
            return Path.of("/run/netns/ctui-" + name);
        }

        /** The bridge side of its link (in this machine's namespace). */
        public String veth() {
            return "ctui-" + name + "-v";
        }
    }

    /** A command's exit code and its output (stdout and stderr together). */
    public record Result(int exit, String out) {
        public boolean ok() {
            return exit == 0;
        }
    }

    private final List<Host> hosts;

    private TestHosts(List<Host> hosts) {
        this.hosts = hosts;
    }

    /** The three hosts (fails with CLOUDTUI_IT_STRICT=1, else skips, unless root and they are up). */
    public static TestHosts require() {
        return require(3);
    }

    /** At least {@code n} hosts, each answering on its sshd port and its docker socket. */
    public static TestHosts require(int n) {
        Engines.require("root".equals(System.getProperty("user.name")), "root (test hosts)");
        List<Host> found = provisioned();
        String what = n + " test hosts (sudo scripts/provision/50-hosts.sh" + (n == 3 ? "" : " " + n) + ")";
        Engines.require(found.size() >= n && Files.isRegularFile(sshConfig()), what);
        List<Host> use = found.subList(0, n);
        for (Host h : use) {
            Engines.require(portOpen(h.address(), 22) && Engines.run("docker", "-H", h.dockerHost(), "version") == 0,
                    what + ": " + h.name() + " up");
        }
        return new TestHosts(List.copyOf(use));
    }

    /**
     * Host {@code name} alone, answering on its sshd port: a test that uses one host does not depend on
     * (or get skipped for) the others, which other tests may be faulting at the time.
     */
    public static TestHosts requireHost(String name) {
        Engines.require("root".equals(System.getProperty("user.name")), "root (test hosts)");
        Host h = provisioned().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        String what = "test host " + name + " (sudo scripts/provision/50-hosts.sh)";
        Engines.require(h != null && Files.isRegularFile(sshConfig()), what);
        Engines.require(portOpen(h.address(), 22), what + " up");
        return new TestHosts(List.of(h));
    }

    /** The faults and helpers of this class on host H alone (an extra host a test made for itself). */
    public static TestHosts of(Host h) {
        return new TestHosts(List.of(h));
    }

    private static List<Host> provisioned() {
        List<Host> out = new ArrayList<>();
        try {
            int count = Integer.parseInt(Files.readString(DIR.resolve("COUNT")).trim());
            for (int i = 1; i <= count; i++) out.add(new Host("h" + i, "10.213.0." + (100 + i)));
        } catch (IOException | NumberFormatException e) {
            // not provisioned
        }
        return out;
    }

    private static boolean portOpen(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public List<Host> hosts() {
        return hosts;
    }

    public Host host(String name) {
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no test host " + name));
    }

    public static Path sshConfig() {
        return DIR.resolve("ssh_config");
    }

    public static Path clientKey() {
        return DIR.resolve("client/id_ed25519");
    }

    public static Path knownHosts() {
        return DIR.resolve("known_hosts");
    }

    /** The known_hosts line that trusts host {@code h}'s key under another name (e.g. {@code [127.0.0.1]:PORT}). */
    public String knownHostsLine(Host h, String names) throws IOException {
        String[] pub = Files.readString(h.dir().resolve("ssh_host_ed25519_key.pub")).trim().split(" ");
        return names + " " + pub[0] + " " + pub[1];
    }

    /** {@code ssh -F CONFIG [options] hN command...} as {@link #DOCKER_USER}, never prompting. */
    public Result ssh(Host h, String... command) {
        return sshAs(null, h, command);
    }

    /** As {@link #ssh}, as {@code user} (null: the config's user). */
    public Result sshAs(String user, Host h, String... command) {
        List<String> cmd = new ArrayList<>(sshCommand(5));
        cmd.add(user == null ? h.name() : user + "@" + h.name());
        cmd.addAll(List.of(command));
        return run(cmd);
    }

    /** {@code ssh -F CONFIG -o BatchMode=yes -o ConnectTimeout=SECONDS} (a host alias and command follow). */
    public List<String> sshCommand(int connectTimeoutSeconds) {
        return List.of("ssh", "-F", sshConfig().toString(), "-o", "BatchMode=yes", "-o", "ConnectTimeout=" + connectTimeoutSeconds);
    }

    /** {@code docker} against host {@code h}'s dockerd, from this machine (its socket by real path). */
    public Result docker(Host h, String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker", "-H", h.dockerHost()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** A command as {@link #CLI_USER}, with HOME its home (so ssh and cloudtui read its ~/.ssh/config). */
    public static List<String> asCliUser(String... command) {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", CLI_USER, "--", "env", "-i",
                "HOME=" + cliUserHome(), "USER=" + CLI_USER, "LOGNAME=" + CLI_USER,
                "PATH=" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null) cmd.add("JAVA_HOME=" + javaHome);
        cmd.addAll(List.of(command));
        return cmd;
    }

    public static Path cliUserHome() {
        Result r = run(List.of("getent", "passwd", CLI_USER));
        String[] f = r.out().trim().split(":");
        return Path.of(f.length >= 6 ? f[5] : "/home/" + CLI_USER);
    }

    // ---- faults ----

    /** Takes the host's link down: its packets are dropped, a new connection times out. */
    public void linkDown(Host h) {
        check(run(List.of("ip", "link", "set", h.veth(), "down")), "link down " + h.name());
    }

    public void linkUp(Host h) {
        check(run(List.of("ip", "link", "set", h.veth(), "up")), "link up " + h.name());
    }

    /** Kills the host's sshd and every ssh session on it (SIGKILL), like a crash: connections drop. */
    public void killSshd(Host h) {
        script("sshd-kill", h.name());
    }

    /** Starts the host's sshd (with its own host key) when it does not run. */
    public void startSshd(Host h) {
        script("sshd-start", h.name());
    }

    /** Restarts the host's sshd with a new host key, which the known_hosts does not have. */
    public void changeHostKey(Host h) {
        script("sshd-kill", h.name());
        script("sshd-start", h.name(), "alt");
    }

    /** Back to the host's own key (restarts its sshd). */
    public void restoreHostKey(Host h) {
        script("sshd-kill", h.name());
        script("sshd-start", h.name());
    }

    /** Stops the host's dockerd (its containers stop; its socket goes away). */
    public void stopDocker(Host h) {
        script("dockerd-stop", h.name());
    }

    /**
     * A dockerd that died and left its socket behind: dockerd stopped, then a socket file at its path
     * (the docker group's, as dockerd makes it) that nothing listens on; {@link #startDocker} replaces it.
     */
    public void crashDocker(Host h) throws IOException {
        stopDocker(h);
        Path sock = h.dockerSocket();
        try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(java.net.UnixDomainSocketAddress.of(sock));
        }
        check(run(List.of("chgrp", DOCKER_GROUP, sock.toString())), "chgrp " + sock);
        check(run(List.of("chmod", "660", sock.toString())), "chmod " + sock);
    }

    /** Starts the host's dockerd when it does not run, and waits until it answers. */
    public void startDocker(Host h) {
        script("dockerd-start", h.name());
    }

    /** Undoes every fault on the host: link up, sshd with its own key, dockerd running. */
    public void heal(Host h) {
        script("heal", h.name());
    }

    /** Established TCP connections to the host's sshd, counted in the host's namespace. */
    public int sshConnections(Host h) {
        Result r = run(List.of("nsenter", "--net=" + h.netns(), "ss", "-tnH", "state", "established", "( sport = :22 )"));
        check(r, "ss on " + h.name());
        return (int) r.out().lines().filter(l -> !l.isBlank()).count();
    }

    /**
     * A relay on 127.0.0.1 to the host's sshd that delays every chunk {@code delayMillis} each way. ssh
     * through it: {@code ssh -F CONFIG -o HostName=127.0.0.1 -p PORT -o HostKeyAlias=hN hN}, or trust
     * {@code [127.0.0.1]:PORT} with {@link #knownHostsLine}.
     */
    public DelayRelay relay(Host h, long delayMillis) throws IOException {
        return DelayRelay.start(h.address(), 22, delayMillis);
    }

    private static Path script() {
        Path home = Path.of(System.getProperty("cloudtui.home", System.getProperty("user.dir")));
        return home.resolve("scripts/provision/50-hosts.sh");
    }

    private static void script(String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", script().toString()));
        cmd.addAll(List.of(args));
        check(run(cmd), String.join(" ", args));
    }

    private static void check(Result r, String what) {
        if (!r.ok()) throw new IllegalStateException(what + " failed (exit " + r.exit() + "): " + r.out().strip());
    }

    /** Runs a command (stdin closed), waiting at most two minutes; its output is stdout and stderr. */
    public static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, new String(out, StandardCharsets.UTF_8) + "\n(timed out)");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, e.toString());
        }
    }
}
