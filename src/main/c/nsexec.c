/*
 * cloudtui-nsexec: the single-threaded namespace stage of cloudtui's OCI runtime.
 *
 * The JVM validates config.json and writes a flat "spec" (NUL-separated tokens, see read_spec);
 * this program only executes it, because a multithreaded JVM must never clone/unshare/setns.
 *
 *   cloudtui-nsexec create SPEC REPORT   clone the container init, set it up, leave it blocked on
 *                                        the start fifo; REPORT gets "<pid>" or an error message.
 *   cloudtui-nsexec exec SPEC REPORT     join a running container's namespaces and run a process.
 *   cloudtui-nsexec overlay TARGET OPTS  mount an overlay filesystem (the engine's container rootfs).
 *   cloudtui-nsexec umount TARGET        unmount TARGET until nothing is mounted there.
 *   cloudtui-nsexec unhost STATEDIR      undo what a create without mount namespace mounted (see hostmount).
 *
 * Process tree for create with a monitor:  CLI -> this (P) -> M1 (exits) -> M (monitor, subreaper)
 * -> init. Without a monitor (under containerd-shim, which is already a subreaper): P -> init, and
 * init is reparented to the shim when P exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <dirent.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 2U
#endif

extern char **environ;

#define MAXV 4096

/* ---- the spec, as written by io.cloudtui.runtime.oci.NativeSpec ---- */
struct mnt { char *src, *dst, *type, *data; unsigned long flags, prop; };
struct dev { char *path; char type; unsigned maj, min, mode, uid, gid; };
struct ns { int flag; char *path; };
struct rl { int res; unsigned long long soft, hard; };

static struct {
    struct ns ns[16]; int nns;
    char *uidmap, *gidmap;                 /* "c h n\n" lines, ready for /proc/PID/uid_map */
    char *setgroups;                       /* "deny" when rootless: needed before an unprivileged gid_map */
    char *uidmapper, *gidmapper;           /* rootless with subordinate ids: newuidmap/newgidmap write the maps */
    char *rmtree;                          /* rmtree: the directory to remove inside a user namespace with the maps */
    char *walk;                            /* walk: the directory to stream to stdout inside a user namespace with the maps */
    char *cgroups[32]; int ncg;            /* cgroup.procs files to put the process into */
    char *rootfs; unsigned long rootprop; int rootro;
    char *rootoverlay;                     /* overlayfs options: mounted on rootfs inside the new namespaces */
    int hostmounts;                        /* no mount namespace: rootfs and mounts in ours, chroot (see host_bind) */
    char *execroot;                        /* exec into such a container: its root (/proc/PID/root), entered by chroot */
    struct mnt m[256]; int nm;
    struct dev d[128]; int nd;
    char *links[64]; int nl;               /* pairs: target, path (symlinks in /dev) */
    char *hostname;
    char *sysctl[128]; int nsys;           /* pairs: key, value */
    char *masked[64]; int nmask;
    char *ro[64]; int nro;
    struct rl rl[32]; int nrl;
    int has_oom; char *oom;
    int has_user; unsigned uid, gid; gid_t groups[64]; int ngroups;
    int has_caps; uint64_t cap_b, cap_e, cap_p, cap_i, cap_a;
    int nnp;
    int umask;                             /* -1: keep the inherited one */
    struct sock_filter filt[4096]; int nfilt; /* linux.seccomp, compiled to BPF by the JVM */
    char *devcg; int devallow;             /* cgroup v2: the container's cgroup and the devices default (see devfilter) */
    struct devrule { char type; long long major, minor; unsigned access; } devr[512]; int ndevr; /* its exceptions */
    char *apparmor;
    char *cwd;
    char *args[MAXV]; int nargs;
    char *env[MAXV]; int nenv;
    int terminal; unsigned short rows, cols;
    char *console;
    int relay;                             /* terminal without console socket: we copy the pty */
    char *fifo;                            /* create: init blocks reading it until `start` */
    char *statedir;                        /* monitor writes "exit" here */
    int monitor;
    char *logpath;                         /* log mode: the monitor owns the init's stdio (see log_run) */
    unsigned long long logmax;             /* rotate before the file would exceed this (0: never) */
    int logkeep;                           /* rotated files kept: PATH.1 .. PATH.logkeep */
    int attach;                            /* log mode: also serve STATEDIR/attach.sock (see log_run) */
    char *pidfile;                         /* exec: written by us, the caller may not see the pid */
    int detach;
    struct hook { char *path; int timeout; char *args[64]; int nargs; char *env[128]; int nenv; } hooks[32];
    int nhooks;                            /* prestart + createRuntime, run by the init's parent */
    char *statetmpl;                       /* state JSON for the hooks' stdin, pid as "@PID@" */
} S;

static int g_to_child = -1;
static int g_fifo = -1, g_sock = -1; /* opened by the init's parent, used by the init */
static int close_in_child = -1; /* the monitor's pipe to P, which the init must not hold */
static int g_stdio[3] = { -1, -1, -1 }; /* log mode without terminal: the init's stdin (/dev/null or a pipe), stdout, stderr */
static int report_fd = -1; /* where errors go: the REPORT file (P) or a pipe to P (children) */
static int die_status = 1; /* die()'s exit code: 127 or 126 when the container's command cannot be run */
static pid_t host_bound_by; /* create without mount namespace: P, which bound the rootfs and undoes it if create fails */
static void host_unbind_failed_create(void);

/* Reports an error to whoever waits for us, then exits: every failure ends here. */
static void die(const char *fmt, ...)
{
    char buf[1024];
    int n, e = errno;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf - 64, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if (n > (int)sizeof buf - 64) n = sizeof buf - 64;
    if (e) n += snprintf(buf + n, 64, ": %s", strerror(e));
    buf[n++] = '\n';
    if (report_fd >= 0 && write(report_fd, buf, n) < 0) { /* nothing left to tell */ }
    if (host_bound_by && host_bound_by == getpid()) host_unbind_failed_create();
    _exit(die_status);
}

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    ssize_t r;
    if (fd < 0 || !buf) die("open %s", path);
    while ((r = read(fd, buf + n, cap - n)) > 0) {
        n += r;
        if (n == cap && !(buf = realloc(buf, (cap *= 2) + 1))) die("out of memory");
    }
    if (r < 0) die("read %s", path);
    close(fd);
    buf[n] = 0;
    *len = n;
    return buf;
}

static char *tok_p, *tok_end;
static char *tok(void)
{
    char *t = tok_p;
    if (tok_p >= tok_end) { errno = 0; die("spec truncated"); }
    tok_p += strlen(tok_p) + 1;
    return t;
}
static unsigned long long num(void) { return strtoull(tok(), NULL, 0); }
static long long snum(void) { return strtoll(tok(), NULL, 0); }

/* "code:jt:jf:k,..." -> S.filt */
static void parse_filter(char *p)
{
    while (*p) {
        struct sock_filter f;
        if (S.nfilt >= 4096) { errno = 0; die("spec: seccomp program too long"); }
        f.code = (unsigned short)strtoul(p, &p, 10); p++;
        f.jt = (unsigned char)strtoul(p, &p, 10); p++;
        f.jf = (unsigned char)strtoul(p, &p, 10); p++;
        f.k = (unsigned int)strtoul(p, &p, 10);
        S.filt[S.nfilt++] = f;
        if (*p == ',') p++;
    }
}

static void load_seccomp(void)
{
    struct sock_fprog prog = { (unsigned short)S.nfilt, S.filt };
    if (S.nfilt && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) die("load seccomp filter");
    S.nfilt = 0;
}

/* ---- devices on cgroup v2: an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) ----
 *
 * Java reduces linux.resources.devices to what the v1 controller would hold (DeviceRules.java):
 * a default (S.devallow) and exceptions (S.devr: type a/b/c, major and minor or -1 for any, access
 * bits as the kernel passes them: 1 mknod, 2 read, 4 write). The program the kernel runs for every
 * device access of the cgroup's processes, with r1 = struct bpf_cgroup_dev_ctx:
 *
 *     r2 = ctx->access_type; r3 = r2 & 0xffff (1 block, 2 char); r2 >>= 16 (access bits)
 *     r4 = ctx->major; r5 = ctx->minor
 *     for each exception:                          (skip = go on with the next exception)
 *         if type is not a:   if r3 != type: skip
 *         if major is not -1: if r4 != major: skip
 *         if minor is not -1: if r5 != minor: skip
 *         default deny (the exception allows): if r2 & ~access: skip   (every bit asked for is in it)
 *         default allow (the exception denies): if !(r2 & access): skip (one bit asked for is in it)
 *         return !default
 *     return default
 *
 * (the access test is left out when the exception has all three bits). 1 lets the access through,
 * 0 makes it fail with EPERM. */

#define DEVF_MAX (8 + 512 * 7)
static struct bpf_insn devf[DEVF_MAX];

static struct bpf_insn insn(unsigned char code, unsigned char dst, unsigned char src, short off, int imm)
{
    struct bpf_insn i;
    memset(&i, 0, sizeof i);
    i.code = code;
    i.dst_reg = dst;
    i.src_reg = src;
    i.off = off;
    i.imm = imm;
    return i;
}

/* Assembles the program into devf; returns its length. */
static int devfilter_build(void)
{
    int n = 0, r;
    devf[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, (short)offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
    devf[n++] = insn(BPF_ALU | BPF_MOV | BPF_X, 3, 2, 0, 0);
    devf[n++] = insn(BPF_ALU | BPF_AND | BPF_K, 3, 0, 0, 0xffff);
    devf[n++] = insn(BPF_ALU | BPF_RSH | BPF_K, 2, 0, 0, 16);
    devf[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, 4, 1, (short)offsetof(struct bpf_cgroup_dev_ctx, major), 0);
    devf[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, 5, 1, (short)offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
    for (r = 0; r < S.ndevr; r++) {
        struct devrule *d = &S.devr[r];
        int jumps[4], nj = 0, j, all = (d->access & 7) == 7;
        if (d->type == 'b' || d->type == 'c') {
            jumps[nj++] = n;
            devf[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 3, 0, 0, d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
        }
        if (d->major >= 0) {
            jumps[nj++] = n;
            devf[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, (int)d->major);
        }
        if (d->minor >= 0) {
            jumps[nj++] = n;
            devf[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int)d->minor);
        }
        if (!all) {
            devf[n++] = insn(BPF_ALU | BPF_MOV | BPF_X, 0, 2, 0, 0);
            devf[n++] = insn(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0, S.devallow ? (int)(d->access & 7) : (int)(~d->access & 7));
            jumps[nj++] = n;
            devf[n++] = insn(BPF_JMP | (S.devallow ? BPF_JEQ : BPF_JNE) | BPF_K, 0, 0, 0, 0);
        }
        devf[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, S.devallow ? 0 : 1);
        devf[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        for (j = 0; j < nj; j++) devf[jumps[j]].off = (short)(n - jumps[j] - 1);
    }
    devf[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, S.devallow ? 1 : 0);
    devf[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    return n;
}

/* Loads the program and attaches it to the container's cgroup (S.devcg); NULL or an error. */
static const char *devfilter_attach(void)
{
    static char err[1536];
    static char log[1024];
    union bpf_attr a;
    int n = devfilter_build(), prog, cg, e;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)devf;
    a.insn_cnt = (uint32_t)n;
    a.license = (uint64_t)(uintptr_t)"Apache-2.0";
    snprintf(a.prog_name, sizeof a.prog_name, "ctui_devices");
    prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
    if (prog < 0) {
        e = errno;
        /* again with the verifier's log, for the message */
        log[0] = 0;
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = sizeof log;
        a.log_level = 1;
        if ((prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a)) >= 0) { close(prog); log[0] = 0; }
        for (char *q = log; *q; q++) if (*q == '\n') *q = ' ';
        snprintf(err, sizeof err, "linux.resources.devices: the kernel refused the eBPF device program (cgroup v2): %s%s%.600s",
                 strerror(e), log[0] ? "; verifier: " : "", log);
        return err;
    }
    cg = open(S.devcg, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (cg < 0) {
        e = errno;
        close(prog);
        snprintf(err, sizeof err, "linux.resources.devices: cannot open cgroup %s: %s", S.devcg, strerror(e));
        return err;
    }
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)cg;
    a.attach_bpf_fd = (uint32_t)prog;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI; /* ancestors' programs (systemd's) keep running too */
    if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a) < 0) {
        e = errno;
        snprintf(err, sizeof err, "linux.resources.devices: the kernel refused to attach the eBPF device program to cgroup %s: %s",
                 S.devcg, strerror(e));
        close(cg);
        close(prog);
        return err;
    }
    /* the attachment holds the program; it goes with the cgroup */
    close(cg);
    close(prog);
    return NULL;
}

#define PUSH(arr, cnt, v) do { if ((cnt) >= (int)(sizeof(arr) / sizeof((arr)[0]))) { errno = 0; die("spec: too many " #arr); } (arr)[(cnt)++] = (v); } while (0)

