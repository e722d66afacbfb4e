package io.cloudtui.agent;

import io.cloudtui.Main;
import io.cloudtui.core.Backends;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's sessions kept open between commands (README, "Warm CLI"): a command's backends (the
 * local engines' clients, each remote host's ssh master and forwarded sockets) go back here when it
 * ends and serve the next command with the same effective configuration ({@link Main#warmKey}). A
 * session is handed to one command at a time; two at once with the same configuration each get one.
 * One is kept only while it is as a fresh one would be (nothing failed to open, nothing joined, its
 * hosts connected), and a host is asked for one round trip before its session is reused, so a link
 * that went down is found then and the command opens afresh, with the lines and exit code of the
 * JVM path. Idle sessions whose host's connection was lost are closed at once ({@link #sweep}); all
 * are closed when the agent exits.
 */
final class WarmSessions implements Main.Warm {
    private static final Logger LOG = LoggerFactory.getLogger(WarmSessions.class);
    /** Idle sessions kept at most; the least recently used goes first. */
    static final int MAX_IDLE = 8;

    private record Idle(String key, Backends backends) {}

    private final List<Idle> idle = new ArrayList<>();
    private boolean closed;
    private long opened;
    private long reused;

    @Override
    public Backends take(String key, Supplier<Backends> fresh) {
        Backends b = null;
        synchronized (this) {
            for (int i = idle.size() - 1; i >= 0; i--) {
                if (idle.get(i).key().equals(key)) {
                    b = idle.remove(i).backends();
                    break;
                }
            }
        }
        if (b != null) {
            Backends.Remote r = b.remote();
            if (b.reusable() && (r == null || r.healthy())) {
                synchronized (this) {
                    reused++;
                }
                LOG.debug("agent: a kept session serves this command ({} reused, {} opened)", reused, opened);
                return b;
            }
            LOG.info("agent: a kept session is no longer good (a host lost or not answering): opened afresh");
            close(b);
        }
        Backends f = fresh.get();
        synchronized (this) {
            opened++;
        }
        return f;
    }

    @Override
    public void release(String key, Backends b, boolean keep) {
        List<Backends> drop = new ArrayList<>();
        synchronized (this) {
            if (keep && !closed && b.reusable()) {
                idle.add(new Idle(key, b));
                while (idle.size() > MAX_IDLE) drop.add(idle.remove(0).backends());
            } else {
                drop.add(b);
            }
        }
        drop.forEach(WarmSessions::close);
    }

    /** Closes the idle sessions whose remote host lost its connection (ssh's keep-alives noticed): none reconnects in the background. */
    void sweep() {
        List<Backends> drop = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Idle> it = idle.iterator(); it.hasNext();) {
                Backends b = it.next().backends();
                if (!b.reusable()) {
                    it.remove();
                    drop.add(b);
                }
            }
        }
        if (!drop.isEmpty()) LOG.info("agent: {} kept session(s) closed: a host's connection was lost", drop.size());
        drop.forEach(WarmSessions::close);
    }

    /** Closes every idle session (their ssh masters end with {@code -O exit}); those in use close when their command ends. */
    void closeAll() {
        List<Backends> drop;
        synchronized (this) {
            closed = true;
            drop = idle.stream().map(Idle::backends).toList();
            idle.clear();
        }
        drop.parallelStream().forEach(WarmSessions::close);
    }

    private static void close(Backends b) {
        try {
            b.close();
        } catch (RuntimeException e) {
            LOG.debug("agent: closing a session", e);
        }
    }
}
