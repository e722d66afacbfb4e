#!/usr/bin/env bash
# Docker Swarm: 20 services with 100 tasks in all (5 replicas each, `local/busybox sleep 3600`) on the
# test swarm (scripts/provision/52-swarm.sh: h1 manager, h2 and h3 workers), side by side in one run
# (interleaved rounds, medians) with the docker CLI against the same manager:
#   (a) time to the full services view: `cloudtui service ls` + `cloudtui service ps S` for every S (warm:
#       the agent; and a JVM per command, CLOUDTUI_NO_AGENT=1), and the UI under tmux (launch, `5` at the
#       first frame, until all 20 rows show 5/5), against `docker service ls` + `docker service ps S` for
#       every S
#   (b) idle: the UI's CPU with the services view open and the extra CPU of the manager's dockerd (and
#       its containerd), against `watch -n2 docker service ls` (its own CPU: watch, its shells and docker
#       CLIs). Windows with the watcher running and stopped (SIGSTOP) alternate; a daemon's extra CPU is
#       running minus stopped, so others' work on the shared swarm lands in both kinds of window alike.
# The services are named with a prefix unique to this run and removed on exit (only those).
# Usage: bench/swarm/run.sh [--services N] [--replicas R] [--rounds K] [--idle SECONDS] [--no-cold]
# Needs the test hosts and their swarm (scripts/provision/50-hosts.sh, 52-swarm.sh), tmux, watch.
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$home/bench/lib.sh"
ns=20 reps=5 rounds=3 idle=96 cold=1
while [ $# -gt 0 ]; do
  case "$1" in
    --services) ns=$2; shift 2 ;;
    --replicas) reps=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --no-cold) cold=0; shift ;;
    *) echo "usage: $0 [--services N] [--replicas R] [--rounds K] [--idle SECONDS] [--no-cold]" >&2; exit 2 ;;
  esac
