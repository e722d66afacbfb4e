import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import io.cloudtui.libvirt.LibvirtProvider;
import io.cloudtui.libvirt.VmSupport;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One full refresh (list every domain + stats of every running one) through cloudtui's backend,
 * against `virsh list --all` + `virsh domstats` doing the same, in one run; then the serial
 * console's keystroke round trip. Run with bench/libvirt/run.sh (defines 50 guests, starts 5).
 */
public class LibvirtBench {
    static final String G = "/var/cache/cloudtui-test/guest";
    static final int DEFINED = Integer.getInteger("defined", 50);
    static final int RUNNING = Integer.getInteger("running", 5);
    static final int ROUNDS = Integer.getInteger("rounds", 20);

    public static void main(String[] args) throws Exception {
        Backend b = new LibvirtProvider().create(BackendConfig.of("bench", "libvirt"));
        // Like the UI: subscribed to events, so domain XML is cached until an event says it changed.
        AutoCloseable events = b.events(e -> {});
        List<String> names = new ArrayList<>();
        try {
            for (int i = 0; i < DEFINED; i++) {
                String n = String.format("ctui-bench-%02d", i);
                names.add(n);
                run("virsh", "-q", "-c", "qemu:///system", "define", "/dev/stdin", xml(n));
            }
            for (int i = 0; i < RUNNING; i++) b.start(names.get(i));
            Thread.sleep(8000); // let the guests boot to their shell
            refresh(b); // first stats sample of each running VM
            long[] ours = new long[ROUNDS];
            long[] virsh = new long[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                long t0 = System.nanoTime();
                int seen = refresh(b);
                ours[r] = System.nanoTime() - t0;
                if (seen < DEFINED) throw new IllegalStateException("listed only " + seen);
                t0 = System.nanoTime();
                run("virsh", "-q", "-c", "qemu:///system", "list", "--all", null);
                run("virsh", "-q", "-c", "qemu:///system", "domstats", null);
                virsh[r] = System.nanoTime() - t0;
            }
            System.out.printf("full refresh, %d defined / %d running, median of %d:%n", DEFINED, RUNNING, ROUNDS);
            System.out.printf("  cloudtui backend (list + stats): %.1f ms%n", median(ours) / 1e6);
            System.out.printf("  virsh list --all + virsh domstats: %.1f ms%n", median(virsh) / 1e6);
            System.out.printf("  ratio virsh / cloudtui: %.2f%n", (double) median(virsh) / median(ours));
            System.out.printf("  (cloudtui mean: list %.1f ms, stats %.1f ms)%n", listNs / 1e6 / (ROUNDS + 1), statsNs / 1e6 / (ROUNDS + 1));
            consoleRoundTrip((VmSupport) b, names.get(0));
        } finally {
            for (String n : names) {
                run("virsh", "-q", "-c", "qemu:///system", "destroy", n, null);
                run("virsh", "-q", "-c", "qemu:///system", "undefine", n, null);
            }
            events.close();
            b.close();
        }
    }

    static long listNs, statsNs;

    static int refresh(Backend b) {
        long t0 = System.nanoTime();
        List<Workload> all = b.list(true);
        long t1 = System.nanoTime();
        for (Workload w : all) if (w.state().isActive()) b.stats(w.nativeId());
        listNs += t1 - t0;
        statsNs += System.nanoTime() - t1;
        return all.size();
    }

    static void consoleRoundTrip(VmSupport vm, String name) throws Exception {
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys, 4096);
        AtomicInteger received = new AtomicInteger();
        Object lock = new Object();
        OutputStream sink = new OutputStream() {
            @Override public void write(int c) { write(new byte[] {(byte) c}, 0, 1); }
            @Override public void write(byte[] buf, int off, int len) {
                for (int i = off; i < off + len; i++) if (buf[i] == 'x') received.incrementAndGet();
                synchronized (lock) { lock.notifyAll(); }
            }
        };
        Thread t = Thread.ofPlatform().daemon().start(() -> vm.console(name, new Stdio(in, sink, sink, true, null, null), true));
        Thread.sleep(1500);
        keys.write("\r".getBytes(StandardCharsets.US_ASCII));
        Thread.sleep(1000);
        long[] rtt = new long[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            int before = received.get();
            long t0 = System.nanoTime();
            keys.write('x');
            keys.flush();
            synchronized (lock) {
                while (received.get() == before && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) lock.wait(5);
            }
            rtt[r] = System.nanoTime() - t0;
            keys.write(0x7f); // erase it again
            keys.flush();
            Thread.sleep(50);
        }
        keys.write(0x1d);
        keys.flush();
        t.join(5000);
        System.out.printf("console keystroke round trip (key -> guest shell echo), median of %d: %.2f ms (max %.2f ms)%n",
                ROUNDS, median(rtt) / 1e6, Arrays.stream(rtt).max().orElse(0) / 1e6);
    }

    static long median(long[] v) {
        long[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    static String xml(String name) {
        return "<domain type='qemu'><name>" + name + "</name><memory unit='MiB'>96</memory><vcpu>1</vcpu>"
                + "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>" + G + "/vmlinuz</kernel><initrd>" + G
                + "/initrd.img</initrd><cmdline>console=ttyS0 quiet</cmdline></os><features><acpi/></features>"
                + "<devices><serial type='pty'/><console type='pty'/><memballoon model='virtio'><stats period='2'/></memballoon></devices></domain>";
    }

    static void run(String... cmdAndInput) throws Exception {
        String input = cmdAndInput[cmdAndInput.length - 1];
        Process p = new ProcessBuilder(Arrays.copyOf(cmdAndInput, cmdAndInput.length - 1))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream o = p.getOutputStream()) {
            if (input != null) o.write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.waitFor(60, TimeUnit.SECONDS);
    }
}
