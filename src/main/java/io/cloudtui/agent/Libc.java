package io.cloudtui.agent;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.util.List;

/** The socket calls Java has no API for (SCM_RIGHTS, SO_PEERCRED) and I/O on passed descriptors. 64-bit Linux layouts. */
final class Libc {
    private Libc() {}

    interface C extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;
        int bind(int fd, byte[] addr, int len) throws LastErrorException;
        int listen(int fd, int backlog) throws LastErrorException;
        int accept4(int fd, Pointer addr, Pointer len, int flags) throws LastErrorException;
        int poll(int[] fds, int nfds, int timeout) throws LastErrorException;
        long recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;
        long read(int fd, byte[] buf, long n) throws LastErrorException;
        long write(int fd, byte[] buf, long n) throws LastErrorException;
        int close(int fd) throws LastErrorException;
        int shutdown(int fd, int how) throws LastErrorException;
        int getsockopt(int fd, int level, int name, int[] val, int[] len) throws LastErrorException;
        int geteuid();
    }

    static final C C = Native.load("c", C.class);
    static final int EINTR = 4;

    /** A listening unix socket bound to PATH (at most 107 bytes). */
    static int listen(String path) throws IOException {
        byte[] p = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (p.length > 107) throw new IOException("socket path too long: " + path);
        byte[] addr = new byte[110];
        addr[0] = 1; // AF_UNIX, little-endian short
        System.arraycopy(p, 0, addr, 2, p.length);
        int fd = C.socket(1, 1 | 02000000, 0); // SOCK_STREAM | SOCK_CLOEXEC
        try {
            C.bind(fd, addr, addr.length);
            C.listen(fd, 64);
            return fd;
        } catch (LastErrorException e) {
            C.close(fd);
            throw new IOException("bind " + path + ": errno " + e.getErrorCode());
        }
    }

    /** Waits up to MILLIS for FD to be readable. */
    static boolean readable(int fd, int millis) {
        int[] pfd = {fd, 1}; // POLLIN
        try {
            return C.poll(pfd, 1, millis) > 0;
        } catch (LastErrorException e) {
            return false;
        }
    }

    /** The peer's uid (SO_PEERCRED), or -1. */
    static int peerUid(int fd) {
        int[] cred = new int[3];
        int[] len = {12};
        try {
            C.getsockopt(fd, 1, 17, cred, len); // SOL_SOCKET, SO_PEERCRED: pid, uid, gid
            return cred[1];
        } catch (LastErrorException e) {
            return -1;
        }
    }

    /**
     * Reads up to LEN bytes into DST at OFF with recvmsg, adding any descriptors that came with them
     * (SCM_RIGHTS) to FDS; 0 at end of stream.
     */
    static int recv(int fd, byte[] dst, int off, int len, List<Integer> fds) throws IOException {
        try (Memory buf = new Memory(len); Memory iov = new Memory(16); Memory ctl = new Memory(128); Memory msg = new Memory(56)) {
            iov.setPointer(0, buf);
            iov.setLong(8, len);
            msg.clear();
            ctl.clear();
            msg.setPointer(16, iov);
            msg.setLong(24, 1);
            msg.setPointer(32, ctl);
            msg.setLong(40, 128);
            long n;
            while (true) {
                try {
                    n = C.recvmsg(fd, msg, 0x40000000); // MSG_CMSG_CLOEXEC
                    break;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != EINTR) throw new IOException("recvmsg: errno " + e.getErrorCode());
                }
            }
            long ctlLen = msg.getLong(40);
            long at = 0;
            while (at + 16 <= ctlLen) {
                long cl = ctl.getLong(at);
                if (cl < 16) break;
                if (ctl.getInt(at + 8) == 1 && ctl.getInt(at + 12) == 1) { // SOL_SOCKET, SCM_RIGHTS
                    for (long i = at + 16; i + 4 <= at + cl; i += 4) fds.add(ctl.getInt(i));
                }
                at += (cl + 7) & ~7L;
            }
            if (n > 0) buf.read(0, dst, off, (int) n);
            return (int) n;
        }
    }

    static void writeAll(int fd, byte[] b, int off, int len) throws IOException {
        byte[] chunk = off == 0 ? b : java.util.Arrays.copyOfRange(b, off, off + len);
        int done = 0;
        while (done < len) {
            byte[] part = done == 0 ? chunk : java.util.Arrays.copyOfRange(chunk, done, len);
            try {
                done += (int) C.write(fd, part, len - done);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) throw new IOException("write: errno " + e.getErrorCode());
            }
        }
    }

    static void closeQuietly(int fd) {
        try {
            C.close(fd);
        } catch (LastErrorException e) {
            // gone already
        }
    }
}