static void read_spec(const char *path)
{
    size_t len;
    char *buf = slurp(path, &len);
    S.umask = -1;
    tok_p = buf;
    tok_end = buf + len;
    while (tok_p < tok_end) {
        char *op = tok();
        if (!strcmp(op, "ns")) { struct ns n; n.flag = (int)num(); n.path = tok(); PUSH(S.ns, S.nns, n); }
        else if (!strcmp(op, "uidmap")) S.uidmap = tok();
        else if (!strcmp(op, "gidmap")) S.gidmap = tok();
        else if (!strcmp(op, "setgroups")) S.setgroups = tok();
        else if (!strcmp(op, "idmapper")) { S.uidmapper = tok(); S.gidmapper = tok(); }
        else if (!strcmp(op, "rmtree")) S.rmtree = tok();
        else if (!strcmp(op, "walk")) S.walk = tok();
        else if (!strcmp(op, "cgroup")) PUSH(S.cgroups, S.ncg, tok());
        else if (!strcmp(op, "rootfs")) S.rootfs = tok();
        else if (!strcmp(op, "rootprop")) S.rootprop = num();
        else if (!strcmp(op, "rootro")) S.rootro = (int)num();
        else if (!strcmp(op, "rootoverlay")) S.rootoverlay = tok();
        else if (!strcmp(op, "hostmounts")) S.hostmounts = (int)num();
        else if (!strcmp(op, "execroot")) S.execroot = tok();
        else if (!strcmp(op, "mount")) {
            struct mnt m;
            m.src = tok(); m.dst = tok(); m.type = tok(); m.flags = num(); m.prop = num(); m.data = tok();
            PUSH(S.m, S.nm, m);
        } else if (!strcmp(op, "dev")) {
            struct dev d;
            d.path = tok(); d.type = tok()[0]; d.maj = num(); d.min = num(); d.mode = num(); d.uid = num(); d.gid = num();
            PUSH(S.d, S.nd, d);
        } else if (!strcmp(op, "link")) { PUSH(S.links, S.nl, tok()); PUSH(S.links, S.nl, tok()); }
        else if (!strcmp(op, "hostname")) S.hostname = tok();
        else if (!strcmp(op, "sysctl")) { PUSH(S.sysctl, S.nsys, tok()); PUSH(S.sysctl, S.nsys, tok()); }
        else if (!strcmp(op, "mask")) PUSH(S.masked, S.nmask, tok());
        else if (!strcmp(op, "ro")) PUSH(S.ro, S.nro, tok());
        else if (!strcmp(op, "rlimit")) { struct rl r; r.res = (int)num(); r.soft = num(); r.hard = num(); PUSH(S.rl, S.nrl, r); }
        else if (!strcmp(op, "oom")) { S.has_oom = 1; S.oom = tok(); }
        else if (!strcmp(op, "user")) { S.has_user = 1; S.uid = num(); S.gid = num(); }
        else if (!strcmp(op, "group")) PUSH(S.groups, S.ngroups, (gid_t)num());
        else if (!strcmp(op, "caps")) { S.has_caps = 1; S.cap_b = num(); S.cap_e = num(); S.cap_p = num(); S.cap_i = num(); S.cap_a = num(); }
        else if (!strcmp(op, "nnp")) S.nnp = (int)num();
        else if (!strcmp(op, "umask")) S.umask = (int)num();
        else if (!strcmp(op, "apparmor")) S.apparmor = tok();
        else if (!strcmp(op, "seccomp")) parse_filter(tok());
        else if (!strcmp(op, "devcgroup")) { S.devcg = tok(); S.devallow = (int)num(); }
        else if (!strcmp(op, "devrule")) {
            struct devrule r;
            r.type = tok()[0]; r.major = snum(); r.minor = snum(); r.access = (unsigned)num();
            PUSH(S.devr, S.ndevr, r);
        }
        else if (!strcmp(op, "cwd")) S.cwd = tok();
        else if (!strcmp(op, "arg")) PUSH(S.args, S.nargs, tok());
        else if (!strcmp(op, "env")) PUSH(S.env, S.nenv, tok());
        else if (!strcmp(op, "terminal")) { S.terminal = 1; S.rows = num(); S.cols = num(); }
        else if (!strcmp(op, "console")) S.console = tok();
        else if (!strcmp(op, "relay")) S.relay = (int)num();
        else if (!strcmp(op, "hook")) {
            if (S.nhooks >= 32) { errno = 0; die("spec: too many hooks"); }
            S.hooks[S.nhooks].path = tok();
            S.hooks[S.nhooks].timeout = (int)num();
            S.nhooks++;
        } else if (!strcmp(op, "hookarg") && S.nhooks) PUSH(S.hooks[S.nhooks - 1].args, S.hooks[S.nhooks - 1].nargs, tok());
        else if (!strcmp(op, "hookenv") && S.nhooks) PUSH(S.hooks[S.nhooks - 1].env, S.hooks[S.nhooks - 1].nenv, tok());
        else if (!strcmp(op, "statetmpl")) S.statetmpl = tok();
        else if (!strcmp(op, "fifo")) S.fifo = tok();
        else if (!strcmp(op, "statedir")) S.statedir = tok();
        else if (!strcmp(op, "monitor")) S.monitor = (int)num();
        else if (!strcmp(op, "log")) S.logpath = tok();
        else if (!strcmp(op, "logmax")) S.logmax = num();
        else if (!strcmp(op, "logkeep")) S.logkeep = (int)num();
        else if (!strcmp(op, "attach")) S.attach = (int)num();
        else if (!strcmp(op, "pidfile")) S.pidfile = tok();
        else if (!strcmp(op, "detach")) S.detach = (int)num();
        else { errno = 0; die("spec: unknown op '%s'", op); }
    }
    if (S.nargs == 0 && !S.rmtree && !S.walk) { errno = 0; die("spec: no process args"); }
    if (S.logpath && (!S.monitor || S.logpath[0] != '/' || S.relay || S.console || S.logkeep < 1 || S.logkeep > 100)) {
        errno = 0;
        die("spec: log needs monitor, an absolute path, no relay or console socket, and logkeep 1..100");
    }
    if (S.attach && !S.logpath) { errno = 0; die("spec: attach needs log"); }
}

/* ---- CVE-2019-5736: never run from a file the container could reach through /proc/PID/exe ---- */

/* We re-exec ourselves from a sealed memfd copy: a container process opening /proc/<us>/exe
 * for writing then only reaches an anonymous, write-sealed copy, never the file on the host. */
static void ensure_sealed_self(char **argv)
{
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), mfd;
    struct stat st;
    off_t off = 0;
    if (self < 0) die("open /proc/self/exe");
    if (fcntl(self, F_GET_SEALS) >= 0) { close(self); return; } /* already the sealed copy */
    mfd = (int)syscall(SYS_memfd_create, "cloudtui-nsexec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0) die("memfd_create");
    if (fstat(self, &st) < 0) die("fstat self");
    while (off < st.st_size)
        if (sendfile(mfd, self, &off, st.st_size - off) <= 0) die("copy self");
    if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) die("seal");
    close(self);
    fexecve(mfd, argv, environ);
    die("fexecve sealed copy");
}

/* ---- helpers ---- */

static void write_file(const char *path, const char *data)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) die("open %s", path);
    if (write(fd, data, strlen(data)) < 0) die("write %s", path);
    close(fd);
}

static void xwrite(int fd, const void *b, size_t n) { if (write(fd, b, n) != (ssize_t)n) die("sync write"); }
static void xread(int fd, void *b, size_t n, const char *what)
{
    if (read(fd, b, n) != (ssize_t)n) { errno = 0; die("sync: %s", what); }
}

/* Opens PATH inside the directory ROOTFD as if ROOTFD were "/": symlinks and ".." can never
 * leave it (openat2 RESOLVE_IN_ROOT); missing directories are created on the way. */
static int open_in_root_depth(int rootfd, const char *path, int create_dir, int create_file, int depth);
static int open_in_root(int rootfd, const char *path, int create_dir, int create_file)
{
    return open_in_root_depth(rootfd, path, create_dir, create_file, 0);
}

static int open_in_root_depth(int rootfd, const char *path, int create_dir, int create_file, int depth)
{
    struct open_how how;
    int fd;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    if (fd >= 0 || errno != ENOENT || (!create_dir && !create_file)) return fd;
    {
        char parent[4096], *slash, *name;
        int pfd;
        snprintf(parent, sizeof parent, "%s", path);
        while (strlen(parent) > 1 && parent[strlen(parent) - 1] == '/') parent[strlen(parent) - 1] = 0;
        slash = strrchr(parent, '/');
        if (!slash) return -1;
        name = slash + 1;
        *slash = 0;
        pfd = open_in_root_depth(rootfd, parent[0] ? parent : "/", 1, 0, depth);
        if (pfd < 0) return -1;
        { /* an O_PATH fd cannot be used with mkdirat, so reopen the parent as a directory */
            char p[64];
            int dfd;
            snprintf(p, sizeof p, "/proc/self/fd/%d", pfd);
            dfd = open(p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
            close(pfd);
            if (dfd < 0) return -1;
            char link[4096];
            ssize_t n = readlinkat(dfd, name, link, sizeof link - 1);
            if (n > 0) {
                /* a dangling symlink: create its target instead, still resolved inside the root */
                char next[8192];
                close(dfd);
                if (depth > 40) { errno = ELOOP; return -1; }
                link[n] = 0;
                snprintf(next, sizeof next, "%s%s%s", link[0] == '/' ? "" : parent, link[0] == '/' ? "" : "/", link);
                return open_in_root_depth(rootfd, next, create_dir, create_file, depth + 1);
            }
            if (create_file) {
                int f = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (f >= 0) close(f);
            } else if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST) {
                close(dfd);
                return -1;
            }
            close(dfd);
        }
        return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    }
}

static void fdpath(char *buf, size_t n, int fd) { snprintf(buf, n, "/proc/self/fd/%d", fd); }

#define PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* Mounts one config.json mount onto its target, resolved inside the rootfs. */
static void do_mount(int rootfd, struct mnt *m)
{
    char target[64];
    int is_bind = (m->flags & MS_BIND) != 0, file = 0, tfd;
    struct stat st;
    if (is_bind) {
        if (stat(m->src, &st) < 0) die("bind source %s", m->src);
        file = !S_ISDIR(st.st_mode);
    }
    tfd = open_in_root(rootfd, m->dst, !file, file);
    if (tfd < 0) die("mount target %s", m->dst);
    fdpath(target, sizeof target, tfd);
    if (is_bind) {
        if (mount(m->src, target, NULL, m->flags & (MS_BIND | MS_REC), NULL) < 0) die("bind %s on %s", m->src, m->dst);
        /* bind ignores the other flags: apply them (ro, nosuid, ...) with a remount */
        if (m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) {
            /* reopen: the target fd still names the directory under the new mount */
            close(tfd);
            tfd = open_in_root(rootfd, m->dst, 0, 0);
            if (tfd < 0) die("reopen %s", m->dst);
            fdpath(target, sizeof target, tfd);
            if (mount(NULL, target, NULL, (m->flags & ~MS_REC) | MS_BIND | MS_REMOUNT, NULL) < 0) {
                /* in a user namespace the source mount's nosuid/nodev/noexec/atime flags are locked:
                 * a remount must repeat them (as runc does) */
                struct statvfs sv;
                unsigned long locked = 0;
                if (errno != EPERM || statvfs(m->src, &sv) < 0) die("remount %s", m->dst);
                if (sv.f_flag & ST_NOSUID) locked |= MS_NOSUID;
                if (sv.f_flag & ST_NODEV) locked |= MS_NODEV;
                if (sv.f_flag & ST_NOEXEC) locked |= MS_NOEXEC;
                if (sv.f_flag & ST_NOATIME) locked |= MS_NOATIME;
                if (sv.f_flag & ST_NODIRATIME) locked |= MS_NODIRATIME;
                if (sv.f_flag & ST_RELATIME) locked |= MS_RELATIME;
                if (sv.f_flag & ST_RDONLY) locked |= MS_RDONLY;
                if (mount(NULL, target, NULL, (m->flags & ~MS_REC) | locked | MS_BIND | MS_REMOUNT, NULL) < 0) die("remount %s", m->dst);
            }
        }
    } else if (mount(m->src, target, m->type, m->flags, m->data[0] ? m->data : NULL) < 0) {
        die("mount %s (%s) on %s", m->src, m->type, m->dst);
    }
    if (m->prop) {
        close(tfd);
        tfd = open_in_root(rootfd, m->dst, 0, 0);
        if (tfd < 0) die("reopen %s", m->dst);
        fdpath(target, sizeof target, tfd);
        if (mount(NULL, target, NULL, m->prop, NULL) < 0) die("propagation of %s", m->dst);
    }
    close(tfd);
}

static void make_device(int rootfd, struct dev *d, int in_userns)
{
    char path[4096], *slash;
    int pfd, dfd;
    char p[64];
    snprintf(path, sizeof path, "%s", d->path);
    slash = strrchr(path, '/');
    if (!slash) { errno = 0; die("device path %s", d->path); }
    *slash = 0;
    pfd = open_in_root(rootfd, path[0] ? path : "/", 1, 0);
    if (pfd < 0) die("device dir for %s", d->path);
    fdpath(p, sizeof p, pfd);
    dfd = open(p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (dfd < 0) die("open device dir for %s", d->path);
    close(pfd);
    unlinkat(dfd, slash + 1, 0);
    if (in_userns) {
        /* mknod is not allowed in a user namespace: bind the host's node of the same path instead */
        const char *host = d->path;
        int f, tfd;
        f = openat(dfd, slash + 1, O_CREAT | O_WRONLY | O_CLOEXEC, 0000);
        if (f < 0) die("create %s", d->path);
        close(f);
        tfd = open_in_root(rootfd, d->path, 0, 0);
        if (tfd < 0) die("reopen %s", d->path);
        fdpath(p, sizeof p, tfd);
        if (mount(host, p, NULL, MS_BIND, NULL) < 0) die("bind device %s", d->path);
        close(tfd);
    } else {
        mode_t t = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
        if (mknodat(dfd, slash + 1, t | (d->mode & 07777), makedev(d->maj, d->min)) < 0) die("mknod %s", d->path);
        if (fchmodat(dfd, slash + 1, d->mode & 07777, 0) < 0) die("chmod %s", d->path);
        if (fchownat(dfd, slash + 1, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0) die("chown %s", d->path);
    }
    close(dfd);
}

/* pivot_root, never chroot: the old root is detached so nothing of the host stays reachable. */
static void pivot(const char *rootfs)
{
    int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0 || newroot < 0) die("open roots");
    if (fchdir(newroot) < 0) die("chdir rootfs");
    if (syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root");
    if (fchdir(oldroot) < 0) die("chdir old root");
    /* keep the detach from propagating back to the host */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) die("make old root slave");
    if (umount2(".", MNT_DETACH) < 0) die("detach old root");
    if (chdir("/") < 0) die("chdir /");
    close(oldroot);
    close(newroot);
}

/* No mount namespace of the container's own (runc's chroot() for a config without one): the root
 * changes for the container's processes only, the runtime's mount namespace keeps its root. */
static void enter_root(const char *rootfs)
{
    if (chdir(rootfs) < 0) die("chdir rootfs %s", rootfs);
    if (chroot(".") < 0) die("chroot %s", rootfs);
    if (chdir("/") < 0) die("chdir /");
}

/* The process's working directory, made (as root, 0755) where it is missing, as runc and docker do;
 * only inside the new root, where a path cannot lead out. */
static void make_cwd(const char *cwd)
{
    char p[4096], *s;
    struct stat st;
    if ((size_t)snprintf(p, sizeof p, "%s", cwd) >= sizeof p) { errno = ENAMETOOLONG; die("working directory %s", cwd); }
    for (s = p + 1; ; s++) {
        if (*s != '/' && *s) continue;
        char c = *s;
        *s = 0;
        if (mkdir(p, 0755) < 0 && errno != EEXIST) die("create the working directory %s", p);
        *s = c;
        if (!c) break;
    }
    if (stat(p, &st) < 0) die("working directory %s", cwd);
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; die("working directory %s", cwd); }
}

