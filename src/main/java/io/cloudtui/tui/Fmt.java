package io.cloudtui.tui;

import java.time.Duration;
import java.util.Locale;

/** Short human-readable numbers for table cells. */
final class Fmt {
    private Fmt() {}

    static String bytes(long b) {
        if (b < 0) return "-";
        if (b < 1024) return b + "B";
        String units = "KMGTPE";
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length() - 1) {
            v /= 1024;
            u++;
        }
        return (v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v)) + units.charAt(u);
    }

    static String rate(double bytesPerSecond) {
        return bytesPerSecond < 0 ? "-" : bytes((long) bytesPerSecond) + "/s";
    }

    /** Minutes granularity, so the table need not redraw every second for uptimes. */
    static String uptime(Duration d) {
        if (d == null || d.isNegative()) return "-";
        long m = d.toMinutes();
        if (m < 1) return "<1m";
        if (m < 60) return m + "m";
        long h = m / 60;
        if (h < 24) return h + "h" + String.format(Locale.ROOT, "%02d", m % 60) + "m";
        long days = h / 24;
        return days + "d" + String.format(Locale.ROOT, "%02d", h % 24) + "h";
    }

    static String percent(double p) {
        if (p < 0) return "-";
        return p >= 100 ? String.format(Locale.ROOT, "%.0f", p) : String.format(Locale.ROOT, "%.1f", p);
    }

    static String fit(String s, int w) {
        if (w <= 0) return "";
        if (s.length() <= w) return s;
        if (w == 1) return s.substring(0, 1);
        return s.substring(0, w - 1) + "~";
    }

    /**
     * How long a workload has been up, from a docker-style status ("Up 5 minutes (healthy)"), for
     * backends whose list carries no start time; null when the status says nothing about it.
     */
    static Duration upFromStatus(String status) {
        if (status == null || !status.startsWith("Up ")) return null;
        String s = status.substring(3).replaceAll("\\s*\\(.*\\)\\s*$", "").trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("less than a second")) return Duration.ZERO;
        if (s.equals("about a minute")) return Duration.ofMinutes(1);
        if (s.equals("about an hour")) return Duration.ofHours(1);
        String[] p = s.split(" ");
        if (p.length != 2) return null;
        long n;
        try {
            n = Long.parseLong(p[0]);
        } catch (NumberFormatException e) {
            return null;
        }
        String u = p[1].endsWith("s") ? p[1].substring(0, p[1].length() - 1) : p[1];
        return switch (u) {
            case "second" -> Duration.ofSeconds(n);
            case "minute" -> Duration.ofMinutes(n);
            case "hour" -> Duration.ofHours(n);
            case "day" -> Duration.ofDays(n);
            case "week" -> Duration.ofDays(7 * n);
            case "month" -> Duration.ofDays(30 * n);
            case "year" -> Duration.ofDays(365 * n);
            default -> null;
        };
    }

    /** The host part worth showing next to a backend name; empty for local sockets. */
    static String host(String host) {
        if (host == null || host.isEmpty() || host.equals("local") || host.startsWith("unix:") || host.startsWith("npipe:")
                || host.startsWith("/")) {
            return "";
        }
        String h = host.replaceFirst("^[a-z+]+://", "");
        int at = h.indexOf('@');
        if (at >= 0) h = h.substring(at + 1);
        int slash = h.indexOf('/');
        if (slash >= 0) h = h.substring(0, slash);
        return h;
    }
}
