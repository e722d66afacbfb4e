package io.cloudtui.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Human-readable values formatted the way the docker CLI shows them. */
final class Fmt {
    private Fmt() {}

    /** First 12 characters of an id, without a {@code sha256:} prefix. */
    static String shortId(String id) {
        if (id == null) return "";
        String s = id.startsWith("sha256:") ? id.substring(7) : id;
        return s.length() > 12 ? s.substring(0, 12) : s;
    }

    /** "3 minutes ago", "About an hour ago"; empty for an unknown time. */
    static String ago(Instant t, Instant now) {
        if (t == null) return "";
        return duration(Duration.between(t, now)) + " ago";
    }

    /** Docker's human duration: "Less than a second", "About a minute", "3 hours", "2 weeks". */
    static String duration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < 1) return "Less than a second";
        if (seconds == 1) return "1 second";
        if (seconds < 60) return seconds + " seconds";
        long minutes = d.toMinutes();
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return minutes + " minutes";
        long hours = Math.round(seconds / 3600.0);
        if (hours == 1) return "About an hour";
        if (hours < 48) return hours + " hours";
        if (hours < 24 * 7 * 2) return hours / 24 + " days";
        if (hours < 24 * 30 * 2) return hours / 24 / 7 + " weeks";
        if (hours < 24 * 365 * 2) return hours / 24 / 30 + " months";
        return (long) (seconds / 3600.0 / 24 / 365) + " years";
    }

    /** Cuts to {@code max} characters with an ellipsis, as docker does for COMMAND. */
    static String truncate(String s, int max) {
        if (s == null) return "";
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static final String[] DECIMAL = {"B", "kB", "MB", "GB", "TB", "PB"};
    private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    /** Decimal size with three significant digits ("1.24MB", "648B"), as docker images / NET I/O. */
    static String size(long bytes) {
        return scaled(bytes, 1000.0, DECIMAL);
    }

    /** Binary size ("1.5MiB"), as docker stats' MEM USAGE. */
    static String binarySize(long bytes) {
        return scaled(bytes, 1024.0, BINARY);
    }

    private static String scaled(long bytes, double base, String[] units) {
        if (bytes < 0) return "--";
        double v = bytes;
        int i = 0;
        while (v >= base && i < units.length - 1) {
            v /= base;
            i++;
        }
        return significant(v) + units[i];
    }

    /** Three significant digits, trailing zeros dropped (Go's %.3g). */
    private static String significant(double v) {
        if (v == 0) return "0";
        String s = new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
        return s;
    }

    static String percent(double p) {
        return String.format(Locale.ROOT, "%.2f%%", p);
    }
}
