#!/usr/bin/env bash
# Podman's Docker-compatible API for the integration tests: install podman, serve its API on
# /run/cloudtui-test/podman.sock, import the busybox-static image as localhost/busybox.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v podman >/dev/null || need+=(podman)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then apt-get install -y -qq "${need[@]}" >/dev/null; fi
# Sandboxes cap RLIMIT_NOFILE/NPROC below podman's defaults, which makes every start fail; ask for less.
conf=/etc/containers/containers.conf
if ! grep -q 'cloudtui-test' "$conf" 2>/dev/null; then
  mkdir -p /etc/containers
  printf '# cloudtui-test: limits that fit under a sandbox hard limit\n[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n' >>"$conf"
fi
sock=/run/cloudtui-test/podman.sock
mkdir -p "$(dirname "$sock")"
if ! curl -s --unix-socket "$sock" http://d/_ping 2>/dev/null | grep -q OK; then
  rm -f "$sock"
  nohup podman system service --time=0 "unix://$sock" >/var/log/cloudtui-podman.log 2>&1 &
  for _ in $(seq 1 40); do curl -s --unix-socket "$sock" http://d/_ping 2>/dev/null | grep -q OK && break; sleep 0.25; done
fi
if ! podman image exists localhost/busybox:latest; then
  root=$(mktemp -d)
  mkdir -p "$root"/{bin,etc,tmp}
  cp /bin/busybox "$root/bin/busybox"
  for app in $("$root/bin/busybox" --list); do [ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"; done
  tar -C "$root" -c . | podman import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - localhost/busybox:latest >/dev/null
  rm -rf "$root"
fi