/* maskedPaths: /dev/null over files, an empty read-only tmpfs over directories. */
static void mask(const char *path)
{
    struct stat st;
    char p[64];
    int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC), nul;
    if (fd < 0) { if (errno == ENOENT) return; die("mask %s", path); }
    if (fstat(fd, &st) < 0) die("stat %s", path);
    fdpath(p, sizeof p, fd);
    if (S_ISDIR(st.st_mode)) {
        if (mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0") < 0) die("mask dir %s", path);
    } else {
        /* CVE-2025-31133: make sure /dev/null really is the null device, not a planted symlink */
        struct stat ns;
        char np[64];
        nul = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (nul < 0 || fstat(nul, &ns) < 0 || !S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3)) {
            errno = 0;
            die("/dev/null is not the null device");
        }
        fdpath(np, sizeof np, nul);
        if (mount(np, p, NULL, MS_BIND, NULL) < 0) die("mask %s", path);
        close(nul);
    }
    close(fd);
}

static void readonly(const char *path)
{
    char p[64];
    int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) { if (errno == ENOENT) return; die("readonly %s", path); }
    fdpath(p, sizeof p, fd);
    if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) die("bind %s", path);
    close(fd);
    fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) die("reopen %s", path);
    fdpath(p, sizeof p, fd);
    if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0
        && mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL) < 0)
        die("remount ro %s", path);
    close(fd);
}

/* Passes the pty master to whoever listens on --console-socket, as runc does (SCM_RIGHTS). */
static void send_fd(int sock, int fd)
{
    char name[] = "/dev/ptmx", cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { name, sizeof name - 1 };
    struct msghdr msg;
    struct cmsghdr *c;
    memset(&msg, 0, sizeof msg);
    memset(cbuf, 0, sizeof cbuf);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(sock, &msg, 0) < 0) die("send pty master");
}

static int relay_fd = -1; /* relay mode: our end of the socketpair the pty master arrives on */

/* The socket the pty master is sent on: --console-socket, or in relay mode a socketpair whose
 * other end we keep, to copy between our own stdio and the pty (cloudtui's own CLI, no socket). */
static int connect_console(void)
{
    struct sockaddr_un a;
    int s;
    if (S.relay || (S.logpath && S.terminal)) { /* log mode: the monitor logs the pty master */
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
        relay_fd = sv[0];
        return sv[1];
    }
    if (!S.console) return -1;
    s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket");
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(S.console) >= sizeof a.sun_path) { errno = 0; die("console socket path too long"); }
    strcpy(a.sun_path, S.console);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) die("connect %s", S.console);
    return s;
}


static int recv_fd(int sock)
{
    char buf[64], cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { buf, sizeof buf };
    struct msghdr msg;
    struct cmsghdr *c;
    int fd = -1;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0) return -1;
    c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static volatile sig_atomic_t winch = 1;
static void on_winch(int sig) { (void)sig; winch = 1; }

/* Sets the window size of the pty MASTER; the kernel sends SIGWINCH to its foreground process group. */
static void set_winsize(int master, unsigned rows, unsigned cols)
{
    struct winsize ws;
    if (master < 0 || rows == 0 || cols == 0 || rows > 65535 || cols > 65535) return;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = (unsigned short)rows;
    ws.ws_col = (unsigned short)cols;
    ioctl(master, TIOCSWINSZ, &ws);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Framed stdin (relay 2: an exec of cloudtui's engine, whose stdin is a pipe from the JVM, not a
 * terminal): frames of a 1-byte type, a 4-byte big-endian length and that many bytes. Type 0: bytes
 * for the terminal. Type 1: the window size, 4 bytes: rows and columns, 16-bit big-endian each.
 * Other types are skipped. */
static unsigned char fr_hdr[5], fr_ws[4];
static size_t fr_hlen, fr_wlen;
static unsigned long fr_left;

static int unframe(int master, const char *p, size_t n)
{
    while (n) {
        size_t take;
        if (fr_hlen < 5) {
            fr_hdr[fr_hlen++] = (unsigned char)*p++;
            n--;
            if (fr_hlen < 5) continue;
            fr_left = (unsigned long)fr_hdr[1] << 24 | (unsigned long)fr_hdr[2] << 16 | (unsigned long)fr_hdr[3] << 8 | fr_hdr[4];
            fr_wlen = 0;
        } else {
            take = n < fr_left ? n : fr_left;
            if (fr_hdr[0] == 0 && write_all(master, p, take) < 0) return -1;
            if (fr_hdr[0] == 1) { size_t k; for (k = 0; k < take && fr_wlen < 4; k++) fr_ws[fr_wlen++] = (unsigned char)p[k]; }
            fr_left -= take;
            p += take;
            n -= take;
        }
        if (fr_left == 0) { /* a complete frame (or an empty one) */
            if (fr_hdr[0] == 1 && fr_wlen == 4) set_winsize(master, (unsigned)fr_ws[0] << 8 | fr_ws[1], (unsigned)fr_ws[2] << 8 | fr_ws[3]);
            fr_hlen = 0;
        }
    }
    return 0;
}

/* Copies our stdin to the pty and the pty to our stdout until the container side hangs up; our
 * terminal is raw meanwhile (the container's pty does the line discipline) and follows resizes.
 * Framed (relay 2): stdin is read as frames (see unframe), and once our stdout is gone (the
 * client detached) the pty is still drained, so the process runs on to its end. */
static void relay(int master)
{
    struct termios saved, raw;
    int tty = isatty(0) && tcgetattr(0, &saved) == 0, in_open = 1, out_open = 1, framed = S.relay == 2;
    char buf[8192];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch;
    sigaction(SIGWINCH, &sa, NULL);
    if (framed) signal(SIGPIPE, SIG_IGN); /* only here, after the fork: the process keeps its own */
    if (tty) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(0, TCSANOW, &raw);
    }
    for (;;) {
        struct pollfd p[2] = { { master, POLLIN, 0 }, { 0, POLLIN, 0 } };
        ssize_t n;
        if (winch && tty) {
            struct winsize ws;
            winch = 0;
            if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
        }
        if (poll(p, in_open ? 2 : 1, -1) < 0) { if (errno == EINTR) continue; break; }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            n = read(master, buf, sizeof buf);
            if (n <= 0) break; /* EIO: every slave fd is closed */
            if (out_open && write_all(1, buf, (size_t)n) < 0) {
                if (!framed) break;
                out_open = in_open = 0;
            }
        }
        if (in_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            n = read(0, buf, sizeof buf);
            if (n <= 0) in_open = 0;
            else if (framed ? unframe(master, buf, (size_t)n) < 0 : write(master, buf, n) < 0) break;
        }
    }
    if (tty) tcsetattr(0, TCSANOW, &saved);
}

/* Opens a pty in the container's devpts, hands the master out, makes the slave our terminal. */
static void setup_terminal(int sock)
{
    int master, slave, unlock = 0, n;
    char name[64];
    struct winsize ws;
    if (!S.terminal) return;
    if (sock < 0) { errno = 0; die("terminal requested without --console-socket"); }
    master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) die("open /dev/ptmx");
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) die("pty setup");
    snprintf(name, sizeof name, "/dev/pts/%d", n);
    slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) die("open %s", name);
    if (S.rows || S.cols) {
        memset(&ws, 0, sizeof ws);
        ws.ws_row = S.rows;
        ws.ws_col = S.cols;
        ioctl(master, TIOCSWINSZ, &ws);
    }
    send_fd(sock, master);
    close(master);
    close(sock);
    setsid();
    if (ioctl(slave, TIOCSCTTY, 0) < 0) die("set controlling terminal");
    if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) die("dup pty");
    if (slave > 2) close(slave);
}

/* rlimits, oom score, identity, capabilities, no_new_privs: the process becomes what config.json says. */
static void close_inherited(void);

