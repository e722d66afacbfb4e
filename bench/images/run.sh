#!/usr/bin/env bash
# Image import of a ~100 MB multi-layer image: cloudtui's image store vs docker load of the same
# docker save tar, side by side in one run (interleaved rounds, ratio of medians).
# Usage: bench/images/run.sh [--rounds R] [--mb MB] [--keep]
# Needs: a running dockerd with image local/busybox (scripts/provision/10-docker.sh makes both).
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$home/bench/lib.sh"
. "$home/scripts/jdk.sh"
rounds=5 mb=100 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --mb) mb=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--rounds R] [--mb MB] [--keep]" >&2; exit 2 ;;
  esac
done
docker image inspect local/busybox >/dev/null 2>&1 || { echo "bench: needs dockerd and image local/busybox (run scripts/provision/10-docker.sh)" >&2; exit 1; }

"$home/cloudtui" --version >/dev/null   # builds target/cloudtui.jar outside the measurement
cloudtui_find_jdk run
jar="$home/target/cloudtui.jar"
image="ctui-bench-images:${mb}m"
work=$(mktemp -d /var/tmp/ctui-bench-images.XXXXXX)
cleanup() {
  rm -rf "$work" /run/ctui-bench-images
  [ "$keep" = 1 ] || docker rmi -f "$image" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# four layers of random data (incompressible, nothing to deduplicate) on top of busybox
per=$((mb * 1024 * 1024 / 4))
printf 'FROM local/busybox\n' >"$work/Dockerfile"
for i in 1 2 3 4; do printf 'RUN head -c %d /dev/urandom > /data%d.bin\n' "$per" "$i" >>"$work/Dockerfile"; done
docker build -q -t "$image" -f "$work/Dockerfile" "$work" >/dev/null 2>"$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
docker save -o "$work/image.tar" "$image"
size=$(du -m "$work/image.tar" | cut -f1)

# cloudtui's CLI through the launcher (what a user runs: the full JIT for image commands), into a
# private store of the bundled engine; and the image tool with C1 only, as every command ran before
cat >"$work/config.yaml" <<YAML
backends:
  - name: bench
    type: runtime
    store: $work/cli-store
    root: /run/ctui-bench-images
YAML
c1=(-XX:+UseSerialGC -Xms16m -Xmx384m -XX:TieredStopAtLevel=1 -XX:SharedArchiveFile="$work/c1.jsa" -XX:+AutoCreateSharedArchive
    -Xlog:disable -Xlog:all=off --enable-native-access=ALL-UNNAMED)
cli_import() {
  rm -rf "$work/cli-store"
  CLOUDTUI_CONFIG="$work/config.yaml" "$home/cloudtui" image import --backend bench "$work/image.tar"
}
c1_import() {
  rm -rf "$work/store"
  "$JAVA_HOME/bin/java" "${c1[@]}" -cp "$jar" io.cloudtui.engine.image.ImageTool --root "$work/store" import "$work/image.tar"
}
docker_load() {
  docker rmi -f "$image" >/dev/null 2>&1 || true
  docker load -q -i "$work/image.tar"
}
cli_import >/dev/null   # warm the page cache and the archives, and check it works
c1_import >/dev/null
[ "$(CLOUDTUI_CONFIG="$work/config.yaml" "$home/cloudtui" images --backend bench -q | wc -l)" -eq 1 ] \
  || { echo "bench: import did not produce one image" >&2; exit 1; }

declare -A samples
names=("docker load" "cloudtui image import" "image tool, C1 only (before)")
for _ in $(seq 1 "$rounds"); do
  samples["docker load"]+="$(time_ms docker_load)"$'\n'
  samples["cloudtui image import"]+="$(time_ms cli_import)"$'\n'
  samples["image tool, C1 only (before)"]+="$(time_ms c1_import)"$'\n'
done
declare -A med
for k in "${names[@]}"; do med[$k]=$(printf '%s' "${samples[$k]}" | median); done
echo "image: $image, docker save tar ${size} MB, $(docker image inspect -f '{{len .RootFS.Layers}}' "$image") layers, rounds: $rounds (interleaved), median wall time in ms"
printf '%-28s %10s %14s\n' command median "vs docker load"
for k in "${names[@]}"; do printf '%-28s %10s %14s\n' "$k" "${med[$k]}" "$(ratio "${med[$k]}" "${med[docker load]}")"; done
