#!/usr/bin/env bash
# The warm CLI (README, "Warm CLI"): cloudtui through its native client and warm process ("warm"),
# cloudtui with a JVM per command (CLOUDTUI_NO_AGENT=1, "cold") and the docker CLI, side by side in
# one run (interleaved rounds, medians), on N running containers.
# Usage: bench/cli/run.sh [--containers N] [--rounds R] [--keep]
# Needs: a running dockerd with image local/busybox (scripts/provision/10-docker.sh makes both).
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$home/bench/lib.sh"
n=50 rounds=15 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --containers) n=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--containers N] [--rounds R] [--keep]" >&2; exit 2 ;;
  esac
done
ensure_containers "$n" cli
target=$(docker ps -q --filter label=cloudtui.bench=cli | head -n 1)
# a runtime directory and config of the bench's own: its own warm process, docker only (as docker ps)
rt=$(mktemp -d /tmp/ctui-bench-cli-XXXXXX)
mkdir -p "$rt/config/cloudtui"
printf 'backends:\n  - name: docker\n    type: docker\n' >"$rt/config/cloudtui/config.yaml"
export XDG_RUNTIME_DIR=$rt XDG_CONFIG_HOME=$rt/config
cleanup() {
  for p in $(pgrep -f "io.cloudtui.Main agent" || true); do
    if tr '\0' '\n' </proc/"$p"/environ 2>/dev/null | grep -qx "CLOUDTUI_AGENT_SOCKET=$rt/.*"; then kill "$p" || true; fi
  done
  rm -rf "$rt"
  [ "$keep" = 1 ] || remove_containers cli
}
trap cleanup EXIT

ct="$home/cloudtui"
CLOUDTUI_NO_AGENT=1 "$ct" --version >/dev/null   # builds the jar and the start-up archive outside the measurement
t0=$(now_ns); "$ct" --version >/dev/null; t1=$(now_ns)
first=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.0f", d / 1e6 }')
"$ct" ps >/dev/null
[ "$("$ct" ps -q | wc -l)" -eq "$(docker ps -q | wc -l)" ] || { echo "bench: cloudtui ps and docker ps disagree on the count" >&2; exit 1; }
cold() { CLOUDTUI_NO_AGENT=1 "$ct" "$@"; }
stopstart_docker() { docker stop -t 0 "$target" && docker start "$target"; }
stopstart_warm() { "$ct" stop -t 0 "$target" && "$ct" start "$target"; }
stopstart_cold() { cold stop -t 0 "$target" && cold start "$target"; }

# the warm process's JIT compiles what the commands run: warm means warmed up
for _ in $(seq 1 10); do "$ct" ps >/dev/null; "$ct" ps -q >/dev/null; "$ct" inspect "$target" >/dev/null; done

declare -A samples
names=()
add() { local k=$1; shift; samples["$k"]+="$(time_ms "$@")"$'\n'; }
for _ in $(seq 1 "$rounds"); do
  add "docker ps" docker ps
  add "warm ps" "$ct" ps
  add "cold ps" cold ps
  add "docker ps -q" docker ps -q
  add "warm ps -q" "$ct" ps -q
  add "cold ps -q" cold ps -q
  add "docker inspect" docker inspect "$target"
  add "warm inspect" "$ct" inspect "$target"
  add "cold inspect" cold inspect "$target"
  add "docker stop+start" stopstart_docker
  add "warm stop+start" stopstart_warm
  add "cold stop+start" stopstart_cold
done

declare -A med
for k in "${!samples[@]}"; do med[$k]=$(printf '%s' "${samples[$k]}" | median); done
echo "containers running: $(docker ps -q | wc -l), rounds: $rounds (interleaved), median wall time in ms"
echo "first command, starting the warm process: $first ms"
printf '%-22s %10s %10s %10s %12s %12s\n' command docker warm cold "warm/docker" "cold/docker"
for c in "ps" "ps -q" "inspect" "stop+start"; do
  d=${med[docker $c]} w=${med[warm $c]} k=${med[cold $c]}
  printf '%-22s %10s %10s %10s %12s %12s\n' "$c" "$d" "$w" "$k" "$(ratio "$w" "$d")" "$(ratio "$k" "$d")"
done
