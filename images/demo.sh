#!/usr/bin/env bash
# make demo: boot a 2-vCPU guest with pvrcud serving virtio-rcu and show
# what the guest driver and the daemon did.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/build/demo
rm -rf "$dir"

echo "== pvrcu demo: pvrcud (host) + virtio_rcu.ko (guest), 2 vCPUs"
bash "$top/images/run-vm.sh" --cpus 2 --test skeleton --dir "$dir" --timeout 180
rc=$?
echo
echo "== guest (serial console): the driver's lines"
grep -E 'virtio_rcu virtio|PVRCU-INIT: (irq|virtio_rcu)' "$dir/guest.log" | sed 's/^/  /'
echo
echo "== host: pvrcud's log"
sed 's/^/  /' "$dir/pvrcud.log"
echo
if [ $rc -eq 0 ] && grep -q 'synchronize: GP request completed' "$dir/guest.log"; then
	echo "demo: the guest completed a grace period through pvrcud (logs in $dir)"
	exit 0
fi
echo "demo: FAILED, see $dir/guest.log, $dir/pvrcud.log and $dir/qemu.log" >&2
exit 1
