# The API item by item (pvrcu_selftest.ko), CPU hotplug, then checklist
# item 17: while callbacks wait behind a long reader, the device is removed
# and the module that queued them unloads; the device comes back and
# virtio_rcu unloads after the kfree_rcu objects that module left.
m=/lib/modules/pvrcu
drv=/sys/bus/virtio/drivers/virtio_rcu
par=/sys/module/virtio_rcu/parameters
cpu1=/sys/devices/system/cpu/cpu1/online
if insmod $m/virtio_rcu.ko debug=1; then
	say "virtio_rcu loaded"
	insmod $m/pvrcu_selftest.ko phase=api && rmmod pvrcu_selftest
	echo 1 > $par/rcu_normal
	insmod $m/pvrcu_selftest.ko phase=rcu_normal && rmmod pvrcu_selftest
	echo 0 > $par/rcu_normal
	echo 0 > $cpu1 && say "cpu1 offline"
	insmod $m/pvrcu_selftest.ko phase=api && rmmod pvrcu_selftest
	echo 1 > $cpu1 && say "cpu1 online"
	dev=$(ls $drv | grep '^virtio')
	insmod $m/pvrcu_selftest.ko phase=pending hold_ms=3000
	echo "$dev" > $drv/unbind && say "device $dev removed with callbacks pending"
	rmmod pvrcu_selftest && say "pvrcu_selftest unloaded with callbacks pending"
	echo "$dev" > $drv/bind && say "device $dev bound again"
	rmmod virtio_rcu && say "virtio_rcu unloaded"
else
	say "FAIL insmod virtio_rcu"
fi
