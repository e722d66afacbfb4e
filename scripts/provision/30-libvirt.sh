#!/usr/bin/env bash
# libvirt + QEMU for the VM integration tests, and a tiny guest (Debian kernel + busybox initramfs
# with a shell on ttyS0) in /var/cache/cloudtui-test/guest/. Idempotent; a second run is instant.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
for pkg in qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients busybox-static genisoimage dnsmasq-base dropbear-bin cpio tini; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "provision: installing ${need[*]}"
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Daemons: use systemd when it runs this machine, otherwise start them by hand.
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  echo "provision: starting libvirtd"
  if [ -d /run/systemd/system ]; then
    systemctl start libvirtd.service
  else
    # libvirtd daemonizes its QEMU probes and waits until each is gone; orphans go to PID 1, which on
    # some machines (a VM's own init) reaps them only now and then, so every domain definition stalled
    # for 40-120 s. Under a subreaper (tini -s) they are reaped at once.
    setsid nohup tini -s -- libvirtd >>/var/log/cloudtui-libvirtd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.5; done
  virsh -c qemu:///system version >/dev/null 2>&1 || { echo "provision: libvirtd does not answer" >&2; exit 1; }
fi
# QEMU's serial/log output goes through virtlogd (qemu.conf stdio_handler=logd).
if ! pgrep -x virtlogd >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then systemctl start virtlogd.service; else virtlogd -d; fi
fi

# The default NAT network gives guests DHCP leases (guest addresses); not fatal if the host cannot run it.
if info=$(virsh -c qemu:///system net-info default 2>/dev/null); then
  if ! grep -q '^Active:.*yes' <<<"$info"; then
    virsh -c qemu:///system net-start default >/dev/null 2>&1 || echo "provision: note: network 'default' could not start; guests run without a NIC"
  fi
fi

guest=/var/cache/cloudtui-test/guest
recipe=7  # bump when the guest below changes, so cached guests are rebuilt
if [ "$(cat "$guest/RECIPE" 2>/dev/null)" != "$recipe" ] || [ ! -s "$guest/vmlinuz" ] || [ ! -s "$guest/initrd.img" ]; then
  echo "provision: building the test guest in $guest"
  mkdir -p "$guest"
  chmod 755 /var/cache/cloudtui-test "$guest"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # The kernel package the distro's linux-image-amd64 points at right now.
  kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$kpkg" ] || { echo "provision: cannot find the current Debian kernel package" >&2; exit 1; }
  (cd "$work" && apt-get download -qq "$kpkg" 2>/dev/null)
  dpkg-deb -x "$work"/"$kpkg"_*.deb "$work/k"
  kver=${kpkg#linux-image-}
  root="$work/root"
  mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root,home,lib/modules,usr/share/udhcpc,etc/dropbear,mnt/seed}
  cp /bin/busybox "$root/bin/busybox"
  for app in $("$root/bin/busybox" --list); do [ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"; done
  # An ssh server (dropbear, with the shared libraries it links) for the vm ssh tests; the seed CD
  # (IDE cdrom: libata, ata_piix, sr_mod, isofs) carries the cloud-init user and key /init installs.
  install -D -m 755 /usr/sbin/dropbear "$root/usr/sbin/dropbear"
  for lib in $(ldd /usr/sbin/dropbear | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}'); do
    install -D -m 755 "$lib" "$root$lib"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  printf '/bin/sh\n' >"$root/etc/shells"
  # virtio-net lets the guest take a DHCP lease on the default network (guest address tests).
  # virtio-balloon gives memory stats; button + evdev deliver the ACPI power button (virsh shutdown).
  # Debian builds all of these as modules.
  for m in drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko drivers/virtio/virtio_pci_legacy_dev.ko \
           drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci.ko drivers/virtio/virtio_balloon.ko \
           net/core/failover.ko drivers/net/net_failover.ko drivers/net/virtio_net.ko \
           drivers/acpi/button.ko drivers/input/evdev.ko \
           drivers/scsi/scsi_common.ko drivers/scsi/scsi_mod.ko drivers/ata/libata.ko drivers/ata/ata_piix.ko \
           drivers/cdrom/cdrom.ko drivers/scsi/sr_mod.ko fs/isofs/isofs.ko; do
    cp "$work/k/lib/modules/$kver/kernel/$m" "$root/lib/modules/"
  done
  cat >"$root/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
case "$1" in
  bound|renew) ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
               [ -n "$router" ] && route add default gw "${router%% *}" dev "$interface" ;;
esac
EOF
  chmod 755 "$root/usr/share/udhcpc/default.script"
  cat >"$root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
hostname ctui-guest
# A few passes settle the load order without modprobe's dependency files.
for pass in 1 2 3 4; do for m in /lib/modules/*.ko; do insmod "$m" 2>/dev/null; done; done
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
# A tiny NoCloud consumer: the user and SSH key from the cidata seed's user-data, then dropbear.
for try in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/sr0 ] && break; sleep 0.2; done
if mount -t iso9660 -o ro /dev/sr0 /mnt/seed 2>/dev/null && [ -f /mnt/seed/user-data ]; then
  user=$(sed -n 's/^  - name: *//p' /mnt/seed/user-data | head -n 1)
  key=$(sed -n '/ssh_authorized_keys:/{n;s/^ *- *//p;}' /mnt/seed/user-data | head -n 1)
  if [ -n "$user" ]; then
    echo "$user:x:1000:1000:$user:/home/$user:/bin/sh" >>/etc/passwd
    echo "$user:x:1000:" >>/etc/group
    mkdir -p "/home/$user/.ssh"
    [ -n "$key" ] && echo "$key" >"/home/$user/.ssh/authorized_keys"
    chmod 700 "/home/$user/.ssh"; chmod 600 "/home/$user/.ssh/authorized_keys" 2>/dev/null
    chown -R 1000:1000 "/home/$user"
  fi
  umount /mnt/seed
fi
/usr/sbin/dropbear -R -p 22 >/dev/null 2>&1
for i in /sys/class/net/*; do n=${i##*/}; [ "$n" = lo ] || { ip link set "$n" up; udhcpc -b -q -s /usr/share/udhcpc/default.script -i "$n" >/tmp/udhcpc.log 2>&1 & }; done
# ACPI power button (virsh shutdown / reboot) powers the guest off.
for try in 1 2 3 4 5 6 7 8 9 10; do
  for e in /sys/class/input/event*; do
    if grep -q "Power Button" "$e/device/name" 2>/dev/null && [ -e "/dev/input/${e##*/}" ]; then
      (head -c 1 "/dev/input/${e##*/}" >/dev/null; sync; poweroff -f) &
      break 2
    fi
  done
  sleep 0.2
done
echo "ctui-guest ready"
while true; do setsid cttyhack sh -l </dev/ttyS0 >/dev/ttyS0 2>&1; done
EOF
  chmod 755 "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) >"$work/initrd.img"
  install -m 644 "$work/k/boot/vmlinuz-$kver" "$guest/vmlinuz"
  install -m 644 "$work/initrd.img" "$guest/initrd.img"
  # An empty qcow2 the tests use as a backing file (internal snapshots need a qcow2 disk).
  qemu-img create -q -f qcow2 "$work/base.qcow2" 64M
  install -m 644 "$work/base.qcow2" "$guest/base.qcow2"
  echo "$kver" >"$guest/KERNEL_VERSION"
  echo "$recipe" >"$guest/RECIPE"
fi
