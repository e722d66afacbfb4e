/*
 * cloudtui's native client (README, "Warm CLI"): hands the command line, the environment, the
 * working directory and its standard input, output and error (the descriptors themselves, with
 * SCM_RIGHTS) to the user's warm cloudtui process over a private unix socket, forwards SIGINT,
 * SIGTERM, SIGHUP and SIGWINCH to it, and exits with the command's exit code. The warm process is
 * started on first use. Whenever no usable warm process answers, or it answers "fallback", the
 * JVM launcher runs the command as without this client (CLOUDTUI_NO_AGENT=1): nothing is worse.
 *
 * The launcher script sets CLOUDTUI_LAUNCHER (itself) and CLOUDTUI_JAR (the jar whose size and
 * modification time name the build: a warm process of another build is told to go, and replaced).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROTOCOL 1
enum { T_HELLO = 1, T_WELCOME = 2, T_MISMATCH = 3, T_REQUEST = 4, T_SIGNAL = 5, T_EXIT = 6, T_KILLED = 7, T_FALLBACK = 8 };

extern char **environ;
static int sig_pipe[2] = {-1, -1};

static void fallback(char **argv) {
    const char *launcher = getenv("CLOUDTUI_LAUNCHER");
    if (!launcher || !*launcher) {
        fprintf(stderr, "cloudtui: CLOUDTUI_LAUNCHER is not set (run cloudtui through its launcher)\n");
        exit(1);
    }
    setenv("CLOUDTUI_NO_AGENT", "1", 1);
    argv[0] = (char *)launcher;
    execv(launcher, argv);
    fprintf(stderr, "cloudtui: cannot run %s: %s\n", launcher, strerror(errno));
    exit(127);
}

/* Variables that change from shell to shell and that no command on the agent's list reads: they do not
   pick the warm process. Every other variable does (HOME, XDG_*, DOCKER_*, PATH, CLOUDTUI_*, ...). */