static void finalize_identity(void)
{
    int i, cap;
    for (i = 0; i < S.nrl; i++) {
        struct rlimit r = { S.rl[i].soft, S.rl[i].hard };
        if (setrlimit(S.rl[i].res, &r) < 0) die("setrlimit %d", S.rl[i].res);
    }
    /* without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while we still have it
     * (the rest of our way to exec must then pass the filter, as with runc) */
    if (!S.nnp) {
        close_inherited(); /* before the filter, which may deny close_range */
        load_seccomp();
    }
    if (S.has_caps) {
        /* the bounding set needs CAP_SETPCAP, which we still hold as root */
        for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
            if (!(S.cap_b & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) die("drop bounding cap %d", cap);
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die("keepcaps");
    }
    if (S.has_user) {
        if (setgroups(S.ngroups, S.groups) < 0 && !(errno == EPERM && S.ngroups == 0)) die("setgroups");
        if (setresgid(S.gid, S.gid, S.gid) < 0) die("setgid %u", S.gid);
        if (setresuid(S.uid, S.uid, S.uid) < 0) die("setuid %u", S.uid);
    }
    if (S.has_caps) {
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct d[2];
        d[0].effective = (uint32_t)S.cap_e; d[1].effective = (uint32_t)(S.cap_e >> 32);
        d[0].permitted = (uint32_t)S.cap_p; d[1].permitted = (uint32_t)(S.cap_p >> 32);
        d[0].inheritable = (uint32_t)S.cap_i; d[1].inheritable = (uint32_t)(S.cap_i >> 32);
        if (syscall(SYS_capset, &h, d) < 0) die("capset");
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        for (cap = 0; cap < 64; cap++)
            if ((S.cap_a & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) die("ambient cap %d", cap);
        prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    }
    if (S.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("no_new_privs");
}

/* CVE-2024-21626: no inherited fd (host directories included) may reach the container process. */
static void close_inherited(void)
{
    DIR *d;
    struct dirent *e;
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    /* a kernel without it (ENOSYS, EINVAL), or a seccomp allow-list without it (EPERM, as Docker's
     * older profiles): mark them one by one, as runc does */
    if (errno != EPERM && errno != ENOSYS && errno != EINVAL) die("close_range");
    d = opendir("/proc/self/fd");
    if (!d) die("list /proc/self/fd to close inherited descriptors");
    while ((e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd < 3 || fd == dirfd(d)) continue;
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF) die("mark descriptor %d close-on-exec", fd);
    }
    closedir(d);
}

static char exec_path[4096]; /* the command as prepare_exec found it (always with a '/') */

/* Dies with runc's words for a command that cannot be run (docker maps them to 127 and 126):
 * exec: "NAME": executable file not found in $PATH | no such file or directory | permission denied. */
static void exec_failed(const char *name, int e)
{
    char what[128], *p;
    if (e == 0) snprintf(what, sizeof what, "executable file not found in $PATH");
    else snprintf(what, sizeof what, "%s", strerror(e));
    for (p = what; *p && e; p++) if (*p >= 'A' && *p <= 'Z') *p += 'a' - 'A';
    die_status = e == 0 || e == ENOENT || e == ENOTDIR ? 127 : 126;
    errno = 0;
    die("exec: \"%s\": %s", name, what);
}

/* 0 when execve could run PATH, else the errno it would fail with. */
static int runnable(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) return errno;
    if (!S_ISREG(st.st_mode)) return EACCES;
    return access(path, X_OK) < 0 ? errno : 0;
}

/* 1 when ".." from the working directory leads to our root (without getcwd). The process's root
 * is its own "..", so a directory outside it ends at another root: the host's. */
static int cwd_reaches_root(void)
{
    struct stat root, cur, up;
    int fd, next, i, found = 0;
    if (stat("/", &root) < 0) return 0;
    fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (i = 0; fd >= 0 && i < 4096 && fstat(fd, &cur) == 0; i++) {
        if (cur.st_dev == root.st_dev && cur.st_ino == root.st_ino) { found = 1; break; }
        next = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        close(fd);
        fd = next;
        if (fd < 0 || fstat(fd, &up) < 0 || (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino)) break;
    }
    if (fd >= 0) close(fd);
    return found;
}

/* Enters the working directory and finds the command as execvp would (PATH from the container's
 * environment, default /bin:/usr/bin) - an executable file, as runc's lookup - so that a command
 * that cannot be run fails create (or exec) with a clear error instead of the started container. */
static void prepare_exec(void)
{
    char cwd[4096];
    const char *name = S.args[0], *path = "/bin:/usr/bin", *p, *end;
    int i, e;
    if (S.cwd && chdir(S.cwd) < 0) {
        /* runc's words; docker's exec says 126 for it, run 126 too (a "permission denied") */
        char why[128], *q;
        snprintf(why, sizeof why, "%s", strerror(errno));
        for (q = why; *q; q++) if (*q >= 'A' && *q <= 'Z') *q += 'a' - 'A';
        die_status = 126;
        errno = 0;
        die("chdir to cwd (\"%s\") set in config.json failed: %s", S.cwd, why);
    }
    /* a cwd outside our root would show as "(unreachable)": refuse rather than run there; a seccomp
     * filter already loaded (no no_new_privs) may deny getcwd: then walk up to our root instead */
    if (getcwd(cwd, sizeof cwd) ? cwd[0] != '/' : (errno != EPERM && errno != ENOSYS) || !cwd_reaches_root()) {
        errno = 0;
        die("working directory is outside the container");
    }
    S.env[S.nenv] = NULL;
    S.args[S.nargs] = NULL;
    environ = S.env;
    if (!name) { errno = 0; die("no command to run"); }
    if (strchr(name, '/')) {
        if ((e = runnable(name)) != 0) exec_failed(name, e);
        snprintf(exec_path, sizeof exec_path, "%s", name);
        return;
    }
    if (!name[0]) exec_failed(name, ENOENT);
    for (i = 0; i < S.nenv; i++) if (strncmp(S.env[i], "PATH=", 5) == 0) path = S.env[i] + 5;
    for (p = path; ; p = end + 1) {
        end = strchr(p, ':');
        if (!end) end = p + strlen(p);
        /* an empty element is the working directory */
        if ((size_t)snprintf(exec_path, sizeof exec_path, "%.*s/%s", end == p ? 1 : (int)(end - p), end == p ? "." : p, name)
                < sizeof exec_path && runnable(exec_path) == 0) return;
        if (!*end) break;
    }
    exec_failed(name, 0);
}

static void exec_process(void)
{
    if (S.umask >= 0) umask((mode_t)S.umask);
    if (S.apparmor) {
        char b[512];
        snprintf(b, sizeof b, "exec %s", S.apparmor);
        write_file("/proc/self/attr/exec", b);
    }
    close_inherited();
    load_seccomp(); /* with no_new_privs: as late as possible, so only execve must be allowed */
    execvp(exec_path, S.args); /* a path: no search; a script without #! still runs with /bin/sh */
    exec_failed(S.args[0], errno);
}

/* A new network namespace has its loopback down: bring it up, as runc (and docker's --network none) do. */
static void loopback_up(void)
{
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket");
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die("read the flags of lo");
    if (!(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die("bring lo up");
    }
    close(s);
}

static int sysctl_write(const char *key, const char *val)
{
    char path[512], *p;
    snprintf(path, sizeof path, "/proc/sys/%s", key);
    for (p = path + 10; *p; p++) if (*p == '.') *p = '/';
    write_file(path, val);
    return 0;
}

/* ---- create ---- */

static int has_new(int flag)
{
    int i;
    for (i = 0; i < S.nns; i++) if (S.ns[i].flag == flag && !S.ns[i].path[0]) return 1;
    return 0;
}

static long map_id(const char *map, unsigned id);

/* The container init: runs in fresh namespaces, builds the rootfs, then waits for `start`. */
static void init_main(int sync_rd, int sync_wr)
{
    char c;
    int i, rootfd, fifo = g_fifo, sock = g_sock, in_userns = has_new(CLONE_NEWUSER);
    xread(sync_rd, &c, 1, "parent died before configuring us");
    /* root of the namespace, unless its maps leave root out (run --hpc maps our own ids to
     * themselves): then we stay who we are, with the capabilities its creator holds in it until exec */
    if (in_userns && !(S.uidmap && map_id(S.uidmap, 0) < 0) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        die("become root in user namespace");
    for (i = 0; i < S.nns; i++) {
        if (!S.ns[i].path[0] || S.ns[i].flag == CLONE_NEWPID) continue;
        int fd = open(S.ns[i].path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, S.ns[i].flag) < 0) die("join namespace %s", S.ns[i].path);
        close(fd);
    }
    /* cgroup namespace only now: the parent has moved us into the container's cgroup */
    if (has_new(CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) die("unshare cgroup namespace");
    if (has_new(CLONE_NEWNET)) loopback_up();
    if (S.rootfs && !S.hostmounts) {
        /* shared or unbindable only after pivot_root (as runc): pivot_root refuses a shared root or
         * parent (EINVAL), and an unbindable rootfs cannot be bound onto itself */
        unsigned long before = S.rootprop && !(S.rootprop & (MS_SHARED | MS_UNBINDABLE)) ? S.rootprop : MS_SLAVE;
        if (mount(NULL, "/", NULL, MS_REC | before, NULL) < 0) die("root propagation");
        /* a rootless engine's overlay: only a mount namespace owned by the container's user
         * namespace lets an unprivileged user mount it (Linux >= 5.11); it goes with the namespace */
        if (S.rootoverlay && mount("overlay", S.rootfs, "overlay", 0, S.rootoverlay) < 0) die("mount the overlay root filesystem on %s", S.rootfs);
        /* pivot_root needs the new root to be a mount point */
        if (mount(S.rootfs, S.rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) die("bind rootfs");
    }
    if (S.rootfs) {
        /* without a mount namespace P has bound the rootfs onto itself already (host_bind): every
         * mount below lands under that one mount, which delete detaches */
        rootfd = open(S.rootfs, O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (rootfd < 0) die("open rootfs %s", S.rootfs);
        for (i = 0; i < S.nm; i++) do_mount(rootfd, &S.m[i]);
        for (i = 0; i < S.nd; i++) make_device(rootfd, &S.d[i], in_userns);
        for (i = 0; i + 1 < S.nl; i += 2) {
            char p[64], *slash = strrchr(S.links[i + 1], '/'), dir[4096];
            int pfd, dfd;
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - S.links[i + 1]), S.links[i + 1]);
            pfd = open_in_root(rootfd, dir[0] ? dir : "/", 1, 0);
            if (pfd < 0) die("link dir %s", dir);
            fdpath(p, sizeof p, pfd);
            dfd = open(p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
            if (dfd < 0 || (symlinkat(S.links[i], dfd, slash + 1) < 0 && errno != EEXIST)) die("symlink %s", S.links[i + 1]);
            close(dfd);
            close(pfd);
        }
        close(rootfd);
    }
    /* prestart/createRuntime hooks: the environment exists, pivot_root has not happened yet */
    if (S.nhooks) {
        xwrite(sync_wr, "H", 1);
        xread(sync_rd, &c, 1, "hooks failed");
    }
    close(sync_rd);
    if (S.rootfs && S.hostmounts) enter_root(S.rootfs);
    else if (S.rootfs) pivot(S.rootfs);
    if (S.rootfs && S.cwd && S.cwd[0] == '/') make_cwd(S.cwd);
    if (S.hostname && sethostname(S.hostname, strlen(S.hostname)) < 0) die("sethostname");
    for (i = 0; i + 1 < S.nsys; i += 2) sysctl_write(S.sysctl[i], S.sysctl[i + 1]);
    for (i = 0; i < S.nmask; i++) mask(S.masked[i]);
    for (i = 0; i < S.nro; i++) readonly(S.ro[i]);
    /* last: masks and read-only paths are bind mounts, which an unbindable / would refuse */
    if (S.rootfs && S.rootprop && mount(NULL, "/", NULL, MS_REC | S.rootprop, NULL) < 0) die("linux.rootfsPropagation of /");
    if (S.rootro && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) die("remount / read-only");
    setup_terminal(sock);
    if (!S.terminal && sock >= 0) close(sock);
    if (!S.terminal) setsid();
    finalize_identity();
    prepare_exec(); /* a command that cannot run is create's error */
    /* ready: P may report success now; then wait for `start` */
    xwrite(sync_wr, "R", 1);
    report_fd = 2; /* nobody reads the sync pipe any more: later errors go to the container's stderr */
    if (fifo >= 0) {
        ssize_t r;
        while ((r = read(fifo, &c, 1)) < 0 && errno == EINTR) {}
        if (r != 1) { errno = 0; die("start fifo closed"); }
        close(fifo);
    }
    exec_process();
}

static void write_map(pid_t pid, const char *which, const char *map)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, which);
    write_file(path, map);
}

/* Maps with subordinate ids: only the setuid helper (newuidmap, newgidmap from /etc/subuid and
 * /etc/subgid) may write them. It gets "PID c h n [c h n...]" and an empty environment; what it
 * says on failure becomes our error. */
static void run_mapper(const char *helper, pid_t pid, const char *map)
{
    char *argv[3 + 3 * 16 + 1], pidbuf[32], copy[1024], msg[512], *save = NULL, *t;
    char *envp[] = { NULL };
    int out[2], argc = 0, status, n = 0;
    ssize_t r;
    pid_t h;
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)pid);
    snprintf(copy, sizeof copy, "%s", map);
    argv[argc++] = (char *)helper;
    argv[argc++] = pidbuf;
    for (t = strtok_r(copy, " \n", &save); t && argc < (int)(sizeof argv / sizeof argv[0]) - 1; t = strtok_r(NULL, " \n", &save)) argv[argc++] = t;
    argv[argc] = NULL;
    if (pipe2(out, O_CLOEXEC) < 0) die("pipe");
    h = fork();
    if (h < 0) die("fork %s", helper);
    if (h == 0) {
        dup2(out[1], 1);
        dup2(out[1], 2);
        execve(helper, argv, envp);
        _exit(127);
    }
    close(out[1]);
    while (n < (int)sizeof msg - 1 && (r = read(out[0], msg + n, sizeof msg - 1 - n)) > 0) n += (int)r;
    close(out[0]);
    msg[n] = 0;
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = 0;
    for (t = msg; *t; t++) if (*t == '\n') *t = ' ';
    while (waitpid(h, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = 0;
        die("%s failed%s%s", helper, n ? ": " : "", msg);
    }
}

static void set_maps(pid_t pid)
{
    if (S.uidmap) { if (S.uidmapper) run_mapper(S.uidmapper, pid, S.uidmap); else write_map(pid, "uid_map", S.uidmap); }
    if (S.setgroups) write_map(pid, "setgroups", S.setgroups);
    if (S.gidmap) { if (S.gidmapper) run_mapper(S.gidmapper, pid, S.gidmap); else write_map(pid, "gid_map", S.gidmap); }
}

/* Clones the init with the new namespaces and does what only its parent can: maps, cgroups.
 * Returns its pid; *ready_rd gets the pipe on which it says "R" or an error. */
static pid_t spawn_init(int *ready_rd)
{
    int to_child[2], from_child[2], i, flags = 0;
    pid_t pid;
    char buf[32];
    for (i = 0; i < S.nns; i++) {
        if (S.ns[i].flag == CLONE_NEWCGROUP) continue; /* unshared by the child, after the cgroup move */
        if (!S.ns[i].path[0]) flags |= S.ns[i].flag;
        else if (S.ns[i].flag == CLONE_NEWPID) {
            /* joining a pid namespace only takes effect for our children */
            int fd = open(S.ns[i].path, O_RDONLY | O_CLOEXEC);
            if (fd < 0 || setns(fd, CLONE_NEWPID) < 0) die("join pid namespace %s", S.ns[i].path);
            close(fd);
        }
    }
    if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(from_child, O_CLOEXEC) < 0) die("pipe");
    /* host paths, opened while we are host root: a user-namespaced init could not reach them */
    g_sock = connect_console();
    g_fifo = S.fifo ? open(S.fifo, O_RDWR | O_CLOEXEC) : -1; /* O_RDWR: read blocks until start writes */
    if (S.fifo && g_fifo < 0) die("open start fifo");
    pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) die("clone");
    if (pid == 0) {
        close(to_child[1]);
        close(from_child[0]);
        report_fd = from_child[1];
        if (close_in_child >= 0) close(close_in_child); /* P waits for EOF on it */
        if (g_stdio[0] >= 0) {
            /* log mode: stdin /dev/null, stdout and stderr the monitor's pipes (dup2 clears cloexec) */
            for (i = 0; i < 3; i++) if (dup2(g_stdio[i], i) < 0) die("dup stdio");
        }
        init_main(to_child[0], from_child[1]);
    }
    close(to_child[0]);
    close(from_child[1]);
    if (g_sock >= 0) close(g_sock);
    if (g_fifo >= 0) close(g_fifo);
    set_maps(pid);
    snprintf(buf, sizeof buf, "%d", (int)pid);
    for (i = 0; i < S.ncg; i++) write_file(S.cgroups[i], buf);
    if (S.has_oom) { /* from outside: in a user namespace the child may not write its own */
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)pid);
        write_file(path, S.oom);
    }
    xwrite(to_child[1], "G", 1);
    g_to_child = to_child[1]; /* kept for the hooks' "continue" */
    *ready_rd = from_child[0];
    return pid;
}

