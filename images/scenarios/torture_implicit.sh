# pvrcu_torture_implicit: checklist item 7's readers (rcu_read_lock(),
# rcu_read_lock_bh/_sched(), local_bh_disable(), spin_lock_bh(),
# preempt_disable(), spin_lock(), local_irq_disable/save(), a timer, a
# tasklet, an irq_work) against updaters on every GP API that
# pvrcu_checklist.h maps, for ${duration:-20} s, then the same source built
# without pvrcu_checklist.h (the kernel's own RCU, virtio_rcu unloaded),
# which must PASS. Both must PASS (tests/vm/t_torture_implicit.sh); the
# first FAILed before afdbb52 (the module's header comment has the counts).
m=/lib/modules/pvrcu
if insmod $m/virtio_rcu.ko; then
	say "virtio_rcu loaded"
	insmod $m/pvrcu_torture_implicit.ko duration=${duration:-20} ||
		say "FAIL insmod pvrcu_torture_implicit"
	rmmod pvrcu_torture_implicit && say "pvrcu_torture_implicit unloaded"
	rmmod virtio_rcu && say "virtio_rcu unloaded"
else
	say "FAIL insmod virtio_rcu"
fi
insmod $m/pvrcu_torture_implicit_native.ko duration=${duration:-20} ||
	say "FAIL insmod pvrcu_torture_implicit_native"
rmmod pvrcu_torture_implicit_native && say "pvrcu_torture_implicit_native unloaded"