done
command -v tmux >/dev/null || { echo "bench: needs tmux" >&2; exit 1; }
command -v watch >/dev/null || { echo "bench: needs watch (procps)" >&2; exit 1; }
base=/var/lib/cloudtui-test/hosts
sock="unix://$base/h1/run/docker.sock"
dk() { docker -H "$sock" "$@"; }
[ "$(dk info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ] \
  || { echo "bench: h1's dockerd is not a swarm manager (scripts/provision/50-hosts.sh, 52-swarm.sh)" >&2; exit 1; }
prefix="bsw$$"
work=$(mktemp -d /tmp/ctui-bench-swarm.XXXXXX)
T="tmux -L ctui-bench-swarm-$$"
svcs=(); for i in $(seq -w 1 "$ns"); do svcs+=("$prefix-$i"); done
# the warm agent of this run (its socket is in $work/run), stopped with SIGTERM
stop_agent() {
  local p left=""
  for p in $(pgrep -x java || true); do
    { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -q "^CLOUDTUI_AGENT_SOCKET=$work/run/" && kill "$p" 2>/dev/null && left="$left $p"
  done
  for p in $left; do for _ in $(seq 1 100); do [ -d "/proc/$p" ] || break; sleep 0.1; done; done
  return 0
}
cleanup() {
  local s
  for s in $($T list-sessions -F '#{session_name}' 2>/dev/null); do $T kill-session -t "$s" 2>/dev/null || true; done
  stop_agent
  dk service ls -q --filter "name=$prefix-" | xargs -r docker -H "$sock" service rm >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. the services, 4 created at a time, then until every task runs
echo "bench: creating $ns services x $reps replicas ($prefix-*)..." >&2
printf '%s\n' "${svcs[@]}" | xargs -P 4 -I{} docker -H "$sock" service create -d -q --no-resolve-image --name {} \
  --replicas "$reps" --label cloudtui.bench=swarm local/busybox sleep 3600 >/dev/null
t0=$(now_ns)
until [ "$(dk service ls --filter "name=$prefix-" --format '{{.Replicas}}' | grep -c "^$reps/$reps" || true)" -eq "$ns" ]; do
  [ $(( ($(now_ns) - t0) / 1000000000 )) -lt 180 ] || { echo "bench: not every task running after 180 s: $(dk service ls --filter "name=$prefix-" --format '{{.Name}} {{.Replicas}}' | tr '\n' ' ')" >&2; exit 1; }
  sleep 1
done
nodes=$(dk node ls --format '{{.Hostname}}' | sort | tr '\n' ' ')
others=$(( $(dk service ls -q | wc -l) - ns ))

# 2. cloudtui with the manager as its only backend, its agent and state in this run's directory
mkdir -p "$work/run" "$work/state"; chmod 700 "$work/run"
printf 'backends:\n  - {name: h1, type: docker, host: "%s"}\n' "$sock" >"$work/h1.yaml"
ct="$home/cloudtui"
"$ct" --version >/dev/null   # builds the jar and the AOT cache outside the measurement
cenv=(env "CLOUDTUI_CONFIG=$work/h1.yaml" "XDG_RUNTIME_DIR=$work/run" "XDG_STATE_HOME=$work/state")
ctw() { "${cenv[@]}" "$ct" "$@"; }
ctc() { "${cenv[@]}" CLOUDTUI_NO_AGENT=1 "$ct" "$@"; }
full_ct() { local s; ctw service ls >/dev/null || return 1; for s in "${svcs[@]}"; do ctw service ps "$s" >/dev/null || return 1; done; }
full_ct_cold() { local s; ctc service ls >/dev/null || return 1; for s in "${svcs[@]}"; do ctc service ps "$s" >/dev/null || return 1; done; }
full_docker() { local s; dk service ls >/dev/null || return 1; for s in "${svcs[@]}"; do dk service ps "$s" >/dev/null || return 1; done; }
got=$(ctw service ls | grep -cE "(^|[^a-z0-9])$prefix-[0-9]+ .* $reps/$reps( |$)" || true)
[ "$got" -eq "$ns" ] || { echo "bench: cloudtui service ls shows $got of the $ns services at $reps/$reps: $(ctw service ls 2>&1 | tail -3)" >&2; exit 1; }
[ "$(ctw service ps "${svcs[0]}" | grep -c Running || true)" -eq "$reps" ] || { echo "bench: cloudtui service ps ${svcs[0]} does not list $reps running tasks" >&2; exit 1; }

# 3. the UI: launch, `5` as soon as the first frame is there, until every service's row shows R/R
ms_since() { awk -v d=$(( $(now_ns) - $1 )) 'BEGIN { printf "%.0f\n", d / 1e6 }'; }
launch() { $T new-session -d -s "$1" -x 200 -y $((ns + others + 20)) "${cenv[*]} TERM=xterm-256color LANG=C.UTF-8 $ct"; }
quit() { $T send-keys -t "$1" q; for _ in $(seq 1 100); do $T has-session -t "$1" 2>/dev/null || return 0; sleep 0.1; done; $T kill-session -t "$1"; }
full_rows() { grep -cE "(^|[^a-z0-9])$prefix-[0-9]+ .* $reps/$reps( |$)" <<<"$1" || true; }
# ui_to_full S: launches the UI in session S, leaves it open on the services view; sets first, key, full
ui_to_full() {
  local s=$1 t0 k0 screen
  t0=$(now_ns)
  launch "$s"
  until $T capture-pane -p -t "$s" 2>/dev/null | grep -q 'cloudtui >'; do
    $T has-session -t "$s" 2>/dev/null || { echo "bench: the UI ended" >&2; exit 1; }
    [ $(( ($(now_ns) - t0) / 1000000000 )) -lt 60 ] || { echo "bench: no first frame after 60 s" >&2; exit 1; }
    sleep 0.01
  done
  first=$(ms_since "$t0"); k0=$(now_ns)
  $T send-keys -t "$s" 5
  while :; do
    screen=$($T capture-pane -p -t "$s")
    [ "$(full_rows "$screen")" -lt "$ns" ] || break
    [ $(( ($(now_ns) - t0) / 1000000000 )) -lt 60 ] || { echo "bench: not every service at $reps/$reps on screen after 60 s: $screen" >&2; exit 1; }
    sleep 0.01
  done
  full=$(ms_since "$t0"); key=$(ms_since "$k0")
}
ui_round() { ui_to_full "ui$1"; ui_first+="$first"$'\n'; ui_full+="$full"$'\n'; ui_key+="$key"$'\n'; quit "ui$1"; }

# 4. interleaved rounds
load0=$(cut -d' ' -f1-3 /proc/loadavg)
ui_first="" ui_full="" ui_key=""
declare -A samples
names=("docker service ls + service ps x$ns" "cloudtui service ls + service ps x$ns (warm)" "cloudtui ... (a JVM per command)")
ui_round 0 >/dev/null; ui_first="" ui_full="" ui_key=""   # the first launch after a build records the AOT cache
for r in $(seq 1 "$rounds"); do
  echo "bench: round $r of $rounds" >&2
  samples[${names[0]}]+="$(time_ms full_docker)"$'\n'
  samples[${names[1]}]+="$(time_ms full_ct)"$'\n'
  [ "$cold" = 0 ] || samples[${names[2]}]+="$(time_ms full_ct_cold)"$'\n'
  ui_round "$r"
done
stop_agent

# 5. idle: the UI on the services view, then watch -n2 docker service ls; windows running / stopped
hz=$(getconf CLK_TCK)
# ticks PIDS: utime+stime+cutime+cstime (watch's reaped shells and docker CLIs count as its own)
ticks() { local t=0 p v; for p in "$@"; do v=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null) && t=$((t + v)); done; echo "$t"; }
pct() { awk -v t="$1" -v hz="$hz" -v s="$2" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }
dpid=$(cat "$base/h1/run/docker.pid")
engine=("$dpid" $(pgrep -P "$dpid" containerd || true))
# proc_of PANE_PID NAME: the pane's process NAME (the pane's shell execs it, or runs it as a child)
proc_of() {
  local p=$1 i
  for i in 1 2 3 4; do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && { echo "$p"; return; }
    p=$(pgrep -P "$p" | head -n 1) || break
  done
  echo "bench: no $2 under the pane" >&2; exit 1
}
wins=6
win=$(( idle / wins / 2 )); [ "$win" -gt 0 ] || win=1
# idle_windows PID: prints "self_cpu engine_running engine_stopped" (% of one core)
idle_windows() {
  local p=$1 w s0 e0 self=0 on=0 off=0
  for w in $(seq 1 "$wins"); do
    s0=$(ticks "$p"); e0=$(ticks "${engine[@]}")
    sleep "$win"
    self=$((self + $(ticks "$p") - s0)); on=$((on + $(ticks "${engine[@]}") - e0))
    kill -STOP "$p"
    e0=$(ticks "${engine[@]}")
    sleep "$win"
    off=$((off + $(ticks "${engine[@]}") - e0))
    kill -CONT "$p"
  done
  echo "$(pct "$self" $((win * wins))) $(pct "$on" $((win * wins))) $(pct "$off" $((win * wins)))"
}
echo "bench: idle, the UI's services view, then watch -n2 docker service ls ($((2 * win * wins)) s each)..." >&2
ui_to_full idle
sleep 20   # past the view's first 15 s of reads every second
ui_pid=$(proc_of "$($T display -p -t idle '#{pane_pid}')" java)
read -r ui_cpu ui_on ui_off <<<"$(idle_windows "$ui_pid")"
ui_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$ui_pid/status")
quit idle
stop_agent
$T new-session -d -s watch -x 200 -y 60 "watch -n2 docker -H $sock service ls"
sleep 3
w_pid=$(proc_of "$($T display -p -t watch '#{pane_pid}')" watch)
read -r w_cpu w_on w_off <<<"$(idle_windows "$w_pid")"
$T kill-session -t watch
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# 6. report
declare -A med
for k in "${names[@]}"; do med[$k]=$(printf '%s' "${samples[$k]:-}" | median); done
d=${med[${names[0]}]}
echo "swarm: nodes $nodes(h1 manager), $ns services x $reps replicas = $((ns * reps)) tasks (+ $others services of others); rounds: $rounds (interleaved)"
echo "engine: docker $(dk version --format '{{.Server.Version}}') (Debian 12's docker.io), CLI $(docker version --format '{{.Client.Version}}'); cloudtui $("$ct" --version 2>/dev/null | head -1)"
echo "machine: $(nproc) CPUs; load average at start $load0, at end $load1"
printf '%-58s %10s %10s\n' "time to the full services view, median ms" median "vs docker"
for k in "${names[@]}"; do [ "${med[$k]}" = nan ] || printf '%-58s %10s %10s\n' "$k" "${med[$k]}" "$(ratio "${med[$k]}" "$d")"; done
uf=$(printf '%s' "$ui_full" | median); uk=$(printf '%s' "$ui_key" | median); u1=$(printf '%s' "$ui_first" | median)
printf '%-58s %10s %10s\n' "cloudtui UI: launch to every row at $reps/$reps (5 at first frame)" "$uf" "$(ratio "$uf" "$d")"
printf '%-58s %10s %10s\n' "cloudtui UI: launch to first frame" "$u1" "$(ratio "$u1" "$d")"
printf '%-58s %10s %10s\n' "cloudtui UI: key 5 to every row at $reps/$reps" "$uk" "$(ratio "$uk" "$d")"
echo "samples (ms): docker $(printf '%s' "${samples[${names[0]}]}" | tr '\n' ' ')| warm $(printf '%s' "${samples[${names[1]}]}" | tr '\n' ' ')| UI $(printf '%s' "$ui_full" | tr '\n' ' ')"
echo "idle, $((win * wins)) s running (alternating with ${win} s windows stopped), CPU as % of one core:"
printf '  %-44s %10s %22s %12s\n' "" "own CPU" "h1 dockerd+containerd" "extra"
printf '  %-44s %10s %22s %12s\n' "cloudtui UI, services view open" "$ui_cpu" "$ui_on / $ui_off" "$(awk -v a="$ui_on" -v b="$ui_off" 'BEGIN { printf "%.2f", a - b }')"
printf '  %-44s %10s %22s %12s\n' "watch -n2 docker service ls" "$w_cpu" "$w_on / $w_off" "$(awk -v a="$w_on" -v b="$w_off" 'BEGIN { printf "%.2f", a - b }')"
echo "  UI RSS: $((ui_rss / 1024)) MiB; ratios UI / watch: own CPU $(ratio "$ui_cpu" "$w_cpu"), own + daemon's extra $(ratio "$(awk -v a="$ui_cpu" -v b="$ui_on" -v c="$ui_off" 'BEGIN { print a + b - c }')" "$(awk -v a="$w_cpu" -v b="$w_on" -v c="$w_off" 'BEGIN { print a + b - c }')")"
