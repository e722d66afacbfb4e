#!/usr/bin/env bash
# `cloudtui run --hpc --rm IMAGE true` against `podman run --rm IMAGE true`, both rootless as one
# unprivileged user on this machine, each from the same busybox rootfs imported into its own store;
# interleaved rounds, medians and their ratio.
# Usage: bench/hpc/run.sh [--rounds R] [--user NAME]   (as root: it makes the user and its directories)
# Needs: podman (scripts/provision/15-podman.sh), busybox-static, setpriv, user namespaces.
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$home/bench/lib.sh"
. "$home/scripts/jdk.sh"
rounds=15 user=ctui-hpc-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds R] [--user NAME]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench: run as root (it makes the unprivileged user the runs are measured as)" >&2; exit 1; }
command -v podman >/dev/null || { echo "bench: needs podman (scripts/provision/15-podman.sh)" >&2; exit 1; }
"$home/cloudtui" --version >/dev/null   # builds target/cloudtui.jar (and the AOT cache) outside the measurement
cloudtui_find_jdk run
id -u "$user" >/dev/null 2>&1 || useradd --create-home --user-group --shell /bin/sh --comment "cloudtui hpc bench" "$user"
uid=$(id -u "$user") gid=$(id -g "$user") uhome=$(getent passwd "$user" | cut -d: -f6)
work=$(mktemp -d /var/tmp/ctui-bench-hpc.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/run" "$work/data" "$work/cwd" "$work/cache"
chown "$user:$user" "$work/run" "$work/data" "$work/cwd" "$work/cache"
chmod 700 "$work/run"
# as the user, with a login's environment and private XDG directories (no systemd session here:
# podman gets cgroupfs and file events, as on a cluster node without a user manager)
as() {
  (cd "$work/cwd" && setpriv --reuid="$uid" --regid="$gid" --init-groups env -i HOME="$uhome" USER="$user" LOGNAME="$user" \
    PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 XDG_RUNTIME_DIR="$work/run" XDG_DATA_HOME="$work/data" \
    XDG_CACHE_HOME="$work/cache" XDG_CONFIG_HOME="$work/cache/config" XDG_STATE_HOME="$work/cache/state" "$@")
}
# the launcher as a user runs it (no build: the jar is root's; no warm agent left behind: `run` is
# not one of the commands it serves anyway)
ct() { as env CLOUDTUI_NO_BUILD=1 CLOUDTUI_NO_AGENT=1 "$@"; }
pm() { as podman --cgroup-manager=cgroupfs --events-backend=file --root "$work/data/podman" --runroot "$work/run/podman" "$@"; }
# rootless podman leaves a pause process holding its user namespace: it goes with the bench's directories
trap 'pm rm -af >/dev/null 2>&1 || true; p=$(cat "$work/run/libpod/tmp/pause.pid" 2>/dev/null) && kill "$p" 2>/dev/null; rm -rf "$work"' EXIT

# the same rootfs for both: busybox-static and its applets
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in $("$work/rootfs/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$work/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
chmod 644 "$work/rootfs.tar"
ct "$home/cloudtui" image import --backend runtime "$work/rootfs.tar" ctui-bench/hpc:1 >/dev/null
pm import -q "$work/rootfs.tar" localhost/ctui-bench-hpc:1 >/dev/null
cloudtui_run() { ct "$home/cloudtui" run --hpc --rm --backend runtime ctui-bench/hpc:1 true; }
podman_run() { pm run --rm --network host localhost/ctui-bench-hpc:1 true; }
# warm-up, and proof that both work (and run as the user, for cloudtui)
[ "$(ct "$home/cloudtui" run --hpc --rm --backend runtime ctui-bench/hpc:1 id -u)" = "$uid" ] || { echo "bench: cloudtui run --hpc failed" >&2; exit 1; }
pm run --rm --network host localhost/ctui-bench-hpc:1 true || { echo "bench: podman run failed" >&2; exit 1; }
cloudtui_run; podman_run

declare -A samples
names=("podman run --rm" "cloudtui run --hpc --rm")
for _ in $(seq 1 "$rounds"); do
  samples["podman run --rm"]+="$(time_ms podman_run)"$'\n'
  samples["cloudtui run --hpc --rm"]+="$(time_ms cloudtui_run)"$'\n'
done
declare -A med
for k in "${names[@]}"; do med[$k]=$(printf '%s' "${samples[$k]}" | median); done
echo "rootless as $user, busybox rootfs, 'true', rounds: $rounds (interleaved), load $(cut -d' ' -f1-3 /proc/loadavg), median wall time in ms"
printf '%-26s %10s %12s\n' command median "vs podman"
for k in "${names[@]}"; do printf '%-26s %10s %12s\n' "$k" "${med[$k]}" "$(ratio "${med[$k]}" "${med[podman run --rm]}")"; done
