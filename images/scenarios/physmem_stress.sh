# QEMU's memory topology under churn: CPU 0 flips the memory-space bit
# of the virtio-rcu device's PCI command register (each flip rebuilds the
# guest's address space map in QEMU) while the other vCPUs run and take
# interrupts. Reproduces the use-after-free of a vCPU's cached dispatch
# that images/qemu/0003-*.patch fixes (it needs a loaded host).
flips=${flips:-500}
dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x107c ] && dev=$d
done
if [ -z "$dev" ]; then
	say "FAIL no virtio-rcu PCI device"
else
	n=$(grep -c ^processor /proc/cpuinfo)
	spinners=
	for c in $(seq 1 $((n - 1))); do
		taskset -c "$c" sh -c 'while :; do :; done' &
		spinners="$spinners $!"
	done
	# command register (offset 4): 0x0006 = memory space + bus master
	i=0
	while [ $i -lt "$flips" ]; do
		printf '\004\000' | dd of="$dev/config" bs=1 seek=4 conv=notrunc 2>/dev/null
		printf '\006\000' | dd of="$dev/config" bs=1 seek=4 conv=notrunc 2>/dev/null
		i=$((i + 1))
	done
	[ -n "$spinners" ] && kill $spinners
	say "physmem_stress: $flips flips of $dev"
fi
