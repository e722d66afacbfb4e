#!/usr/bin/env bash
# Debian's docker-compose for the Compose tests (ComposeIT, TuiComposeTmuxIT): projects the UI and
# 'cloudtui ps' group, and the Compose CLI that 'up', 'pull', 'build' and 'down -v' run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v docker-compose >/dev/null; then
  apt-get install -y -q -o DPkg::Lock::Timeout=900 docker-compose >/dev/null
fi
docker-compose version --short >/dev/null
