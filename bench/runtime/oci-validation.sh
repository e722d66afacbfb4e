#!/bin/sh
# The OCI's runtime conformance suite (opencontainers/runtime-tools validation/, 58 TAP programs)
# against cloudtui's runtime and runc, side by side in one run (root). Nothing of the suite is in
# this repository: build it first (tag v0.9.0, Debian's Go, GOPATH mode from its vendor/):
#   mkdir -p $GOPATH/src/github.com/opencontainers && (tree of runtime-tools v0.9.0 there)
#   GO111MODULE=off make runtimetest validation-executables
# usage: bench/runtime/oci-validation.sh SUITE_DIR [OUT_DIR]   (SUITE_DIR: that tree's root)
# Prints, per runtime, programs passed (exit 0, no "not ok") and assertions ok / not ok, then the
# programs each fails, and how many mounts each left under the suite's bundles (/tmp/ocitest*);
# OUT_DIR/RUNTIME/NAME.tap keeps every program's output.
# It runs in a mount namespace of its own (private propagation), for both runtimes alike: with a
# config that has no mount namespace (linux_ns_itype) runc makes the runtime's / rslave, recursively,
# and leaves its mounts behind; on the machine itself that would change every mount's propagation.
set -u
if [ -z "${OCI_VALIDATION_MNTNS:-}" ]; then
  OCI_VALIDATION_MNTNS=1 exec unshare --mount --propagation private sh "$0" "$@"
fi
suite=${1:?usage: oci-validation.sh SUITE_DIR [OUT_DIR]}
here=$(cd "$(dirname "$0")/../.." && pwd)
out=${2:-/tmp/oci-validation}
limit=${OCI_VALIDATION_TIMEOUT:-60}
cd "$suite" || exit 1
[ -x runtimetest ] || { echo "oci-validation: no runtimetest in $suite (build the suite first)" >&2; exit 1; }
for rt in runc "$here/bin/cloudtui-runtime"; do
  name=$(basename "$rt")
  mkdir -p "$out/$name"
  pass=0 total=0 ok=0 nok=0 failed=""
  for t in validation/*/*.t; do
    p=$(basename "$t" .t)
    total=$((total + 1))
    RUNTIME=$rt timeout -k 5 "$limit" "$t" > "$out/$name/$p.tap" 2>&1
    rc=$?
    o=$(grep -c '^ok' "$out/$name/$p.tap")
    n=$(grep -c '^not ok' "$out/$name/$p.tap")
    ok=$((ok + o)) nok=$((nok + n))
    if [ "$rc" -eq 0 ] && [ "$n" -eq 0 ]; then pass=$((pass + 1)); else failed="$failed $p"; fi
  done
  left=$(grep -c ' /tmp/ocitest' /proc/self/mountinfo)
  echo "$name: $pass / $total programs passed; assertions $ok ok / $nok not ok; mounts left under the bundles: $left"
  echo "$name fails:$failed"
  # runc's leftovers must not count against the next runtime
  grep -o ' /tmp/ocitest[^ ]*' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
done
