# pvrcu_scale: pvrcu against the guest kernel's own RCU in one 4-vCPU run.
# The numbers go to docs/BENCHMARKS.md; only their presence is checked.
t=scale
echo "== $t (4 vCPUs)"
vm_run "$t" --cpus 4 --test scale
g=$out/$t/guest.log
check "$t: measured against the device" "$g" \
	'pvrcu_scale: .*grace periods from the virtio-rcu device'
for b in read_lock_unlock synchronize synchronize_expedited \
	 irqs_per_expedited_gp callback_throughput; do
	check "$t: BENCH $b" "$g" \
		"BENCH $b pvrcu=[0-9]+\.[0-9]+[a-z/]+ native=[0-9]+\.[0-9]+[a-z/]+ ratio=([0-9]+\.[0-9]+|inf)\$"
done
check "$t: pvrcu_scale unloaded" "$g" 'PVRCU-INIT: pvrcu_scale unloaded'
check_guest_clean "$t" "$g"
