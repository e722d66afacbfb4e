#!/usr/bin/env bash
# Image store tests: Debian's docker-registry (tests start their own on loopback ports with temp
# storage), htpasswd for its basic auth, openssl for the token-auth test's signing key.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v openssl >/dev/null || need+=(openssl)
command -v setpriv >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
