package io.cloudtui.tui;

import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The message line's state: the newest message, which fades after two thirds of its time and then
 * goes, and every recent message whole ({@link MessageLog}, for {@link MessagesView}). UI thread only.
 */
final class MessageLine implements Notifier {
    record Message(String text, Role role, long at) {}

    /** Every message, whole, for {@link MessagesView}. */
    final MessageLog log = new MessageLog();
    private final LongSupplier millis;
    private final Clock wall;
    private final Duration ttl;
    private Message message;

    MessageLine(LongSupplier millis, Clock wall, Duration ttl) {
        this.millis = millis;
        this.wall = wall;
        this.ttl = ttl;
    }

    @Override
    public void info(String s) {
        message = new Message(s, Role.INFO, millis.getAsLong());
        log.add(wall.instant(), Role.INFO, s);
    }

    /**
     * A message nobody asked for (a hint found in the background): logged, but shown only when the
     * line is free, so it never hides what the user's own action just said.
     */
    void notice(String s) {
        if (message == null) {
            info(s);
        } else {
            log.add(wall.instant(), Role.INFO, s);
        }
    }

    @Override
    public void error(String s) {
        message = new Message(s, Role.ERROR, millis.getAsLong());
        log.add(wall.instant(), Role.ERROR, s);
    }

    /** The message on the line, or null. */
    Message current() {
        return message;
    }

    /** Fades or drops the message as it ages; returns whether the line changed. */
    boolean age(long now) {
        if (message == null) return false;
        long age = now - message.at();
        long t = ttl.toMillis();
        if (age >= t) {
            message = null;
            return true;
        }
        if (age >= t * 2 / 3 && message.role() != Role.DIM) {
            // fade before it goes
            message = new Message(message.text(), Role.DIM, message.at());
            return true;
        }
        return false;
    }

    /** When the line next changes by itself (fades or goes), or {@code Long.MAX_VALUE}. */
    long due() {
        Message m = message;
        if (m == null) return Long.MAX_VALUE;
        long t = ttl.toMillis();
        return m.role() != Role.DIM ? m.at() + t * 2 / 3 : m.at() + t;
    }

    /** Whether the message on the line is cut (too long, or several lines): the footer then offers the messages view. */
    boolean cut(int width) {
        Message m = message;
        return m != null && !MessageLog.fits(m.text(), width);
    }
}