/* Runs one hook with the state on stdin; returns NULL or an error message. */
static const char *run_hook(struct hook *h, const char *state)
{
    static char err[1200];
    int in[2], out[2], status, used = 0;
    char buf[512];
    pid_t pid;
    long deadline_ms = (h->timeout > 0 ? h->timeout : 120) * 1000L;
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) return "pipe for hook";
    pid = fork();
    if (pid < 0) return "fork for hook";
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        h->args[h->nargs] = NULL;
        h->env[h->nenv] = NULL;
        execve(h->path, h->args, h->env);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (write(in[1], state, strlen(state)) < 0) { /* the hook need not read its stdin */ }
    close(in[1]);
    buf[0] = 0;
    for (;;) {
        struct pollfd p = { out[0], POLLIN, 0 };
        int r = poll(&p, 1, 100);
        ssize_t n;
        if (r < 0 && errno != EINTR) break;
        if (r <= 0) {
            if ((deadline_ms -= 100) <= 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                close(out[0]);
                snprintf(err, sizeof err, "hook %s timed out after %ds", h->path, h->timeout > 0 ? h->timeout : 120);
                return err;
            }
            continue;
        }
        n = read(out[0], buf + used, sizeof buf - 1 - used);
        if (n <= 0) break;
        used += (int)n;
        if (used >= (int)sizeof buf - 1) used = 0; /* keep only the last of a chatty hook */
        buf[used] = 0;
    }
    close(out[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return NULL;
    buf[used] = 0;
    for (char *q = buf; *q; q++) if (*q == '\n') *q = ' ';
    snprintf(err, sizeof err, "hook %s failed (%s %d)%s%s", h->path, WIFEXITED(status) ? "exit" : "signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), used ? ": " : "", buf);
    return err;
}

/* E and a newline in BUF (cut to fit); returns the length. */
static ssize_t message(char *buf, size_t len, const char *e)
{
    int m = snprintf(buf, len, "%s", e);
    if (m < 0) m = 0;
    if ((size_t)m > len - 2) m = (int)len - 2;
    buf[m++] = '\n';
    return m;
}

/* Reads the init's messages until "R" (ready) or an error; on "H" runs the hooks from here (the
 * host side) and lets it continue. Returns the length of the final message in BUF. */
static ssize_t await_ready(int ready, pid_t init, char *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(ready, buf, len);
        if (n == 1 && buf[0] == 'H') {
            char state[70000], *p;
            int i;
            const char *e = NULL;
            p = S.statetmpl ? strstr(S.statetmpl, "\"@PID@\"") : NULL;
            if (p) snprintf(state, sizeof state, "%.*s%d%s", (int)(p - S.statetmpl), S.statetmpl, (int)init, p + 7);
            else snprintf(state, sizeof state, "{}");
            for (i = 0; i < S.nhooks && !e; i++) e = run_hook(&S.hooks[i], state);
            if (e) {
                kill(init, SIGKILL);
                return message(buf, len, e);
            }
            xwrite(g_to_child, "C", 1);
            continue;
        }
        close(g_to_child);
        /* the init has made its /dev and waits for `start`: its device rules apply from here on */
        if (n == 1 && buf[0] == 'R' && S.devcg) {
            const char *e = devfilter_attach();
            if (e) {
                kill(init, SIGKILL);
                return message(buf, len, e);
            }
        }
        return n;
    }
}

/* Writes "<code>" to STATEDIR/exit atomically; a signal death is recorded as 128+signal. */
static void record_exit(int dirfd, int status)
{
    char b[32];
    int fd, n, code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    n = snprintf(b, sizeof b, "%d\n", code);
    fd = openat(dirfd, "exit.tmp", O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return; /* state already deleted */
    if (write(fd, b, n) < 0) { /* best effort */ }
    close(fd);
    renameat(dirfd, "exit.tmp", dirfd, "exit");
}

/* ---- log mode: the monitor owns the container's stdio ----
 *
 * Without process.terminal the init gets stdin /dev/null, stdout and stderr two pipes; with one,
 * the pty slave as usual, and the monitor holds the master (its output is logged as "stdout").
 * Each line becomes one JSON object per line in S.logpath, Docker's json-file format:
 *   {"log":"text\n","stream":"stdout","time":"2026-11-22T12:00:00.123456789Z"}
 * - "log" holds at most LOG_PIECE (16 KiB) bytes, newline included: a longer line is split into
 *   several entries, only the last ending in \n (cut on a UTF-8 character boundary); a partial
 *   last line at EOF is written without \n.
 * - escaping: " and \ backslashed, \n \r \t as such, other bytes below 0x20 as \u00XX; valid
 *   UTF-8 is copied as it is, each byte of invalid UTF-8 becomes \ufffd (as Docker does).
 * - "time": UTC, always 9 fraction digits, never earlier than the previous entry's.
 * - rotation: before an entry would take the file past S.logmax bytes, PATH.i -> PATH.i+1 (the
 *   oldest, PATH.logkeep, is overwritten), PATH -> PATH.1, and a new PATH (0600) is started.
 * - an entry that cannot be written (disk full...) is dropped, never retried: the container is
 *   never blocked on the disk. STATEDIR/logdropped then holds "<entries> <bytes>\n".
 * - after the init exits, the pipes are drained until EOF, or until they are idle for 200 ms, or
 *   for 500 ms at most (a grandchild outside a pid namespace may hold them); then "exit" is written.
 * All buffers are static: nothing grows with the output.
 *
 * Attach (S.attach): the monitor also listens on STATEDIR/attach.sock (unix stream, 0600), one
 * client at a time (a second connection is closed at once). The client receives the output from
 * the moment it connects: with a terminal the pty's bytes as they are; with pipes, frames of a
 * 1-byte stream id (1 stdout, 2 stderr), a 4-byte big-endian length and that many bytes. What the
 * client sends goes to the pty master, or to the init's stdin, which is then a pipe instead of
 * /dev/null; with pipes, the client's EOF (shutdown(SHUT_WR) or disconnect) closes the container's
 * stdin (so only one client can feed it), and a half-closed client still receives the output.
 * A client that does not keep up (its socket buffer full) is disconnected rather than waited for;
 * the log is never held up by it. The socket is removed when the container has exited.
 *
 * Window size (S.terminal: the monitor holds the pty master): STATEDIR/ctl is a fifo (0600) the
 * monitor reads, as conmon's ctl fifo. Anyone who may open it writes lines of text; each line is
 * one message, at most 63 bytes (longer ones, and unknown ones, are ignored):
 *   resize ROWS COLS     set the terminal's size (1..65535 each): the container's foreground
 *                        process group gets SIGWINCH
 * Writes of a whole line at once are atomic (a fifo write up to PIPE_BUF), so several writers
 * never mix their lines. Opening it O_RDWR never blocks, even when the monitor is gone. The fifo is
 * removed with the socket. */

#define LOG_PIECE 16384

/* zero-initialised (bss, untouched until used); fd and name are set by monitor_main */
static struct lstream { int fd; const char *name; size_t len; char line[LOG_PIECE]; } L[2];
static int log_dir = -1, log_fd = -1;
static const char *log_name;
static unsigned long long log_size, log_drop_n, log_drop_bytes, log_drop_saved;
static struct timespec log_last;
static char log_rbuf[65536];
static char log_jbuf[LOG_PIECE * 6 + 256];
static int att_listen = -1, att_client = -1, att_stdin = -1; /* att_stdin: stdin pipe or pty master */
static char att_in[4096];
static size_t att_in_len, att_in_off;
static int att_in_eof; /* the client shut its sending side: it still gets the output */
static int ctl_fd = -1; /* STATEDIR/ctl, read end (opened O_RDWR: never at EOF) */
static char ctl_line[64];
static size_t ctl_len;
static int ctl_skip; /* the line is too long: dropped up to its newline */

/* Reads what is in the ctl fifo and acts on every complete line (see above). */
static void ctl_read(void)
{
    char b[256];
    ssize_t n = read(ctl_fd, b, sizeof b), i;
    for (i = 0; i < n; i++) {
        char *e;
        unsigned long rows, cols;
        if (b[i] != '\n') {
            if (ctl_len < sizeof ctl_line - 1) ctl_line[ctl_len++] = b[i];
            else ctl_skip = 1;
            continue;
        }
        ctl_line[ctl_len] = 0;
        if (!ctl_skip && !strncmp(ctl_line, "resize ", 7)) {
            rows = strtoul(ctl_line + 7, &e, 10);
            cols = *e == ' ' ? strtoul(e + 1, &e, 10) : 0;
            if (*e == 0) set_winsize(L[0].fd >= 0 ? L[0].fd : att_stdin, (unsigned)rows, (unsigned)cols);
        }
        ctl_len = 0;
        ctl_skip = 0;
    }
}

static void att_drop_client(void)
{
    close(att_client);
    att_client = -1;
    att_in_len = att_in_off = 0;
    att_in_eof = 0;
    if (!S.terminal && att_stdin >= 0) { close(att_stdin); att_stdin = -1; } /* EOF for the container */
}

/* Sends output of stream ID (0 stdout, 1 stderr) to the attached client, if any. */
static void att_send(int id, const char *p, size_t n)
{
    unsigned char h[5];
    struct iovec iov[2];
    struct msghdr m;
    size_t total = n;
    ssize_t w;
    if (att_client < 0) return;
    memset(&m, 0, sizeof m);
    iov[1].iov_base = (void *)p;
    iov[1].iov_len = n;
    if (S.terminal) {
        m.msg_iov = iov + 1;
        m.msg_iovlen = 1;
    } else {
        h[0] = (unsigned char)(id + 1);
        h[1] = (unsigned char)(n >> 24); h[2] = (unsigned char)(n >> 16); h[3] = (unsigned char)(n >> 8); h[4] = (unsigned char)n;
        iov[0].iov_base = h;
        iov[0].iov_len = 5;
        m.msg_iov = iov;
        m.msg_iovlen = 2;
        total += 5;
    }
    w = sendmsg(att_client, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w != (ssize_t)total) att_drop_client(); /* a half-sent frame cannot be taken back */
}

/* Writes pending client input to the container, as far as it takes it without blocking. */
static void att_flush_input(void)
{
    while (att_in_off < att_in_len && att_stdin >= 0) {
        ssize_t w = write(att_stdin, att_in + att_in_off, att_in_len - att_in_off);
        if (w > 0) att_in_off += (size_t)w;
        else if (w < 0 && (errno == EAGAIN || errno == EINTR)) return;
        else break; /* the container's stdin is gone: drop the input */
    }
    att_in_len = att_in_off = 0;
}

static int log_open(void)
{
    struct stat st;
    int fd = openat(log_dir, log_name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) { close(fd); errno = EINVAL; return -1; }
    if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0) { close(fd); return -1; }
    log_size = (unsigned long long)st.st_size;
    return fd;
}

static void log_rotate(void)
{
    char from[600], to[600];
    int i;
    for (i = S.logkeep - 1; i >= 1; i--) {
        snprintf(from, sizeof from, "%s.%d", log_name, i);
        snprintf(to, sizeof to, "%s.%d", log_name, i + 1);
        renameat(log_dir, from, log_dir, to); /* ENOENT: fewer files so far */
    }
    snprintf(to, sizeof to, "%s.1", log_name);
    if (renameat(log_dir, log_name, log_dir, to) < 0) return; /* keep appending to the one we have */
    close(log_fd);
    log_fd = log_open(); /* -1: entries are dropped until an open succeeds */
}

/* Length of the valid UTF-8 sequence at S (N bytes left), 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len, i;
    if (c < 0x80) return 1;
    if (c < 0xC2 || c > 0xF4) return 0;
    len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (len > n) return 0;
    for (i = 1; i < len; i++) if ((s[i] & 0xC0) != 0x80) return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F)) return 0;
    return len;
}

static size_t json_escape(char *out, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, o = 0, k;
    while (i < n) {
        unsigned c = s[i];
        if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; i++; }
        else if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; i++; }
        else if (c == '\r') { out[o++] = '\\'; out[o++] = 'r'; i++; }
        else if (c == '\t') { out[o++] = '\\'; out[o++] = 't'; i++; }
        else if (c < 0x20) {
            memcpy(out + o, "\\u00", 4);
            out[o + 4] = hex[c >> 4];
            out[o + 5] = hex[c & 15];
            o += 6;
            i++;
        } else if ((k = utf8_seq(s + i, n - i)) > 0) { memcpy(out + o, s + i, k); o += k; i += k; }
        else { memcpy(out + o, "\\ufffd", 6); o += 6; i++; }
    }
    return o;
}

static void log_emit(const char *stream, const char *data, size_t n)
{
    struct timespec now;
    struct tm tm;
    size_t j;
    ssize_t w;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec < log_last.tv_sec || (now.tv_sec == log_last.tv_sec && now.tv_nsec < log_last.tv_nsec)) now = log_last;
    log_last = now;
    gmtime_r(&now.tv_sec, &tm);
    memcpy(log_jbuf, "{\"log\":\"", 8);
    j = 8 + json_escape(log_jbuf + 8, (const unsigned char *)data, n);
    j += (size_t)snprintf(log_jbuf + j, 128, "\",\"stream\":\"%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\"}\n", stream,
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec);
    if (log_fd < 0) log_fd = log_open();
    if (log_fd >= 0 && S.logmax && log_size > 0 && log_size + j > S.logmax) log_rotate();
    if (log_fd >= 0 && (w = write(log_fd, log_jbuf, j)) == (ssize_t)j) { log_size += j; return; }
    /* half an entry would break the file's format: cut it off again */
    if (log_fd >= 0 && w > 0 && ftruncate(log_fd, (off_t)log_size) < 0) { close(log_fd); log_fd = -1; }
    log_drop_n++;
    log_drop_bytes += n;
}

/* Appends output of stream S, emitting an entry per line or per full LOG_PIECE. */
static void log_feed(struct lstream *s, const char *p, size_t n)
{
    while (n) {
        size_t room = LOG_PIECE - s->len, take = n < room ? n : room, cut;
        char *nl = memchr(p, '\n', take);
        if (nl) take = (size_t)(nl - p) + 1;
        memcpy(s->line + s->len, p, take);
        s->len += take;
        p += take;
        n -= take;
        if (nl) { log_emit(s->name, s->line, s->len); s->len = 0; continue; }
        if (s->len < LOG_PIECE) continue;
        /* full piece: cut before a UTF-8 character it would split, carry that into the next */
        cut = s->len;
        {
            size_t k = s->len - 1;
            unsigned char c;
            while (k > s->len - 4 && ((unsigned char)s->line[k] & 0xC0) == 0x80) k--;
            c = (unsigned char)s->line[k];
            if (c >= 0xC2 && c <= 0xF4 && s->len - k < (size_t)(c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4)) cut = k;
        }
        log_emit(s->name, s->line, cut);
        memmove(s->line, s->line + cut, s->len - cut);
        s->len -= cut;
    }
}

