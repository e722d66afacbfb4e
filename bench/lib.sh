# Shared helpers for the benchmarks: interleaved timing and medians.

# now_ns: wall clock in nanoseconds.
now_ns() { date +%s%N; }

# time_ms CMD...: runs CMD with output discarded, prints its wall time in milliseconds (3 decimals).
time_ms() {
  local t0 t1
  t0=$(now_ns)
  "$@" >/dev/null 2>&1 || { echo "bench: command failed: $*" >&2; return 1; }
  t1=$(now_ns)
  awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f\n", d / 1e6 }'
}

# median < numbers (one per line)
median() {
  sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "nan"; exit } if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B with 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f\n", a / b }'; }

# ensure_containers N TAG: at least N running busybox containers labelled cloudtui.bench=TAG.
ensure_containers() {
  local n=$1 tag=$2 have i
  docker image inspect local/busybox >/dev/null 2>&1 || { echo "bench: needs dockerd and image local/busybox (run scripts/provision/10-docker.sh)" >&2; exit 1; }
  have=$(docker ps -q --filter "label=cloudtui.bench=$tag" | wc -l)
  if [ "$have" -lt "$n" ]; then
    echo "bench: starting $((n - have)) containers..." >&2
    # 8 at a time: one after another, 200 took minutes on a loaded machine
    seq "$have" $((n - 1)) | xargs -P 8 -I{} sh -c 'docker run -d --label "cloudtui.bench=$1" --name "ctui-bench-$1-$2-$$" local/busybox sleep 36000 >/dev/null' _ "$tag" {}
  fi
}

# remove_containers TAG: removes the containers ensure_containers made.
remove_containers() { docker ps -aq --filter "label=cloudtui.bench=$1" | xargs -r docker rm -f >/dev/null; }
