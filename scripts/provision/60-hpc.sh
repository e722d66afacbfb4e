#!/usr/bin/env bash
# HPC habits on the bundled engine: squashfs-tools (unsquashfs reads the squashfs partition of
# SIF images and plain squashfs images at `image import`; the tests build SIFs with mksquashfs).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v unsquashfs >/dev/null || ! command -v mksquashfs >/dev/null; then
  apt-get install -y -q -o DPkg::Lock::Timeout=900 squashfs-tools >/dev/null
fi