static void log_save_dropped(int dirfd)
{
    char b[64];
    int fd, n;
    if (log_drop_n == log_drop_saved) return;
    log_drop_saved = log_drop_n;
    n = snprintf(b, sizeof b, "%llu %llu\n", log_drop_n, log_drop_bytes);
    fd = openat(dirfd, "logdropped.tmp", O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return;
    if (write(fd, b, n) < 0) { /* the disk is full: the counter in memory stays */ }
    close(fd);
    renameat(dirfd, "logdropped.tmp", dirfd, "logdropped");
}

static long long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The monitor's loop in log mode: copies the streams into the log until the init has exited and
 * they are drained (see above), reaping every child meanwhile; then records the exit. */
static void log_run(int dirfd, pid_t init)
{
    sigset_t set;
    int sfd, status = 0, exited = 0, i;
    long long exit_at = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK); /* -1: we poll every 100 ms instead */
    for (;;) {
        struct pollfd p[8];
        int np = 0, which[8], timeout, r, st;
        pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0)
            if (w == init) { exited = 1; status = st; exit_at = mono_ms(); }
        if (exited && ((L[0].fd < 0 && L[1].fd < 0) || mono_ms() - exit_at >= 500)) break;
        if (sfd >= 0) { p[np].fd = sfd; p[np].events = POLLIN; which[np++] = -1; }
        /* before the streams: a client that connected before the output came is accepted before
         * that output is read in the same round, so it gets all of it */
        if (att_listen >= 0) { p[np].fd = att_listen; p[np].events = POLLIN; which[np++] = 2; }
        for (i = 0; i < 2; i++)
            if (L[i].fd >= 0) { p[np].fd = L[i].fd; p[np].events = POLLIN; which[np++] = i; }
        /* the client's input is read only once the last of it reached the container */
        if (att_client >= 0) { /* always polled: POLLHUP says it is gone altogether */
            p[np].fd = att_client;
            p[np].events = att_in_len == 0 && !att_in_eof ? POLLIN : 0;
            which[np++] = 3;
        }
        if (att_in_len > 0 && att_stdin >= 0) { p[np].fd = att_stdin; p[np].events = POLLOUT; which[np++] = 4; }
        if (ctl_fd >= 0) { p[np].fd = ctl_fd; p[np].events = POLLIN; which[np++] = 5; }
        timeout = exited ? 200 : sfd < 0 ? 100 : log_drop_n != log_drop_saved ? 1000 : -1;
        r = poll(p, np, timeout);
        if (r < 0) { if (errno != EINTR) usleep(10000); continue; }
        if (r == 0) {
            if (exited) break; /* idle for 200 ms after the init's exit */
            log_save_dropped(dirfd);
            continue;
        }
        for (i = 0; i < np; i++) {
            struct lstream *s;
            ssize_t n;
            if (!p[i].revents) continue;
            if (which[i] < 0) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof si) > 0) {}
                continue;
            }
            if (which[i] == 2) {
                int c = accept4(att_listen, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c >= 0 && att_client >= 0) close(c); /* one client at a time */
                else if (c >= 0) {
                    int sz = 1 << 20;
                    setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
                    att_client = c;
                }
                continue;
            }
            if (which[i] == 3) {
                if (att_client < 0) continue; /* dropped earlier in this round */
                if (!(p[i].revents & POLLIN)) { att_drop_client(); continue; } /* POLLHUP, POLLERR */
                n = read(att_client, att_in, sizeof att_in);
                if (n > 0) { att_in_len = (size_t)n; att_in_off = 0; att_flush_input(); }
                else if (n == 0) { /* half-closed: EOF for the container's stdin pipe, output goes on */
                    att_in_eof = 1;
                    if (!S.terminal && att_stdin >= 0) { close(att_stdin); att_stdin = -1; }
                } else if (errno != EINTR && errno != EAGAIN) att_drop_client();
                continue;
            }
            if (which[i] == 4) { att_flush_input(); continue; }
            if (which[i] == 5) { ctl_read(); continue; }
            s = &L[which[i]];
            n = read(s->fd, log_rbuf, sizeof log_rbuf);
            if (n > 0) { log_feed(s, log_rbuf, (size_t)n); att_send(which[i], log_rbuf, (size_t)n); }
            else if (n == 0 || (errno != EINTR && errno != EAGAIN)) { /* EOF; EIO: no pty slave left */
                close(s->fd);
                s->fd = -1;
            }
        }
    }
    for (i = 0; i < 2; i++) {
        if (L[i].len) log_emit(L[i].name, L[i].line, L[i].len); /* a partial last line, without \n */
        L[i].len = 0;
        if (L[i].fd >= 0) close(L[i].fd);
        L[i].fd = -1;
    }
    if (log_fd >= 0) close(log_fd);
    log_save_dropped(dirfd);
    if (att_listen >= 0) { /* nothing to attach to any more */
        unlinkat(dirfd, "attach.sock", 0);
        close(att_listen);
        if (att_client >= 0) close(att_client);
    }
    if (ctl_fd >= 0) {
        unlinkat(dirfd, "ctl", 0);
        close(ctl_fd);
    }
    record_exit(dirfd, status);
}

/* ID (of the container's user namespace) on the host, through MAP ("c h n" lines); -1 if unmapped. */
static long map_id(const char *map, unsigned id)
{
    const char *p = map;
    while (p && *p) {
        char *e;
        unsigned long c = strtoul(p, &e, 10), h = strtoul(e, &e, 10), n = strtoul(e, &e, 10);
        if (id >= c && id - c < n) return (long)(h + (id - c));
        p = strchr(e, '\n');
        if (p) p++;
    }
    return -1;
}

/* The init's stdio pipes belong to the process's user, as with runc: else it could not reopen them
 * (/dev/stdout is /proc/self/fd/1, checked like a file), pipes being created 0600 by us. */
static void chown_stdio(void)
{
    unsigned uid = S.has_user ? S.uid : 0, gid = S.has_user ? S.gid : 0;
    long hu = uid, hg = gid;
    int i;
    for (i = 0; i < S.nns; i++) if (S.ns[i].flag == CLONE_NEWUSER && !S.uidmap) return; /* a joined namespace: maps unknown */
    if (S.uidmap) hu = map_id(S.uidmap, uid);
    if (S.gidmap) hg = map_id(S.gidmap, gid);
    if (hu < 0 || hg < 0) return;
    for (i = 0; i < 3; i++) {
        struct stat st;
        /* not /dev/null; and rootless we may not give a pipe away: then it stays ours (= the root) */
        if (g_stdio[i] >= 0 && fstat(g_stdio[i], &st) == 0 && S_ISFIFO(st.st_mode) && fchown(g_stdio[i], (uid_t)hu, (gid_t)hg) < 0) {}
    }
}

/* Moves the fds *FDS[0..N) (-1: none) to 3, 4, ... and closes every other fd from 3 up. */
static void keep_fds(int **fds, int n)
{
    int i;
    for (i = 0; i < n; i++) if (*fds[i] >= 0) *fds[i] = fcntl(*fds[i], F_DUPFD_CLOEXEC, 3 + n);
    for (i = 0; i < n; i++) {
        if (*fds[i] >= 0) *fds[i] = dup3(*fds[i], 3 + i, O_CLOEXEC);
        else close(3 + i);
    }
    syscall(SYS_close_range, 3 + n, ~0U, 0);
}

/* The monitor: subreaper for the container, parent of its init, records its exit code.
 * It tells P, on RESULT_WR, "pid:<init>\n" and then the init's verdict ("R" or an error). */
static void monitor_main(int result_wr)
{
    int ready, dirfd, status, devnull;
    pid_t init, w;
    char buf[1024];
    ssize_t n;
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) die("subreaper");
    dirfd = open(S.statedir, O_DIRECTORY | O_PATH | O_CLOEXEC);
    if (dirfd < 0) die("open state dir");
    close_in_child = result_wr;
    if (S.logpath) {
        /* opened now, so a bad path is reported to the CLI as create's error */
        char dir[4096], *slash;
        L[0].fd = L[1].fd = -1;
        L[0].name = "stdout";
        L[1].name = "stderr";
        snprintf(dir, sizeof dir, "%s", S.logpath);
        slash = strrchr(dir, '/');
        *slash = 0;
        log_name = S.logpath + (slash - dir) + 1;
        log_dir = open(dir[0] ? dir : "/", O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (log_dir < 0) die("open log directory %s", dir[0] ? dir : "/");
        if (!log_name[0] || (log_fd = log_open()) < 0) die("open log %s", S.logpath);
        if (S.attach) {
            struct sockaddr_un a;
            mode_t old;
            memset(&a, 0, sizeof a);
            a.sun_family = AF_UNIX;
            /* a long state directory (a rootless user's) does not fit in sun_path: bind through our fd for it */
            if ((size_t)snprintf(a.sun_path, sizeof a.sun_path, "%s/attach.sock", S.statedir) >= sizeof a.sun_path)
                snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/attach.sock", dirfd);
            att_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (att_listen < 0) die("socket");
            old = umask(0177); /* 0600 from the start */
            if (bind(att_listen, (struct sockaddr *)&a, sizeof a) < 0) die("bind %s", a.sun_path);
            umask(old);
            if (listen(att_listen, 4) < 0) die("listen %s", a.sun_path);
        }
        if (S.terminal) { /* we will hold the pty master: its window size comes through STATEDIR/ctl */
            char ctl[4096];
            if ((size_t)snprintf(ctl, sizeof ctl, "%s/ctl", S.statedir) >= sizeof ctl) { errno = 0; die("state dir path too long"); }
            if (mkfifo(ctl, 0600) < 0) die("mkfifo %s", ctl);
            ctl_fd = open(ctl, O_RDWR | O_NONBLOCK | O_CLOEXEC);
            if (ctl_fd < 0) die("open %s", ctl);
        }
        if (!S.terminal) {
            int out[2], err[2], in[2];
            if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) die("pipe");
            if (S.attach) { /* stdin from the attached client */
                if (pipe2(in, O_CLOEXEC) < 0) die("pipe");
                g_stdio[0] = in[0];
                att_stdin = in[1];
                fcntl(att_stdin, F_SETFL, O_NONBLOCK);
            } else {
                g_stdio[0] = open("/dev/null", O_RDWR | O_CLOEXEC);
            }
            if (g_stdio[0] < 0) die("open /dev/null");
            g_stdio[1] = out[1];
            g_stdio[2] = err[1];
            L[0].fd = out[0];
            L[1].fd = err[0];
            chown_stdio();
        }
    }
    init = spawn_init(&ready);
    if (g_stdio[0] >= 0) { /* only the init may hold the write ends, or we never see EOF */
        for (int i = 0; i < 3; i++) close(g_stdio[i]);
    }
    n = snprintf(buf, sizeof buf, "pid:%d\n", (int)init);
    xwrite(result_wr, buf, n);
    n = await_ready(ready, init, buf, sizeof buf);
    if (n > 0) xwrite(result_wr, buf, n);
    close(ready);
    close(result_wr);
    prctl(PR_SET_NAME, "ctui-monitor", 0, 0, 0);
    if (relay_fd >= 0 && S.logpath) { /* log mode with a terminal: we log the pty master */
        L[0].fd = recv_fd(relay_fd);
        close(relay_fd);
        relay_fd = -1;
        if (S.attach && L[0].fd >= 0) {
            att_stdin = fcntl(L[0].fd, F_DUPFD_CLOEXEC, 3);
            if (att_stdin >= 0) fcntl(att_stdin, F_SETFL, O_NONBLOCK); /* shared with L[0].fd: read is poll-driven */
        }
    }
    if (relay_fd >= 0) {
        /* a terminal for a foreground `run`: we hold the pty master and copy it to and from the
         * caller's stdio until the container side hangs up */
        int master = recv_fd(relay_fd);
        if (dup2(dirfd, 3) == 3) dirfd = 3;
        if (master >= 0 && dup2(master, 4) == 4) { master = 4; syscall(SYS_close_range, 5, ~0U, 0); }
        if (master >= 0) relay(master);
        close(master);
    }
    /* hold nothing of the CLI's: its stdio would keep pipes open for callers reading our output */
    devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) { dup2(devnull, 0); dup2(devnull, 1); dup2(devnull, 2); if (devnull > 2) close(devnull); }
    if (S.logpath) {
        int *keep[] = { &dirfd, &log_dir, &log_fd, &L[0].fd, &L[1].fd, &att_listen, &att_stdin, &ctl_fd };
        keep_fds(keep, 8);
        log_run(dirfd, init);
        while (waitpid(-1, &status, WNOHANG) > 0) {}
        _exit(0);
    }
    /* and nothing else of P's (its report file...): only the state directory stays open */
    if (dup2(dirfd, 3) == 3) { dirfd = 3; syscall(SYS_close_range, 4, ~0U, 0); }
    for (;;) {
        w = waitpid(-1, &status, 0);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) break; /* no children left */
        if (w == init) { record_exit(dirfd, status); break; }
    }
    /* reap what is left (orphans without a pid namespace) so no zombie outlives us */
    while (waitpid(-1, &status, WNOHANG) > 0) {}
    _exit(0);
}

static void write_report(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) die("open report %s", path);
    xwrite(fd, text, strlen(text));
    close(fd);
}

/* ---- a config without mount namespace (the validation suite's linux_ns_itype) ----
 *
 * runc then mounts in the runtime's own mount namespace, under the rootfs, chroots, and leaves
 * every mount behind on delete. We bind the rootfs onto itself first, in P, and record that one
 * mount (its id and path) in STATEDIR/hostmount: all the container's mounts are made under it, so
 * detaching it (lazily, with its whole subtree; the unmount propagates wherever the mounts did)
 * undoes them all. P does it when create fails, delete (JVM or fast path) otherwise. Host-wide
 * propagation is left alone (runc makes the host's / rslave). */

static unsigned long long mount_id(const char *path)
{
    struct statx stx;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID)) return 0;
    return stx.stx_mnt_id;
}

/* Whether mount ID is in our mount namespace at all (first field of /proc/self/mountinfo). */
static int mount_exists(unsigned long long id)
{
    char line[8192];
    int found = 0;
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) return 1; /* cannot tell: assume it is */
    while (!found && fgets(line, sizeof line, f)) found = strtoull(line, NULL, 10) == id;
    fclose(f);
    return found;
}

/* Detaches mount ID at PATH with everything under it; NULL, or what went wrong. */
static const char *host_unbind(unsigned long long id, const char *path)
{
    static char err[4200];
    if (mount_id(path) == id) {
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) return NULL;
        snprintf(err, sizeof err, "unmount %s: %s", path, strerror(errno));
        return err;
    }
    if (!mount_exists(id)) return NULL; /* gone already */
    snprintf(err, sizeof err, "cannot unmount the container's root %s (mount %llu): something is mounted over it", path, id);
    return err;
}

static unsigned long long host_bound_id;

static void host_unbind_failed_create(void)
{
    host_bound_by = 0;
    if (host_bound_id) host_unbind(host_bound_id, S.rootfs);
    host_bound_id = 0;
    if (S.statedir) {
        char rec[4200];
        snprintf(rec, sizeof rec, "%s/hostmount", S.statedir);
        unlink(rec);
    }
}

