package io.cloudtui.runtime.oci;

import io.cloudtui.core.CloudtuiException;
import java.util.ArrayList;
import java.util.List;

/**
 * linux.resources.devices as the v1 devices cgroup applies them (security/device_cgroup.c), for
 * cgroup v2, where the C stage enforces the result with an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE,
 * see devfilter in src/main/c/nsexec.c). The rules are written in order, the config's and then
 * {@link #DEFAULTS}, each as v1 takes a write to devices.allow or devices.deny:
 * <ul>
 *   <li>type a with no major and minor ("a"): everything is allowed (or denied) by default from now
 *       on, and the exceptions so far are dropped;
 *   <li>any other rule agreeing with the default (allow while allowing) takes its access bits away
 *       from an exception of the same type, major and minor (dropped once it has none left);
 *   <li>else it adds them to the exception of the same type, major and minor, or appends a new one.
 * </ul>
 * A request (type b or c, major, minor, and the r/w/m bits asked for) is then decided by the
 * default, except: allowing by default, it is denied if an exception matches it and shares one of
 * its access bits; denying by default, it is allowed if an exception matches it and has all of
 * them. An exception's type a matches both b and c; no major or minor is a wildcard.
 */
final class DeviceRules {
    private DeviceRules() {}

    /** Access bits as the kernel passes them to the program (BPF_DEVCG_ACC_MKNOD, _READ, _WRITE). */
    static final int MKNOD = 1, READ = 2, WRITE = 4;

    /** Devices every container may use, whatever the config says (runc's list), applied after the config's rules. */
    static final List<OciConfig.DeviceRule> DEFAULTS = List.of(rule("c", 1, 3L), rule("c", 1, 5L), rule("c", 1, 7L), rule("c", 5, 0L),
            rule("c", 1, 8L), rule("c", 1, 9L), rule("c", 5, 1L), rule("c", 5, 2L), rule("c", 136, null));

    private static OciConfig.DeviceRule rule(String type, long major, Long minor) {
        return new OciConfig.DeviceRule(true, type, major, minor, "rwm");
    }

    /** One exception to the default: type 'a', 'b' or 'c'; major and minor -1 for any; access bits. */
    record Rule(char type, long major, long minor, int access) {}

    /** The effect of a list of rules: the default and its exceptions, in order. */
    record Filter(boolean defaultAllow, List<Rule> exceptions) {
        /** Whether a request for ACCESS (bits) on device TYPE ('b' or 'c') MAJOR:MINOR passes. */
        boolean allows(char type, long major, long minor, int access) {
            for (Rule e : exceptions) {
                if (e.type() != 'a' && e.type() != type) continue;
                if (e.major() >= 0 && e.major() != major) continue;
                if (e.minor() >= 0 && e.minor() != minor) continue;
                if (defaultAllow ? (access & e.access()) != 0 : (access & ~e.access()) == 0) return !defaultAllow;
            }
            return defaultAllow;
        }
    }

    static int access(String rwm) {
        int a = 0;
        if (rwm.indexOf('r') >= 0) a |= READ;
        if (rwm.indexOf('w') >= 0) a |= WRITE;
        if (rwm.indexOf('m') >= 0) a |= MKNOD;
        return a;
    }

    /** The config's rules followed by {@link #DEFAULTS}, as the v1 controller would apply them. */
    static Filter of(List<OciConfig.DeviceRule> rules) {
        List<OciConfig.DeviceRule> all = new ArrayList<>(rules);
        all.addAll(DEFAULTS);
        boolean defaultAllow = true; // a new v1 cgroup under the root allows everything
        List<Rule> ex = new ArrayList<>();
        for (OciConfig.DeviceRule r : all) {
            long major = r.major() == null || r.major() < 0 ? -1 : r.major();
            long minor = r.minor() == null || r.minor() < 0 ? -1 : r.minor();
            // the kernel's device numbers are 12 and 20 bits; the program compares 31-bit constants
            if (major > Integer.MAX_VALUE || minor > Integer.MAX_VALUE) {
                throw new CloudtuiException("config.json: linux.resources.devices: device " + major + ":" + minor + " is out of range");
            }
            char type = r.type().charAt(0);
            if (type == 'a' && major < 0 && minor < 0) {
                defaultAllow = r.allow();
                ex.clear();
                continue;
            }
            int bits = access(r.access());
            int same = -1;
            for (int i = 0; i < ex.size(); i++) {
                Rule e = ex.get(i);
                if (e.type() == type && e.major() == major && e.minor() == minor) same = i;
            }
            if (r.allow() == defaultAllow) {
                if (same < 0) continue;
                int left = ex.get(same).access() & ~bits;
                if (left == 0) ex.remove(same);
                else ex.set(same, new Rule(type, major, minor, left));
            } else if (same >= 0) {
                ex.set(same, new Rule(type, major, minor, ex.get(same).access() | bits));
            } else {
                ex.add(new Rule(type, major, minor, bits));
            }
        }
        return new Filter(defaultAllow, List.copyOf(ex));
    }

    /** The v1 rule text for devices.allow / devices.deny ("c 1:3 rwm", "a"). */
    static String v1(OciConfig.DeviceRule d) {
        if (d.type().equals("a") && d.major() == null && d.minor() == null) return "a";
        return d.type() + " " + (d.major() == null ? "*" : d.major()) + ":" + (d.minor() == null ? "*" : d.minor()) + " " + d.access();
    }
}
