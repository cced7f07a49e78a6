# pvrcu_scale: pvrcu against the guest kernel's own RCU in the same run,
# one "BENCH <name> pvrcu=... native=... ratio=..." line per measurement.
if insmod /lib/modules/pvrcu/virtio_rcu.ko; then
	say "virtio_rcu loaded"
	insmod /lib/modules/pvrcu/pvrcu_scale.ko || say "FAIL insmod pvrcu_scale"
	rmmod pvrcu_scale && say "pvrcu_scale unloaded"
	rmmod virtio_rcu && say "virtio_rcu unloaded"
else
	say "FAIL insmod virtio_rcu"
fi
