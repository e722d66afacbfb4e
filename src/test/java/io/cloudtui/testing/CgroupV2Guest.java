package io.cloudtui.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A pure cgroup-v2 Linux to run a shell script in as root, for hosts whose own cgroups are v1 or
 * hybrid: QEMU (TCG, never KVM) boots the test guest's Debian kernel with an initramfs built here
 * (/bin/busybox, the virtio, 9p and overlayfs modules provisioned by
 * scripts/provision/31-cgroupv2-guest.sh, and cgroupv2-guest-init.sh as /init). The guest mounts
 * this host's root read-only over 9p, tmpfs on /tmp, /var/tmp, /run and /root, the work directory
 * read-write at the same path, and cgroup2 alone at /sys/fs/cgroup (memory, cpu, pids and io
 * enabled for child cgroups; the init moved to /init.scope first), then runs the script chrooted
 * into the host root: the JDK running these tests and target/cloudtui.jar run there unchanged.
 *
 * <p>Under TCG a JVM starts in about 10 s, so scripts should call few JVMs. The runtime wrapper's
 * class-data archive and the one of {@code $CLOUDTUI} are kept between guests in
 * target/cgroupv2-guest-cache; each test's output and console in target/cgroupv2-guest-logs.
 */
public final class CgroupV2Guest {
    public static final Path GUEST = Path.of("/var/cache/cloudtui-test/guest");
    public static final Path KERNEL = GUEST.resolve("vmlinuz");
    public static final Path MODULES = GUEST.resolve("cgroupv2");
    static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    /** Only a bound for a hung guest (a test never asserts on time); a whole script usually takes 1 to 3 minutes. */
    static final Duration LIMIT = Duration.ofMinutes(20);
    /** How long a boot may show nothing of its init before it is taken for hung, and how often it is tried. */
    static final Duration BOOT_LIMIT = Duration.ofSeconds(150);
    static final int BOOT_TRIES = 3;

    private CgroupV2Guest() {}

    /** What a guest run left: the script's exit code, its stdout and stderr, the serial console, the wall time. */
    public record Result(int exitCode, String output, String console, Duration elapsed) {
        /** For assertion messages: the output, then the end of the console. */
        public String describe() {
            String c = console.length() > 3000 ? console.substring(console.length() - 3000) : console;
            return "exit " + exitCode + "; output:\n" + output + "\n--- console (end):\n" + c;
        }
    }

