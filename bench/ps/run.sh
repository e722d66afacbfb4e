#!/usr/bin/env bash
# cloudtui ps vs docker ps on N running containers, side by side in one run (interleaved rounds).
# Usage: bench/ps/run.sh [--containers N] [--rounds R] [--keep]
# Needs: a running dockerd with image local/busybox (scripts/provision/10-docker.sh makes both).
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$home/bench/lib.sh"
n=200 rounds=21 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --containers) n=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--containers N] [--rounds R] [--keep]" >&2; exit 2 ;;
  esac
done
ensure_containers "$n" ps
cleanup() { [ "$keep" = 1 ] || remove_containers ps; }
trap cleanup EXIT

ct="$home/cloudtui"
"$ct" --version >/dev/null   # builds the jar and the AppCDS archive outside the measurement
"$ct" ps >/dev/null
running=$(docker ps -q | wc -l)
[ "$("$ct" ps -q | wc -l)" -eq "$running" ] || { echo "bench: cloudtui ps and docker ps disagree on the count" >&2; exit 1; }

declare -A samples
names=("docker ps" "cloudtui ps" "cloudtui ps --format json" "cloudtui --version")
for _ in $(seq 1 "$rounds"); do
  samples["docker ps"]+="$(time_ms docker ps)"$'\n'
  samples["cloudtui ps"]+="$(time_ms "$ct" ps)"$'\n'
  samples["cloudtui ps --format json"]+="$(time_ms "$ct" ps --format json)"$'\n'
  samples["cloudtui --version"]+="$(time_ms "$ct" --version)"$'\n'
done

declare -A med
for k in "${names[@]}"; do med[$k]=$(printf '%s' "${samples[$k]}" | median); done
echo "containers running: $running, rounds: $rounds (interleaved), median wall time in ms"
printf '%-28s %10s %12s\n' command median "vs docker ps"
for k in "${names[@]}"; do printf '%-28s %10s %12s\n' "$k" "${med[$k]}" "$(ratio "${med[$k]}" "${med[docker ps]}")"; done
echo "JVM start-up share of cloudtui ps (cloudtui --version / cloudtui ps): $(ratio "${med[cloudtui --version]}" "${med[cloudtui ps]}")"
