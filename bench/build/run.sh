#!/usr/bin/env bash
# Building from a Dockerfile: the bundled engine's `cloudtui build` against `docker build` on this
# dockerd (the classic builder, DOCKER_BUILDKIT=0, and BuildKit, DOCKER_BUILDKIT=1) and `buildah bud`
# (Debian's, with a private storage root), side by side in one run: interleaved rounds, medians.
# Three builds of the same Dockerfile and context (busybox, WORKDIR, two COPY, two RUN, CMD):
#   cold     every step run (--no-cache)
#   cached   a rebuild with nothing changed
#   edited   a rebuild after editing the first copied file (that step and those after it run)
# Usage: bench/build/run.sh [--rounds R] [--no-buildah] [--no-docker]   (root; dockerd with local/busybox)
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
. "$home/bench/lib.sh"
rounds=5 buildah=1 dockerbuild=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --no-buildah) buildah=0; shift ;;
    --no-docker) dockerbuild=0; shift ;;
    *) echo "usage: $0 [--rounds R] [--no-buildah] [--no-docker]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench: run as root (docker, and the bundled engine's root store)" >&2; exit 1; }
docker image inspect local/busybox >/dev/null 2>&1 || { echo "bench: needs dockerd and image local/busybox (run scripts/provision/10-docker.sh)" >&2; exit 1; }
command -v buildah >/dev/null || buildah=0

"$home/cloudtui" --version >/dev/null   # builds target/cloudtui.jar outside the measurement
work=$(mktemp -d /var/tmp/ctui-bench-build.XXXXXX)
tag=ctui-bench-build-$$
ids="$work/docker-ids"
: >"$ids"
cleanup() {
  sort -u "$ids" | xargs -r docker rmi -f >/dev/null 2>&1 || true
  docker rmi -f "$tag:classic" "$tag:buildkit" >/dev/null 2>&1 || true
  if [ "$buildah" = 1 ]; then buildah --root "$work/buildah" --runroot "$work/buildah-run" rmi -a -f >/dev/null 2>&1 || true; fi
  rm -rf "$work" /run/ctui-bench-build-$$
}
trap cleanup EXIT

ctx=$work/ctx
mkdir -p "$ctx/data"
cat >"$ctx/Dockerfile" <<'DF'
FROM local/busybox
WORKDIR /app
COPY app.sh /app/
COPY data/ /app/data/
RUN sh /app/app.sh > /app/out.txt
RUN mkdir -p /opt/x && cp -r /app/data /opt/x/ && echo done > /opt/x/marker
CMD ["cat", "/app/out.txt"]
DF
for i in $(seq 1 20); do head -c 65536 /dev/urandom >"$ctx/data/f$i.bin"; done
edit() { printf 'echo "version %s"\nls /app/data | wc -l\n' "$1" >"$ctx/app.sh"; }
edit 0

# the bundled engine: a private store, local/busybox copied in from dockerd
cat >"$work/config.yaml" <<YAML
backends:
  - name: docker
    type: docker
  - name: bench
    type: runtime
    store: $work/store
    root: /run/ctui-bench-build-$$
YAML
export CLOUDTUI_CONFIG=$work/config.yaml XDG_STATE_HOME=$work/state
"$home/cloudtui" image copy docker:local/busybox bench >/dev/null 2>&1
if [ "$buildah" = 1 ]; then
  bh=(buildah --root "$work/buildah" --runroot "$work/buildah-run" --storage-driver overlay)
  "${bh[@]}" pull -q docker-daemon:local/busybox:latest >/dev/null
  "${bh[@]}" tag docker-daemon:local/busybox:latest local/busybox:latest 2>/dev/null \
    || "${bh[@]}" tag "$("${bh[@]}" images -q | head -1)" local/busybox:latest
fi

cloudtui_build() { "$home/cloudtui" build --backend bench -q "$@" -t "$tag:1" "$ctx"; }
classic_build() { DOCKER_BUILDKIT=0 docker build -q "$@" -t "$tag:classic" "$ctx" >>"$ids"; }
buildkit_build() { DOCKER_BUILDKIT=1 docker build -q "$@" -t "$tag:buildkit" "$ctx" >>"$ids"; }
buildah_build() { "${bh[@]}" bud -q --layers "$@" -t "$tag:buildah" "$ctx" >/dev/null; }

tools=(cloudtui)
if [ "$dockerbuild" = 1 ]; then
  tools+=(classic)
  # BuildKit through the docker CLI needs its buildx plugin (Debian 12 packages none)
  if docker buildx version >/dev/null 2>&1; then tools+=(buildkit); else echo "bench: no docker buildx here: BuildKit left out" >&2; fi
fi
[ "$buildah" = 1 ] && tools+=(buildah)
declare -A label=([cloudtui]="cloudtui build (bundled engine)" [classic]="docker build, DOCKER_BUILDKIT=0" [buildkit]="docker build, BuildKit" [buildah]="buildah bud --layers")
# each works and the image runs
for t in "${tools[@]}"; do "${t}_build" >/dev/null || { echo "bench: $t build failed" >&2; exit 1; }; done
[ "$("$home/cloudtui" run --backend bench --rm "$tag:1")" = "$(printf 'version 0\n20')" ] || { echo "bench: the built image does not print what it should" >&2; exit 1; }

declare -A samples
for r in $(seq 1 "$rounds"); do
  for t in "${tools[@]}"; do samples["$t cold"]+="$(time_ms "${t}_build" --no-cache)"$'\n'; done
  for t in "${tools[@]}"; do samples["$t cached"]+="$(time_ms "${t}_build")"$'\n'; done
  edit "$r"
  for t in "${tools[@]}"; do samples["$t edited"]+="$(time_ms "${t}_build")"$'\n'; done
done
echo "build of bench/build's Dockerfile (busybox, 2 COPY of 1.3 MB, 2 RUN), rounds: $rounds (interleaved), median wall time in ms; docker $(docker version --format '{{.Server.Version}}')"
printf '%-34s %10s %10s %10s\n' builder cold cached edited
declare -A med
for t in "${tools[@]}"; do
  for s in cold cached edited; do med["$t $s"]=$(printf '%s' "${samples["$t $s"]}" | median); done
  printf '%-34s %10s %10s %10s\n' "${label[$t]}" "${med["$t cold"]}" "${med["$t cached"]}" "${med["$t edited"]}"
done
echo "ratios, cloudtui / peer (below 1: cloudtui faster)"
for t in "${tools[@]}"; do
  [ "$t" = cloudtui ] && continue
  printf '%-34s %10s %10s %10s\n' "vs ${label[$t]}" "$(ratio "${med["cloudtui cold"]}" "${med["$t cold"]}")" \
    "$(ratio "${med["cloudtui cached"]}" "${med["$t cached"]}")" "$(ratio "${med["cloudtui edited"]}" "${med["$t edited"]}")"
done