static int volatile_var(const char *e) {
    static const char *names[] = {"PWD=", "OLDPWD=", "_=", "SHLVL=", "TERM=", "COLORTERM=", "COLUMNS=", "LINES=",
                                  "TMUX=", "TMUX_PANE=", "WINDOWID=", "SSH_TTY=", "SSH_CLIENT=", "SSH_CONNECTION=", "STY=",
                                  "TERM_PROGRAM=", "TERM_PROGRAM_VERSION=", "VTE_VERSION=", "PS1=", "PROMPT_COMMAND=", NULL};
    for (int i = 0; names[i]; i++) {
        if (strncmp(e, names[i], strlen(names[i])) == 0) return 1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* FNV-1a 64 of the sorted variables that matter: one warm process per distinct environment. */
static uint64_t env_key(void) {
    size_t n = 0;
    for (char **e = environ; *e; e++) n++;
    char **v = calloc(n + 1, sizeof(char *));
    if (!v) return 0;
    size_t k = 0;
    for (char **e = environ; *e; e++) {
        if (!volatile_var(*e)) v[k++] = *e;
    }
    qsort(v, k, sizeof(char *), cmp_str);
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < k; i++) {
        for (const unsigned char *p = (const unsigned char *)v[i]; ; p++) {
            h ^= *p;
            h *= 1099511628211ULL;
            if (!*p) break;
        }
    }
    free(v);
    return h;
}

/* $XDG_RUNTIME_DIR/cloudtui, else /tmp/cloudtui-UID: made 0700 if missing, refused unless it is a
   directory of ours that nobody else can enter. */
static int socket_dir(char *out, size_t len) {
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    if (xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && access(xdg, W_OK) == 0) {
        if ((size_t)snprintf(out, len, "%s/cloudtui", xdg) >= len) return -1;
    } else {
        if ((size_t)snprintf(out, len, "/tmp/cloudtui-%u", (unsigned)getuid()) >= len) return -1;
    }
    if (mkdir(out, 0700) != 0 && errno != EEXIST) return -1;
    if (lstat(out, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) return -1;
    return 0;
}

static int write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void put32(unsigned char *p, uint32_t v) {
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int send_frame(int fd, int type, const void *payload, uint32_t len) {
    unsigned char h[5];
    h[0] = (unsigned char)type;
    put32(h + 1, len);
    if (write_all(fd, h, 5) != 0) return -1;
    return len ? write_all(fd, payload, len) : 0;
}

/* Reads one frame; its payload (at most CAP bytes kept, the rest skipped) into BUF. Returns the type,
   -1 on EOF/error. */
static int read_frame(int fd, unsigned char *buf, uint32_t cap, uint32_t *len) {
    unsigned char h[5];
    if (read_all(fd, h, 5) != 0) return -1;
    uint32_t n = get32(h + 1);
    uint32_t kept = n > cap ? cap : n;
    if (kept && read_all(fd, buf, kept) != 0) return -1;
    for (uint32_t rest = n - kept; rest > 0;) {
        unsigned char skip[256];
        uint32_t k = rest > sizeof(skip) ? (uint32_t)sizeof(skip) : rest;
        if (read_all(fd, skip, k) != 0) return -1;
        rest -= k;
    }
    *len = kept;
    return h[0];
}

static int connect_to(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The build's identity: the jar's size and modification time. */
static void build_id(char *out, size_t len) {
    const char *jar = getenv("CLOUDTUI_JAR");
    struct stat st;
    if (jar && stat(jar, &st) == 0) {
        snprintf(out, len, "%lld.%lld.%ld", (long long)st.st_size, (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    } else {
        snprintf(out, len, "unknown");
    }
}

/* hello; 1: welcome, 0: another build's process (told to go), -1: no usable answer */
static int hello(int fd, const char *id) {
    unsigned char buf[512];
    size_t n = strlen(id);
    if (n > sizeof(buf) - 4) return -1;
    put32(buf, PROTOCOL);
    memcpy(buf + 4, id, n);
    if (send_frame(fd, T_HELLO, buf, (uint32_t)(4 + n)) != 0) return -1;
    uint32_t len;
    int t = read_frame(fd, buf, sizeof(buf), &len);
    if (t == T_WELCOME) return 1;
    if (t == T_MISMATCH) return 0;
    return -1;
}

/* Starts the warm process: the launcher's `agent`, in a session of its own, stdio on /dev/null. */
static pid_t start_agent(const char *path) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2) close(null);
    }
    /* nothing else of the client's: a descriptor its caller left open (a pipe a test reads to its end, a
       lock) must not stay open for as long as the agent runs */
    long max = sysconf(_SC_OPEN_MAX);
    if (syscall(SYS_close_range, 3, ~0U, 0) != 0) {
        for (long f = 3; f < (max > 0 ? max : 1024); f++) close((int)f);
    }
    if (chdir("/") != 0) _exit(1);
    setenv("CLOUDTUI_NO_AGENT", "1", 1);
    setenv("CLOUDTUI_AGENT_SOCKET", path, 1);
    const char *launcher = getenv("CLOUDTUI_LAUNCHER");
    execl(launcher, launcher, "agent", (char *)NULL);
    _exit(127);
}

static void on_signal(int sig) {
    int saved = errno;
    unsigned char s = (unsigned char)sig;
    if (write(sig_pipe[1], &s, 1) < 0) { /* full: a signal is pending already */ }
    errno = saved;
}

static void winsize(int fd, uint16_t *rows, uint16_t *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
        *rows = ws.ws_row;
        *cols = ws.ws_col;
    } else {
        *rows = *cols = 0;
    }
}

/* REQUEST: u32 flags (bit i: fd i passed, bit 3+i: fd i is a terminal), u16 rows, u16 cols, u32 argc,
   u32 envc, then NUL-terminated cwd, argv (without argv[0]), environment; fds 0..2 with SCM_RIGHTS. */
static int send_request(int fd, int argc, char **argv) {
    char cwd[4096];
    if (!getcwd(cwd, sizeof(cwd))) cwd[0] = 0;
    size_t envc = 0, size = 16 + strlen(cwd) + 1;
    for (int i = 1; i < argc; i++) size += strlen(argv[i]) + 1;
    for (char **e = environ; *e; e++, envc++) size += strlen(*e) + 1;
    unsigned char *buf = malloc(5 + size);
    if (!buf) return -1;
    uint32_t flags = 0;
    int fds[3], nfds = 0;
    for (int i = 0; i < 3; i++) {
        if (fcntl(i, F_GETFD) != -1) {
            flags |= 1u << i;
            fds[nfds++] = i;
            if (isatty(i)) flags |= 1u << (3 + i);
        }
    }
    uint16_t rows = 0, cols = 0;
    for (int i = 0; i < 3 && rows == 0; i++) {
        if (flags & (1u << (3 + i))) winsize(i, &rows, &cols);
    }
    unsigned char *p = buf;
    *p++ = T_REQUEST;
    put32(p, (uint32_t)size); p += 4;
    put32(p, flags); p += 4;
    p[0] = rows >> 8; p[1] = rows; p[2] = cols >> 8; p[3] = cols; p += 4;
    put32(p, (uint32_t)(argc - 1)); p += 4;
    put32(p, (uint32_t)envc); p += 4;
    size_t l = strlen(cwd) + 1;
    memcpy(p, cwd, l); p += l;
    for (int i = 1; i < argc; i++) { l = strlen(argv[i]) + 1; memcpy(p, argv[i], l); p += l; }
    for (char **e = environ; *e; e++) { l = strlen(*e) + 1; memcpy(p, *e, l); p += l; }
    /* the frame's first byte carries the descriptors */
    struct iovec iov = {.iov_base = buf, .iov_len = 1};
    union { struct cmsghdr h; char space[CMSG_SPACE(sizeof(int) * 3)]; } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (nfds > 0) {
        m.msg_control = ctl.space;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    ssize_t s;
    do s = sendmsg(fd, &m, MSG_NOSIGNAL); while (s < 0 && errno == EINTR);
    int rc = s == 1 ? write_all(fd, buf + 1, 4 + size) : -1;
    free(buf);
    return rc;
}

int main(int argc, char **argv) {
    const char *no_agent = getenv("CLOUDTUI_NO_AGENT");
    if (no_agent && strcmp(no_agent, "1") == 0) fallback(argv);
    /* the full-screen UI takes the terminal: it runs in a JVM of its own */
    if (argc <= 1) fallback(argv);
    signal(SIGPIPE, SIG_IGN);
    char dir[256], path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    if (socket_dir(dir, sizeof(dir)) != 0) fallback(argv);
    if ((size_t)snprintf(path, sizeof(path), "%s/agent-%016llx.sock", dir, (unsigned long long)env_key()) >= sizeof(path)) fallback(argv);
    char id[128];
    build_id(id, sizeof(id));
    /* agent.enabled: false in the config: the warm process left a marker naming the config file; it
       holds until that file changes */
    char off[sizeof(path) + 8], conf[4096];
    snprintf(off, sizeof(off), "%s.off", path);
    int mf = open(off, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (mf >= 0) {
        struct stat ms, cs;
        ssize_t n = read(mf, conf, sizeof(conf) - 1);
        int keep = n > 0 && fstat(mf, &ms) == 0 && ms.st_uid == geteuid();
        close(mf);
        if (keep) {
            conf[n] = 0;
            keep = stat(conf, &cs) == 0 && (cs.st_mtim.tv_sec < ms.st_mtim.tv_sec
                    || (cs.st_mtim.tv_sec == ms.st_mtim.tv_sec && cs.st_mtim.tv_nsec < ms.st_mtim.tv_nsec));
        }
        if (keep) fallback(argv);
        unlink(off);
    }

    int fd = connect_to(path);
    int ok = fd >= 0 ? hello(fd, id) : -1;
    if (ok != 1) {
        if (fd >= 0) close(fd);
        /* none, a stale socket file, or another build's process (gone once it said so): start ours */
        if (ok != 0) unlink(path);
        pid_t child = start_agent(path);
        if (child < 0) fallback(argv);
        fd = -1;
        /* up to a minute: the launcher may first record its start-up archive after a build */
        for (int i = 0; i < 6000; i++) {
            int st;
            if (waitpid(child, &st, WNOHANG) == child) {
                /* it ended: another client's agent may have bound the socket first */
                fd = connect_to(path);
                if (fd >= 0 && hello(fd, id) != 1) {
                    close(fd);
                    fd = -1;
                }
                break;
            }
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
            fd = connect_to(path);
            if (fd >= 0) {
                if (hello(fd, id) == 1) break;
                close(fd);
                fd = -1;
                break;
            }
        }
        if (fd < 0) fallback(argv);
    }

    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) fallback(argv);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH};
    for (int i = 0; i < 4; i++) sigaction(sigs[i], &sa, NULL);

    if (send_request(fd, argc, argv) != 0) fallback(argv);
    unsigned char buf[64];
    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = sig_pipe[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[1].revents & POLLIN) {
            unsigned char s;
            while (read(sig_pipe[0], &s, 1) == 1) {
                unsigned char f[8];
                uint16_t rows = 0, cols = 0;
                if (s == SIGWINCH) {
                    for (int i = 0; i < 3 && rows == 0; i++) winsize(i, &rows, &cols);
                }
                put32(f, s);
                f[4] = rows >> 8; f[5] = rows; f[6] = cols >> 8; f[7] = cols;
                send_frame(fd, T_SIGNAL, f, 8);
            }
        }
        if (p[0].revents) {
            uint32_t len;
            int t = read_frame(fd, buf, sizeof(buf), &len);
            if (t == T_FALLBACK) {
                close(fd);
                fallback(argv);
            }
            if (t == T_EXIT && len >= 4) return (int)get32(buf);
            if (t == T_KILLED && len >= 4) {
                int sig = (int)get32(buf);
                signal(sig, SIG_DFL);
                raise(sig);
                return 128 + sig;
            }
            if (t < 0) break;
        }
    }
    /* the warm process went away mid-command: what it did is unknown, so no retry */
    fprintf(stderr, "cloudtui: the warm process ended before the command did (CLOUDTUI_NO_AGENT=1 runs without it)\n");
    return 125;
}
