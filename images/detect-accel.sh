#!/bin/sh
# Print "kvm" if hardware KVM can boot the guest kernel, else "tcg".
# Decided by trying (some machines have a /dev/kvm that cannot run
# Linux), and cached per host boot.
# usage: detect-accel.sh QEMU KERNEL
set -u
qemu=$1 kernel=$2
cache=${PVRCU_CACHE:-/tmp}/accel-$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
if [ -f "$cache" ]; then
	cat "$cache"
	exit 0
fi
accel=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	log=$(mktemp)
	# No initrd: a kernel that really runs gets as far as the root mount
	# and panics; panic=-1 plus -no-reboot makes QEMU exit.
	timeout 60 "$qemu" -accel kvm -cpu host -m 256 -nographic -nic none \
		-monitor none -serial "file:$log" -no-reboot \
		-kernel "$kernel" -append "console=ttyS0 panic=-1" \
		>/dev/null 2>&1
	if grep -q "Kernel panic\|VFS: Unable to mount root" "$log"; then
		accel=kvm
	fi
	rm -f "$log"
fi
echo "$accel" > "$cache"
echo "$accel"
