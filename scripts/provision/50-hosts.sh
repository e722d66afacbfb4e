#!/usr/bin/env bash
# Test hosts for the remote-host (SSH) tests: N "machines" on this one (3 by default), each a network
# namespace ctui-hN on the bridge ctui-br0 (10.213.0.0/24; this machine is 10.213.0.1, hN is
# 10.213.0.(100+N)), with its own sshd on port 22 and its own dockerd (own data root, exec root, pid
# file and socket, image local/busybox). Each host's sshd runs in a mount namespace of its own whose
# /run and /home are the host's own directories, so its ssh sessions see that host's dockerd at
# /var/run/docker.sock (and not this machine's) and homes of their own (~/.docker, a session
# libvirtd's ~/.cache/libvirt, ...); its sshd and dockerd are named hN (UTS namespace). Users: ctui-hdock (in the hosts' docker group ctui-hdocker) and ctui-hplain
# (no Docker). Client side, in /var/lib/cloudtui-test/hosts (never root's ~/.ssh): a key pair, a
# known_hosts with the hosts' keys and an ssh_config with "Host hN" entries, so that
# `ssh -F /var/lib/cloudtui-test/hosts/ssh_config h1` works with no prompt; the local user ctui-sshcli
# has the same in its ~/.ssh (config, key, known_hosts) for running cloudtui as a user would.
# src/test/java/io/cloudtui/testing/TestHosts.java drives the hosts (and their faults) from the tests.
#
# Usage: 50-hosts.sh [up] [N]      make exactly hosts h1..hN (default 3; hosts above N are removed,
#                                  except the extra hosts of a process still running, below)
#        50-hosts.sh down          remove everything this script made
#        50-hosts.sh extra A B PID make hosts hA..hB (A above N) for process PID (bench/hosts): as the others,
#                                  but not in the client files nor COUNT, and left alone by `up` while PID runs
#        50-hosts.sh extra-down A B  remove the extra hosts hA..hB
#        50-hosts.sh sshd-start hN [alt] | sshd-kill hN | dockerd-start hN | dockerd-stop hN | heal hN
#                                  one host's daemons, for the tests' faults (sshd-start ... alt serves
#                                  a different host key; heal: link up, own key, both daemons running)
# Idempotent; a second run only checks (about a second).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

base=/var/lib/cloudtui-test/hosts
bridge=ctui-br0
net=10.213.0
dgroup=ctui-hdocker
duser=ctui-hdock
puser=ctui-hplain
cuser=ctui-sshcli

