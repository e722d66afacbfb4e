package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.testing.CgroupV2Guest;
import io.cloudtui.testing.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runtime's and the engine's cgroup-v2 paths for real, in a pure cgroup-v2 guest (see {@link
 * CgroupV2Guest}): limits as the container's cgroup files show them, the OOM killer, the pids
 * limit, the freezer, removal, eBPF device rules, and the engine's run options and stats. Each test
 * boots one guest and calls few JVMs there (each takes about 10 s under TCG).
 */
class CgroupV2IT {
    private Path work;

    @BeforeEach
    void setUp() throws IOException {
        CgroupV2Guest.require();
        work = Files.createTempDirectory("ctui-cgv2-");
    }

    @AfterEach
    void tearDown() {
        if (work != null) Engines.run("rm", "-rf", work.toString());
    }

    /** KEY=VALUE lines of the output (later ones win). */
    private static Map<String, String> keyValues(String out) {
        Map<String, String> m = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("+")) m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
        return m;
    }

    /** Shell functions for the guest scripts. */
    private static final String HELPERS = """
            # bounds against hangs (not timing checks): at most 300 s of the guest's clock, read without a fork
            deadline() { read up _ </proc/uptime; end=$((${up%.*} + 300)); }
            late() { read up _ </proc/uptime; [ ${up%.*} -ge $end ]; }
            # waits until FILE has a line matching PATTERN
            await() { deadline; until grep -q "$2" "$1" 2>/dev/null; do late && { echo "never saw '$2' in $1"; cat "$1"; exit 90; }; sleep 0.25; done; }
            # waits until `$RUNTIME state ID` says STATUS
            await_status() {
              deadline; until $RUNTIME state "$1" 2>/dev/null | grep -q "\\"status\\" : \\"$2\\""; do
                late && { echo "$1 never became $2"; $RUNTIME state "$1"; exit 91; }; sleep 0.25
              done
            }
            """;

    private static void cgroupMount(BusyboxBundle b) {
        ArrayNode ns = (ArrayNode) b.linux().get("namespaces");
        ns.addObject().put("type", "cgroup");
        BusyboxBundle.mount((ArrayNode) b.config.get("mounts"), "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "ro");
    }

    /**
     * memory.max, memory.low, memory.swap.max, pids.max, cpu.max, cpu.weight, cpuset.cpus and cpuset.mems as the container sees
     * them in its own cgroup (cgroup namespace, cgroup2 mounted inside); an exec'd process joins that
     * cgroup; forks beyond pids.max are refused; pause sets cgroup.freeze (the kernel reports the
     * cgroup frozen) and resume thaws it; kill and delete remove the cgroup.
     */
    @Test
    void runtimeLimitsFreezerAndDelete() throws Exception {
        String id = "cgv2-limits";
        BusyboxBundle b = BusyboxBundle.createIn(work.resolve("b"), id, "sh", "-c", String.join("\n",
                "for f in memory.max memory.low memory.swap.max pids.max cpu.max cpu.weight cpuset.cpus cpuset.mems; do echo \"in.$f=$(cat /sys/fs/cgroup/$f)\"; done",
                "echo \"in.allowed=$(grep -E '^(Cpus|Mems)_allowed_list' /proc/self/status | tr -d ' \\t' | tr '\\n' ' ')\"",
                "echo \"in.cgroup=$(cat /proc/self/cgroup)\"",
                "echo limits-done",
                "until [ -e /tmp/go ]; do sleep 0.1; done",
                // a subshell: ash gives up on a failed fork, the sleeps it started stay ours
                "(for i in $(seq 1 40); do sleep 1000 & done) 2>/dev/null",
                "echo ready",
                "exec sleep 1000"));
        cgroupMount(b);
        ObjectNode res = b.linux().putObject("resources");
        res.putObject("memory").put("limit", 64L << 20).put("reservation", 32L << 20).put("swap", 64L << 20);
        res.putObject("cpu").put("quota", 50000).put("period", 100000).put("shares", 512).put("cpus", "1").put("mems", "0");
        res.putObject("pids").put("limit", 20);
        b.write();
        CgroupV2Guest.Result r = CgroupV2Guest.run(work, HELPERS + """
                set -e
                cg=/sys/fs/cgroup/ctui-it/@ID@
                x $RUNTIME create --bundle $WORK/b @ID@ >c.out 2>&1
                echo out.controllers=$(cat /sys/fs/cgroup/ctui-it/cgroup.subtree_control)
                for f in memory.max memory.low memory.swap.max pids.max cpu.max cpu.weight cpuset.cpus cpuset.mems cpuset.cpus.effective; do echo "out.$f=$(cat $cg/$f)"; done
                echo out.procs=$(cat $cg/cgroup.procs)
                echo init.pid=$($RUNTIME state @ID@ | sed -n 's/.*"pid" : \\([0-9]*\\).*/\\1/p')
                x $RUNTIME start @ID@
                await c.out limits-done
                echo exec.cgroup=$(x $RUNTIME exec @ID@ cat /proc/self/cgroup)
                touch $WORK/b/rootfs/tmp/go
                await c.out ready
                echo pids.events=$(cat $cg/pids.events)
                echo pids.current=$(cat $cg/pids.current)
                x $RUNTIME pause @ID@
                echo paused.status=$($RUNTIME state @ID@ | sed -n 's/.*"status" : "\\(.*\\)".*/\\1/p')
                echo paused.events=$(grep frozen $cg/cgroup.events)
                echo paused.freeze=$(cat $cg/cgroup.freeze)
                x $RUNTIME resume @ID@
                echo resumed.status=$($RUNTIME state @ID@ | sed -n 's/.*"status" : "\\(.*\\)".*/\\1/p')
                echo resumed.events=$(grep frozen $cg/cgroup.events)
                x $RUNTIME kill @ID@ KILL
                await_status @ID@ stopped
                x $RUNTIME delete @ID@
                echo deleted.cgroup=$(ls -d $cg 2>/dev/null || echo gone)
                cat c.out
                """.replace("@ID@", id));
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, String> kv = keyValues(r.output());
        for (String side : new String[] {"in.", "out."}) {
            assertEquals(String.valueOf(64L << 20), kv.get(side + "memory.max"), side + " " + r.describe());
            assertEquals(String.valueOf(32L << 20), kv.get(side + "memory.low"), r.describe());
            assertEquals("0", kv.get(side + "memory.swap.max"), "swap = limit: no swap on top; " + r.describe());
            assertEquals("20", kv.get(side + "pids.max"), r.describe());
            assertEquals("50000 100000", kv.get(side + "cpu.max"), r.describe());
            assertEquals("20", kv.get(side + "cpu.weight"), "shares 512 as a weight, as runc converts it; " + r.describe());
            assertEquals("1", kv.get(side + "cpuset.cpus"), "linux.resources.cpu.cpus (the guest has CPUs 0-1); " + r.describe());
            assertEquals("0", kv.get(side + "cpuset.mems"), r.describe());
        }
        assertEquals("1", kv.get("out.cpuset.cpus.effective"), r.describe());
        assertEquals("Cpus_allowed_list:1 Mems_allowed_list:0", kv.get("in.allowed"), "the kernel confines the container to CPU 1; " + r.describe());
        assertTrue(kv.get("out.controllers").contains("cpuset"), r.describe());
        assertEquals("0::/", kv.get("in.cgroup"), "the container's cgroup namespace starts at its cgroup");
        assertEquals("0::/", kv.get("exec.cgroup"), "an exec'd process joins the container's cgroup");
        assertEquals(kv.get("init.pid"), kv.get("out.procs"), "the init is the cgroup's only process before start");
        assertTrue(kv.get("out.controllers").matches(".*\\bmemory\\b.*") && kv.get("out.controllers").contains("pids")
                && kv.get("out.controllers").contains("cpu"), r.describe());
        String events = kv.get("pids.events");
        assertTrue(events.matches("max [1-9][0-9]*"), "forks beyond pids.max were refused: " + r.describe());
        assertTrue(Integer.parseInt(kv.get("pids.current")) <= 20, r.describe());
        assertEquals("paused", kv.get("paused.status"), r.describe());
        assertEquals("frozen 1", kv.get("paused.events"), r.describe());
        assertEquals("1", kv.get("paused.freeze"), r.describe());
        assertEquals("running", kv.get("resumed.status"), r.describe());
        assertEquals("frozen 0", kv.get("resumed.events"), r.describe());
        assertEquals("gone", kv.get("deleted.cgroup"), r.describe());
    }

    /**
     * A process over memory.max is killed by the OOM killer: exit code 137 and oomKilled (from
     * memory.events) in the state, both from the wrapper's native fast path and from the JVM.
     */
    @Test
    void memoryLimitOomKills() throws Exception {
        String id = "cgv2-oom";
        BusyboxBundle b = BusyboxBundle.createIn(work.resolve("b"), id, "sh", "-c",
                "a=$(head -c 268435456 /dev/zero | tr '\\000' x); echo survived");
        b.linux().putObject("resources").putObject("memory").put("limit", 32L << 20).put("swap", 32L << 20);
        b.write();
        CgroupV2Guest.Result r = CgroupV2Guest.run(work, HELPERS + """
                set -e
                x $RUNTIME create --bundle $WORK/b @ID@ >c.out 2>&1
                x $RUNTIME start @ID@
                await_status @ID@ stopped
                echo events=$(grep '^oom_kill ' /sys/fs/cgroup/ctui-it/@ID@/memory.events)
                x $RUNTIME state @ID@ >fast.json
                x env CLOUDTUI_RUNTIME_NO_FAST=1 $RUNTIME state @ID@ >jvm.json
                x $RUNTIME delete @ID@
                for f in fast jvm; do
                  echo $f.exit=$(sed -n 's/.*"exitCode" : \\([0-9]*\\).*/\\1/p' $f.json)
                  echo $f.oom=$(sed -n 's/.*"oomKilled" : \\([a-z]*\\).*/\\1/p' $f.json)
                done
                cat c.out
                """.replace("@ID@", id));
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, String> kv = keyValues(r.output());
        assertTrue(kv.get("events").matches("oom_kill [1-9][0-9]*"), r.describe());
        for (String f : new String[] {"fast", "jvm"}) {
            assertEquals("137", kv.get(f + ".exit"), "killed by SIGKILL (" + f + "): " + r.describe());
            assertEquals("true", kv.get(f + ".oom"), "the state says the OOM killer did it (" + f + "): " + r.describe());
        }
        assertTrue(!r.output().contains("survived"), r.describe());
    }

    private static final String DEVICE_CHECKS = String.join("\n",
            "try() { out=$( (\"$@\") 2>&1) && echo ok || echo \"$out\"; }",
            "echo null=$(try sh -c 'echo x >/dev/null')",
            "echo zero=$(head -c 3 /dev/zero | wc -c)",
            "echo urandom=$(head -c 3 /dev/urandom | wc -c)",
            "echo ptmx=$(try sh -c ': </dev/ptmx')",
            "echo tty=$(try sh -c ': </dev/tty')",
            "echo fake=$(try head -c 1 /dev/fake-sda)",
            "echo mknod.disk=$(try mknod /dev/x-sda b 8 0)",
            "echo open.disk=$(try head -c 1 /dev/x-sda)",
            "echo mknod.kmsg=$(try mknod /dev/x-kmsg c 1 11)",
            "echo write.kmsg=$(try sh -c 'echo cgv2-test >/dev/x-kmsg')");

    private BusyboxBundle deviceBundle(String dir, String id, String... rules) throws IOException {
        BusyboxBundle b = BusyboxBundle.createIn(work.resolve(dir), id, "sh", "-c", DEVICE_CHECKS);
        // a node the init makes before the rules apply, for a device they do not allow
        b.linux().putArray("devices").addObject().put("path", "/dev/fake-sda").put("type", "b").put("major", 8).put("minor", 0).put("fileMode", 0660);
        ArrayNode devices = b.linux().putObject("resources").putArray("devices");
        for (String r : rules) devices.add(BusyboxBundle.M.readTree(r));
        return b.write();
    }

    /**
     * linux.resources.devices as docker sends them (deny everything, allow mknod of any node) on
     * cgroup v2, enforced by the C stage's eBPF program: the default devices (null, zero, urandom,
     * ptmx, tty) work; a node for a disk or for /dev/kmsg can be made (CAP_MKNOD, "m" allowed) but
     * not opened (EPERM), nor can the one the init made from linux.devices. A control container
     * whose rules allow everything can open them (no disk in the guest: ENXIO, not EPERM).
     */
    @Test
    void deviceRulesAreEnforcedByAnEbpfProgram() throws Exception {
        deviceBundle("a", "cgv2-dev-a", "{\"allow\":false,\"access\":\"rwm\"}", "{\"allow\":true,\"type\":\"c\",\"access\":\"m\"}",
                "{\"allow\":true,\"type\":\"b\",\"access\":\"m\"}");
        deviceBundle("b", "cgv2-dev-b", "{\"allow\":true,\"access\":\"rwm\"}");
        CgroupV2Guest.Result r = CgroupV2Guest.run(work, """
                x $RUNTIME run --bundle $WORK/a cgv2-dev-a >a.out 2>&1; echo a.rc=$?
                x $RUNTIME run --bundle $WORK/b cgv2-dev-b >b.out 2>&1; echo b.rc=$?
                sed 's/^/a./' a.out
                sed 's/^/b./' b.out
                """);
        Map<String, String> kv = keyValues(r.output());
        assertEquals("0", kv.get("a.rc"), r.describe());
        assertEquals("0", kv.get("b.rc"), r.describe());
        String eperm = "Operation not permitted";
        for (String c : new String[] {"a.", "b."}) {
            assertEquals("ok", kv.get(c + "null"), r.describe());
            assertEquals("3", kv.get(c + "zero"), r.describe());
            assertEquals("3", kv.get(c + "urandom"), r.describe());
            assertEquals("ok", kv.get(c + "ptmx"), r.describe());
            assertTrue(kv.get(c + "tty").contains("No such device or address"), "allowed, but no controlling terminal: " + r.describe());
            assertEquals("ok", kv.get(c + "mknod.disk"), r.describe());
            assertEquals("ok", kv.get(c + "mknod.kmsg"), r.describe());
        }
        assertTrue(kv.get("a.fake").contains(eperm), r.describe());
        assertTrue(kv.get("a.open.disk").contains(eperm), r.describe());
        assertTrue(kv.get("a.write.kmsg").contains(eperm), r.describe());
        assertTrue(kv.get("b.fake").contains("No such device or address"), r.describe());
        assertTrue(kv.get("b.open.disk").contains("No such device or address"), r.describe());
        assertEquals("ok", kv.get("b.write.kmsg"), r.describe());
    }

    /**
     * The engine from its CLI: a rootfs tar imported; {@code run -d --memory 64m --cpus 0.5
     * --pids-limit 20} checked from inside the container (its cgroup mounted read-only at
     * /sys/fs/cgroup, as docker does) and from its cgroup, the CPU quota throttling the container's
     * busy loop, and docker's device rules (a disk's node can be made but not opened); a container
     * without limits that holds 20 MB (run first); {@code stats --no-stream} showing both
     * containers' memory and limits (memory.current, memory.stat, memory.max: no limit is the host's
     * memory) and the busy one's CPU (cpu.stat); {@code rm -f} removes their cgroups.
     */
    @Test
    void engineRunLimitsAndStats() throws Exception {
        Path root = work.resolve("rootfs");
        BusyboxBundle.createIn(work.resolve("bb"), "unused"); // busybox and its applets
        assertEquals(0, new ProcessBuilder("cp", "-a", work.resolve("bb/rootfs").toString(), root.toString()).inheritIO().start().waitFor());
        assertEquals(0, new ProcessBuilder("tar", "-C", root.toString(), "-cf", work.resolve("rootfs.tar").toString(), ".").inheritIO().start().waitFor());
        Files.writeString(work.resolve("cfg.yaml"), "backends:\n  - name: runtime\n    type: runtime\n    store: /tmp/ctui-store\n    root: /run/ctui-engine\n");
        CgroupV2Guest.Result r = CgroupV2Guest.run(work, HELPERS + """
                set -e
                C="$CLOUDTUI --config $WORK/cfg.yaml"
                x $C image import --backend runtime $WORK/rootfs.tar local/bb:1
                # first, before any container's limits enabled controllers in /cloudtui
                hog=$(x $C run --backend runtime -d --name hog local/bb:1 sh -c 'a=$(head -c 20000000 /dev/zero | tr "\\000" x); echo filled; sleep 1000; echo ${#a}')
                lim=$(x $C run --backend runtime -d --name lim --memory 64m --cpus 0.5 --pids-limit 20 local/bb:1 \\
                  sh -c 'for f in memory.max cpu.max pids.max; do echo "in.$f=$(cat /sys/fs/cgroup/$f)"; done
                    mknod /dev/x-sda b 8 0 && echo in.mknod=ok; echo "in.disk=$(head -c 1 /dev/x-sda 2>&1)"; echo listed; while :; do :; done')
                await /tmp/ctui-store/containers/$lim/log.json listed
                await /tmp/ctui-store/containers/$hog/log.json filled
                sed -n 's/^{"log":"\\(in\\.[^\\]*\\)\\\\n".*/\\1/p' /tmp/ctui-store/containers/$lim/log.json
                for f in memory.max cpu.max pids.max; do echo "out.$f=$(cat /sys/fs/cgroup/cloudtui/$lim/$f)"; done
                # the busy loop's quota: once it has used 0.3 s of CPU (3 periods' quota) it was throttled
                deadline; until [ "$(sed -n 's/^usage_usec //p' /sys/fs/cgroup/cloudtui/$lim/cpu.stat)" -ge 300000 ]; do
                  late && { echo "lim never used 0.3 s of CPU"; cat /sys/fs/cgroup/cloudtui/$lim/cpu.stat; exit 92; }; sleep 0.25
                done
                echo lim.throttled=$(sed -n 's/^nr_throttled //p' /sys/fs/cgroup/cloudtui/$lim/cpu.stat)
                echo hog.memory.current=$(cat /sys/fs/cgroup/cloudtui/$hog/memory.current)
                echo hog.controllers=$(cat /sys/fs/cgroup/cloudtui/$hog/cgroup.controllers)
                x $C stats --no-stream lim hog >stats.txt
                echo stats.lim=$(grep '^lim ' stats.txt)
                echo stats.hog=$(grep '^hog ' stats.txt)
                x $C rm -f lim hog
                echo removed=$(ls -d /sys/fs/cgroup/cloudtui/$lim /sys/fs/cgroup/cloudtui/$hog 2>/dev/null || echo gone)
                """);
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, String> kv = keyValues(r.output());
        for (String side : new String[] {"in.", "out."}) {
            assertEquals(String.valueOf(64L << 20), kv.get(side + "memory.max"), side + " " + r.describe());
            assertEquals("50000 100000", kv.get(side + "cpu.max"), "--cpus 0.5: half of each 100 ms period; " + r.describe());
            assertEquals("20", kv.get(side + "pids.max"), r.describe());
        }
        assertEquals("ok", kv.get("in.mknod"), "CAP_MKNOD, and docker's rules allow making nodes: " + r.describe());
        assertTrue(kv.get("in.disk").contains("Operation not permitted"), "but not opening a disk's: " + r.describe());
        assertTrue(Long.parseLong(kv.get("hog.memory.current")) > 20_000_000, "the container holds its 20 MB: " + r.describe());
        assertTrue(kv.get("hog.controllers").matches(".*\\bmemory\\b.*") && kv.get("hog.controllers").contains("pids")
                && kv.get("hog.controllers").contains("io"),
                "a container without limits still gets the controllers stats read: " + r.describe());
        assertTrue(Integer.parseInt(kv.get("lim.throttled")) > 0, "--cpus 0.5 throttles a busy loop: " + r.describe());
        java.util.regex.Matcher lim = java.util.regex.Pattern.compile("^lim\\s+runtime\\s+([0-9.]+)%\\s+\\S+ / 64MiB").matcher(kv.get("stats.lim"));
        assertTrue(lim.find(), "stats shows the limit: " + r.describe());
        assertTrue(Double.parseDouble(lim.group(1)) > 0, "the busy loop's CPU, from cpu.stat: " + r.describe());
        java.util.regex.Matcher hog = java.util.regex.Pattern.compile("^hog\\s+runtime\\s+\\S+%\\s+([0-9.]+)MiB / ([0-9.]+)GiB").matcher(kv.get("stats.hog"));
        assertTrue(hog.find(), "stats shows the memory and, with no limit, the guest's memory: " + r.describe());
        double mib = Double.parseDouble(hog.group(1));
        assertTrue(mib > 18 && mib < 64, "at least the 20 MB (19.1 MiB) the container holds, got " + mib + " MiB; " + r.describe());
        double gib = Double.parseDouble(hog.group(2));
        assertTrue(gib > 2 && gib <= 2.5, "the guest's 2.5 GiB: " + r.describe());
        assertEquals("gone", kv.get("removed"), r.describe());
    }
}
