#!/usr/bin/env bash
# cloudtui's OCI runtime against Debian's runc, side by side on the same busybox bundle.
#   sudo bench/runtime/bench.sh [N]     (N sequential containers per runtime, default 100)
# Needs: root, runc, busybox-static, a built jar (./mvnw -B package -DskipTests).
set -euo pipefail
n=${1:-100}
here=$(cd "$(dirname "$0")/../.." && pwd)
ours=$here/bin/cloudtui-runtime
runc=${RUNC:-/usr/sbin/runc}
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
[ -x "$runc" ] || { echo "bench: $runc not found" >&2; exit 1; }
[ -f "$here/target/cloudtui.jar" ] || { echo "bench: build first: ./mvnw -B package -DskipTests" >&2; exit 1; }

work=$(mktemp -d /tmp/ctui-bench-XXXXXX)
trap 'for r in runc ours; do :; done; "$runc" --root "$work/root-runc" delete -f bench-exec >/dev/null 2>&1 || true; "$ours" --root "$work/root-ours" delete -f bench-exec >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for a in true sh sleep; do ln -s busybox "$bundle/rootfs/bin/$a"; done
(cd "$bundle" && "$runc" spec)
# the same config.json for both: runc's defaults, no terminal, /bin/true
sed -i 's/"terminal": true/"terminal": false/; s/^\(\s*\)"sh"$/\1"true"/' "$bundle/config.json"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ms() { awk -v ns="$1" 'BEGIN {printf "%.1f", ns/1e6}'; }

# 0. the floor of every call that starts a JVM (create, run, exec): the same JDK and flags as
#    bin/cloudtui-runtime, with an AOT cache (a CDS archive below JDK 25), running an empty main
. "$here/scripts/jdk.sh"
cloudtui_find_jdk build >/dev/null
mkdir "$work/floor"
printf 'public class Floor { public static void main(String[] a) { } }\n' > "$work/floor/Floor.java"
"$JAVA_HOME/bin/javac" -d "$work/floor/classes" "$work/floor/Floor.java"
# a jar: class-data archives take no directory on the class path
"$JAVA_HOME/bin/jar" --create --file "$work/floor/floor.jar" -C "$work/floor/classes" .
jopts=$(sed -n 's/^opts="\(.*\)"$/\1/p' "$ours" | head -n 1)
if [ "$CLOUDTUI_JAVA_MAJOR" -ge 25 ]; then
  jopts="$jopts -XX:UserThreadWaitAttemptsAtExit=0"
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" $jopts -XX:AOTCacheOutput="$work/floor/f.aot" -cp "$work/floor/floor.jar" Floor >/dev/null 2>&1
  jopts="$jopts -XX:AOTCache=$work/floor/f.aot"
else
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" $jopts -XX:ArchiveClassesAtExit="$work/floor/f.jsa" -cp "$work/floor/floor.jar" Floor >/dev/null 2>&1
  jopts="$jopts -XX:SharedArchiveFile=$work/floor/f.jsa"
fi
: > "$work/floor.times"
for i in $(seq 1 "$n"); do
  s=$(now)
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" $jopts -cp "$work/floor/floor.jar" Floor
  echo $(( $(now) - s )) >> "$work/floor.times"
done
floor=$(median < "$work/floor.times")

# 1. create+start+wait+delete of /bin/true, N times in sequence (the `run` verb does all four)
declare -A med total
for rt in runc ours; do
  bin=$runc; [ $rt = ours ] && bin=$ours
  root=$work/root-$rt
  "$bin" --root "$root" run --bundle "$bundle" warmup >/dev/null  # first call builds caches (CDS archive)
  : > "$work/$rt.times"
  t0=$(now)
  for i in $(seq 1 "$n"); do
    s=$(now)
    "$bin" --root "$root" run --bundle "$bundle" "bench-$i" >/dev/null
    echo $(( $(now) - s )) >> "$work/$rt.times"
  done
  total[$rt]=$(( $(now) - t0 ))
  med[$rt]=$(median < "$work/$rt.times")
done

# 2. the same as separate calls, as containerd-shim drives a runtime: create, start, state (polled
#    until stopped), delete
declare -A smed
for rt in runc ours; do
  bin=$runc; [ $rt = ours ] && bin=$ours
  root=$work/root-$rt
  : > "$work/$rt.split"
  for i in $(seq 1 "$n"); do
    s=$(now)
    "$bin" --root "$root" create --bundle "$bundle" "split-$i" >/dev/null
    "$bin" --root "$root" start "split-$i"
    until "$bin" --root "$root" state "split-$i" | grep -q '"stopped"'; do :; done
    "$bin" --root "$root" delete "split-$i"
    echo $(( $(now) - s )) >> "$work/$rt.split"
  done
  smed[$rt]=$(median < "$work/$rt.split")
done

# 3. exec latency: `exec ID /bin/true` (waits for it) into a running container, 20 times
sed 's/^\(\s*\)"true"$/\1"sleep", "1000"/' "$bundle/config.json" > "$work/sleep.json"
cp "$bundle/config.json" "$work/true.json"
cp "$work/sleep.json" "$bundle/config.json"
declare -A exmed
for rt in runc ours; do
  bin=$runc; [ $rt = ours ] && bin=$ours
  root=$work/root-$rt
  "$bin" --root "$root" run --detach --bundle "$bundle" bench-exec >/dev/null
  : > "$work/$rt.exec"
  for i in $(seq 1 20); do
    s=$(now)
    "$bin" --root "$root" exec bench-exec true
    echo $(( $(now) - s )) >> "$work/$rt.exec"
  done
  exmed[$rt]=$(median < "$work/$rt.exec")
  if [ $rt = ours ]; then
    pid=$("$bin" --root "$root" state bench-exec | sed -n 's/.*"pid" : \([0-9]*\).*/\1/p')
    mon=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$mon/status")
  fi
  "$bin" --root "$root" delete -f bench-exec >/dev/null
done
cp "$work/true.json" "$bundle/config.json"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
echo "## cloudtui runtime vs runc ($(uname -r), $(nproc) CPUs, N=$n)"
echo
echo "| measure | runc | cloudtui | cloudtui / runc |"
echo "|---|---|---|---|"
echo "| run /bin/true (create+start+wait+delete), median | $(ms "${med[runc]}") ms | $(ms "${med[ours]}") ms | $(ratio "${med[ours]}" "${med[runc]}") |"
echo "| create, start, state until stopped, delete (separate calls), median | $(ms "${smed[runc]}") ms | $(ms "${smed[ours]}") ms | $(ratio "${smed[ours]}" "${smed[runc]}") |"
echo "| $n containers in sequence, total | $(ms "${total[runc]}") ms | $(ms "${total[ours]}") ms | $(ratio "${total[ours]}" "${total[runc]}") |"
echo "| exec /bin/true, median of 20 | $(ms "${exmed[runc]}") ms | $(ms "${exmed[ours]}") ms | $(ratio "${exmed[ours]}" "${exmed[runc]}") |"
echo "| monitor resident memory | no monitor | ${rss} KiB | |"
echo "| JVM floor: start and exit of an empty main, Java $CLOUDTUI_JAVA_VERSION, same flags and AOT cache, median | | $(ms "$floor") ms | $(ratio "$floor" "${med[runc]}") of runc's run |"
echo
echo "The target, half of runc's run, is $(ms "$(awk -v a="${med[runc]}" 'BEGIN {print a / 2}')") ms; a JVM alone takes $(ms "$floor") ms."