static void host_bind(void)
{
    char rec[4200], line[4200];
    int fd, n;
    char *real;
    if (!S.statedir) { errno = 0; die("spec: hostmounts needs statedir"); }
    snprintf(rec, sizeof rec, "%s/hostmount", S.statedir);
    /* the mount's own path: through a symlink, statx and umount2 would see the link's mount */
    if (!(real = realpath(S.rootfs, NULL))) die("rootfs %s", S.rootfs);
    S.rootfs = real;
    if (mount(S.rootfs, S.rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) die("bind rootfs %s", S.rootfs);
    host_bound_by = getpid();
    host_bound_id = mount_id(S.rootfs);
    if (!host_bound_id) {
        umount2(S.rootfs, MNT_DETACH | UMOUNT_NOFOLLOW);
        host_bound_by = 0;
        errno = 0;
        die("no mount id for %s (statx STATX_MNT_ID needs Linux 5.8)", S.rootfs);
    }
    n = snprintf(line, sizeof line, "%llu %s\n", host_bound_id, S.rootfs);
    fd = open(rec, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) die("create %s", rec);
    xwrite(fd, line, n);
    close(fd);
}

/* Undoes the record in DIRFD's hostmount; NULL, or what went wrong (the record then stays). */
static const char *host_unbind_recorded(int dirfd)
{
    char buf[4200], *sp, *nl;
    const char *e;
    unsigned long long id;
    int fd = openat(dirfd, "hostmount", O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0) return NULL; /* nothing mounted in our namespace */
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    id = strtoull(buf, &sp, 10);
    nl = strchr(buf, '\n');
    if (!id || *sp != ' ' || !nl) return "STATEDIR/hostmount is malformed";
    *nl = 0;
    if ((e = host_unbind(id, sp + 1))) return e;
    unlinkat(dirfd, "hostmount", 0);
    return NULL;
}

static int cmd_unhost(int argc, char **argv)
{
    const char *e;
    int dirfd;
    if (argc != 3) { fprintf(stderr, "usage: unhost STATEDIR\n"); return 2; }
    dirfd = open(argv[2], O_DIRECTORY | O_PATH | O_CLOEXEC);
    if (dirfd < 0) { fprintf(stderr, "open %s: %s\n", argv[2], strerror(errno)); return 1; }
    if ((e = host_unbind_recorded(dirfd))) { fprintf(stderr, "%s\n", e); return 1; }
    return 0;
}

static int cmd_create(const char *report)
{
    pid_t init;
    char verdict[2048], out[32], *v = verdict;
    ssize_t n = 0, r;
    if (S.fifo && mkfifo(S.fifo, 0600) < 0) die("mkfifo %s", S.fifo);
    if (S.hostmounts && S.rootfs) host_bind();
    if (S.monitor) {
        int res[2];
        pid_t m1;
        if (pipe2(res, O_CLOEXEC) < 0) die("pipe");
        m1 = fork();
        if (m1 < 0) die("fork");
        if (m1 == 0) {
            /* double fork: the monitor is orphaned at once, so it survives the CLI (even kill -9) */
            setsid();
            close(res[0]);
            report_fd = res[1];
            pid_t m = fork();
            if (m < 0) die("fork monitor");
            if (m == 0) monitor_main(res[1]);
            _exit(0);
        }
        close(res[1]);
        waitpid(m1, NULL, 0);
        /* everything up to EOF: "pid:N\n" then "R", or an error from the monitor or the init */
        while (n < (ssize_t)sizeof verdict - 1 && (r = read(res[0], verdict + n, sizeof verdict - 1 - n)) > 0) n += r;
        verdict[n > 0 ? n : 0] = 0;
        if (strncmp(verdict, "pid:", 4) != 0) {
            errno = 0;
            die("%s", n > 0 ? strtok(verdict, "\n") : "runtime monitor died during setup");
        }
        init = (pid_t)atoi(verdict + 4);
        v = strchr(verdict, '\n') + 1;
        n -= v - verdict;
    } else {
        int ready;
        init = spawn_init(&ready);
        n = await_ready(ready, init, verdict, sizeof verdict - 1);
        verdict[n > 0 ? n : 0] = 0;
    }
    if (n != 1 || v[0] != 'R') {
        errno = 0;
        if (n <= 0) die("container init died during setup");
        die("%s", strtok(v, "\n"));
    }
    snprintf(out, sizeof out, "%d\n", (int)init);
    write_report(report, out);
    return 0;
}

/* ---- rmtree ---- */

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st; (void)f;
    if ((type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT) die("remove %s", path);
    return 0;
}

/* Runs WORK as root of a fresh user namespace with the container's maps (S.uidmap, S.gidmap),
 * in a child, and waits for it; its die() line is ours. The parent's stdout becomes /dev/null when
 * QUIET_STDOUT (the child alone writes a stream there, which then ends with it). */
static void in_user_namespace(const char *what, void (*work)(void), int quiet_stdout)
{
    int go[2], done[2];
    char c;
    pid_t pid;
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0) die("pipe");
    pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) die("clone");
    if (pid == 0) {
        close(go[1]);
        close(done[0]);
        report_fd = done[1];
        xread(go[0], &c, 1, "parent died before mapping us");
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) die("become root in user namespace");
        work();
        _exit(0);
    }
    close(go[0]);
    close(done[1]);
    if (quiet_stdout) {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, 1) < 0) die("open /dev/null");
        close(null);
    }
    set_maps(pid);
    xwrite(go[1], "G", 1);
    {
        char msg[1024];
        ssize_t n = read(done[0], msg, sizeof msg - 1);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (n > 0) { msg[n] = 0; errno = 0; die("%s", strtok(msg, "\n")); }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { errno = 0; die("%s: the child died", what); }
    }
}

static void rmtree_work(void)
{
    if (nftw(S.rmtree, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT) die("remove %s", S.rmtree);
}

/* Removes S.rmtree as root of a fresh user namespace with the container's maps: a rootless
 * container's files made by its other users belong to subordinate ids, which we may not delete
 * on the host. Never follows a symlink nor leaves the directory's filesystem. */
static int cmd_rmtree(const char *report)
{
    in_user_namespace("rmtree", rmtree_work, 0);
    write_report(report, "0\n");
    return 0;
}

/* ---- walk ---- */

/* The stream walk writes to stdout (read by io.cloudtui.runtime.oci.OciRuntime.readAsMapped), big
 * endian: per entry 'E', mode u32, uid u32, gid u32, mtime s64, mtime_ns u32, size u64, rdev major
 * u32, minor u32, dev u64, ino u64, nlink u32, opaque u8, path (u32 length, bytes), symlink target
 * (u32 length, bytes), then SIZE bytes of a regular file's content; 'Z' ends it. Directories come
 * before their entries, names sorted bytewise. */
static unsigned char wbuf[1 << 16];
static size_t wlen;

static void wflush(void)
{
    size_t off = 0;
    while (off < wlen) {
        ssize_t n = write(1, wbuf + off, wlen - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) die("walk: write");
        off += (size_t)n;
    }
    wlen = 0;
}

static void wput(const void *b, size_t n)
{
    const unsigned char *p = b;
    while (n) {
        size_t k = sizeof wbuf - wlen < n ? sizeof wbuf - wlen : n;
        memcpy(wbuf + wlen, p, k);
        wlen += k; p += k; n -= k;
        if (wlen == sizeof wbuf) wflush();
    }
}

static void wu32(uint32_t v) { unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v}; wput(b, 4); }
static void wu64(uint64_t v) { wu32((uint32_t)(v >> 32)); wu32((uint32_t)v); }

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int is_opaque(int fd)
{
    char v[2];
    ssize_t n = fgetxattr(fd, "user.overlay.opaque", v, sizeof v);
    if (n == 1 && v[0] == 'y') return 1;
    n = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof v);
    return n == 1 && v[0] == 'y';
}

static void walk_entry(const char *rel, const struct stat *st, int opaque, const char *link)
{
    size_t lp = strlen(rel), ll = link ? strlen(link) : 0;
    wput("E", 1);
    wu32(st->st_mode); wu32(st->st_uid); wu32(st->st_gid);
    wu64((uint64_t)st->st_mtim.tv_sec); wu32((uint32_t)st->st_mtim.tv_nsec);
    wu64(S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0);
    wu32(major(st->st_rdev)); wu32(minor(st->st_rdev));
    wu64(st->st_dev); wu64(st->st_ino); wu32((uint32_t)st->st_nlink);
    wput(opaque ? "\1" : "\0", 1);
    wu32((uint32_t)lp); wput(rel, lp);
    wu32((uint32_t)ll); if (ll) wput(link, ll);
}

/* Streams the entries of directory DFD (REL: its path below the top, "" or ending in '/');
 * never follows a symlink nor leaves the top's filesystem. */
static void walk_dir(int dfd, const char *rel, dev_t top)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    if (!d) die("walk: open %s", rel);
    while ((errno = 0, e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            if (!names) die("walk: memory");
        }
        if (!(names[n++] = strdup(e->d_name))) die("walk: memory");
    }
    if (errno) die("walk: read directory %s", rel);
    qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        struct stat st;
        char path[8192], link[8192];
        int fd;
        if ((size_t)snprintf(path, sizeof path, "%s%s", rel, names[i]) >= sizeof path) { errno = ENAMETOOLONG; die("walk: %s%s", rel, names[i]); }
        if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) die("walk: stat %s", path);
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != top) { free(names[i]); continue; } /* a mount point: not part of the tree */
            fd = openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) die("walk: open %s", path);
            walk_entry(path, &st, is_opaque(fd), NULL);
            if (strlen(path) + 2 > sizeof path) { errno = ENAMETOOLONG; die("walk: %s", path); }
            strcat(path, "/");
            walk_dir(fd, path, top);
        } else if (S_ISLNK(st.st_mode)) {
            ssize_t k = readlinkat(dirfd(d), names[i], link, sizeof link - 1);
            if (k < 0) die("walk: readlink %s", path);
            link[k] = 0;
            walk_entry(path, &st, 0, link);
        } else if (S_ISREG(st.st_mode)) {
            off_t left = st.st_size;
            struct stat now;
            fd = openat(dirfd(d), names[i], O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0 || fstat(fd, &now) < 0) die("walk: open %s", path);
            if (now.st_ino != st.st_ino || now.st_dev != st.st_dev) { errno = 0; die("walk: %s changed while read", path); }
            walk_entry(path, &st, 0, NULL);
            while (left > 0) {
                ssize_t k = read(fd, link, (size_t)left < sizeof link ? (size_t)left : sizeof link);
                if (k < 0 && errno == EINTR) continue;
                if (k < 0) die("walk: read %s", path);
                if (k == 0) { memset(link, 0, sizeof link); k = (size_t)left < sizeof link ? left : (ssize_t)sizeof link; } /* shrunk meanwhile */
                wput(link, (size_t)k);
                left -= k;
            }
            close(fd);
        } else {
            walk_entry(path, &st, 0, NULL);
        }
        free(names[i]);
    }
    free(names);
    closedir(d);
}

static void walk_work(void)
{
    struct stat st;
    int fd = open(S.walk, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) die("walk: open %s", S.walk);
    walk_dir(fd, "", st.st_dev);
    wput("Z", 1);
    wflush();
}

/* Streams the tree S.walk to stdout (see above) as root of a fresh user namespace with the
 * container's maps: files a rootless container's other users made (0700 and owned by a
 * subordinate id) are readable there, and their owners are the ids the container sees. */
static int cmd_walk(const char *report)
{
    in_user_namespace("walk", walk_work, 1);
    write_report(report, "0\n");
    return 0;
}

/* ---- exec ---- */

