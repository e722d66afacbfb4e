#!/usr/bin/env bash
# Kernel modules for the pure cgroup-v2 test guest (src/test/java/io/cloudtui/testing/CgroupV2Guest.java):
# virtio-pci, 9p and overlayfs, which Debian builds as modules, taken from the kernel package of the
# test guest's kernel (30-libvirt.sh) into /var/cache/cloudtui-test/guest/cgroupv2/, with ORDER
# listing them in load order. The guest's initramfs is built by the tests from these, /bin/busybox
# and an init script of their own. Idempotent; a second run is instant.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
here=$(cd "$(dirname "$0")" && pwd)

need=()
for pkg in qemu-system-x86 busybox-static; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "provision: installing ${need[*]}"
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

guest=/var/cache/cloudtui-test/guest
out=$guest/cgroupv2
recipe=1  # bump when the module list below changes
[ -s "$guest/KERNEL_VERSION" ] && [ -s "$guest/vmlinuz" ] || { echo "provision: no test guest kernel in $guest (run 30-libvirt.sh first)" >&2; exit 1; }
kver=$(cat "$guest/KERNEL_VERSION")
if [ "$(cat "$out/RECIPE" 2>/dev/null)" = "$recipe $kver" ]; then exit 0; fi

echo "provision: cgroup-v2 guest modules for kernel $kver in $out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get download -qq "linux-image-$kver" 2>/dev/null); then
  # the archive moved on to a newer kernel since the guest was built: rebuild the guest with it
  echo "provision: linux-image-$kver is no longer in the archive; rebuilding the test guest"
  rm -f "$guest/RECIPE"
  bash "$here/30-libvirt.sh"
  kver=$(cat "$guest/KERNEL_VERSION")
  (cd "$work" && apt-get download -qq "linux-image-$kver" 2>/dev/null) \
    || { echo "provision: cannot download linux-image-$kver" >&2; exit 1; }
fi
dpkg-deb -x "$work"/linux-image-"$kver"_*.deb "$work/k"
mods=$work/k/lib/modules/$kver/kernel
rm -rf "$out.new"
mkdir -p "$out.new"
# dependencies first (each module's "depends=" names only modules listed before it)
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
         drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci \
         net/9p/9pnet net/9p/9pnet_virtio fs/netfs/netfs fs/fscache/fscache fs/9p/9p fs/overlayfs/overlay; do
  [ -f "$mods/$m.ko" ] || { echo "provision: $m.ko is not in linux-image-$kver" >&2; exit 1; }
  install -m 644 "$mods/$m.ko" "$out.new/"
  basename "$m" >>"$out.new/ORDER"
done
echo "$kver" >"$out.new/KERNEL_VERSION"
echo "$recipe $kver" >"$out.new/RECIPE"
chmod 755 "$out.new"
rm -rf "$out"
mv "$out.new" "$out"
