#!/usr/bin/env bash
# Remote hosts over ssh: N test hosts x M containers, every host behind a relay that delays each chunk
# D ms each way (bench/hosts/Relay.java; this kernel has no netem), side by side in one run with the
# docker CLI over ssh (`docker -H ssh://HOST ps`, which runs the same ssh with the same config):
#   - launch of the real UI (under tmux) to a full table of every host (and to each host's M rows),
#     against `docker -H ssh://HOST ps` for one host, for every host one after another, and all at once
#   - keypress to screen while the hosts' lists are still loading (and once loaded)
#   - idle: the UI's CPU (its JVM and its ssh masters) and RSS, and each host's dockerd+containerd and
#     sshd CPU with the UI connected (minus the same with the UI stopped), against the UI on one local
#     engine: the first host's dockerd opened through its unix socket, as this machine's own engine is
#     (same daemon, same M containers, and nobody else's work on it); --idle SECONDS of the UI running
#     (as many stopped in between)
#   - `cloudtui ps` over the N hosts against N docker calls one after another and one call: with a JVM
#     per command (CLOUDTUI_NO_AGENT=1), through the native client with no agent running (the first
#     call: it starts the agent, which connects to every host), and warm (the next calls: the agent's
#     kept ssh connections); the agent is stopped before each round's first call
# The hosts are extra test hosts of scripts/provision/50-hosts.sh (hK.. after the provisioned h1..h3,
# which are left as they are), made here and removed at the end (--keep keeps them and their containers).
# Usage: bench/hosts/run.sh [--hosts N] [--containers M] [--delay MS] [--rounds R] [--idle SECONDS] [--keep] [--no-ui]
# (--no-ui: only the command-line figures, without the UI's launch, keys and idle phases)
# Needs root, the test hosts provisioned (scripts/provision/50-hosts.sh), tmux, a JDK (for the relay).
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$home/bench/lib.sh"
n=10 m=20 delay=25 rounds=5 idle=60 keep=0 ui=1
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) n=$2; shift 2 ;;
    --containers) m=$2; shift 2 ;;
    --delay) delay=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --no-ui) ui=0; shift ;;
    *) echo "usage: $0 [--hosts N] [--containers M] [--delay MS] [--rounds R] [--idle SECONDS] [--keep] [--no-ui]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (it makes test hosts)" >&2; exit 1; }
