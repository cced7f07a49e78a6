# Restart while idle: load, wait while the host restarts, then use the API.
m=/lib/modules/pvrcu
if insmod $m/virtio_rcu.ko debug=1; then
	say "virtio_rcu loaded"
	say "idle: waiting for the host restart"
	sleep 8
	say "after restart"
	insmod $m/pvrcu_selftest.ko phase=api && rmmod pvrcu_selftest
	say "selftest done"
	rmmod virtio_rcu && say "virtio_rcu unloaded"
fi
