#!/bin/sh
# Builds the runtime's native stage and the CLI's native client into OUT_DIR (run by Maven in
# generate-resources); the client is also copied to OUT_DIR/../../cloudtui-client for the launcher.
# Static if the C library allows it (no loader needed inside odd hosts), dynamic otherwise.
set -eu
src=$(dirname "$0")/nsexec.c
out=${1:?usage: build.sh OUT_DIR}
mkdir -p "$out"
cc=${CC:-gcc}
flags="-O2 -Wall -Wextra -Werror -D_FORTIFY_SOURCE=2"
if ! $cc $flags -static -o "$out/cloudtui-nsexec" "$src" 2>/dev/null; then
  $cc $flags -o "$out/cloudtui-nsexec" "$src"
fi
# syscall numbers of this architecture, for compiling linux.seccomp (io.cloudtui.runtime.oci.Seccomp)
echo '#include <sys/syscall.h>' | $cc -dM -E - | sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9][0-9]*\)$/\1 \2/p' | sort > "$out/syscalls.txt"
strip "$out/cloudtui-nsexec" 2>/dev/null || true
sha256sum "$out/cloudtui-nsexec" | cut -d' ' -f1 > "$out/cloudtui-nsexec.sha256"
# the warm CLI's client (README, "Warm CLI"): dynamic, it runs on this machine only
$cc $flags -o "$out/cloudtui-client" "$(dirname "$0")/client.c"
strip "$out/cloudtui-client" 2>/dev/null || true
cp -f "$out/cloudtui-client" "$out/../../cloudtui-client.tmp" && mv -f "$out/../../cloudtui-client.tmp" "$out/../../cloudtui-client"