hdir() { echo "$base/$1"; }
addr() { echo "$net.$((100 + ${1#h}))"; }
# a process that runs (a zombie does not: this machine's init may be slow to reap it)
alive() { [ -n "${1:-}" ] && [ -d "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
pidof_file() { cat "$1" 2>/dev/null || true; }

# The pid of host $1's sshd listener when it runs (as this script starts it), else nothing.
sshd_pid() {
  local h=$1 d pid
  d=$(hdir "$h"); pid=$(pidof_file "$d/run/sshd.pid")
  alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-f $d/sshd_config" && echo "$pid"
  return 0
}
dockerd_pid() {
  local h=$1 d pid
  d=$(hdir "$h"); pid=$(pidof_file "$d/run/docker.pid")
  alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--data-root $d/data" && echo "$pid"
  return 0
}

# Every process of host $1's ssh side (listener, sessions and what they left running, e.g. a session
# libvirtd): those in its sshd's mount namespace (recorded at start, so found after the listener died;
# checked to still be that host's namespace, whose /run is the host's run directory).
sshd_procs() {
  local d ns pid one pids
  pid=$(sshd_pid "$1")
  if [ -n "$pid" ]; then ns=$(readlink "/proc/$pid/ns/mnt"); else ns=$(cat "$(hdir "$1")/sshd.mntns" 2>/dev/null || true); fi
  [ -n "$ns" ] || return 0
  pids=$({ stat -c '%N' /proc/[0-9]*/ns/mnt 2>/dev/null || true; } | { grep -F -- "-> '$ns'" || true; } | sed -n "s|^'/proc/\([0-9]*\)/ns/mnt'.*|\1|p")
  one=$(echo "$pids" | head -n 1)
  [ -n "$one" ] && grep -q "hosts/$1/run /run " "/proc/$one/mountinfo" 2>/dev/null && echo "$pids"
  return 0
}

sshd_kill() {
  local h=$1 pids
  pids=$(sshd_procs "$h")
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
  for _ in $(seq 1 100); do
    local left=0
    for p in $pids; do alive "$p" && left=1; done
    [ $left = 0 ] && break
    sleep 0.05
  done
  rm -f "$(hdir "$h")/run/sshd.pid" "$(hdir "$h")/sshd.mntns"
}

sshd_start() {
  local h=$1 key=ssh_host_ed25519_key d a pid
  [ "${2:-}" = alt ] && key=alt_host_ed25519_key
  d=$(hdir "$h"); a=$(addr "$h")
  [ -z "$(sshd_pid "$h")" ] || return 0
  if [ "$key" = alt_host_ed25519_key ]; then
    rm -f "$d/$key" "$d/$key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "$h-changed" -f "$d/$key"
  fi
  rm -f "$d/run/sshd.pid"
  # sshd daemonizes; its mount namespace (with the host's /run) lives as long as it and its sessions.
  # Its own /home (the users' homes on that host) and UTS namespace (the host's name is hN) too.
  setsid nsenter --net="/run/netns/ctui-$h" unshare -m -u --propagation private \
    sh -c 'hostname "$3" && mount --bind "$1/run" /run && mount --bind "$1/home" /home && exec /usr/sbin/sshd -f "$1/sshd_config" -h "$1/$2" -E "$1/sshd.log"' sh "$d" "$key" "$h" \
    </dev/null >>"$d/sshd.log" 2>&1 9>&-
  for _ in $(seq 1 100); do
    pid=$(sshd_pid "$h")
    if [ -n "$pid" ] && (exec 3<>"/dev/tcp/$a/22") 2>/dev/null; then
      readlink "/proc/$pid/ns/mnt" >"$d/sshd.mntns"
      return 0
    fi
    sleep 0.05
  done
  echo "provision: sshd of $h did not start, see $d/sshd.log" >&2
  return 1
}

dockerd_stop() {
  local h=$1 pid
  pid=$(dockerd_pid "$h")
  [ -n "$pid" ] || return 0
  kill -TERM "$pid"
  for _ in $(seq 1 300); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && { echo "provision: dockerd of $h does not stop" >&2; return 1; }
  return 0
}

dockerd_start() {
  local h=$1 d
  d=$(hdir "$h")
  [ -z "$(dockerd_pid "$h")" ] || return 0
  mkdir -p "$d/data" "$d/exec"
  rm -f "$d/run/docker.pid"
  # nsenter --net only: `ip netns exec` would remount /sys and hide the cgroup mounts from dockerd.
  # (in a UTS namespace named hN, so `docker info` and swarm node names say hN)
  setsid nsenter --net="/run/netns/ctui-$h" unshare -u sh -c 'hostname "$0" && exec "$@"' "$h" \
    dockerd --config-file "$d/daemon.json" --data-root "$d/data" \
    --exec-root "$d/exec" --pidfile "$d/run/docker.pid" -H "unix://$d/run/docker.sock" --group "$dgroup" \
    --log-level=error --shutdown-timeout=2 </dev/null >>"$d/dockerd.log" 2>&1 9>&- &
  for _ in $(seq 1 300); do
    docker -H "unix://$d/run/docker.sock" version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "provision: dockerd of $h did not start, see $d/dockerd.log" >&2
  return 1
}

host_down() {
  local h=$1 d
  d=$(hdir "$h")
  sshd_kill "$h"
  dockerd_stop "$h"
  ip link del "ctui-$h-v" 2>/dev/null || true
  ip netns del "ctui-$h" 2>/dev/null || true
  # mounts dockerd left behind (it unmounts on a clean stop)
  { grep -o " $d/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$d"
}

host_up() {
  local h=$1 d a restart=no
  d=$(hdir "$h"); a=$(addr "$h")
  mkdir -p "$d/run/sshd" "$d/run/lock" "$d/home"
  chmod 755 "$d" "$d/run" "$d/home"
  # /var/lock (-> /run/lock) as a machine has it: a session libvirtd locks a VM's console pty there
  chmod 1777 "$d/run/lock"
  # the users' homes on this host (its sessions' /home)
  local u
  for u in "$duser" "$puser"; do
    [ -d "$d/home/$u" ] || { cp -a /etc/skel "$d/home/$u.new" && chown -R "$u:$u" "$d/home/$u.new" && mv "$d/home/$u.new" "$d/home/$u"; }
  done
  # network: the namespace, a veth pair (ctui-hN-v on the bridge, eth0 inside) and the address
  [ -e "/run/netns/ctui-$h" ] || ip netns add "ctui-$h"
  if ! ip link show "ctui-$h-v" >/dev/null 2>&1; then
    ip -n "ctui-$h" link del eth0 2>/dev/null || true
    ip link add "ctui-$h-v" type veth peer name eth0 netns "ctui-$h"
  fi
  ip link set "ctui-$h-v" master "$bridge" up
  ip -n "ctui-$h" link set lo up
  ip -n "ctui-$h" link set eth0 up
  ip -n "ctui-$h" -4 addr show dev eth0 | grep -q " $a/24 " || ip -n "ctui-$h" addr add "$a/24" dev eth0
  # sshd: own host key and config
  [ -s "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$d/ssh_host_ed25519_key"
  cat >"$d/sshd_config.new" <<EOF
# test host $h (scripts/provision/50-hosts.sh); /run and /home are $d/run and $d/home in this sshd's mount namespace
ListenAddress $a:22
PidFile $d/run/sshd.pid
AuthorizedKeysFile $base/authorized_keys
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel ERROR
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
  if ! cmp -s "$d/sshd_config.new" "$d/sshd_config"; then mv "$d/sshd_config.new" "$d/sshd_config"; restart=yes; else rm -f "$d/sshd_config.new"; fi
  # a listener left serving the changed key by a test: back to the host's own key
  local pid
  pid=$(sshd_pid "$h")
  if [ -n "$pid" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-h $d/ssh_host_ed25519_key"; then restart=yes; fi
  # daemons of an older version of this script, without the host's own name or /home
  if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/uts")" = "$(readlink /proc/self/ns/uts)" ]; then restart=yes; fi
  if [ -n "$pid" ] && ! grep -q "hosts/$h/home /home " "/proc/$pid/mountinfo"; then restart=yes; fi
  [ $restart = yes ] && sshd_kill "$h"
  sshd_start "$h"
  # dockerd: its own config (not this machine's /etc/docker/daemon.json)
  [ -f "$d/daemon.json" ] || echo '{}' >"$d/daemon.json"
  pid=$(dockerd_pid "$h")
  if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/uts")" = "$(readlink /proc/self/ns/uts)" ]; then dockerd_stop "$h"; fi
  dockerd_start "$h"
  if ! docker -H "unix://$d/run/docker.sock" image inspect local/busybox:latest >/dev/null 2>&1; then
    docker -H "unix://$d/run/docker.sock" load -q -i "$base/busybox.tar" >/dev/null
  fi
}

# up: one at a time (several test runs may provision at once)
lock() { exec 9>/run/cloudtui-test-hosts.lock; flock 9; }

up() {
  local count=$1 h i
  [[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] && [ "$count" -le 150 ] || { echo "50-hosts.sh: host count must be 1..150, not '$count'" >&2; exit 2; }
  need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  command -v ssh >/dev/null || need+=(openssh-client)
  command -v nsenter >/dev/null || need+=(util-linux)
  command -v ss >/dev/null || need+=(iproute2)
  command -v iptables >/dev/null || need+=(iptables)
  if [ ${#need[@]} -gt 0 ]; then apt-get install -y -qq "${need[@]}" >/dev/null; fi
  docker image inspect local/busybox:latest >/dev/null 2>&1 || { echo "provision: no local/busybox in this machine's dockerd (run 10-docker.sh first)" >&2; exit 1; }
  mkdir -p "$base/client"
  chmod 755 /var/lib/cloudtui-test "$base"
  chmod 700 "$base/client"
  # users (they share /etc/passwd with this machine); '*' = no password, but not a locked account
  getent group "$dgroup" >/dev/null || groupadd -r "$dgroup"
  id "$duser" >/dev/null 2>&1 || useradd -m -s /bin/bash -G "$dgroup" "$duser"
  id "$puser" >/dev/null 2>&1 || useradd -m -s /bin/bash "$puser"
  id "$cuser" >/dev/null 2>&1 || useradd -m -s /bin/bash "$cuser"
  for u in "$duser" "$puser" "$cuser"; do [ "$(getent shadow "$u" | cut -d: -f2)" = '*' ] || usermod -p '*' "$u"; done
  # the client key, authorized for both host users on every host
  [ -s "$base/client/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C cloudtui-test-client -f "$base/client/id_ed25519"
  cmp -s "$base/client/id_ed25519.pub" "$base/authorized_keys" || install -m 644 "$base/client/id_ed25519.pub" "$base/authorized_keys"
  # the image the hosts load, saved once from this machine's dockerd (again when that image changes)
  local img
  img=$(docker image inspect -f '{{.Id}}' local/busybox:latest)
  if [ "$(cat "$base/busybox.id" 2>/dev/null)" != "$img" ] || [ ! -s "$base/busybox.tar" ]; then
    docker save -o "$base/busybox.tar" local/busybox:latest
    echo "$img" >"$base/busybox.id"
    for d in "$base"/h*/run/docker.sock; do [ -S "$d" ] && docker -H "unix://$d" load -q -i "$base/busybox.tar" >/dev/null; done
  fi
  # the bridge, and bridged traffic between the hosts allowed by this machine's FORWARD chain
  ip link show "$bridge" >/dev/null 2>&1 || ip link add "$bridge" type bridge
  ip -4 addr show dev "$bridge" | grep -q " $net.1/24 " || ip addr add "$net.1/24" dev "$bridge"
  ip link set "$bridge" up
  iptables -C FORWARD -i "$bridge" -o "$bridge" -j ACCEPT 2>/dev/null || iptables -I FORWARD 1 -i "$bridge" -o "$bridge" -j ACCEPT
  mkdir -p /run/sshd
  # hosts above the count go
  for d in "$base"/h*; do
    [ -d "$d" ] || continue
    h=${d##*/}
    [[ "$h" =~ ^h[0-9]+$ ]] && [ "${h#h}" -gt "$count" ] || continue
    # an extra host of a benchmark still running stays
    alive "$(cat "$d/extra" 2>/dev/null || true)" && continue
    host_down "$h"
  done
  for i in $(seq 1 "$count"); do host_up "h$i"; done
  # client side: known_hosts and ssh_config for root's tests, and the same in ctui-sshcli's ~/.ssh
  local kh cfg ucfg home
  kh=$(for i in $(seq 1 "$count"); do echo "h$i,$(addr "h$i") $(cut -d' ' -f1,2 "$(hdir "h$i")/ssh_host_ed25519_key.pub")"; done)
  cfg=$(for i in $(seq 1 "$count"); do
    printf 'Host h%s\n  HostName %s\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n\n' \
      "$i" "$(addr "h$i")" "$duser" "$base/client/id_ed25519" "$base/known_hosts"
  done)
  ucfg=$(sed -e "s|$base/client/id_ed25519|~/.ssh/id_ed25519|" -e "s|$base/known_hosts|~/.ssh/known_hosts|" <<<"$cfg")
  [ "$(cat "$base/known_hosts" 2>/dev/null)" = "$kh" ] || echo "$kh" >"$base/known_hosts"
  [ "$(cat "$base/ssh_config" 2>/dev/null)" = "$cfg" ] || echo "$cfg" >"$base/ssh_config"
  chmod 644 "$base/known_hosts" "$base/ssh_config"
  home=$(getent passwd "$cuser" | cut -d: -f6)
  install -d -m 700 -o "$cuser" -g "$cuser" "$home/.ssh"
  [ "$(cat "$home/.ssh/config" 2>/dev/null)" = "$ucfg" ] || { echo "$ucfg" >"$home/.ssh/config"; }
  [ "$(cat "$home/.ssh/known_hosts" 2>/dev/null)" = "$kh" ] || { echo "$kh" >"$home/.ssh/known_hosts"; }
  cmp -s "$base/client/id_ed25519" "$home/.ssh/id_ed25519" || cp "$base/client/id_ed25519" "$home/.ssh/id_ed25519"
  cmp -s "$base/client/id_ed25519.pub" "$home/.ssh/id_ed25519.pub" || cp "$base/client/id_ed25519.pub" "$home/.ssh/id_ed25519.pub"
  chown "$cuser:$cuser" "$home/.ssh/config" "$home/.ssh/known_hosts" "$home/.ssh/id_ed25519" "$home/.ssh/id_ed25519.pub"
  chmod 600 "$home/.ssh/config" "$home/.ssh/id_ed25519"
  chmod 644 "$home/.ssh/known_hosts" "$home/.ssh/id_ed25519.pub"
  # check: every host answers over ssh (strict host key), and its /var/run/docker.sock is its own
  local bad=0
  for i in $(seq 1 "$count"); do
    ( h=h$i
      want=$(stat -c %i "$(hdir "$h")/run/docker.sock")
      got=$(ssh -F "$base/ssh_config" -o BatchMode=yes -o ConnectTimeout=5 "$h" stat -L -c %i /var/run/docker.sock 2>&1) || true
      [ "$got" = "$want" ] || { echo "provision: test host $h: ssh does not reach its own docker.sock: $got" >&2; exit 1; }
    ) & done
  for _ in $(seq 1 "$count"); do wait -n || bad=1; done
  [ $bad = 0 ] || exit 1
  echo "$count" >"$base/COUNT"
}

down() {
  local d
  for d in "$base"/h*; do [ -d "$d" ] && host_down "${d##*/}"; done
  ip link del "$bridge" 2>/dev/null || true
  while iptables -C FORWARD -i "$bridge" -o "$bridge" -j ACCEPT 2>/dev/null; do iptables -D FORWARD -i "$bridge" -o "$bridge" -j ACCEPT; done
  for u in "$duser" "$puser" "$cuser"; do id "$u" >/dev/null 2>&1 && userdel -r "$u" 2>/dev/null; done
  getent group "$dgroup" >/dev/null && groupdel "$dgroup"
  rm -rf "$base"
  return 0
}

# host $1 as provisioned again after a test's faults: link up, sshd with its own key, dockerd running
heal() {
  local h=$1 pid d
  d=$(hdir "$h")
  ip link set "ctui-$h-v" up
  pid=$(sshd_pid "$h")
  if [ -n "$pid" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-h $d/ssh_host_ed25519_key"; then sshd_kill "$h"; fi
  sshd_start "$h"
  dockerd_start "$h"
}

# extra hosts hA..hB for a process (a benchmark): made as the test hosts, owned by PID (a later `up`
# removes them once PID is gone); the client files stay those of h1..hN (the caller writes its own)
extra() {
  local a=$1 b=$2 owner=$3 count i d
  [[ "$a" =~ ^[0-9]+$ && "$b" =~ ^[0-9]+$ && "$owner" =~ ^[0-9]+$ ]] && [ "$a" -le "$b" ] && [ "$b" -le 150 ] \
    || { echo "50-hosts.sh: extra needs FIRST LAST PID (numbers, FIRST <= LAST <= 150)" >&2; exit 2; }
  count=$(cat "$base/COUNT" 2>/dev/null || true)
  [ -n "$count" ] || { echo "50-hosts.sh: no test hosts yet (run 50-hosts.sh up first)" >&2; exit 1; }
  [ "$a" -gt "$count" ] || { echo "50-hosts.sh: extra hosts must come after h$count" >&2; exit 2; }
  for i in $(seq "$a" "$b"); do
    d=$(hdir "h$i")
    mkdir -p "$d"
    echo "$owner" >"$d/extra"
    host_up "h$i"
  done
}

extra_down() {
  local a=$1 b=$2 i
  [[ "$a" =~ ^[0-9]+$ && "$b" =~ ^[0-9]+$ ]] || { echo "50-hosts.sh: extra-down needs FIRST LAST" >&2; exit 2; }
  for i in $(seq "$a" "$b"); do
    [ -f "$(hdir "h$i")/extra" ] && host_down "h$i"
  done
  return 0
}

one_host() {
  [[ "${1:-}" =~ ^h[0-9]+$ ]] && [ -d "$(hdir "$1")" ] || { echo "50-hosts.sh: no test host '${1:-}'" >&2; exit 2; }
}

[ "$(id -u)" = 0 ] || { echo "50-hosts.sh: must run as root" >&2; exit 2; }
cmd=${1:-up}
case "$cmd" in
  up) lock; up "${2:-${CLOUDTUI_TEST_HOSTS:-3}}" ;;
  [0-9]*) lock; up "$cmd" ;;
  down) lock; down ;;
  extra) lock; extra "${2:-}" "${3:-}" "${4:-}" ;;
  extra-down) lock; extra_down "${2:-}" "${3:-}" ;;
  sshd-start) one_host "${2:-}"; sshd_start "$2" "${3:-}" ;;
  sshd-kill) one_host "${2:-}"; sshd_kill "$2" ;;
  dockerd-start) one_host "${2:-}"; dockerd_start "$2" ;;
  dockerd-stop) one_host "${2:-}"; dockerd_stop "$2" ;;
  heal) one_host "${2:-}"; heal "$2" ;;
  *) echo "usage: 50-hosts.sh [up] [N] | down | extra FIRST LAST PID | extra-down FIRST LAST | sshd-start hN [alt] | sshd-kill hN | dockerd-start hN | dockerd-stop hN | heal hN" >&2; exit 2 ;;
esac
