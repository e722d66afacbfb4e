#!/usr/bin/env bash
# The full-screen UI's costs with N running containers, side by side in one run with the baseline
# `docker stats --no-stream` polled every 2 s (what a script or simpler tool would do) and, with
# --before DIR, another checkout's cloudtui (an older commit) run in the same phases at the same time:
#   - launch to the first frame of any kind and to the first frame with the list (interleaved rounds)
#   - CPU of the UI itself and the extra CPU it makes dockerd + containerd spend, at idle
#   - resident memory at start, over the idle phase, and while one container floods its log,
#     followed in the logs view for --minutes (default 10)
#   - keypress-to-screen latency (tmux send-keys -> capture-pane), bytes to the terminal at idle
# Usage: bench/tui/run.sh [--containers N[,N...]] [--idle SECONDS] [--baseline SECONDS] [--minutes M]
#                         [--rounds R] [--before DIR] [--keep]
# Needs dockerd with local/busybox, tmux. CPU is read from /proc (utime+stime), not wall time.
# lazydocker is not measured: it is not in Debian, and these machines reach only Debian and Maven Central.
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$home/bench/lib.sh"
sizes=200 idle=600 base=60 minutes=10 rounds=5 before="" keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --containers) sizes=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --baseline) base=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --before) before=$(cd "$2" && pwd); shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--containers N[,N...]] [--idle SECONDS] [--baseline SECONDS] [--minutes M] [--rounds R] [--before DIR] [--keep]" >&2; exit 2 ;;
  esac
