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
