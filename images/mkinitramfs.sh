#!/bin/sh
# Build the guest initramfs: busybox-static, the guest kernel's virtio
# modules, pvrcu's modules and images/init. Rebuilt only when an input
# changed.
# usage: mkinitramfs.sh KERNEL_DIR MODULE_DIR OUTPUT
set -eu
kdir=$1 moddir=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
kmods=$kdir/modules/kernel/drivers/virtio

inputs="$here/init $here/mkinitramfs.sh $here/scenarios /bin/busybox $moddir/*.ko"
if [ -f "$out" ]; then
	newer=$(find $inputs -newer "$out" 2>/dev/null | head -n1)
	[ -z "$newer" ] && exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" \
	"$root/tmp" "$root/lib/modules/virtio" "$root/lib/modules/pvrcu" \
	"$root/scenarios"
cp /bin/busybox "$root/bin/busybox"
for app in $(/bin/busybox --list); do
	[ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"
done
for m in virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci; do
	cp "$kmods/$m.ko" "$root/lib/modules/virtio/"
done
cp "$moddir"/*.ko "$root/lib/modules/pvrcu/"
cp "$here/init" "$root/init"
cp "$here"/scenarios/*.sh "$root/scenarios/"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out"
