package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.testing.Engines;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Networks of the bundled engine as root, through the real jar: Linux bridges, veth pairs into the
 * containers' namespaces, names through /etc/hosts, checked with ip(8) and iptables-save. Its own
 * store, runtime root, network and container names (unique per run), all removed afterwards.
 */
class NetworkIT {
    static Path work;
    static Path config;
    static String runRoot;
    static final String tag = UUID.randomUUID().toString().substring(0, 6);
    static final String net = "ctnit-" + tag;
    static final List<String> bridges = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        Engines.requireRoot();
        Engines.require(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
        work = Files.createTempDirectory("ctui-it-net");
        runRoot = "/run/ctui-it-net-" + tag;
        Path root = work.resolve("rootfs");
        for (String d : List.of("bin", "etc", "tmp", "www")) Files.createDirectories(root.resolve(d));
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        Process p = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String a : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\\s+")) {
            if (!a.isEmpty() && !a.equals("busybox")) Files.createSymbolicLink(root.resolve("bin").resolve(a), Path.of("busybox"));
        }
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
        Files.writeString(root.resolve("www/index.html"), "hello from web\n");
        Path tar = work.resolve("rootfs.tar");
        assertEquals(0, new ProcessBuilder("tar", "-C", root.toString(), "-cf", tar.toString(), ".").inheritIO().start().waitFor());
        config = work.resolve("config.yaml");
        Files.writeString(config, "backends:\n  - name: rt\n    type: runtime\n    store: " + work.resolve("store") + "\n    root: " + runRoot + "\n");
        assertEquals(0, cli("image", "import", "--backend", "rt", tar.toString(), "local/bbnet:1").code, "import");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (work == null) return;
        Out ps = cli("ps", "-a", "-q");
        for (String id : ps.text.split("\\s+")) if (!id.isBlank() && !id.startsWith("cloudtui")) cli("rm", "-f", id.trim());
        Out ls = cli("network", "ls", "-q", "--backend", "rt");
        for (String n : ls.text.split("\\s+")) if (n.startsWith("ctnit-")) cli("network", "rm", "--backend", "rt", n);
        for (String b : bridges) if (Files.exists(Path.of("/sys/class/net", b))) Engines.run("ip", "link", "del", b);
        Engines.run("rm", "-rf", work.toString());
        Engines.run("rm", "-rf", runRoot);
        // cloudtui's chains, when no bridge of any cloudtui store is left to need them
        boolean inUse;
        try (var links = Files.list(Path.of("/sys/class/net"))) {
            inUse = links.anyMatch(l -> l.getFileName().toString().startsWith("ctuib"));
        }
        if (!inUse) {
            for (String[] j : new String[][] {{"filter", "FORWARD", "CTUI-FORWARD"}, {"nat", "PREROUTING", "CTUI-DNAT"}, {"nat", "OUTPUT", "CTUI-DNAT"},
                {"nat", "POSTROUTING", "CTUI-POSTROUTING"}}) {
                List<String> rule = j[2].equals("CTUI-DNAT") ? List.of("-m", "addrtype", "--dst-type", "LOCAL", "-j", j[2]) : List.of("-j", j[2]);
                List<String> del = new ArrayList<>(List.of("iptables", "-w", "-t", j[0], "-D", j[1]));
                del.addAll(rule);
                while (new ProcessBuilder(del).start().waitFor() == 0) {
                    // every copy
                }
            }
            for (String[] c : new String[][] {{"filter", "CTUI-FORWARD"}, {"nat", "CTUI-DNAT"}, {"nat", "CTUI-POSTROUTING"}}) {
                Engines.run("iptables", "-w", "-t", c[0], "-F", c[1]);
                Engines.run("iptables", "-w", "-t", c[0], "-X", c[1]);
            }
        }
    }

    record Out(int code, String text) {}

    static Out cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of(System.getProperty("cloudtui.jar", "target/cloudtui.jar")).toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CLOUDTUI_CONFIG", config.toString());
        pb.environment().put("XDG_STATE_HOME", work.resolve("state").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Out(p.exitValue(), out);
    }

    static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    static String bridgeOf(String network) throws Exception {
        Out o = cli("network", "inspect", "--backend", "rt", network);
        assertEquals(0, o.code, o.text);
        String b = o.text.replaceAll("(?s).*\"bridge\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        bridges.add(b);
        return b;
    }

    @Test
    void containersOnANetworkReachEachOtherByNameAndAlias() throws Exception {
        Out c = cli("network", "create", "--backend", "rt", "--subnet", "10.219.77.0/24", net);
        assertEquals(0, c.code, c.text);
        String bridge = bridgeOf(net);
        Path store = work.resolve("store/networks");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.resolve(net + ".json"))));
        Out dup = cli("network", "create", "--backend", "rt", "--subnet", "10.219.77.128/25", net + "-b");
        assertNotEquals(0, dup.code);
        assertEquals(1, dup.text.strip().lines().count(), dup.text);
        assertTrue(dup.text.startsWith("cloudtui: ") && dup.text.contains("overlaps network " + net), dup.text);

        String web = "web-" + tag;
        Out r = cli("run", "-d", "--backend", "rt", "--name", web, "--network", net, "--network-alias", "www", "local/bbnet:1",
                "httpd", "-f", "-p", "8080", "-h", "/www");
        assertEquals(0, r.code, r.text);
        String webId = r.text.strip();
        assertTrue(sh("ip", "-o", "link", "show", "master", bridge).contains("ctv" + webId.substring(0, 8)), "web's veth is on the bridge");
        // by name and by alias, from a second container of the network
        Out get = cli("run", "--rm", "--backend", "rt", "--name", "cli-" + tag, "--network", net, "local/bbnet:1", "sh", "-c",
                "wget -qO- http://" + web + ":8080/ && wget -qO- http://www:8080/ && ip -o -4 addr show eth0 && ip route");
        assertEquals(0, get.code, get.text);
        assertEquals(2, get.text.split("hello from web", -1).length - 1, get.text);
        assertTrue(get.text.contains("10.219.77.") && get.text.contains("default via 10.219.77.1"), get.text);
        // out of the network, masqueraded: the test hosts' sshd on another bridge of this machine
        if (Files.exists(Path.of("/sys/class/net/ctui-br0"))) {
            Out ssh = cli("run", "--rm", "--backend", "rt", "--network", net, "local/bbnet:1", "sh", "-c", "echo | nc -w 10 10.213.0.101 22");
            assertTrue(ssh.text.startsWith("SSH-2.0-"), ssh.text);
        }
        // the running web container's /etc/hosts is rewritten in place (its bind mount keeps the inode) when another one joins,
        // and again when it leaves
        String peer = "peer-" + tag;
        Out pr = cli("run", "-d", "--backend", "rt", "--name", peer, "--network", net, "local/bbnet:1", "httpd", "-f", "-p", "8081", "-h", "/www");
        assertEquals(0, pr.code, pr.text);
        String hosts = cli("exec", web, "cat", "/etc/hosts").text;
        assertTrue(hosts.contains("\t" + web + " www") && hosts.contains("\t" + peer + "\n"), hosts);
        assertTrue(cli("exec", web, "wget", "-qO-", "http://" + peer + ":8081/").text.contains("hello from web"), "web reaches the later peer by name");
        assertEquals(0, cli("rm", "-f", peer).code);
        hosts = cli("exec", web, "cat", "/etc/hosts").text;
        assertFalse(hosts.contains(peer) || hosts.contains("cli-" + tag), "the containers that left are gone: " + hosts);
        // its init killed with -9: the veth went with the namespace; a start wires it again, with the same address
        String before = cli("network", "inspect", "--backend", "rt", net).text.replaceAll("(?s).*\"address\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        String pid = io.cloudtui.core.JsonTrees.read(Path.of(runRoot, webId, "state.json")).path("pid").asText();
        assertTrue(Integer.parseInt(pid) > 1, "the runtime's state has the pid");
        assertEquals(0, new ProcessBuilder("kill", "-9", pid).start().waitFor());
        for (int i = 0; i < 100 && sh("ip", "-o", "link").contains("ctv" + webId.substring(0, 8)); i++) Thread.sleep(100);
        assertFalse(sh("ip", "-o", "link").contains("ctv" + webId.substring(0, 8)), "the veth went with the namespace");
        Out st = cli("start", web);
        assertEquals(0, st.code, st.text);
        assertTrue(sh("ip", "-o", "link", "show", "master", bridge).contains("ctv" + webId.substring(0, 8)), "wired again");
        Out again = cli("run", "--rm", "--backend", "rt", "--network", net, "local/bbnet:1", "wget", "-qO-", "http://www:8080/");
        assertTrue(again.text.contains("hello from web"), again.text);
        assertTrue(cli("exec", web, "ip", "-o", "-4", "addr", "show", "eth0").text.contains(" " + before + "/24"), "the same address " + before);
        // cloudtui networks lists the engine's networks with the others
        Out list = cli("networks", "--backend", "rt");
        assertTrue(list.text.contains(net) && list.text.contains("bridge"), list.text);
        // a network in use is not removed
        Out rm = cli("network", "rm", "--backend", "rt", net);
        assertNotEquals(0, rm.code);
        assertEquals("cloudtui: network " + net + " is in use by container " + web, rm.text.strip());
        // rm leaves no veth and no address record
        assertEquals(0, cli("rm", "-f", web).code);
        assertFalse(sh("ip", "-o", "link").contains("ctv" + webId.substring(0, 8)), "no veth left");
        assertFalse(Files.readString(store.resolve(net + ".json")).contains(webId), "no address record left");
        assertTrue(sh("iptables-save", "-t", "filter").contains("-A CTUI-FORWARD -i ctuib+ -j ACCEPT"), "bridged traffic accepted past docker's FORWARD DROP");
        Out gone = cli("network", "rm", "--backend", "rt", net);
        assertEquals(0, gone.code, gone.text);
        assertFalse(Files.exists(Path.of("/sys/class/net", bridge)), "the bridge is gone");
    }

    static String fetch(String url) throws Exception {
        try (java.net.http.HttpClient h = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(10)).build()) {
            return h.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(java.time.Duration.ofSeconds(20)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    static long natRules(String id) throws Exception {
        return sh("iptables-save", "-t", "nat").lines().filter(l -> l.contains("ctui:" + id.substring(0, 12))).count();
    }

    @Test
    void publishedPortsReachTheContainerAndAreRepairedAfterKill9() throws Exception {
        String pnet = net + "-p";
        Out c = cli("network", "create", "--backend", "rt", pnet);
        assertEquals(0, c.code, c.text);
        bridgeOf(pnet);
        int lo = 20000 + new java.util.Random().nextInt(20000);
        int any = lo + 1;
        String name = "pweb-" + tag;
        Out r = cli("run", "-d", "--backend", "rt", "--name", name, "--network", pnet, "-p", "127.0.0.1:" + lo + ":8080", "-p", any + ":8080",
                "local/bbnet:1", "httpd", "-f", "-p", "8080", "-h", "/www");
        assertEquals(0, r.code, r.text);
        String id = r.text.strip();
        assertEquals(2, natRules(id), sh("iptables-save", "-t", "nat"));
        assertTrue(fetch("http://127.0.0.1:" + lo + "/").contains("hello from web"), "127.0.0.1");
        String hostAddr = sh("sh", "-c", "ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^10\\.219\\.' | head -1").strip();
        assertFalse(hostAddr.isEmpty());
        assertTrue(fetch("http://" + hostAddr + ":" + any + "/").contains("hello from web"), "the host's address " + hostAddr);
        Out ps = cli("ps");
        assertTrue(ps.text.contains("127.0.0.1:" + lo + "->8080/tcp") && ps.text.contains("0.0.0.0:" + any + "->8080/tcp"), ps.text);
        // the container's init killed with -9: the next command removes its rules
        String pid = io.cloudtui.core.JsonTrees.read(Path.of(runRoot, id, "state.json")).path("pid").asText();
        assertEquals(0, new ProcessBuilder("kill", "-9", pid).start().waitFor());
        for (int i = 0; i < 100 && sh("ip", "-o", "link").contains("ctv" + id.substring(0, 8)); i++) Thread.sleep(100);
        cli("ps", "-a");
        assertEquals(0, natRules(id), "no rule of a dead container is left");
        // started again: rules back; a rule lost meanwhile (a cloudtui killed midway, a flush) is restored by the next command
        assertEquals(0, cli("start", name).code);
        assertEquals(2, natRules(id));
        String rule = sh("iptables-save", "-t", "nat").lines().filter(l -> l.contains("ctui:" + id.substring(0, 12))).findFirst().orElseThrow();
        List<String> del = new ArrayList<>(List.of("iptables", "-w", "-t", "nat", "-D"));
        del.addAll(List.of(rule.substring(3).replace("\"", "").trim().split("\\s+")));
        assertEquals(0, new ProcessBuilder(del).inheritIO().start().waitFor());
        assertEquals(1, natRules(id));
        cli("ps");
        assertEquals(2, natRules(id), "restored");
        assertTrue(fetch("http://127.0.0.1:" + lo + "/").contains("hello from web"));
        // -p without a network: one line
        Out none = cli("run", "--rm", "--backend", "rt", "-p", "8080:80", "local/bbnet:1", "true");
        assertNotEquals(0, none.code);
        assertEquals(1, none.text.strip().lines().count(), none.text);
        // rm: no rule, no veth, no record
        assertEquals(0, cli("rm", "-f", name).code);
        assertEquals(0, natRules(id));
        assertFalse(sh("ip", "-o", "link").contains("ctv" + id.substring(0, 8)));
        assertEquals(0, cli("network", "rm", "--backend", "rt", pnet).code);
    }

    @Test
    void networkNoneHasOnlyLoopback() throws Exception {
        Out o = cli("run", "--rm", "--backend", "rt", "--network", "none", "local/bbnet:1", "ip", "-o", "link");
        assertEquals(0, o.code, o.text);
        assertEquals(List.of("lo"), o.text.lines().map(l -> l.split(":\\s*")[1]).toList(), o.text);
    }

    @Test
    void badInputIsOneLine() throws Exception {
        for (String[] args : new String[][] {
            {"network", "create", "--backend", "rt", "--subnet", "10.300.0.0/24", "ctnit-bad"},
            {"network", "inspect", "--backend", "rt", "ctnit-nosuch"},
            {"run", "--rm", "--backend", "rt", "--network", "ctnit-nosuch", "local/bbnet:1", "true"},
            {"network", "rm", "--backend", "rt", "bridge"}}) {
            Out o = cli(args);
            assertNotEquals(0, o.code, String.join(" ", args));
            assertEquals(1, o.text.strip().lines().count(), o.text);
            assertTrue(o.text.startsWith("cloudtui: "), o.text);
        }
    }
}
