package io.cloudtui.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.JsonTrees;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The bundled engine's networks (as root): one record per network in {@code <store>/networks/NAME.json}
 * (0600 in a 0700 directory, written tmp + rename), each a Linux bridge with an IPv4 /N subnet, the
 * bridge holding the gateway address. A container joins with a veth pair (host end on the bridge,
 * {@code eth0} in its network namespace) and an address allocated under {@code networks/.lock}; the
 * address stays its own until it is removed. Names are served without a daemon: every member's
 * /etc/hosts (a file of its state directory, bind-mounted) is rewritten in place whenever the
 * members change.
 */
public final class Networks {
    /** The default network: its bridge and subnet (10.219/16 is cloudtui's pool; docker has 172.17/16, the test hosts 10.213.0/24). */
    public static final String DEFAULT = "bridge";
    static final String DEFAULT_BRIDGE = "ctuib0";
    static final String DEFAULT_SUBNET = "10.219.0.0/24";
    /** Rules of cloudtui's own: a chain in filter jumped to from FORWARD, accepting its bridges' traffic. */
    static final String FORWARD_CHAIN = "CTUI-FORWARD";

    private final Path dir;

    Networks(Path store) {
        this.dir = store.resolve("networks");
    }

    /** A network as its record keeps it. */
    public record Net(String name, String id, String subnet, String gateway, String bridge, ObjectNode record) {}

    // ------------------------------------------------------------------ records