done
command -v tmux >/dev/null || { echo "bench: needs tmux" >&2; exit 1; }
[ -z "$before" ] || [ -x "$before/cloudtui" ] || { echo "bench: $before/cloudtui is not there" >&2; exit 2; }
T="tmux -L cloudtui-bench-$$"
cleanup() {
  $T kill-server 2>/dev/null || true
  docker rm -f ctui-bench-flood >/dev/null 2>&1 || true
  [ "$keep" = 1 ] || remove_containers tui
}
trap cleanup EXIT
hz=$(getconf CLK_TCK)
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
engine_pids() { echo "$(pidof dockerd) $(pidof containerd)"; }
pct() { awk -v t="$1" -v hz="$hz" -v s="$2" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ms_since() { awk -v d=$(( $(now_ns) - $1 )) 'BEGIN { printf "%.0f", d / 1e6 }'; }

# the UIs compared: "now" (this checkout) and, with --before, "before"
uis=(now); dirs=("$home")
if [ -n "$before" ]; then uis+=(before); dirs+=("$before"); fi

# launch_once DIR: launches DIR's UI in a fresh session, prints "ANY LIST" (ms to the first frame of any
# kind, then to the first with a container row), quits it
launch_once() {
  local t0 any="" ses="launch$RANDOM"
  t0=$(now_ns)
  $T new-session -d -s "$ses" -x 200 -y 50 "$1/cloudtui"
  while :; do
    local s; s=$($T capture-pane -p -t "$ses" 2>/dev/null || true)
    if [ -z "$any" ] && [[ $s == *"cloudtui >"* ]]; then any=$(ms_since "$t0"); fi
    if [[ $s == *ctui-bench-tui-* ]]; then [ -n "$any" ] || any=$(ms_since "$t0"); echo "$any $(ms_since "$t0")"; break; fi
    sleep 0.01
  done
  $T send-keys -t "$ses" q; sleep 0.5
  $T kill-session -t "$ses" 2>/dev/null || true
}

# latency SESSION: median ms from send-keys j/k to a changed pane
latency() {
  local samples="" i before key k0
  for i in $(seq 1 20); do
    key=j; [ $((i % 2)) = 0 ] && key=k
    before=$($T capture-pane -e -p -t "$1")
    k0=$(now_ns)
    $T send-keys -t "$1" "$key"
    while [ "$($T capture-pane -e -p -t "$1")" = "$before" ]; do :; done
    samples+="$(awk -v d=$(( $(now_ns) - k0 )) 'BEGIN { printf "%.1f", d / 1e6 }')"$'\n'
  done
  printf '%s' "$samples" | median
}

IFS=, read -r -a size_list <<<"$sizes"
for n in "${size_list[@]}"; do
  ensure_containers "$n" tui
  running=$(docker ps -q | wc -l)
  # the first launch after a build records the AOT caches: not measured
  for i in "${!uis[@]}"; do "${dirs[$i]}/cloudtui" --version >/dev/null; launch_once "${dirs[$i]}" >/dev/null; done

  # 1. baseline: the engine with nobody watching
  e0=$(ticks $(engine_pids)); sleep "$base"; e1=$(ticks $(engine_pids))
  engine_idle=$(pct $((e1 - e0)) "$base")

  # 2. docker stats --no-stream every 2 s; the poller's own CPU (its docker CLI children) from `times`
  e0=$(ticks $(engine_pids)); p0=$(now_ns)
  poll_self=$(bash -c 'end=$((SECONDS + '"$base"')); while [ $SECONDS -lt $end ]; do docker stats --no-stream >/dev/null; sleep 2; done; times' | tail -1 \
    | awk '{ split($1, u, "m"); split($2, s, "m"); sub("s", "", u[2]); sub("s", "", s[2]); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
  e1=$(ticks $(engine_pids)); poll_s=$(( ($(now_ns) - p0) / 1000000000 ))
  poll_engine=$(pct $((e1 - e0)) "$poll_s")
  poll_self_pct=$(awk -v c="$poll_self" -v s="$poll_s" 'BEGIN { printf "%.2f", 100 * c / s }')

  # 3. launches, interleaved: R rounds of each UI
  declare -A any_s=() list_s=()
  for r in $(seq 1 "$rounds"); do
    for i in "${!uis[@]}"; do
      read -r a l < <(launch_once "${dirs[$i]}")
      any_s[$i]+="$a"$'\n'; list_s[$i]+="$l"$'\n'
    done
  done

  # 4. every UI running at once, idle, in a 200x50 terminal; windows with the UIs running and stopped
  # (SIGSTOP) alternate, so other work on a shared host lands in both kinds of window alike
  declare -A pid=() out=() rss_start=() rss_idle=() ui_ticks=()
  for i in "${!uis[@]}"; do
    out[$i]=$(mktemp)
    $T new-session -d -s "ui$i" -x 200 -y 50 "${dirs[$i]}/cloudtui"
    $T pipe-pane -o -t "ui$i" "cat >> ${out[$i]}"
  done
  for i in "${!uis[@]}"; do
    while ! $T capture-pane -p -t "ui$i" | grep -q 'ctui-bench-tui-'; do sleep 0.05; done
    pid[$i]=$($T display -p -t "ui$i" '#{pane_pid}')
  done
  sleep 5
  declare -A b0=()
  for i in "${!uis[@]}"; do b0[$i]=$(stat -c %s "${out[$i]}"); rss_start[$i]=$(rss_kb "${pid[$i]}"); rss_idle[$i]=""; ui_ticks[$i]=0; done
  # the UI's own CPU over one steady window first: in the alternating windows below each SIGCONT finds
  # every row's stats overdue, which the running windows then count
  steady=$(( idle / 2 )); [ "$steady" -gt 0 ] || steady=1
  declare -A us0=() ui_steady=()
  for i in "${!uis[@]}"; do us0[$i]=$(ticks "${pid[$i]}"); done
  sleep "$steady"
  for i in "${!uis[@]}"; do ui_steady[$i]=$(( $(ticks "${pid[$i]}") - ${us0[$i]} )); done
  wins=10
  win=$(( idle / (2 * wins) )); [ "$win" -gt 0 ] || win=1
  eng_on=0 eng_off=0
  for _ in $(seq 1 "$wins"); do
    declare -A u0=()
    for i in "${!uis[@]}"; do u0[$i]=$(ticks "${pid[$i]}"); done
    e0=$(ticks $(engine_pids)); sleep "$win"; e1=$(ticks $(engine_pids))
    for i in "${!uis[@]}"; do ui_ticks[$i]=$(( ${ui_ticks[$i]} + $(ticks "${pid[$i]}") - ${u0[$i]} )); done
    eng_on=$((eng_on + e1 - e0))
    for i in "${!uis[@]}"; do kill -STOP "${pid[$i]}"; done
    e0=$(ticks $(engine_pids)); sleep "$win"; e1=$(ticks $(engine_pids))
    eng_off=$((eng_off + e1 - e0))
    for i in "${!uis[@]}"; do kill -CONT "${pid[$i]}"; rss_idle[$i]+=" $(mb "$(rss_kb "${pid[$i]}")")"; done
  done
  declare -A key_idle=() bps=()
  for i in "${!uis[@]}"; do
    bps[$i]=$(awk -v b=$(( $(stat -c %s "${out[$i]}") - ${b0[$i]} )) -v s=$((win * wins)) 'BEGIN { printf "%.1f", b / s }')
    key_idle[$i]=$(latency "ui$i")
  done

  # 5. a container flooding its log, followed in every UI's logs view for --minutes
  docker rm -f ctui-bench-flood >/dev/null 2>&1 || true
  docker run -d --name ctui-bench-flood local/busybox sh -c 'yes "flood line with some text to make it longer than a few words"' >/dev/null
  for i in "${!uis[@]}"; do
    $T send-keys -t "ui$i" / ; $T send-keys -t "ui$i" -l ctui-bench-flood; $T send-keys -t "ui$i" Enter
  done
  sleep 1
  for i in "${!uis[@]}"; do $T send-keys -t "ui$i" l; done
  declare -A flood_rss=() f0=()
  for i in "${!uis[@]}"; do flood_rss[$i]=""; f0[$i]=$(ticks "${pid[$i]}"); done
  for m in $(seq 1 "$minutes"); do
    sleep 60
    for i in "${!uis[@]}"; do flood_rss[$i]+=" $(mb "$(rss_kb "${pid[$i]}")")"; done
  done
  docker rm -f ctui-bench-flood >/dev/null
  for i in "${!uis[@]}"; do
    f0[$i]=$(pct $(( $(ticks "${pid[$i]}") - ${f0[$i]} )) $((minutes * 60)))
    $T send-keys -t "ui$i" Escape; sleep 0.5; $T send-keys -t "ui$i" Escape; sleep 0.5; $T send-keys -t "ui$i" q
  done
  sleep 1
  for i in "${!uis[@]}"; do $T kill-session -t "ui$i" 2>/dev/null || true; rm -f "${out[$i]}"; done

  echo
  echo "== $n bench containers ($running running in all); CPU as % of one core; host has $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-58s' "measure"; for u in "${uis[@]}"; do printf ' %12s' "$u"; done; echo
  row() { local label=$1; shift; printf '%-58s' "$label"; for v in "$@"; do printf ' %12s' "$v"; done; echo; }
  vals() { local f=$1 i; for i in "${!uis[@]}"; do "$f" "$i"; echo; done; }
  any_med() { printf '%s' "${any_s[$1]}" | median; }
  list_med() { printf '%s' "${list_s[$1]}" | median; }
  row "launch to first frame of any kind (median of $rounds, ms)" $(vals any_med)
  row "launch to first frame with the list (median of $rounds, ms)" $(vals list_med)
  rs() { mb "${rss_start[$1]}"; }
  row "resident memory 5 s after the list (MB)" $(vals rs)
  ic() { pct "${ui_ticks[$1]}" $((win * wins)); }
  is() { pct "${ui_steady[$1]}" "$steady"; }
  row "UI idle, one steady window: its own CPU" $(vals is)
  row "UI idle, windows after SIGCONT: its own CPU" $(vals ic)
  kl() { echo "${key_idle[$1]}"; }
  row "keypress to screen, idle (median of 20, ms)" $(vals kl)
  bp() { echo "${bps[$1]}"; }
  row "bytes to the terminal per second, idle" $(vals bp)
  fc() { echo "${f0[$1]}"; }
  row "UI following a log flood: its own CPU" $(vals fc)
  for i in "${!uis[@]}"; do
    echo "${uis[$i]}: resident memory (MB) over ${idle}s idle, after each of $wins windows:${rss_idle[$i]}"
    echo "${uis[$i]}: resident memory (MB) following a flooding log, each minute for $minutes min:${flood_rss[$i]}"
  done
  echo "engine CPU, nobody watching (dockerd+containerd): $engine_idle"
  echo "engine CPU with the UIs running $(pct "$eng_on" $((win * wins))), stopped $(pct "$eng_off" $((win * wins)))"
  echo "docker stats --no-stream every 2s: its own CPU $poll_self_pct, engine CPU $poll_engine (extra $(awk -v a="$poll_self_pct" -v b="$poll_engine" -v c="$engine_idle" 'BEGIN { printf "%.2f", a + b - c }'))"
done
