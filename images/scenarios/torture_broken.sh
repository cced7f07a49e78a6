# pvrcu_torture against a service broken on purpose (pvrcud runs with
# --test-unsafe-early-gp, which ends every GP at once): it must FAIL.
if insmod /lib/modules/pvrcu/virtio_rcu.ko; then
	say "virtio_rcu loaded"
	insmod /lib/modules/pvrcu/pvrcu_torture.ko flavor=rcu duration=6 fwd_secs=0 ||
		say "FAIL insmod pvrcu_torture"
	rmmod pvrcu_torture && say "pvrcu_torture unloaded"
	rmmod virtio_rcu && say "virtio_rcu unloaded"
else
	say "FAIL insmod virtio_rcu"
fi
