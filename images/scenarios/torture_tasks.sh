# pvrcu_torture, Tasks flavours: each flavour of $flavors (default "tasks
# tasks_rude") for ${duration:-10} s against a correct service, then, if
# $broken names a flavour (default tasks; empty: none), a short run of it
# with test_break_gp=1 (its grace periods end at once), which must FAIL.
m=/lib/modules/pvrcu
if insmod $m/virtio_rcu.ko; then
	say "virtio_rcu loaded"
	for f in ${flavors-tasks tasks_rude}; do
		insmod $m/pvrcu_torture.ko flavor=$f duration=${duration:-10} ||
			say "FAIL insmod pvrcu_torture flavor=$f"
		rmmod pvrcu_torture && say "pvrcu_torture unloaded (flavor=$f)"
	done
	if [ -n "${broken-tasks}" ]; then
		say "broken run: flavor=${broken-tasks} test_break_gp=1"
		insmod $m/pvrcu_torture.ko flavor=${broken-tasks} duration=4 \
			test_break_gp=1 || say "FAIL insmod pvrcu_torture (broken)"
		rmmod pvrcu_torture && say "pvrcu_torture unloaded (broken)"
	fi
	rmmod virtio_rcu && say "virtio_rcu unloaded"
else
	say "FAIL insmod virtio_rcu"
fi