    private <T> T locked(Callable<T> body) {
        try {
            Files.createDirectories(dir.getParent());
            if (!Files.isDirectory(dir)) {
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // a concurrent command made it
                }
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new CloudtuiException("cannot use the network store " + dir + ": " + e.getMessage());
        }
        try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock l = ch.lock()) {
            return body.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new CloudtuiException("network store: " + e.getMessage(), e);
        }
    }

    private Path file(String name) {
        return dir.resolve(name + ".json");
    }

    private static void checkName(String name) {
        if (name == null || !name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}")) {
            throw CloudtuiException.usage("invalid network name '" + name + "': letters, digits, '_', '.', '-', at most 64");
        }
    }

    private Net read(String name) {
        Path f = file(name);
        if (!Files.isRegularFile(f)) return null;
        try {
            ObjectNode o = (ObjectNode) JsonTrees.read(f);
            return new Net(o.path("name").asText(), o.path("id").asText(), o.path("subnet").asText(), o.path("gateway").asText(),
                    o.path("bridge").asText(), o);
        } catch (IOException | ClassCastException e) {
            throw new CloudtuiException("cannot read network " + name + ": " + e.getMessage());
        }
    }

    private void write(ObjectNode rec) {
        Path f = file(rec.path("name").asText());
        Path tmp = dir.resolve("." + rec.path("name").asText() + ".json.tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, JsonTrees.pretty(rec));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new CloudtuiException("cannot write " + f + ": " + e.getMessage());
        }
    }

    private List<Net> all() {
        List<Net> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String fn = p.getFileName().toString();
                if (fn.endsWith(".json") && !fn.startsWith(".")) {
                    Net n = read(fn.substring(0, fn.length() - 5));
                    if (n != null) out.add(n);
                }
            }
        } catch (IOException e) {
            throw new CloudtuiException("cannot list " + dir + ": " + e.getMessage());
        }
        return out;
    }

    /** Every network, the default one made on first use. */
    public List<Net> list() {
        if (!Files.isDirectory(dir)) return List.of(virtualDefault()); // a listing writes nothing
        return locked(() -> {
            List<Net> out = new ArrayList<>(all());
            if (out.stream().noneMatch(n -> n.name().equals(DEFAULT))) out.add(0, virtualDefault());
            return out;
        });
    }

    private static Net virtualDefault() {
        ObjectNode o = record(DEFAULT, DEFAULT_SUBNET, DEFAULT_BRIDGE);
        return new Net(DEFAULT, o.path("id").asText(), o.path("subnet").asText(), o.path("gateway").asText(), DEFAULT_BRIDGE, o);
    }

    private void ensureDefault() {
        if (read(DEFAULT) == null) write(record(DEFAULT, DEFAULT_SUBNET, DEFAULT_BRIDGE));
    }

    private static ObjectNode record(String name, String subnet, String bridge) {
        Cidr c = Cidr.parse(subnet);
        ObjectNode o = JsonTrees.object();
        o.put("name", name).put("id", hash(name + "\0" + subnet)).put("subnet", c.toString()).put("gateway", Cidr.ip(c.base + 1))
                .put("bridge", bridge).put("driver", "bridge").put("created", java.time.Instant.now().toString());
        o.putObject("containers");
        return o;
    }

    static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code network create [--subnet CIDR] NAME}: the record; the bridge is made when a container first joins. */
    public Net create(String name, String subnet) {
        checkName(name);
        if (name.equals("host") || name.equals("none") || name.equals("default")) throw CloudtuiException.usage("network name '" + name + "' is reserved");
        return locked(() -> {
            ensureDefault();
            if (read(name) != null) throw CloudtuiException.usage("network " + name + " already exists");
            List<Net> nets = all();
            Cidr c;
            if (subnet != null) {
                c = Cidr.parse(subnet);
                if (c.prefix > 30 || c.prefix < 8) throw CloudtuiException.usage("--subnet " + subnet + ": the prefix must be /8 to /30");
                for (Net n : nets) {
                    if (c.overlaps(Cidr.parse(n.subnet()))) throw CloudtuiException.usage("--subnet " + subnet + " overlaps network " + n.name() + " (" + n.subnet() + ")");
                }
                String route = hostRouteOverlapping(c, nets);
                if (route != null) throw CloudtuiException.usage("--subnet " + subnet + " overlaps the host's route " + route);
            } else {
                c = null;
                List<Cidr> host = hostRoutes(nets);
                for (int i = 1; i < 256 && c == null; i++) {
                    Cidr cand = Cidr.parse("10.219." + i + ".0/24");
                    boolean free = nets.stream().noneMatch(n -> cand.overlaps(Cidr.parse(n.subnet()))) && host.stream().noneMatch(cand::overlaps);
                    if (free) c = cand;
                }
                if (c == null) throw new CloudtuiException("no free subnet left in 10.219.0.0/16: give one with --subnet");
            }
            ObjectNode rec = record(name, c.toString(), "ctuib-" + hash(name).substring(0, 8));
            write(rec);
            return read(name);
        });
    }

    /** The network called {@code name} (the default one too), or a one-line error. */
    public Net get(String name) {
        return locked(() -> {
            ensureDefault();
            Net n = read(name);
            if (n == null) throw CloudtuiException.usage("no such network: " + name);
            return n;
        });
    }

    /** {@code network rm}: refused while a container is on it; removes its bridge. */
    public void remove(String name, java.util.function.Predicate<String> exists) {
        if (name.equals(DEFAULT)) throw CloudtuiException.usage("the default network " + DEFAULT + " cannot be removed");
        locked(() -> {
            Net n = read(name);
            if (n == null) throw CloudtuiException.usage("no such network: " + name);
            prune(n, exists);
            ObjectNode members = (ObjectNode) n.record().path("containers");
            if (!members.isEmpty()) {
                List<String> names = new ArrayList<>();
                members.forEach(m -> names.add(m.path("name").asText()));
                throw new CloudtuiException("network " + name + " is in use by container" + (names.size() > 1 ? "s " : " ") + String.join(", ", names));
            }
            if (linkExists(n.bridge())) ip("link", "del", n.bridge());
            List<String> masq = List.of("-t", "nat", "-D", POST_CHAIN, "-s", n.subnet(), "!", "-o", n.bridge(), "-j", "MASQUERADE");
            while (exit(cat(List.of("iptables", "-w"), masq)) == 0) {
                // every copy of the network's own MASQUERADE rule
            }
            Files.deleteIfExists(file(name));
            return null;
        });
    }

    /** Drops members whose container no longer exists (a kill -9 of rm midway, or a store edited by hand). */
    private boolean prune(Net n, java.util.function.Predicate<String> exists) {
        ObjectNode members = (ObjectNode) n.record().path("containers");
        List<String> gone = new ArrayList<>();
        members.fieldNames().forEachRemaining(id -> {
            if (!exists.test(id)) gone.add(id);
        });
        if (gone.isEmpty()) return false;
        gone.forEach(members::remove);
        write(n.record());
        return true;
    }

    // ------------------------------------------------------------------ membership

    /** Where a container is on a network. */
    public record Member(String network, String address, int prefix, String gateway, String bridge) {}

    /**
     * Reserves the container's address on {@code network} (the one it had, if any), recording its name
     * and aliases; returns where it is.
     */
    public Member join(String network, String id, String cname, List<String> aliases, java.util.function.Predicate<String> exists) {
        return locked(() -> {
            ensureDefault();
            Net n = read(network);
            if (n == null) throw CloudtuiException.usage("no such network: " + network);
            prune(n, exists);
            ObjectNode members = (ObjectNode) n.record().path("containers");
            Cidr c = Cidr.parse(n.subnet());
            JsonNode had = members.get(id);
            String addr = had != null ? had.path("address").asText() : null;
            if (addr == null) {
                java.util.Set<Long> used = new java.util.HashSet<>();
                members.forEach(m -> used.add(Cidr.parseIp(m.path("address").asText())));
                long gw = Cidr.parseIp(n.gateway());
                for (long a = c.base + 1; a < c.base + c.size() - 1 && addr == null; a++) {
                    if (a != gw && !used.contains(a)) addr = Cidr.ip(a);
                }
                if (addr == null) throw new CloudtuiException("network " + network + " (" + n.subnet() + ") has no free address left");
            }
            ObjectNode m = members.putObject(id);
            m.put("name", cname).put("address", addr);
            ArrayNode al = m.putArray("aliases");
            aliases.forEach(al::add);
            write(n.record());
            return new Member(network, addr, c.prefix, n.gateway(), n.bridge());
        });
    }

    /** Forgets the container on every network (its veths went with its network namespace). */
    public List<String> leave(String id) {
        return locked(() -> {
            List<String> left = new ArrayList<>();
            for (Net n : all()) {
                ObjectNode members = (ObjectNode) n.record().path("containers");
                if (members.has(id)) {
                    members.remove(id);
                    write(n.record());
                    left.add(n.name());
                }
            }
            return left;
        });
    }

    /** The networks the container is a member of. */
    public List<Net> of(String id) {
        return locked(() -> all().stream().filter(n -> n.record().path("containers").has(id)).toList());
    }

    /**
     * Wires the container whose init is {@code pid} into the network: the bridge (made if missing), a
     * veth pair with {@code eth0} inside, its address and default route.
     */
    public void plug(Member m, String id, int pid, int index) {
        locked(() -> {
            bridge(m);
            String host = "ctv" + id.substring(0, 8) + (index == 0 ? "" : String.valueOf(index));
            String inside = "eth" + index;
            if (linkExists(host)) ip("link", "del", host);
            ip("link", "add", host, "type", "veth", "peer", "name", inside, "netns", String.valueOf(pid));
            ip("link", "set", host, "master", m.bridge(), "up");
            String ns = "/proc/" + pid + "/ns/net";
            run(List.of("nsenter", "--net=" + ns, "ip", "addr", "add", m.address() + "/" + m.prefix(), "dev", inside));
            run(List.of("nsenter", "--net=" + ns, "ip", "link", "set", inside, "up"));
            run(List.of("nsenter", "--net=" + ns, "ip", "link", "set", "lo", "up"));
            if (index == 0) run(List.of("nsenter", "--net=" + ns, "ip", "route", "add", "default", "via", m.gateway()));
            return null;
        });
    }

    private void bridge(Member m) {
        if (!linkExists(m.bridge())) {
            ip("link", "add", m.bridge(), "type", "bridge");
        }
        String have = capture(List.of("ip", "-4", "-o", "addr", "show", "dev", m.bridge()));
        if (!have.contains(" " + m.gateway() + "/")) ip("addr", "add", m.gateway() + "/" + m.prefix(), "dev", m.bridge());
        ip("link", "set", m.bridge(), "up");
        forwardRules();
        natChains(m);
    }

    /**
     * The main dockerd sets FORWARD's policy to DROP and loads br_netfilter, so bridged traffic between
     * two containers passes FORWARD too: cloudtui's chain accepts what comes from and goes to its bridges.
     * Docker's chains are never flushed; only CTUI-FORWARD is ours.
     */
    static void forwardRules() {
        if (!new java.io.File("/usr/sbin/iptables").canExecute() && !new java.io.File("/sbin/iptables").canExecute()) return;
        if (exit(List.of("iptables", "-w", "-t", "filter", "-n", "-L", FORWARD_CHAIN)) != 0) {
            run(List.of("iptables", "-w", "-t", "filter", "-N", FORWARD_CHAIN));
        }
        for (String[] r : new String[][] {{"-i", "ctuib+"}, {"-o", "ctuib+"}}) {
            List<String> rule = List.of(r[0], r[1], "-j", "ACCEPT");
            if (exit(cat(List.of("iptables", "-w", "-t", "filter", "-C", FORWARD_CHAIN), rule)) != 0) {
                run(cat(List.of("iptables", "-w", "-t", "filter", "-A", FORWARD_CHAIN), rule));
            }
        }
        if (exit(List.of("iptables", "-w", "-t", "filter", "-C", "FORWARD", "-j", FORWARD_CHAIN)) != 0) {
            run(List.of("iptables", "-w", "-t", "filter", "-I", "FORWARD", "1", "-j", FORWARD_CHAIN));
        }
    }

    /** nat chains of cloudtui's own: DNAT of published ports (from PREROUTING and OUTPUT), MASQUERADE (from POSTROUTING). */
    static final String DNAT_CHAIN = "CTUI-DNAT";
    static final String POST_CHAIN = "CTUI-POSTROUTING";

    /** {@code -t nat -C|-A CHAIN rule}: appended unless it is there. */
    private static void ensure(String table, String chain, List<String> rule, boolean first) {
        if (exit(cat(List.of("iptables", "-w", "-t", table, "-C", chain), rule)) == 0) return;
        run(cat(first ? List.of("iptables", "-w", "-t", table, "-I", chain, "1") : List.of("iptables", "-w", "-t", table, "-A", chain), rule));
    }

    private static void natChains(Member m) {
        for (String c : List.of(DNAT_CHAIN, POST_CHAIN)) {
            if (exit(List.of("iptables", "-w", "-t", "nat", "-n", "-L", c)) != 0) run(List.of("iptables", "-w", "-t", "nat", "-N", c));
        }
        ensure("nat", "PREROUTING", List.of("-m", "addrtype", "--dst-type", "LOCAL", "-j", DNAT_CHAIN), true);
        ensure("nat", "OUTPUT", List.of("-m", "addrtype", "--dst-type", "LOCAL", "-j", DNAT_CHAIN), true);
        ensure("nat", "POSTROUTING", List.of("-j", POST_CHAIN), true);
        // the host's own connections to 127.0.0.1:PORT leave through the bridge with a loopback source: masqueraded
        ensure("nat", POST_CHAIN, List.of("-s", "127.0.0.0/8", "-o", "ctuib+", "-j", "MASQUERADE"), false);
        String subnet = Cidr.parse(m.address() + "/" + m.prefix()).toString();
        ensure("nat", POST_CHAIN, List.of("-s", subnet, "!", "-o", m.bridge(), "-j", "MASQUERADE"), false);
        try {
            Files.writeString(Path.of("/proc/sys/net/ipv4/conf", m.bridge(), "route_localnet"), "1");
        } catch (IOException e) {
            throw new CloudtuiException("network: cannot allow 127.0.0.1 on " + m.bridge() + ": " + e.getMessage());
        }
    }

    /** The comment that marks a container's rules: {@code ctui:<first 12 of its id>}. */
    static String tag(String id) {
        return "ctui:" + id.substring(0, 12);
    }

    /**
     * {@code -p}: DNAT from the host's addresses (or the one given) to the container's address, in
     * CTUI-DNAT, each rule marked with the container; what it had before is removed first.
     */
    public void publish(String id, Member m, List<io.cloudtui.core.RunSpec.Port> ports) {
        locked(() -> {
            unpublishLocked(java.util.Set.of(tag(id)));
            if (ports.isEmpty()) return null;
            for (io.cloudtui.core.RunSpec.Port p : ports) {
                List<String> rule = new ArrayList<>();
                if (p.hostIp() != null && !p.hostIp().equals("0.0.0.0")) rule.addAll(List.of("-d", p.hostIp() + "/32"));
                rule.addAll(List.of("-p", p.protocol(), "-m", p.protocol(), "--dport", String.valueOf(p.hostPort()), "-m", "comment", "--comment", tag(id),
                        "-j", "DNAT", "--to-destination", m.address() + ":" + p.containerPort()));
                run(cat(List.of("iptables", "-w", "-t", "nat", "-A", DNAT_CHAIN), rule));
            }
            return null;
        });
    }

    /** Removes the container's DNAT rules (stop, rm). */
    public void unpublish(String id) {
        locked(() -> {
            unpublishLocked(java.util.Set.of(tag(id)));
            return null;
        });
    }

    /**
     * The repair after a kill -9 (of a cloudtui midway, or of a container): every rule of CTUI-DNAT whose
     * container is not running (by {@code running}, given a tag's 12 characters) is removed.
     */
    public Map<String, Integer> reconcile(java.util.function.Predicate<String> running) {
        if (!Files.isDirectory(dir)) return Map.of();
        return locked(() -> {
            Map<String, Integer> have = tags();
            java.util.Set<String> stale = new java.util.HashSet<>();
            for (String t : have.keySet()) if (!running.test(t.substring(5))) stale.add(t);
            if (!stale.isEmpty()) unpublishLocked(stale);
            have.keySet().removeAll(stale);
            return have;
        });
    }

    /** Where the container is on {@code network}, by its record (null: not a member). */
    public Member member(String network, String id) {
        return locked(() -> {
            Net n = read(network);
            JsonNode m = n == null ? null : n.record().path("containers").get(id);
            if (m == null) return null;
            return new Member(network, m.path("address").asText(), Cidr.parse(n.subnet()).prefix, n.gateway(), n.bridge());
        });
    }

    private static List<String> natRules() {
        List<String> out = new ArrayList<>();
        for (String l : capture(List.of("iptables-save", "-t", "nat")).split("\n")) if (l.startsWith("-A " + DNAT_CHAIN + " ")) out.add(l);
        return out;
    }

    /** The tags of CTUI-DNAT's rules, with how many rules each has. */
    private static Map<String, Integer> tags() {
        Map<String, Integer> out = new java.util.HashMap<>();
        for (String l : natRules()) {
            var mt = java.util.regex.Pattern.compile("--comment \"?(ctui:[0-9a-f]{12})").matcher(l);
            if (mt.find()) out.merge(mt.group(1), 1, Integer::sum);
        }
        return out;
    }

    private static void unpublishLocked(java.util.Set<String> tags) {
        for (String l : natRules()) {
            var mt = java.util.regex.Pattern.compile("--comment \"?(ctui:[0-9a-f]{12})").matcher(l);
            if (!mt.find() || !tags.contains(mt.group(1))) continue;
            List<String> args = new ArrayList<>(List.of("iptables", "-w", "-t", "nat", "-D"));
            for (String tok : l.substring(3).trim().split("\\s+")) args.add(tok.replace("\"", ""));
            run(args);
        }
    }

    /** Published ports as ps shows them: 0.0.0.0:8080->80/tcp. */
    public static List<String> portsText(List<io.cloudtui.core.RunSpec.Port> ports) {
        List<String> out = new ArrayList<>();
        for (io.cloudtui.core.RunSpec.Port p : ports) {
            out.add((p.hostIp() == null ? "0.0.0.0" : p.hostIp()) + ":" + p.hostPort() + "->" + p.containerPort() + "/" + p.protocol());
        }
        return out;
    }

    /** The /etc/hosts lines for the members of the container's networks (itself included). */
    public String hostsLines(String id) {
        StringBuilder b = new StringBuilder();
        for (Net n : of(id)) {
            n.record().path("containers").forEach(m -> {
                b.append(m.path("address").asText()).append('\t').append(m.path("name").asText());
                m.path("aliases").forEach(a -> b.append(' ').append(a.asText()));
                b.append('\n');
            });
        }
        return b.toString();
    }

    /** The ids of the containers sharing a network with {@code id}, itself included. */
    public List<String> neighbours(String id) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        out.add(id);
        for (Net n : of(id)) n.record().path("containers").fieldNames().forEachRemaining(out::add);
        return new ArrayList<>(out);
    }

    // ------------------------------------------------------------------ commands

    static boolean linkExists(String name) {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    private static void ip(String... args) {
        List<String> c = new ArrayList<>(List.of("ip"));
        c.addAll(List.of(args));
        run(c);
    }

    private static List<String> cat(List<String> a, List<String> b) {
        List<String> c = new ArrayList<>(a);
        c.addAll(b);
        return c;
    }

    static void run(List<String> cmd) {
        String[] r = exec(cmd);
        if (!r[0].equals("0")) throw new CloudtuiException("network: " + String.join(" ", cmd) + ": " + r[1].strip());
    }

    static int exit(List<String> cmd) {
        return Integer.parseInt(exec(cmd)[0]);
    }

    static String capture(List<String> cmd) {
        String[] r = exec(cmd);
        return r[0].equals("0") ? r[1] : "";
    }

    private static String[] exec(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new String[] {"124", "timed out"};
            }
            return new String[] {String.valueOf(p.exitValue()), out};
        } catch (IOException e) {
            return new String[] {"127", e.getMessage()};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new String[] {"130", "interrupted"};
        }
    }

    private static List<Cidr> hostRoutes(List<Net> ours) {
        java.util.Set<String> bridges = new java.util.HashSet<>();
        ours.forEach(n -> bridges.add(n.bridge()));
        List<Cidr> out = new ArrayList<>();
        for (String l : capture(List.of("ip", "-4", "route", "show", "table", "all")).split("\n")) {
            String[] f = l.trim().split("\\s+");
            int i = f.length > 0 && (f[0].equals("local") || f[0].equals("broadcast") || f[0].equals("unicast")) ? 1 : 0;
            if (f.length <= i || f[i].equals("default")) continue;
            String dst = f[i];
            if (dst.startsWith("127.")) continue;
            try {
                Cidr c = Cidr.parse(dst.contains("/") ? dst : dst + "/32");
                // the routes of this store's bridges are its networks, checked against their records
                int dev = java.util.Arrays.asList(f).indexOf("dev");
                if (dev < 0 || dev + 1 >= f.length || !bridges.contains(f[dev + 1])) out.add(c);
            } catch (CloudtuiException e) {
                // not an IPv4 prefix
            }
        }
        return out;
    }

    private static String hostRouteOverlapping(Cidr c, List<Net> ours) {
        for (Cidr r : hostRoutes(ours)) if (c.overlaps(r)) return r.toString();
        return null;
    }

    /** An IPv4 prefix. */
    record Cidr(long base, int prefix) {
        long size() {
            return 1L << (32 - prefix);
        }

        boolean overlaps(Cidr o) {
            return base < o.base + o.size() && o.base < base + size();
        }

        static Cidr parse(String s) {
            String[] p = s.split("/", -1);
            if (p.length != 2) throw CloudtuiException.usage("'" + s + "' is not an IPv4 subnet (A.B.C.D/N)");
            int prefix;
            try {
                prefix = Integer.parseInt(p[1]);
            } catch (NumberFormatException e) {
                throw CloudtuiException.usage("'" + s + "' is not an IPv4 subnet (A.B.C.D/N)");
            }
            if (prefix < 0 || prefix > 32) throw CloudtuiException.usage("'" + s + "' is not an IPv4 subnet (A.B.C.D/N)");
            long a;
            try {
                a = parseIp(p[0]);
            } catch (CloudtuiException e) {
                throw CloudtuiException.usage("'" + s + "' is not an IPv4 subnet (A.B.C.D/N)");
            }
            long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
            return new Cidr(a & mask, prefix);
        }

        static long parseIp(String s) {
            String[] o = s.split("\\.", -1);
            if (o.length != 4) throw CloudtuiException.usage("'" + s + "' is not an IPv4 address");
            long a = 0;
            for (String x : o) {
                int v;
                try {
                    v = Integer.parseInt(x);
                } catch (NumberFormatException e) {
                    throw CloudtuiException.usage("'" + s + "' is not an IPv4 address");
                }
                if (v < 0 || v > 255 || x.isEmpty()) throw CloudtuiException.usage("'" + s + "' is not an IPv4 address");
                a = a << 8 | v;
            }
            return a;
        }

        static String ip(long a) {
            return (a >> 24 & 255) + "." + (a >> 16 & 255) + "." + (a >> 8 & 255) + "." + (a & 255);
        }

        @Override
        public String toString() {
            return ip(base) + "/" + prefix;
        }
    }
}
