#!/usr/bin/env bash
# The bundled engine's full path, image to exit: `cloudtui run --rm IMAGE true` on the daemonless
# engine against `docker run --rm IMAGE true` (and `podman run --rm` when podman is installed), the
# same busybox image in each, side by side in one run (interleaved rounds, ratio of medians).
# Usage: bench/engine/run.sh [--rounds R] [--baseline DIR]      (root; needs dockerd with local/busybox)
#   --baseline DIR: also time DIR/cloudtui (another checkout, e.g. an older commit) in the same rounds
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$home/bench/lib.sh"
rounds=20 baseline=
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds R] [--baseline DIR]" >&2; exit 2 ;;
  esac
done
[ -z "$baseline" ] || [ -x "$baseline/cloudtui" ] || { echo "bench: $baseline/cloudtui not found" >&2; exit 2; }
docker image inspect local/busybox >/dev/null 2>&1 || { echo "bench: needs dockerd and image local/busybox (run scripts/provision/10-docker.sh)" >&2; exit 1; }
"$home/cloudtui" --version >/dev/null   # builds the jar outside the measurement
[ -z "$baseline" ] || "$baseline/cloudtui" --version >/dev/null

work=$(mktemp -d /var/tmp/ctui-bench-engine.XXXXXX)
trap 'rm -rf "$work"' EXIT
# a private store and runtime root, so the bench touches nothing of the user's
cat >"$work/config.yaml" <<YAML
backends:
  - name: rt
    type: runtime
    store: $work/store
    root: /run/ctui-bench-engine
YAML
export CLOUDTUI_CONFIG="$work/config.yaml"
docker save -o "$work/busybox.tar" local/busybox
"$home/cloudtui" image import --backend rt "$work/busybox.tar" >/dev/null 2>&1
podman=0
if command -v podman >/dev/null && podman load -q -i "$work/busybox.tar" >/dev/null 2>&1; then podman=1; fi

# one untimed round each (page cache, AppCDS archive)
"$home/cloudtui" run --rm local/busybox true
[ -z "$baseline" ] || "$baseline/cloudtui" run --rm local/busybox true
docker run --rm local/busybox true
[ "$podman" = 0 ] || podman run --rm local/busybox true >/dev/null

c=() b=() d=() p=()
for _ in $(seq 1 "$rounds"); do
  c+=("$(time_ms "$home/cloudtui" run --rm local/busybox true)")
  [ -z "$baseline" ] || b+=("$(time_ms "$baseline/cloudtui" run --rm local/busybox true)")
  d+=("$(time_ms docker run --rm local/busybox true)")
  [ "$podman" = 0 ] || p+=("$(time_ms podman run --rm local/busybox true)")
done
mc=$(printf '%s\n' "${c[@]}" | median)
md=$(printf '%s\n' "${d[@]}" | median)
echo "run --rm local/busybox true, median of $rounds interleaved rounds (ms):"
printf '  %-28s %9s\n' "cloudtui (bundled engine)" "$mc"
if [ -n "$baseline" ]; then
  mb=$(printf '%s\n' "${b[@]}" | median)
  printf '  %-28s %9s   cloudtui/baseline %s\n' "baseline ($baseline)" "$mb" "$(ratio "$mc" "$mb")"
fi
printf '  %-28s %9s   cloudtui/docker %s\n' "docker run" "$md" "$(ratio "$mc" "$md")"
if [ "$podman" = 1 ]; then
  mp=$(printf '%s\n' "${p[@]}" | median)
  printf '  %-28s %9s   cloudtui/podman %s\n' "podman run" "$mp" "$(ratio "$mc" "$mp")"
else
  echo "  podman: not installed"
fi
rm -rf /run/ctui-bench-engine
