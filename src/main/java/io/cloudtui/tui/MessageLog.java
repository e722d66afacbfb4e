package io.cloudtui.tui;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The UI's recent messages, whole: the message line shows one line of the newest, cut to the screen's
 * width; when it does not fit, the line says so and {@link Action#MESSAGES} opens them all here.
 */
final class MessageLog {
    static final int KEEP = 50;

    record Entry(Instant at, Role role, String text) {}

    private final Deque<Entry> entries = new ArrayDeque<>();

    void add(Instant at, Role role, String text) {
        entries.addLast(new Entry(at, role, text));
        while (entries.size() > KEEP) entries.removeFirst();
    }

    /** Oldest first. */
    List<Entry> entries() {
        return new ArrayList<>(entries);
    }

    /** Whether {@code text} shows whole on a message line {@code width} columns wide. */
    static boolean fits(String text, int width) {
        return text.indexOf('\n') < 0 && text.length() <= width;
    }

    /** The message line for {@code text}: its first line, cut to leave room for {@code hint} when it does not fit. */
    static String line(String text, int width, String hint) {
        if (fits(text, width)) return text;
        int nl = text.indexOf('\n');
        String first = nl < 0 ? text : text.substring(0, nl);
        int room = Math.max(0, width - hint.length() - 1);
        return (first.length() > room ? first.substring(0, Math.max(0, room - 1)) + "…" : first) + " " + hint;
    }

    /** The whole log as text for the messages view, newest last, each message's lines wrapped to {@code width}. */
    String text(int width, java.time.ZoneId zone) {
        StringBuilder sb = new StringBuilder();
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss").withZone(zone);
        for (Entry e : entries) {
            String head = f.format(e.at()) + (e.role() == Role.ERROR ? " error  " : "        ");
            boolean first = true;
            for (String l : e.text().split("\n", -1)) {
                for (String part : wrap(l, Math.max(10, width - head.length()))) {
                    sb.append(first ? head : " ".repeat(head.length())).append(part).append('\n');
                    first = false;
                }
            }
        }
        return sb.toString();
    }

    static List<String> wrap(String s, int width) {
        List<String> out = new ArrayList<>();
        while (s.length() > width) {
            int cut = s.lastIndexOf(' ', width);
            if (cut <= 0) cut = width;
            out.add(s.substring(0, cut));
            s = s.substring(cut).stripLeading();
        }
        out.add(s);
        return out;
    }
}
