package io.cloudtui.libvirt;

import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Stdio;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's serial console: virDomainOpenConsole into a non-blocking libvirt stream. Guest output is
 * read on the event loop when the stream is readable; keys are sent from a pump thread; ctrl-]
 * (virsh's escape) leaves.
 */
final class ConsoleSession {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleSession.class);
    static final int ESCAPE = 0x1d; // ctrl-]

    private final LibvirtBackend.Conn conn;
    private final String uuid;
    private final String ref;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile String endReason;
    private volatile OutputStream out;
    private Pointer stream;
    private Thread writerThread;
    // Kept in a field: libvirt calls it from C, so it must not be garbage collected while registered.
    private final Virt.StreamCallback callback = this::onStreamEvent;
    private final CountDownLatch released = new CountDownLatch(1);
    private final Virt.FreeCallback onReleased = opaque -> released.countDown();
    private volatile boolean closing;
    private boolean watching;
    private final byte[] readBuf = new byte[16 * 1024];
    // Guest output is handed to a writer thread so a slow terminal never stalls the shared event loop.
    private final java.util.concurrent.LinkedBlockingQueue<byte[]> output = new java.util.concurrent.LinkedBlockingQueue<>();
    private static final byte[] END = new byte[0];

    ConsoleSession(LibvirtBackend.Conn conn, String uuid, String ref) {
        this.conn = conn;
        this.uuid = uuid;
        this.ref = ref;
    }

    /** Runs until detach, stdin EOF, interrupt or the console closing; returns 0. */
    int run(Stdio stdio, boolean force) {
        out = stdio.stdout();
        Pointer dom = Virt.LIB.virDomainLookupByUUIDString(conn.raw(), uuid);
        if (dom == null) throw CloudtuiException.noSuchWorkload(ref);
        Thread pump = null;
        try {
            stream = Virt.LIB.virStreamNew(conn.raw(), Virt.VIR_STREAM_NONBLOCK);
            if (stream == null) throw new CloudtuiException("cannot open a libvirt stream: " + EventLoop.lastMessage());
            if (Virt.LIB.virDomainOpenConsole(dom, null, stream, force ? Virt.VIR_DOMAIN_CONSOLE_FORCE : 0) < 0) {
                String msg = EventLoop.lastMessage();
                if (msg.toLowerCase(java.util.Locale.ROOT).contains("active console session")) {
                    throw new VmSupport.ConsoleBusyException(ref);
                }
                throw new CloudtuiException("cannot open the console of VM '" + ref + "': " + LibvirtBackend.oneLine(msg));
            }
            if (Virt.LIB.virStreamEventAddCallback(stream, Virt.VIR_STREAM_EVENT_READABLE | Virt.VIR_STREAM_EVENT_ERROR
                    | Virt.VIR_STREAM_EVENT_HANGUP, callback, null, onReleased) < 0) {
                throw new CloudtuiException("cannot watch the console stream: " + EventLoop.lastMessage());
            }
            watching = true;
            Thread writer = new Thread(this::writeOutput, "libvirt-console-out");
            writer.setDaemon(true);
            writer.start();
            writerThread = writer;
            InputStream in = stdio.stdin();
            if (in != null) {
                pump = new Thread(() -> pumpKeys(in), "libvirt-console-keys");
                pump.setDaemon(true);
                pump.start();
            }
            try {
                done.await();
            } catch (InterruptedException e) {
                // Detached by the caller (TerminalSession interrupts the body's thread).
                endReason = "detached";
            }
            LOG.debug("console of {} ended: {}", ref, endReason);
            return 0;
        } finally {
            if (pump != null) pump.interrupt();
            if (stream != null) {
                closing = true;
                if (watching) {
                    Virt.LIB.virStreamEventRemoveCallback(stream);
                    // The event loop may be inside our callback right now: free the stream only once
                    // libvirt has released the callback, or it touches freed memory.
                    try {
                        if (!released.await(2, java.util.concurrent.TimeUnit.SECONDS)) LOG.debug("console callback not released in time");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                synchronized (this) {
                    Virt.LIB.virStreamAbort(stream);
                    Virt.LIB.virStreamFree(stream);
                    stream = null;
                }
            }
            Virt.LIB.virDomainFree(dom);
            if (writerThread != null) {
                output.add(END);
                try {
                    writerThread.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                out.flush();
            } catch (IOException e) {
                LOG.debug("flush", e);
            }
        }
    }

    private void finish(String reason) {
        if (endReason == null) endReason = reason;
        done.countDown();
    }

    /** On the event loop thread: drain what the guest wrote. */
    private void onStreamEvent(Pointer st, int events, Pointer opaque) {
        if (closing) return;
        try {
            if ((events & Virt.VIR_STREAM_EVENT_READABLE) != 0) {
                while (true) {
                    int n;
                    synchronized (this) {
                        if (stream == null) return;
                        n = Virt.LIB.virStreamRecv(st, readBuf, new NativeLong(readBuf.length));
                    }
                    if (n > 0) {
                        output.add(java.util.Arrays.copyOf(readBuf, n));
                    } else if (n == -2) {
                        break; // would block: wait for the next readable event
                    } else if (n == 0) {
                        finish("console closed");
                        return;
                    } else {
                        finish("console error: " + EventLoop.lastMessage());
                        return;
                    }
                }
            }
            if ((events & (Virt.VIR_STREAM_EVENT_ERROR | Virt.VIR_STREAM_EVENT_HANGUP)) != 0) finish("console hung up");
        } catch (RuntimeException e) {
            finish("console read failed: " + e.getMessage());
        }
    }

    private void writeOutput() {
        try {
            while (true) {
                byte[] chunk = output.take();
                if (chunk == END) return;
                out.write(chunk);
                if (output.isEmpty()) out.flush();
            }
        } catch (IOException e) {
            finish("output failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Keys from stdin to the guest, until ctrl-], EOF or interrupt. */
    private void pumpKeys(InputStream in) {
        byte[] buf = new byte[1024];
        try {
            while (done.getCount() > 0) {
                int n = in.read(buf);
                if (n < 0) {
                    finish("input ended");
                    return;
                }
                int esc = -1;
                for (int i = 0; i < n; i++) {
                    if ((buf[i] & 0xff) == ESCAPE) {
                        esc = i;
                        break;
                    }
                }
                send(buf, esc >= 0 ? esc : n);
                if (esc >= 0) {
                    finish("detached");
                    return;
                }
            }
        } catch (InterruptedIOException e) {
            finish("detached");
        } catch (IOException e) {
            finish("input failed: " + e.getMessage());
        }
    }

    private void send(byte[] buf, int len) {
        int off = 0;
        while (off < len && done.getCount() > 0) {
            byte[] chunk = off == 0 ? buf : java.util.Arrays.copyOfRange(buf, off, len);
            int want = len - off;
            int n;
            synchronized (this) {
                if (stream == null) return;
                n = Virt.LIB.virStreamSend(stream, chunk, new NativeLong(want));
            }
            if (n == -2) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    finish("detached");
                    return;
                }
            } else if (n < 0) {
                finish("console error: " + EventLoop.lastMessage());
                return;
            } else {
                off += n;
            }
        }
    }
}
