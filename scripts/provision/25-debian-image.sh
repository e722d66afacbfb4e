#!/usr/bin/env bash
# A minimal Debian 12 base image for build tests (issue 16): a rootfs made with mmdebstrap
# (--variant=minbase, from Debian's mirror), cached as a tar under /var/lib/cloudtui-test/debian so
# a warm machine does not make it again, and imported into dockerd as debian-test:latest (for
# side-by-side comparison). EngineBuildIT imports the same tar into its own private stores (root and
# rootless), so it needs only the tar.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
dir=/var/lib/cloudtui-test/debian
tar=$dir/debian-bookworm-minbase.tar
mirror=${CLOUDTUI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -q -o DPkg::Lock::Timeout=900 "${need[@]}" >/dev/null
fi
mkdir -p "$dir"
if [ ! -s "$tar" ]; then
  echo "provision: making a Debian 12 minbase rootfs with mmdebstrap from $mirror"
  log=$dir/mmdebstrap.log
  tmp=$(mktemp "$dir/.debian-XXXXXX.tar")
  # as root (numeric owners as Debian's packages set them); the merged-usr hook links /bin etc. to
  # /usr itself (no usrmerge package, which would pull in perl); no manuals, docs or translations;
  # no device nodes in /dev (as in docker's debian images: the runtime makes /dev; rootless
  # imports refuse device nodes)
  rc=0
  mmdebstrap --verbose --variant=minbase --mode=root --format=tar \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --skip=output/dev \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm "$tmp" "$mirror" >"$log" 2>&1 || rc=$?
  if [ $rc != 0 ]; then
    rm -f "$tmp"
    echo "provision: mmdebstrap failed (exit $rc) making $tar from $mirror; what went wrong (all of it in $log):" >&2
    grep -E "^(E|W|Err):|Could not|Failed|failed" "$log" | tail -n 12 >&2
    exit 1
  fi
  if ! tar -tf "$tmp" ./usr/bin/apt-get >/dev/null 2>&1; then
    rm -f "$tmp"
    echo "provision: mmdebstrap made a tar without ./usr/bin/apt-get; see $log" >&2
    exit 1
  fi
  chmod 0644 "$tmp"
  mv -f "$tmp" "$tar"
  echo "provision: $tar is $(du -h "$tar" | cut -f1)"
fi
# readable by the rootless test users (they import it into their own stores)
chmod 0755 /var/lib/cloudtui-test "$dir"
chmod 0644 "$tar"
if docker info >/dev/null 2>&1; then
  if ! docker image inspect debian-test:latest >/dev/null 2>&1; then
    echo "provision: importing $tar into dockerd as debian-test:latest"
    docker import -c 'CMD ["bash"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$tar" debian-test:latest >/dev/null
  fi
else
  echo "provision: dockerd does not answer: debian-test not imported into it" >&2
  exit 1
fi
# Not imported into the bundled engine's root store (/var/lib/cloudtui): an image there makes the
# runtime backend answer in tests that expect an empty machine, and only a warm machine would have it
# (a fresh clone builds the jar after provisioning). Tests import the tar into stores of their own.