command -v tmux >/dev/null || { echo "bench: needs tmux" >&2; exit 1; }
base=/var/lib/cloudtui-test/hosts
prov="$home/scripts/provision/50-hosts.sh"
[ -s "$base/COUNT" ] || { echo "bench: test hosts not provisioned (sudo scripts/provision/50-hosts.sh)" >&2; exit 1; }
. "$home/scripts/jdk.sh"
cloudtui_find_jdk run
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
first=$(( $(cat "$base/COUNT") + 1 )); last=$((first + n - 1))
hosts=(); for i in $(seq "$first" "$last"); do hosts+=("h$i"); done
work=$(mktemp -d /tmp/ctui-bench-hosts.XXXXXX)
T="tmux -L ctui-bench-hosts-$$"
relay=
sock() { echo "unix://$base/$1/run/docker.sock"; }
# the warm agents of this run (their socket is in $work/run): stopped (SIGTERM: they end their ssh masters)
stop_agent() {
  local p left=""
  for p in $(pgrep -x java || true); do
    { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -q "^CLOUDTUI_AGENT_SOCKET=$work/run/" && kill "$p" 2>/dev/null && left="$left $p"
  done
  for p in $left; do for _ in $(seq 1 100); do [ -d "/proc/$p" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$p/stat" 2>/dev/null || break; sleep 0.1; done; done
  return 0
}
cleanup() {
  local s
  for s in $($T list-sessions -F '#{session_name}' 2>/dev/null); do $T kill-session -t "$s" 2>/dev/null || true; done
  [ -z "$relay" ] || kill "$relay" 2>/dev/null || true
  stop_agent
  if [ "$keep" != 1 ]; then
    # the containers first, all hosts at once (a dockerd stopping with them running waits for each)
    for h in "${hosts[@]}"; do
      ( docker -H "$(sock "$h")" ps -aq --filter label=cloudtui.bench=hosts | xargs -r docker -H "$(sock "$h")" rm -f >/dev/null 2>&1 ) &
    done
    wait
    bash "$prov" extra-down "$first" "$last" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. the hosts (own sshd and dockerd each, on the test bridge) and M containers on each
echo "bench: making hosts ${hosts[0]}..${hosts[-1]} (scripts/provision/50-hosts.sh extra)..." >&2
bash "$prov" extra "$first" "$last" $$ >&2
echo "bench: starting $m containers on each host..." >&2
for h in "${hosts[@]}"; do
  ( have=$(docker -H "$(sock "$h")" ps -q --filter label=cloudtui.bench=hosts | wc -l)
    for i in $(seq "$have" $((m - 1))); do
      docker -H "$(sock "$h")" run -d --label cloudtui.bench=hosts --name "bh-$h-$i" local/busybox sleep 36000 >/dev/null
    done ) &
done
wait
for h in "${hosts[@]}"; do
  [ "$(docker -H "$(sock "$h")" ps -q | wc -l)" -eq "$m" ] || { echo "bench: $h does not run exactly $m containers" >&2; exit 1; }
done

# 2. the relays, and an ssh config (and known_hosts) that reaches each host through its relay; the
#    docker CLI gets the same config through an `ssh` first on its PATH (ssh -F CONFIG "$@")
targets=(); for i in $(seq "$first" "$last"); do targets+=("10.213.0.$((100 + i)):22"); done
"$java" "$home/bench/hosts/Relay.java" "$delay" "${targets[@]}" >"$work/relay.out" 2>"$work/relay.err" &
relay=$!
for _ in $(seq 1 300); do grep -q '^ready' "$work/relay.out" && break; sleep 0.1; done
grep -q '^ready' "$work/relay.out" || { echo "bench: the relay did not start: $(cat "$work/relay.err")" >&2; exit 1; }
for i in $(seq "$first" "$last"); do
  port=$(awk -v t="10.213.0.$((100 + i)):22" '$1 == t { print $2 }' "$work/relay.out")
  echo "h$i $(cut -d' ' -f1,2 "$base/h$i/ssh_host_ed25519_key.pub")" >>"$work/known_hosts"
  printf 'Host h%s\n  HostName 127.0.0.1\n  Port %s\n  HostKeyAlias h%s\n  User ctui-hdock\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n\n' \
    "$i" "$port" "$i" "$base/client/id_ed25519" "$work/known_hosts" >>"$work/ssh_config"
done
mkdir -p "$work/bin" "$work/run" "$work/state"
chmod 700 "$work/run"
printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$work/ssh_config" >"$work/bin/ssh"
chmod 755 "$work/bin/ssh"
# the UI and ps with the hosts alone (the local engine off), and the UI with one local engine
{ echo 'backends:'; echo '  - {name: docker, type: docker, enabled: false}'; echo 'hosts:'
  for h in "${hosts[@]}"; do echo "  - {name: $h, ssh: $h}"; done; } >"$work/hosts.yaml"
printf 'backends:\n  - {name: docker, type: docker, host: "%s"}\n' "$(sock "${hosts[0]}")" >"$work/local.yaml"
ct="$home/cloudtui"
"$ct" --version >/dev/null   # builds the jar and the AppCDS archive outside the measurement
cenv=(env "CLOUDTUI_SSH_CONFIG=$work/ssh_config" "XDG_RUNTIME_DIR=$work/run" "XDG_STATE_HOME=$work/state" "PATH=$work/bin:$PATH")
hps() { "${cenv[@]}" "CLOUDTUI_CONFIG=$work/hosts.yaml" "$ct" ps "$@"; }
hps_cold() { "${cenv[@]}" CLOUDTUI_NO_AGENT=1 "CLOUDTUI_CONFIG=$work/hosts.yaml" "$ct" ps "$@"; }
dps() { PATH="$work/bin:$PATH" docker -H "ssh://$1" ps; }
dseq() { local h; for h in "${hosts[@]}"; do dps "$h" >/dev/null || return 1; done; }
dpar() { local h bad=0; for h in "${hosts[@]}"; do dps "$h" >/dev/null & done; for h in "${hosts[@]}"; do wait -n || bad=1; done; return $bad; }
got=$(hps -q | wc -l)
[ "$got" -eq $((n * m)) ] || { echo "bench: cloudtui ps lists $got containers, not $((n * m)): $(hps 2>&1 | tail -3)" >&2; exit 1; }
[ "$(dps "${hosts[0]}" | tail -n +2 | wc -l)" -eq "$m" ] || { echo "bench: docker -H ssh://${hosts[0]} ps does not list $m containers" >&2; exit 1; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# 3. the UI: launch to every host's M rows on screen. The relay delays the ssh connections too, so
#    the first frame (after the hosts connected) is measured as well.
ms_since() { awk -v d=$(( $(now_ns) - $1 )) 'BEGIN { printf "%.0f\n", d / 1e6 }'; }
rows_of() { grep -c " bh-$1-" <<<"$2" || true; }
header_grouped() { head -n 1 <<<"$1" | grep -q 'grouped by host'; }
# launch S CONFIG: starts the UI in tmux session S (a terminal tall enough for every row)
launch() { $T new-session -d -s "$1" -x 220 -y $((n * m + 30)) "${cenv[*]} CLOUDTUI_CONFIG=$2 TERM=xterm-256color LANG=C.UTF-8 $ct"; }
quit() { $T send-keys -t "$1" q; for _ in $(seq 1 100); do $T has-session -t "$1" 2>/dev/null || return 0; sleep 0.1; done; $T kill-session -t "$1"; }
declare -A host_ms
launch_round() {
  local s=ui$1 t0 screen h done=0 full first=""
  declare -A seen=()
  t0=$(now_ns)
  launch "$s" "$work/hosts.yaml"
  while [ "$done" -lt "$n" ]; do
    screen=$($T capture-pane -p -t "$s" 2>/dev/null) || { echo "bench: the UI ended: $screen" >&2; exit 1; }
    [ -n "$first" ] || ! grep -q 'connected' <<<"$screen" || first=$(ms_since "$t0")
    for h in "${hosts[@]}"; do
      [ -z "${seen[$h]:-}" ] || continue
      if [ "$(rows_of "$h" "$screen")" -ge "$m" ]; then seen[$h]=$(ms_since "$t0"); host_ms[$h]+="${seen[$h]}"$'\n'; done=$((done + 1)); fi
    done
    [ $(( ($(now_ns) - t0) / 1000000000 )) -lt 120 ] || { echo "bench: not every host listed after 120 s" >&2; exit 1; }
  done
  full=$(ms_since "$t0")
  launch_first+="$first"$'\n'; launch_full+="$full"$'\n'
  quit "$s"
}
# keys while loading: from the first frame on, `h` (group by host) is pressed and the header's
# "grouped by host" awaited, over and over, until every host's rows are on screen; once loaded, 20 more
keys_round() {
  local s=keys$1 t0 screen want=1 k0 ms loaded=0 extra=0 h
  t0=$(now_ns)
  launch "$s" "$work/hosts.yaml"
  until $T capture-pane -p -t "$s" | grep -q 'connected'; do sleep 0.005; done
  while [ "$extra" -lt 20 ]; do
    k0=$(now_ns)
    $T send-keys -t "$s" h
    while true; do
      screen=$($T capture-pane -p -t "$s")
      [ $(( ($(now_ns) - k0) / 1000000000 )) -lt 30 ] || { echo "bench: key h not answered in 30 s" >&2; exit 1; }
      if [ $want = 1 ]; then header_grouped "$screen" && break; else header_grouped "$screen" || break; fi
    done
    ms=$(awk -v d=$(( $(now_ns) - k0 )) 'BEGIN { printf "%.1f", d / 1e6 }')
    want=$((1 - want))
    if [ "$loaded" = 0 ]; then
      loaded=1; for h in "${hosts[@]}"; do [ "$(rows_of "$h" "$screen")" -ge "$m" ] || { loaded=0; break; }; done
    fi
    if [ "$loaded" = 0 ]; then keys_loading+="$ms"$'\n'; else keys_loaded+="$ms"$'\n'; extra=$((extra + 1)); fi
    [ $(( ($(now_ns) - t0) / 1000000000 )) -lt 120 ] || { echo "bench: not every host listed after 120 s" >&2; exit 1; }
  done
  quit "$s"
}

# 4. interleaved rounds: the UI's launch, docker for one host, every host one after another and all
#    at once, cloudtui ps over every host
launch_first="" launch_full="" keys_loading="" keys_loaded=""
declare -A samples
names=("docker -H ssh://HOST ps, one host" "docker ... ps, $n hosts one after another" "docker ... ps, $n hosts all at once"
       "cloudtui ps, $n hosts, a JVM per command" "cloudtui ps, $n hosts, first call (starts the agent)" "cloudtui ps, $n hosts, warm (agent)")
for r in $(seq 1 "$rounds"); do
  echo "bench: round $r of $rounds" >&2
  [ "$ui" = 0 ] || launch_round "$r"
  samples[${names[0]}]+="$(time_ms dps "${hosts[$(( (r - 1) % n ))]}")"$'\n'
  samples[${names[1]}]+="$(time_ms dseq)"$'\n'
  samples[${names[2]}]+="$(time_ms dpar)"$'\n'
  samples[${names[3]}]+="$(time_ms hps_cold)"$'\n'
  stop_agent
  samples[${names[4]}]+="$(time_ms hps)"$'\n'
  for _ in 1 2 3; do samples[${names[5]}]+="$(time_ms hps)"$'\n'; done
done
if [ "$ui" = 1 ]; then
  echo "bench: keys while loading..." >&2
  for r in 1 2; do keys_round "$r"; done
fi

# 5. idle, UI with the N hosts connected, then the UI on one local engine: windows with the UI running
#    and stopped (SIGSTOP) alternate; what a daemon spends because the UI watches is running - stopped
hz=$(getconf CLK_TCK)
ticks() { local t=0 p v; for p in "$@"; do v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) && t=$((t + v)); done; echo "$t"; }
pct() { awk -v t="$1" -v hz="$hz" -v s="$2" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
ui_pids() { echo "$1 $(pgrep -P "$1" || true)"; }   # the JVM and its children (the ssh masters)
# the containerd shims whose command line names $1 (their containerd's socket)
shims_of() { local p; for p in $(pgrep containerd-shim || true); do grep -qF -- "$1" "/proc/$p/cmdline" 2>/dev/null && echo "$p"; done; return 0; }
engine_of() {   # host $1's dockerd, its containerd and shims, and every process of its sshd (listener, sessions)
  local d=$base/$1 pid ns
  pid=$(cat "$d/run/docker.pid"); ns=$(cat "$d/sshd.mntns")
  echo "$pid $(pgrep -P "$pid" containerd || true)"
  shims_of "$d/"
  { stat -c '%N' /proc/[0-9]*/ns/mnt 2>/dev/null || true; } | { grep -F -- "-> '$ns'" || true; } | sed -n "s|^'/proc/\([0-9]*\)/ns/mnt'.*|\1|p"
}
rounds_idle=6
win=$(( idle / rounds_idle )); [ "$win" -gt 0 ] || win=1
# java_of PANE_PID: the UI's JVM (the pane's shell and the cloudtui script exec it, or run it as a child)
java_of() {
  local p=$1 i
  for i in 1 2 3 4; do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = java ] && { echo "$p"; return; }
    p=$(pgrep -P "$p" | head -n 1) || break
  done
  echo "bench: no java under the UI's pane" >&2; exit 1
}
host_groups() { local h; for h in "${hosts[@]}"; do echo "$h $(engine_of "$h" | tr '\n' ' ')"; done; }
local_groups() { local d=$base/${hosts[0]} pid; pid=$(cat "$d/run/docker.pid"); echo "${hosts[0]}-local $pid $(pgrep -P "$pid" containerd || true) $(shims_of "$d/" | tr '\n' ' ')"; }
# idle_phase S CONFIG READY GROUPS: the UI in session S until READY is on screen, 5 s more, then the
# windows; GROUPS prints "NAME PIDS..." lines (read once the UI is connected: its sshd sessions count).
# Prints "ui_cpu rss_kb", then "NAME cpu_running cpu_stopped" for each group.
idle_phase() {
  local s=$1 cfg=$2 ready=$3 groupfn=$4 ui r g u0 u1 uit=0 name rest
  launch "$s" "$cfg"
  until $T capture-pane -p -t "$s" | grep -q -- "$ready"; do sleep 0.1; done
  sleep 5
  ui=$(java_of "$($T display -p -t "$s" '#{pane_pid}')")
  declare -A on=() off=() pids=() a=()
  local order=()
  while read -r name rest; do pids[$name]=$rest; on[$name]=0; off[$name]=0; order+=("$name"); done < <($groupfn)
  for r in $(seq 1 "$rounds_idle"); do
    u0=$(ticks $(ui_pids "$ui")); for g in "${order[@]}"; do a[$g]=$(ticks ${pids[$g]}); done
    sleep "$win"
    u1=$(ticks $(ui_pids "$ui")); for g in "${order[@]}"; do on[$g]=$((on[$g] + $(ticks ${pids[$g]}) - a[$g])); done
    uit=$((uit + u1 - u0))
    kill -STOP "$ui"
    for g in "${order[@]}"; do a[$g]=$(ticks ${pids[$g]}); done
    sleep "$win"
    for g in "${order[@]}"; do off[$g]=$((off[$g] + $(ticks ${pids[$g]}) - a[$g])); done
    kill -CONT "$ui"
  done
  echo "$(pct "$uit" $((win * rounds_idle))) $(rss_kb "$ui")"
  for g in "${order[@]}"; do echo "$g $(pct "${on[$g]}" $((win * rounds_idle))) $(pct "${off[$g]}" $((win * rounds_idle)))"; done
  quit "$s"
}
if [ "$ui" = 1 ]; then
  echo "bench: idle, the UI with $n hosts, then with the local engine..." >&2
  idle_hosts=$(idle_phase idleh "$work/hosts.yaml" " bh-${hosts[-1]}-" host_groups)
  idle_local=$(idle_phase idlel "$work/local.yaml" " bh-${hosts[0]}-" local_groups)
fi
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# 6. report
declare -A med
for k in "${names[@]}"; do med[$k]=$(printf '%s' "${samples[$k]}" | median); done
ui_full=$(printf '%s' "$launch_full" | median); ui_first=$(printf '%s' "$launch_first" | median)
echo "$n hosts x $m containers, each host behind a relay delaying every chunk ${delay} ms each way; rounds: $rounds (interleaved)"
echo "machine: $(nproc) CPUs; load average at start $load0, at end $load1"
printf '%-52s %10s %10s\n' "median wall time, ms" median "vs one docker"
if [ "$ui" = 1 ]; then
  printf '%-52s %10s %10s\n' "cloudtui UI: launch to first frame (hosts connected)" "$ui_first" "$(ratio "$ui_first" "${med[${names[0]}]}")"
  printf '%-52s %10s %10s\n' "cloudtui UI: launch to every host's $m rows on screen" "$ui_full" "$(ratio "$ui_full" "${med[${names[0]}]}")"
fi
for k in "${names[@]}"; do printf '%-52s %10s %10s\n' "$k" "${med[$k]}" "$(ratio "${med[$k]}" "${med[${names[0]}]}")"; done
echo "cloudtui ps over $n hosts (a JVM per command / warm) vs $n docker calls one after another: $(ratio "${med[${names[3]}]}" "${med[${names[1]}]}") / $(ratio "${med[${names[5]}]}" "${med[${names[1]}]}")"
echo "cloudtui ps warm, every sample (ms): $(printf '%s' "${samples[${names[5]}]}" | tr '\n' ' ')"
[ "$ui" = 1 ] || exit 0
echo "per host, launch to its $m rows (median ms): $(for h in "${hosts[@]}"; do printf '%s %s  ' "$h" "$(printf '%s' "${host_ms[$h]}" | median)"; done)"
nl=$(printf '%s' "$keys_loading" | grep -c . || true)
echo "keypress to screen (h, median / max ms): while the hosts' rows load $(printf '%s' "$keys_loading" | median) / $(printf '%s' "$keys_loading" | sort -n | tail -1) ($nl presses); loaded $(printf '%s' "$keys_loaded" | median) / $(printf '%s' "$keys_loaded" | sort -n | tail -1)"
read -r hu hr <<<"$(head -1 <<<"$idle_hosts")"
read -r lu lr <<<"$(head -1 <<<"$idle_local")"
echo "idle, $((win * rounds_idle)) s of UI running (alternating with ${win}s windows stopped), CPU as % of one core:"
printf '  %-50s %8s %10s\n' "" "CPU %" "RSS KiB"
printf '  %-50s %8s %10s\n' "UI with $n hosts (JVM + its ssh masters)" "$hu" "$hr"
printf "  %-50s %8s %10s\n" "UI on one local engine (${hosts[0]}'s dockerd, socket)" "$lu" "$lr"
echo "  a daemon's CPU with the UI running / stopped / the difference (what the UI costs it):"
tail -n +2 <<<"$idle_hosts" | awk '{ printf "    %-8s dockerd+containerd(+shims)+sshd %6s / %6s / %6.2f\n", $1, $2, $3, $2 - $3; d += $2 - $3 } END { printf "    mean per host: %.2f\n", d / NR }'
tail -n +2 <<<"$idle_local" | awk '{ printf "    %-8s dockerd+containerd(+shims), UI on it as a local engine %6s / %6s / %6.2f\n", $1, $2, $3, $2 - $3 }'
echo "lazydocker: not measured (not in Debian, and this machine has no network beyond Debian and Maven Central)"
