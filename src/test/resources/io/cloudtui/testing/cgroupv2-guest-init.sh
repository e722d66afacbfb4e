#!/bin/busybox sh
# /init of the pure cgroup-v2 test guest (its initramfs is built by io.cloudtui.testing.CgroupV2Guest).
# Loads the virtio, 9p and overlayfs modules, mounts the host's root read-only over 9p (tag
# hostroot) on /host, writable tmpfs over the directories programs write to, the test's work
# directory read-write (tag work) at its host path, and cgroup2 alone at /sys/fs/cgroup with the
# memory, cpu, pids and io controllers enabled for child cgroups; then runs WORK/.guest/script as
# root chrooted into the host root, writes its output and exit code to WORK/.guest/out and
# WORK/.guest/rc, and powers off. WORK comes from cloudtui.work= on the kernel command line.
/bin/busybox --install -s /bin
export PATH=/bin
say() { echo "cgv2-guest: $*"; }
fail() { say "$*"; poweroff -f; sleep 60; }
mount -t proc proc /proc && mount -t sysfs sysfs /sys && mount -t devtmpfs devtmpfs /dev || fail "cannot mount /proc, /sys, /dev"
while read -r m; do insmod "/modules/$m.ko" || fail "cannot load module $m"; done </modules/ORDER
work= home=
for a in $(cat /proc/cmdline); do case $a in cloudtui.work=*) work=${a#cloudtui.work=} ;; cloudtui.home=*) home=${a#cloudtui.home=} ;; esac; done
[ -n "$work" ] || fail "no cloudtui.work= on the kernel command line"
h=/host
p9=trans=virtio,version=9p2000.L,msize=512000
# the host root does not change under a test: its pages may be cached
mount -t 9p -o ro,$p9,cache=loose hostroot $h || fail "cannot mount the host root (9p tag hostroot)"
mount -t proc proc $h/proc && mount -t sysfs sysfs $h/sys && mount -t devtmpfs devtmpfs $h/dev || fail "cannot mount /proc, /sys, /dev in the host root"
mkdir -p $h/dev/pts $h/dev/shm
mount -t devpts -o ptmxmode=0666,mode=0620,gid=5 devpts $h/dev/pts && mount -t tmpfs -o mode=1777 tmpfs $h/dev/shm || fail "cannot mount /dev/pts, /dev/shm"
# the checkout (the jar, bin/) may lie under a directory the tmpfs below covers (a clone in /tmp or
# /root): kept aside and put back at its path
if [ -n "$home" ]; then mkdir -p /keep && mount -o bind "$h$home" /keep || fail "cannot keep the checkout $home"; fi
for d in tmp:1777 var/tmp:1777 run:755 root:700; do
  mount -t tmpfs -o mode=${d#*:} tmpfs $h/${d%:*} || fail "cannot mount a tmpfs on /${d%:*}"
done
if [ -n "$home" ]; then mkdir -p "$h$home" 2>/dev/null; mount -o bind /keep "$h$home" || fail "cannot put the checkout back at $home"; fi
mkdir -p "$h$work" 2>/dev/null
mount -t 9p -o $p9,cache=mmap work "$h$work" || fail "cannot mount the work directory (9p tag work) on $work"
g=$h$work/.guest
cg=$h/sys/fs/cgroup
mount -t cgroup2 cgroup2 $cg || fail "cannot mount cgroup2 on /sys/fs/cgroup"
# "no internal processes": a cgroup that hands controllers to its children holds no processes
# itself, so we move to a leaf first (as systemd does with init.scope); every later process
# starts there
mkdir $cg/init.scope && echo $$ >$cg/init.scope/cgroup.procs || fail "cannot move init to /init.scope"
echo "+memory +cpu +pids +io" >$cg/cgroup.subtree_control || fail "cannot enable memory, cpu, pids and io in /sys/fs/cgroup"
# the runtime wrapper's class-data archive from an earlier guest (copied with its time: the
# wrapper rebuilds it when the jar is newer)
mkdir -p -m 0700 $h/run/cloudtui $g/cache
[ -f $g/cache/runtime-cds.jsa ] && cp -p $g/cache/runtime-cds.jsa $h/run/cloudtui/
say "running $work/.guest/script"
chroot $h /bin/sh "$work/.guest/script" </dev/null >$g/out 2>&1
echo $? >$g/rc.tmp && mv $g/rc.tmp $g/rc
[ -f $h/run/cloudtui/runtime-cds.jsa ] && cp -p $h/run/cloudtui/runtime-cds.jsa $g/cache/
say "done"
sync
poweroff -f
sleep 60
