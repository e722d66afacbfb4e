package io.cloudtui.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The prefix of each line of a merged log ("web-1 | "), padded to the longest name, and its colour:
 * one of six by its place in the stream (the sources in their order: a project's by service), so the
 * same set of containers gets the same colours each time and up to six never share one.
 */
public final class LogPrefix {
    /** ANSI foreground colours: cyan, yellow, green, magenta, blue, red (bright ones read well on dark and light). */
    private static final int[] ANSI = {36, 33, 32, 35, 34, 31};
    public static final int COLOURS = ANSI.length;

    private LogPrefix() {}

    /** Each name padded to the longest, then " | ". */
    public static List<String> prefixes(List<String> names) {
        int w = 0;
        for (String n : names) w = Math.max(w, n.length());
        List<String> out = new ArrayList<>();
        for (String n : names) out.add(n + " ".repeat(w - n.length()) + " | ");
        return out;
    }

    /** The colour index (0..COLOURS-1) of the stream's {@code source}-th container. */
    public static int colour(int source) {
        return Math.floorMod(source, COLOURS);
    }

    /** The SGR sequence that starts the {@code source}-th container's colour. */
    public static String ansi(int source) {
        return "\u001b[" + ANSI[colour(source)] + "m";
    }
}
