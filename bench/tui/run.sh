#!/usr/bin/env bash
# The full-screen UI's costs with N running containers, side by side in one run with the baseline
# `docker stats --no-stream` polled every 2 s (what a script or simpler tool would do):
#   - CPU of the UI itself and the extra CPU it makes dockerd + containerd spend, at idle
#   - resident memory over the idle phase (flat or growing)
#   - launch to first complete frame, keypress-to-screen latency (tmux send-keys -> capture-pane)
#   - bytes written to the terminal per second at idle
#   - memory and key latency while one container floods its log: in the logs view following it,
#     and in the (unfiltered) table with the flood still going
# Usage: bench/tui/run.sh [--containers N] [--idle SECONDS] [--baseline SECONDS] [--keep]
# Needs dockerd with local/busybox, tmux. CPU is read from /proc (utime+stime), not wall time.
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$home/bench/lib.sh"
n=200 idle=600 base=60 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --containers) n=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --baseline) base=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--containers N] [--idle SECONDS] [--baseline SECONDS] [--keep]" >&2; exit 2 ;;
  esac
done
command -v tmux >/dev/null || { echo "bench: needs tmux" >&2; exit 1; }
ensure_containers "$n" tui
T="tmux -L cloudtui-bench"
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

# 3. the UI, idle, in a 200x50 terminal
"$home/cloudtui" --version >/dev/null
out=$(mktemp)
t0=$(now_ns)
$T new-session -d -s ui -x 200 -y 50 "$home/cloudtui"
$T pipe-pane -o -t ui "cat >> $out"
while ! $T capture-pane -p -t ui | grep -q 'ctui-bench-tui-'; do sleep 0.02; done
first_frame=$(awk -v d=$(( $(now_ns) - t0 )) 'BEGIN { printf "%.0f", d / 1e6 }')
ui=$($T display -p -t ui '#{pane_pid}')
sleep 5
# Idle, in alternating windows: the UI running, then the UI stopped (SIGSTOP: it reads nothing and
# causes no engine work). Other work on a shared host lands in both kinds of window alike, so the
# engine CPU the UI causes is the difference between them, summed over every window.
b0=$(stat -c %s "$out"); rss_start=$(rss_kb "$ui")
rss_samples="$rss_start"
rounds=10
win=$(( idle / (2 * rounds) )); [ "$win" -gt 0 ] || win=1
ui_ticks=0 eng_on=0 eng_off=0
for _ in $(seq 1 "$rounds"); do
  u0=$(ticks "$ui"); e0=$(ticks $(engine_pids)); sleep "$win"; u1=$(ticks "$ui"); e1=$(ticks $(engine_pids))
  ui_ticks=$((ui_ticks + u1 - u0)); eng_on=$((eng_on + e1 - e0))
  kill -STOP "$ui"
  e0=$(ticks $(engine_pids)); sleep "$win"; e1=$(ticks $(engine_pids))
  eng_off=$((eng_off + e1 - e0))
  kill -CONT "$ui"
  rss_samples="$rss_samples $(rss_kb "$ui")"
done
b1=$(stat -c %s "$out")
ui_self=$(pct "$ui_ticks" $((win * rounds)))
ui_engine=$(pct "$eng_on" $((win * rounds)))
ui_engine_off=$(pct "$eng_off" $((win * rounds)))
bytes_per_s=$(awk -v b=$((b1 - b0)) -v s=$((win * rounds)) 'BEGIN { printf "%.1f", b / s }')

# keypress to screen: move the selection down and up, wait for the pane to change
latency() {
  local samples="" i before key
  for i in $(seq 1 20); do
    key=j; [ $((i % 2)) = 0 ] && key=k
    before=$($T capture-pane -e -p -t ui)
    local k0; k0=$(now_ns)
    $T send-keys -t ui "$key"
    while [ "$($T capture-pane -e -p -t ui)" = "$before" ]; do :; done
    samples+="$(awk -v d=$(( $(now_ns) - k0 )) 'BEGIN { printf "%.1f", d / 1e6 }')"$'\n'
  done
  printf '%s' "$samples" | median
}
key_idle=$(latency)

# 4. a container flooding its log, followed in the logs view
docker run -d --name ctui-bench-flood local/busybox sh -c 'yes "flood line with some text to make it longer than a few words"' >/dev/null
$T send-keys -t ui / ; $T send-keys -t ui -l ctui-bench-flood; $T send-keys -t ui Enter; sleep 1; $T send-keys -t ui l
sleep 20
flood_rss_a=$(rss_kb "$ui")
# in the logs view itself: w toggles wrap, and the status line says so (the log lines change all the time)
wrap_latency() {
  local samples="" i want k0
  for i in $(seq 1 20); do
    want=on; [ $((i % 2)) = 0 ] && want=off
    k0=$(now_ns)
    $T send-keys -t ui w
    until $T capture-pane -p -t ui | grep -q "wrap $want"; do :; done
    samples+="$(awk -v d=$(( $(now_ns) - k0 )) 'BEGIN { printf "%.1f", d / 1e6 }')"$'\n'
  done
  printf '%s' "$samples" | median
}
key_logs=$(wrap_latency)
sleep 30; flood_rss_b=$(rss_kb "$ui")
# back to the table, and clear the filter (second Escape): filtered to the one flooding container,
# j and k would move nothing and the wait would only measure the next stats refresh
$T send-keys -t ui Escape; sleep 1; $T send-keys -t ui Escape; sleep 1
key_flood=$(latency)
docker rm -f ctui-bench-flood >/dev/null
$T send-keys -t ui q

echo "containers running: $(docker ps -q | wc -l); CPU as % of one core; host has $(nproc) CPUs"
printf '%-52s %10s\n' "measure" "value"
printf '%-52s %10s\n' "engine CPU, nobody watching (dockerd+containerd)" "$engine_idle"
printf '%-52s %10s\n' "docker stats --no-stream every 2s: its own CPU" "$poll_self_pct"
printf '%-52s %10s\n' "docker stats --no-stream every 2s: engine CPU" "$poll_engine"
printf '%-52s %10s\n' "cloudtui UI idle: its own CPU" "$ui_self"
printf '%-52s %10s\n' "cloudtui UI idle: engine CPU, UI running" "$ui_engine"
printf '%-52s %10s\n' "cloudtui UI idle: engine CPU, UI stopped (between)" "$ui_engine_off"
printf '%-52s %10s\n' "cloudtui total extra (own + engine running - stopped)" "$(awk -v a="$ui_self" -v b="$ui_engine" -v c="$ui_engine_off" 'BEGIN { printf "%.2f", a + b - c }')"
printf '%-52s %10s\n' "docker stats poll total extra" "$(awk -v a="$poll_self_pct" -v b="$poll_engine" -v c="$engine_idle" 'BEGIN { printf "%.2f", a + b - c }')"
printf '%-52s %10s\n' "launch to first complete frame (ms)" "$first_frame"
printf '%-52s %10s\n' "keypress to screen, idle (median ms)" "$key_idle"
printf '%-52s %10s\n' "keypress to screen, following a log flood (median ms)" "$key_logs"
printf '%-52s %10s\n' "keypress to screen, table during a log flood (median ms)" "$key_flood"
printf '%-52s %10s\n' "bytes to the terminal per second, idle" "$bytes_per_s"
echo "UI resident memory (KiB) over ${idle}s idle ($rounds windows of ${win}s running, ${win}s stopped), 11 samples: $rss_samples"
echo "UI resident memory (KiB) while following a flooding log: after 20s $flood_rss_a, after about 60s $flood_rss_b"
