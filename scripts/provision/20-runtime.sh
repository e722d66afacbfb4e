#!/usr/bin/env bash
# cloudtui's OCI runtime: registers bin/cloudtui-runtime with dockerd as runtime "cloudtui"
# (daemon.json "runtimes"), and makes sure runc (the benchmark's reference) is installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
repo=$(cd "$(dirname "$0")/../.." && pwd)
wrapper=$repo/bin/cloudtui-runtime
need=()
command -v runc >/dev/null || need+=(runc)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v python3 >/dev/null || need+=(python3)
# rootless engine: newuidmap/newgidmap map a user's subordinate ids (EngineRootlessIT)
command -v newuidmap >/dev/null || need+=(uidmap)
if [ ${#need[@]} -gt 0 ]; then apt-get install -y -qq "${need[@]}" >/dev/null; fi
conf=/etc/docker/daemon.json
mkdir -p /etc/docker
changed=$(python3 - "$conf" "$wrapper" <<'PY'
import json, os, sys
conf, wrapper = sys.argv[1], sys.argv[2]
d = {}
if os.path.exists(conf) and os.path.getsize(conf) > 0:
    with open(conf) as f:
        d = json.load(f)
rt = d.setdefault("runtimes", {})
if rt.get("cloudtui", {}).get("path") == wrapper:
    print("no")
else:
    rt["cloudtui"] = {"path": wrapper}
    tmp = conf + ".tmp"
    with open(tmp, "w") as f:
        json.dump(d, f, indent=2)
    os.replace(tmp, conf)
    print("yes")
PY
)
if [ "$changed" = yes ]; then
  echo "provision: registered runtime cloudtui -> $wrapper in $conf"
  # dockerd re-reads "runtimes" on SIGHUP; no restart, running containers stay up
  if pid=$(pidof dockerd); then kill -HUP $pid; fi
fi
if docker info >/dev/null 2>&1; then
  for _ in $(seq 1 30); do docker info 2>/dev/null | grep -q 'Runtimes:.*cloudtui' && break; sleep 0.5; done
fi
if docker info >/dev/null 2>&1 && ! docker info 2>/dev/null | grep -q 'Runtimes:.*cloudtui'; then
  echo "provision: dockerd does not list runtime cloudtui; restart dockerd to pick up $conf" >&2
  exit 1
fi
