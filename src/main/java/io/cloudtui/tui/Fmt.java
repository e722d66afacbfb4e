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
}