    /** Skips (or fails, with CLOUDTUI_IT_STRICT=1) unless root, QEMU, the guest kernel and its modules are there. */
    public static void require() {
        Engines.requireRoot();
        Engines.require(Files.isExecutable(QEMU), "qemu-system-x86_64 (Debian package qemu-system-x86)");
        Engines.require(Files.isRegularFile(KERNEL) && Files.isRegularFile(GUEST.resolve("KERNEL_VERSION")),
                "the test guest kernel " + KERNEL + " (scripts/provision/30-libvirt.sh)");
        Engines.require(modulesMatchKernel(), "cgroup-v2 guest modules for that kernel in " + MODULES + " (scripts/provision/31-cgroupv2-guest.sh)");
        Engines.require(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
    }

    private static boolean modulesMatchKernel() {
        try {
            return Files.isRegularFile(MODULES.resolve("ORDER")) && Files.readString(MODULES.resolve("KERNEL_VERSION")).trim()
                    .equals(Files.readString(GUEST.resolve("KERNEL_VERSION")).trim());
        } catch (IOException e) {
            return false;
        }
    }

    /** The repository (failsafe's cloudtui.home), for bin/cloudtui-runtime. */
    public static Path home() {
        return Path.of(System.getProperty("cloudtui.home", ".")).toAbsolutePath().normalize();
    }

    public static Path jar() {
        return Path.of(System.getProperty("cloudtui.jar", home().resolve("target/cloudtui.jar").toString())).toAbsolutePath().normalize();
    }

    /**
     * Boots a guest that runs SCRIPT (sh) as root with the work directory WORK (absolute; created by
     * the caller) as its current directory; returns once the guest has powered off. The script sees
     * {@code $WORK}, {@code $JAVA_HOME} (the JDK running this test), {@code $CLOUDTUI_HOME} (the
     * repository), {@code $CLOUDTUI_JAR}, {@code $RUNTIME} (bin/cloudtui-runtime) and {@code $CLOUDTUI}
     * (java ... io.cloudtui.Main, with the launcher's JVM options); {@code x CMD...} writes "+ CMD"
     * to stderr, then runs CMD.
     */
    public static Result run(Path work, String script) throws IOException, InterruptedException {
        Path w = work.toAbsolutePath().normalize();
        // -virtfs takes the path in a comma-separated list, the kernel command line splits at blanks
        if (!w.toString().matches("[A-Za-z0-9/._-]+")) throw new IllegalArgumentException("work directory path " + w + " needs plain characters");
        Path g = w.resolve(".guest");
        Files.createDirectories(g.resolve("cache"));
        Files.deleteIfExists(g.resolve("rc"));
        Files.deleteIfExists(g.resolve("out"));
        Path cache = home().resolve("target/cgroupv2-guest-cache");
        // the JVM does not replace an archive made for another jar: one name per build of the jar
        String mainArchive = "main-" + Files.getLastModifiedTime(jar()).toMillis() + "-" + Files.size(jar()) + ".jsa";
        copyFiles(cache, g.resolve("cache"));
        String java = Path.of(System.getProperty("java.home")).toString();
        String prelude = String.join("\n",
                "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8",
                "export WORK=" + w + " JAVA_HOME=" + java + " CLOUDTUI_JAVA=" + java + "/bin/java",
                "export CLOUDTUI_HOME=" + home() + " CLOUDTUI_JAR=" + jar() + " RUNTIME=" + home().resolve("bin/cloudtui-runtime"),
                // the launcher's options (README, JVM settings), its class-data archive kept in the work directory's cache
                "export CLOUDTUI=\"$CLOUDTUI_JAVA -XX:+UseSerialGC -Xms96m -Xmn64m -Xmx384m -XX:TieredStopAtLevel=1 -Xss512k"
                        + " -XX:SharedArchiveFile=$WORK/.guest/cache/" + mainArchive + " -XX:+AutoCreateSharedArchive -Xlog:disable -Xlog:all=off"
                        + " --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Dcloudtui.home=$CLOUDTUI_HOME"
                        + " -cp $CLOUDTUI_JAR io.cloudtui.Main\"",
                // a trace of the steps, for a test that fails or hangs (KEY=VALUE parsing skips "+ " lines)
                // each step bounded (not a timing check): a hung one ends the script with what every process waits in
                "hung() { echo \"hung: $1\" >&2; for p in /proc/[0-9]*; do echo \"${p#/proc/} $(cat $p/comm 2>/dev/null)"
                        + " $(cut -d' ' -f3 $p/stat 2>/dev/null) wchan=$(cat $p/wchan 2>/dev/null) $(tr '\\0' ' ' <$p/cmdline 2>/dev/null | cut -c1-160)\" >&2;"
                        + " done; }",
                "x() { echo \"+ $*\" >&2; rc=0; timeout -k 10 240 \"$@\" || rc=$?; [ $rc != 124 ] || hung \"$*\"; return $rc; }",
                "cd \"$WORK\" || exit 100",
                "");
        Files.writeString(g.resolve("script"), prelude + script + "\n");
        Path initrd = g.resolve("initrd.cpio");
        Files.write(initrd, initramfs());
        Path console = g.resolve("console.log");
        List<String> cmd = new ArrayList<>(List.of(QEMU.toString(), "-accel", "tcg,thread=single", "-m", "2560", "-smp", "2",
                "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-serial", "file:" + console, "-no-reboot",
                "-kernel", KERNEL.toString(), "-initrd", initrd.toString(),
                "-append", "console=ttyS0 panic=-1 quiet cgroup_no_v1=all cloudtui.work=" + w + " cloudtui.home=" + home(),
                "-virtfs", "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap",
                "-virtfs", "local,path=" + w + ",mount_tag=work,security_model=passthrough,multidevs=remap"));
        long t0 = System.nanoTime();
        boolean done = false;
        for (int attempt = 1; ; attempt++) {
            Files.deleteIfExists(console);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(g.resolve("qemu.log").toFile()).start();
            long started = System.nanoTime();
            // The guest's init says "cgv2-guest: running" once it is up (5-30 s under TCG here). A clean-clone
            // run saw QEMU spin both vCPUs for 10 minutes with an empty console, before any of cloudtui ran:
            // a boot that shows no sign of life is started again (not a timing check of what is tested).
            boolean booted = false;
            while (!booted && p.isAlive() && System.nanoTime() - started < BOOT_LIMIT.toNanos()) {
                booted = read(console).contains("cgv2-guest: running");
                if (!booted) p.waitFor(250, TimeUnit.MILLISECONDS);
            }
            if (!booted && p.isAlive() && attempt < BOOT_TRIES) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                System.out.printf("cgroup-v2 guest: no sign of its init after %d s (try %d of %d), starting it again%n",
                        BOOT_LIMIT.toSeconds(), attempt, BOOT_TRIES);
                continue;
            }
            long left = LIMIT.toNanos() - (System.nanoTime() - started);
            done = p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (!done) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            break;
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        String consoleText = read(console) + read(g.resolve("qemu.log"));
        String out = read(g.resolve("out"));
        String caller = StackWalker.getInstance().walk(f -> f.map(StackWalker.StackFrame::getMethodName)
                .filter(m -> !m.equals("run")).findFirst().orElse("?"));
        System.out.printf("cgroup-v2 guest: %d s for %s (%s)%n", elapsed.toSeconds(), caller, w);
        // kept for a look after the test (the work directory is removed)
        Path logs = home().resolve("target/cgroupv2-guest-logs");
        Files.createDirectories(logs);
        Files.writeString(logs.resolve(caller + ".out"), out);
        Files.writeString(logs.resolve(caller + ".console"), consoleText);
        if (!done) throw new AssertionError("the cgroup-v2 guest did not power off within " + LIMIT.toMinutes() + " min; output:\n" + out + "\n--- console:\n" + consoleText);
        String rc = read(g.resolve("rc")).trim();
        if (rc.isEmpty()) throw new AssertionError("the cgroup-v2 guest never ran the script to its end; output:\n" + out + "\n--- console:\n" + consoleText);
        copyFiles(g.resolve("cache"), cache);
        try (var old = Files.list(cache)) {
            for (Path f : old.toList()) {
                String n = f.getFileName().toString();
                if (n.startsWith("main-") && !n.equals(mainArchive)) Files.deleteIfExists(f);
            }
        }
        return new Result(Integer.parseInt(rc), out, consoleText, elapsed);
    }

    private static String read(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }

    /** Copies the regular files of FROM into TO, keeping their modification times. */
    private static void copyFiles(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) return;
        Files.createDirectories(to);
        try (var s = Files.list(from)) {
            for (Path f : s.toList()) {
                if (Files.isRegularFile(f)) Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /** The guest's initramfs: a newc cpio of busybox, the modules, their load order and /init. */
    static byte[] initramfs() throws IOException {
        Cpio c = new Cpio();
        for (String d : List.of("bin", "dev", "proc", "sys", "host", "modules")) c.dir(d);
        c.device("dev/console", 0600, 5, 1); // the kernel opens it for the init's stdio before /dev is mounted
        c.file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox")));
        List<String> order = Files.readAllLines(MODULES.resolve("ORDER"));
        for (String m : order) c.file("modules/" + m + ".ko", 0644, Files.readAllBytes(MODULES.resolve(m + ".ko")));
        c.file("modules/ORDER", 0644, (String.join("\n", order) + "\n").getBytes(StandardCharsets.US_ASCII));
        try (InputStream in = CgroupV2Guest.class.getResourceAsStream("cgroupv2-guest-init.sh")) {
            if (in == null) throw new IOException("cgroupv2-guest-init.sh is not on the test class path");
            c.file("init", 0755, in.readAllBytes());
        }
        return c.finish();
    }

    /** The "newc" cpio format the kernel unpacks an initramfs from. */
    static final class Cpio {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int ino = 1;

        void dir(String name) {
            entry(name, 040755, 0, 0, new byte[0]);
        }

        void file(String name, int mode, byte[] data) {
            entry(name, 0100000 | mode, 0, 0, data);
        }

        void device(String name, int mode, int major, int minor) {
            entry(name, 020000 | mode, major, minor, new byte[0]);
        }

        private void entry(String name, int mode, int rmajor, int rminor, byte[] data) {
            byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
            int[] fields = {ino++, mode, 0, 0, (mode & 040000) != 0 ? 2 : 1, 0, data.length, 0, 0, rmajor, rminor, n.length, 0};
            StringBuilder h = new StringBuilder("070701");
            for (int f : fields) h.append(String.format("%08x", f));
            out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(n);
            pad();
            out.writeBytes(data);
            pad();
        }

        private void pad() {
            while (out.size() % 4 != 0) out.write(0);
        }

        byte[] finish() {
            entry("TRAILER!!!", 0, 0, 0, new byte[0]);
            return out.toByteArray();
        }
    }
}