static int cmd_exec(const char *report)
{
    int fds[16], i, sock, st[2], status;
    pid_t pid;
    char buf[1024], out[32];
    ssize_t n;
    char cg[32];
    int pf_dir = -1, pf = -1, execroot = -1;
    const char *pf_name = NULL;
    (void)report;
    /* a container in our mount namespace lives chrooted: its exec'd processes too (runc's would see our root) */
    if (S.execroot && (execroot = open(S.execroot, O_DIRECTORY | O_RDONLY | O_CLOEXEC)) < 0) die("open the container's root %s", S.execroot);
    /* host paths die with setns(mount): open the pid file (and its directory, for the rename) now */
    if (S.pidfile) {
        char dir[4096], *slash;
        snprintf(dir, sizeof dir, "%s", S.pidfile);
        slash = strrchr(dir, '/');
        if (!slash) { errno = 0; die("pid file must be an absolute path"); }
        *slash = 0;
        pf_name = strrchr(S.pidfile, '/') + 1;
        pf_dir = open(dir[0] ? dir : "/", O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (pf_dir < 0) die("open %s", dir);
        snprintf(cg, sizeof cg, ".%d.tmp", (int)getpid());
        pf = openat(pf_dir, cg, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
        if (pf < 0) die("create pid file in %s", dir);
    }
    /* join the container's cgroups first, while their host paths are still visible */
    snprintf(cg, sizeof cg, "%d", (int)getpid());
    for (i = 0; i < S.ncg; i++) write_file(S.cgroups[i], cg);
    for (i = 0; i < S.nns; i++) {
        fds[i] = open(S.ns[i].path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) die("open namespace %s", S.ns[i].path);
    }
    sock = connect_console();
    /* inherited by the child; set while we are still privileged on the host */
    if (S.has_oom) write_file("/proc/self/oom_score_adj", S.oom);
    /* user namespace first: it grants the rights needed to join the others */
    for (i = 0; i < S.nns; i++)
        if (S.ns[i].flag == CLONE_NEWUSER && setns(fds[i], CLONE_NEWUSER) < 0) die("join user namespace");
    for (i = 0; i < S.nns; i++)
        if (S.ns[i].flag != CLONE_NEWUSER && setns(fds[i], S.ns[i].flag) < 0) die("join namespace %s", S.ns[i].path);
    for (i = 0; i < S.nns; i++) close(fds[i]);
    if (pipe2(st, O_CLOEXEC) < 0) die("pipe");
    pid = fork(); /* the pid namespace we joined applies to this child */
    if (pid < 0) die("fork");
    if (pid == 0) {
        close(st[0]);
        report_fd = st[1];
        if (execroot >= 0 && (fchdir(execroot) < 0 || chroot(".") < 0)) die("enter the container's root");
        if (chdir("/") < 0) die("chdir /"); /* our old cwd is a host directory */
        setup_terminal(sock);
        if (!S.terminal) { if (sock >= 0) close(sock); setsid(); }
        finalize_identity();
        prepare_exec();
        exec_process(); /* st[1] is close-on-exec: EOF tells the parent exec succeeded */
    }
    close(st[1]);
    if (sock >= 0) close(sock);
    if (relay_fd >= 0) {
        int master = recv_fd(relay_fd); /* -1 if the child failed first: its error follows */
        close(relay_fd);
        relay_fd = master;
    }
    n = read(st[0], buf, sizeof buf);
    if (n > 0) {
        waitpid(pid, NULL, 0);
        errno = 0;
        die("%.*s", buf[n - 1] == '\n' ? (int)n - 1 : (int)n, buf);
    }
    snprintf(out, sizeof out, "%d\n", (int)pid);
    if (pf >= 0) {
        xwrite(pf, out, strlen(out) - 1);
        close(pf);
        snprintf(cg, sizeof cg, ".%d.tmp", (int)getpid());
        if (renameat(pf_dir, cg, pf_dir, pf_name) < 0) die("write pid file");
        close(pf_dir);
    }
    /* the report file is open since main(): its path is not visible from here */
    if (ftruncate(report_fd, 0) < 0 || pwrite(report_fd, out, strlen(out), 0) < 0) die("write report");
    if (S.detach) return 0; /* the process is reparented to the caller's subreaper */
    if (relay_fd >= 0) relay(relay_fd);
    while (waitpid(pid, &status, 0) < 0) if (errno != EINTR) die("wait");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- fast paths: start, kill, delete, state without a JVM ----
 * bin/cloudtui-runtime tries these first; they handle only the plain case and answer 99 ("ask the
 * JVM") for anything else, so every error message and rare case stays in one place (Java). They
 * read STATE/ID/fast, written by Java once the container is created. */

#define FALLBACK 99

struct fast {
    int pid, poststart, poststop, monitor, ncg;
    unsigned long long start;
    char cg[32][1024];
};

/* Start time (field 22 of /proc/PID/stat), 0 if gone or a zombie. */
static unsigned long long proc_start(int pid)
{
    char path[64], buf[1024], *p;
    int f, i;
    ssize_t n;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0) return 0;
    n = read(f, buf, sizeof buf - 1);
    close(f);
    if (n <= 0) return 0;
    buf[n] = 0;
    p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X') return 0;
    for (i = 0; p && i < 20; i++) p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

static int read_fast(int dirfd, struct fast *f)
{
    char buf[40000], *line, *save = NULL;
    int fd = openat(dirfd, "fast", O_RDONLY | O_CLOEXEC);
    ssize_t n;
    memset(f, 0, sizeof *f);
    if (fd < 0) return -1;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "pid ", 4)) f->pid = atoi(line + 4);
        else if (!strncmp(line, "start ", 6)) f->start = strtoull(line + 6, NULL, 10);
        else if (!strncmp(line, "poststart ", 10)) f->poststart = atoi(line + 10);
        else if (!strncmp(line, "poststop ", 9)) f->poststop = atoi(line + 9);
        else if (!strncmp(line, "monitor ", 8)) f->monitor = atoi(line + 8);
        else if (!strncmp(line, "cg ", 3) && f->ncg < 32) snprintf(f->cg[f->ncg++], sizeof f->cg[0], "%s", line + 3);
    }
    return f->pid > 0 && f->start ? 0 : -1;
}

static int fast_alive(struct fast *f) { return proc_start(f->pid) == f->start; }

/* Reads DIR/NAME into BUF; returns its length, -1 if missing. */
static ssize_t read_small(const char *dir, const char *name, char *buf, size_t len)
{
    char path[1200];
    int fd;
    ssize_t n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    n = read(fd, buf, len - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    return n;
}

static int fast_frozen(struct fast *f)
{
    char buf[256];
    int i;
    for (i = 0; i < f->ncg; i++) {
        if (read_small(f->cg[i], "freezer.state", buf, sizeof buf) > 0 && strncmp(buf, "THAWED", 6) != 0) return 1;
        if (read_small(f->cg[i], "cgroup.events", buf, sizeof buf) > 0 && strstr(buf, "frozen 1")) return 1;
    }
    return 0;
}

static int fast_lock(int dirfd)
{
    /* the same POSIX record lock Java's FileChannel.lock() takes */
    struct flock l;
    int fd = openat(dirfd, ".lock", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    memset(&l, 0, sizeof l);
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    while (fcntl(fd, F_SETLKW, &l) < 0) if (errno != EINTR) return -1;
    return fd;
}

static int fast_signal(const char *s)
{
    static const char *names[] = { "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
                                   "USR2", "PIPE", "ALRM", "TERM" };
    unsigned i;
    char *end;
    long n = strtol(s, &end, 10);
    if (*s && !*end) return n >= 1 && n <= 64 ? (int)n : -1;
    if (!strncmp(s, "SIG", 3)) s += 3;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) if (!strcmp(s, names[i])) return (int)i + 1;
    return -1;
}

static int fast_state(int dirfd, struct fast *f, const char *id)
{
    char tmpl[65536], out[70000], extra[256] = "", code[32], buf[4096];
    const char *status;
    int pid = 0, fd, i, oom = 0;
    ssize_t n;
    char *p, *q;
    fd = openat(dirfd, "state.tmpl", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return FALLBACK;
    n = read(fd, tmpl, sizeof tmpl - 1);
    close(fd);
    if (n <= 0) return FALLBACK;
    tmpl[n] = 0;
    (void)id;
    if (fast_alive(f)) {
        pid = f->pid;
        if (fast_frozen(f)) status = "paused";
        else if (faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0) status = "created";
        else status = "running";
    } else {
        status = "stopped";
        fd = openat(dirfd, "exit", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            n = read(fd, code, sizeof code - 1);
            close(fd);
            code[n > 0 ? n : 0] = 0;
            if (n > 0) snprintf(extra, sizeof extra, ",\n  \"exitCode\" : %d", atoi(code));
        } else if (f->monitor) {
            return FALLBACK; /* the monitor is about to write it: the JVM waits for it */
        }
        for (i = 0; i < f->ncg; i++) {
            char *k = NULL;
            if (read_small(f->cg[i], "memory.oom_control", buf, sizeof buf) > 0) k = strstr(buf, "oom_kill ");
            else if (read_small(f->cg[i], "memory.events", buf, sizeof buf) > 0) k = strstr(buf, "oom_kill ");
            if (k && atol(k + 9) > 0) oom = 1;
        }
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ",\n  \"oomKilled\" : %s", oom ? "true" : "false");
    }
    /* the template is Java's own output with "@STATUS@" and "@PID@" in place */
    p = strstr(tmpl, "\"@STATUS@\"");
    q = strstr(tmpl, "\"@PID@\"");
    if (!p || !q || q < p) return FALLBACK;
    *p = 0;
    *q = 0;
    {
        char *tail = q + 7, *end = strrchr(tail, '}');
        if (!end) return FALLBACK;
        while (end > tail && (end[-1] == '\n' || end[-1] == ' ')) end--;
        snprintf(out, sizeof out, "%s\"%s\"%s%d%.*s%s\n}\n", tmpl, status, p + 10, pid, (int)(end - tail), tail, extra);
    }
    return write(1, out, strlen(out)) < 0 ? 1 : 0;
}

static int fast_delete(int rootfd, int dirfd, struct fast *f, const char *id)
{
    char buf[64], gone[1200];
    int i, attempt;
    if (fast_alive(f) || f->poststop) return FALLBACK;
    for (i = 0; i < f->ncg; i++) {
        if (read_small(f->cg[i], "cgroup.procs", buf, sizeof buf) > 0) return FALLBACK; /* processes left: Java kills them */
    }
    for (i = 0; i < f->ncg; i++) if (rmdir(f->cg[i]) < 0 && errno != ENOENT) return FALLBACK;
    if (host_unbind_recorded(dirfd)) return FALLBACK; /* the JVM reports it */
    /* renamed first so other CLIs see it gone at once; emptied with retries, since the monitor
     * may still be writing its exit file into it */
    snprintf(gone, sizeof gone, ".deleted-%s-%d", id, (int)getpid());
    if (renameat(rootfd, id, rootfd, gone) < 0) return FALLBACK;
    (void)dirfd;
    for (attempt = 0; attempt < 100; attempt++) {
        int d = openat(rootfd, gone, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        char dents[8192];
        long n, off;
        if (d < 0) return 0;
        while ((n = syscall(SYS_getdents64, d, dents, sizeof dents)) > 0) {
            for (off = 0; off < n;) {
                struct { unsigned long long ino; long long off; unsigned short reclen; unsigned char type; char name[]; } *e = (void *)(dents + off);
                if (strcmp(e->name, ".") && strcmp(e->name, "..")) unlinkat(d, e->name, 0);
                off += e->reclen;
            }
        }
        close(d);
        if (unlinkat(rootfd, gone, AT_REMOVEDIR) == 0 || errno == ENOENT) return 0;
        usleep(1000);
    }
    return 1;
}

static int cmd_fast(int argc, char **argv)
{
    const char *root, *verb, *id;
    int rootfd, dirfd, lock = -1, i, rc;
    struct fast f;
    if (argc < 5) return FALLBACK;
    const char *sigarg = "15";
    root = argv[2];
    verb = argv[3];
    id = argv[argc - 1];
    if (!strcmp(verb, "kill")) { /* runc's order: kill ID [SIGNAL]; options (--all) are left to Java */
        if (argc > 6) return FALLBACK;
        id = argv[4];
        if (argc == 6) sigarg = argv[5];
    }
    if (id[0] == '-' || id[0] == '.' || strchr(id, '/')) return FALLBACK;
    rootfd = open(root, O_DIRECTORY | O_PATH | O_CLOEXEC);
    if (rootfd < 0) return FALLBACK;
    dirfd = openat(rootfd, id, O_DIRECTORY | O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0) return FALLBACK;
    if (strcmp(verb, "state") != 0 && strcmp(verb, "kill") != 0) {
        lock = fast_lock(dirfd);
        if (lock < 0) return FALLBACK;
    }
    if (read_fast(dirfd, &f) < 0) return FALLBACK;
    if (!strcmp(verb, "state")) return argc == 5 ? fast_state(dirfd, &f, id) : FALLBACK;
    if (!strcmp(verb, "start")) {
        int fifo;
        if (argc != 5 || f.poststart || !fast_alive(&f) || fast_frozen(&f)) return FALLBACK;
        /* non-blocking: with no reader (the init is gone) this fails instead of hanging */
        fifo = openat(dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fifo < 0) return FALLBACK;
        if (write(fifo, "", 1) != 1) return FALLBACK;
        close(fifo);
        unlinkat(dirfd, "exec.fifo", 0);
        return 0;
    }
    if (!strcmp(verb, "kill")) {
        int sig = fast_signal(sigarg), pfd;
        if (sig < 0) return FALLBACK;
        pfd = (int)syscall(SYS_pidfd_open, f.pid, 0);
        /* checked after opening the pidfd: the pid cannot be recycled under us from here on */
        if (pfd < 0 || !fast_alive(&f)) return FALLBACK;
        return syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0 ? FALLBACK : 0;
    }
    if (!strcmp(verb, "delete")) {
        for (i = 4; i < argc - 1; i++) if (strcmp(argv[i], "--force") && strcmp(argv[i], "-f")) return FALLBACK;
        rc = fast_delete(rootfd, dirfd, &f, id);
        return rc;
    }
    (void)lock;
    return FALLBACK;
}

/* kill PID STARTTIME SIG: signal through a pidfd, after checking the start time, so a recycled
 * pid is never signalled in the container's place. Exit 3: no such process. */
static int cmd_kill(int argc, char **argv)
{
    int pid, sig, fd;
    unsigned long long want;
    if (argc != 5) { fprintf(stderr, "usage: kill PID STARTTIME SIG\n"); return 2; }
    pid = atoi(argv[2]);
    want = strtoull(argv[3], NULL, 10);
    sig = atoi(argv[4]);
    fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return errno == ESRCH ? 3 : (perror("pidfd_open"), 1);
    if (want) {
        char path[64], buf[1024], *p;
        unsigned long long st = 0;
        int f, i;
        ssize_t n;
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        f = open(path, O_RDONLY | O_CLOEXEC);
        if (f < 0) return 3;
        n = read(f, buf, sizeof buf - 1);
        close(f);
        if (n <= 0) return 3;
        buf[n] = 0;
        p = strrchr(buf, ')');
        for (i = 0; p && i < 20; i++) p = strchr(p + 1, ' '); /* starttime is field 22 */
        if (p) st = strtoull(p + 1, NULL, 10);
        if (st != want) return 3;
    }
    if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0) return errno == ESRCH ? 3 : (perror("kill"), 1);
    return 0;
}

/* ---- the engine's root filesystems: one mount(2) instead of running mount(8) ---- */

static int cmd_overlay(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: overlay TARGET lowerdir=...,upperdir=...,workdir=...\n"); return 2; }
    if (mount("overlay", argv[2], "overlay", 0, argv[3]) < 0) {
        fprintf(stderr, "mount overlay on %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    return 0;
}

/* Unmounts TARGET, again while something is still mounted there (a stack of mounts), detaching
 * lazily what is busy, until the kernel says TARGET is no mount point (EINVAL): then nothing under
 * it belongs to another filesystem any more and the caller may delete it. */
static int cmd_umount(int argc, char **argv)
{
    int i;
    if (argc != 3) { fprintf(stderr, "usage: umount TARGET\n"); return 2; }
    for (i = 0; i < 64; i++) {
        if (umount2(argv[2], UMOUNT_NOFOLLOW) == 0) continue;
        if (errno == EINVAL || errno == ENOENT) return 0;
        if (errno == EBUSY && umount2(argv[2], MNT_DETACH | UMOUNT_NOFOLLOW) == 0) continue;
        fprintf(stderr, "umount %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    fprintf(stderr, "umount %s: still mounted after %d unmounts\n", argv[2], i);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "kill")) return cmd_kill(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "fast")) return cmd_fast(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "overlay")) return cmd_overlay(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "umount")) return cmd_umount(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "unhost")) return cmd_unhost(argc, argv);
    if (argc >= 4 && !strcmp(argv[1], "hook")) {
        /* hooks get their own argv[0] (docker's libnetwork-setkey relies on it), which Java cannot set */
        execv(argv[2], argv + 3);
        perror(argv[2]);
        return 127;
    }
    if (argc == 3 && !strcmp(argv[1], "devfilter")) {
        /* for the tests: the device program a create with SPEC attaches, as struct bpf_insn[] on stdout */
        int n;
        report_fd = 2;
        read_spec(argv[2]);
        n = devfilter_build();
        return write(1, devf, n * sizeof devf[0]) == (ssize_t)(n * sizeof devf[0]) ? 0 : 1;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: cloudtui-nsexec create|exec SPEC REPORT (run by 'cloudtui runtime')\n");
        return 2;
    }
    /* errors go to REPORT (the JVM reads it); until it is open, to stderr */
    report_fd = 2;
    ensure_sealed_self(argv);
    read_spec(argv[2]);
    report_fd = open(argv[3], O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (report_fd < 0) { report_fd = 2; die("open %s", argv[3]); }
    if (!strcmp(argv[1], "create")) return cmd_create(argv[3]);
    if (!strcmp(argv[1], "exec")) return cmd_exec(argv[3]);
    if (!strcmp(argv[1], "rmtree") && S.rmtree) return cmd_rmtree(argv[3]);
    if (!strcmp(argv[1], "walk") && S.walk) return cmd_walk(argv[3]);
    errno = 0;
    die("unknown command %s", argv[1]);
    return 2;
}
