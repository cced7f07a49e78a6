# make demo: the driver's first grace period (with its per-CPU events
# shown), then a short torture, then pvrcu against the kernel's own RCU.
# "demo: stats" is the host's cue to read pvrcuctl stats while the
# driver is still bound (images/demo.sh waits for it).
if insmod /lib/modules/pvrcu/virtio_rcu.ko debug=1; then
	say "virtio_rcu loaded"
	echo 0 > /sys/module/virtio_rcu/parameters/debug
	insmod /lib/modules/pvrcu/pvrcu_torture.ko flavor=rcu duration=${duration:-8} ||
		say "FAIL insmod pvrcu_torture"
	rmmod pvrcu_torture
	say "demo: stats"
	sleep 2
	insmod /lib/modules/pvrcu/pvrcu_scale.ko gp_loops=${gp_loops:-20} cb_count=${cb_count:-50000} ||
		say "FAIL insmod pvrcu_scale"
	rmmod pvrcu_scale
	rmmod virtio_rcu && say "virtio_rcu unloaded"
else
	say "FAIL insmod virtio_rcu"
fi
