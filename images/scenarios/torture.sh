# pvrcu_torture, rcu flavour, 20 s (or $duration when a scenario that
# sources this sets it): rcutorture's core checks against a correct
# service. Every GP API retires elements; readers check them.
if insmod /lib/modules/pvrcu/virtio_rcu.ko; then
	say "virtio_rcu loaded"
	insmod /lib/modules/pvrcu/pvrcu_torture.ko flavor=rcu duration=${duration:-20} ||
		say "FAIL insmod pvrcu_torture"
	rmmod pvrcu_torture && say "pvrcu_torture unloaded"
	rmmod virtio_rcu && say "virtio_rcu unloaded"
else
	say "FAIL insmod virtio_rcu"
fi
