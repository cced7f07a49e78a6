# pvsrcu and Tasks-Trace with the host computing the grace periods, the
# domain limit the device sets, then the same checks with the device
# removed (the guest runs the scan itself) and its larger limit.
m=/lib/modules/pvrcu
drv=/sys/bus/virtio/drivers/virtio_rcu
if insmod $m/virtio_rcu.ko; then
	say "virtio_rcu loaded"
	insmod $m/pvrcu_selftest.ko phase=srcu && rmmod pvrcu_selftest
	insmod $m/pvrcu_selftest.ko phase=srcu_limit && rmmod pvrcu_selftest
	dev=$(ls $drv | grep '^virtio')
	echo "$dev" > $drv/unbind && say "device $dev removed"
	insmod $m/pvrcu_selftest.ko phase=srcu && rmmod pvrcu_selftest
	insmod $m/pvrcu_selftest.ko phase=srcu_limit && rmmod pvrcu_selftest
	echo "$dev" > $drv/bind && say "device $dev bound again"
	insmod $m/pvrcu_selftest.ko phase=srcu && rmmod pvrcu_selftest
	rmmod virtio_rcu && say "virtio_rcu unloaded"
else
	say "FAIL insmod virtio_rcu"
fi
