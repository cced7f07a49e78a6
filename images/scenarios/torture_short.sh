# pvrcu_torture, rcu flavour, 10 s: long enough for the host-side tests
# (pvrcuctl while GPs run, kill -9 of pvrcud mid-run).
if insmod /lib/modules/pvrcu/virtio_rcu.ko; then
	say "virtio_rcu loaded"
	insmod /lib/modules/pvrcu/pvrcu_torture.ko flavor=rcu duration=10 ||
		say "FAIL insmod pvrcu_torture"
	rmmod pvrcu_torture && say "pvrcu_torture unloaded"
	rmmod virtio_rcu && say "virtio_rcu unloaded"
else
	say "FAIL insmod virtio_rcu"
fi
