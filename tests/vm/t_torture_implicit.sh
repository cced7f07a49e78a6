# pvrcu_torture_implicit (checklist item 7): readers of every kind the
# checklist allows (rcu_read_lock/_bh/_sched as mapped, local_bh_disable,
# spin_lock_bh, preempt_disable, spin_lock, local_irq_disable/save, timer,
# tasklet, irq_work) against updaters on every GP API pvrcu_checklist.h
# maps, at 2 and 4 vCPUs; then the same module on the kernel's own RCU
# (the control). Before afdbb52 the pvrcu run found 102-337 poisoned reads
# in 20 s in the readers that are not pvrcu sections.
kinds="rcu_read_lock rcu_read_lock_bh rcu_read_lock_sched local_bh_disable
spin_lock_bh preempt_disable spin_lock local_irq_disable local_irq_save
timer tasklet irq_work"
for cpus in 2 4; do
	t=implicit_${cpus}cpu
	echo "== $t ($cpus vCPUs: item 7's readers on pvrcu, then on the kernel's RCU)"
	vm_run "$t" --cpus "$cpus" --test torture_implicit
	g=$out/$t/guest.log
	for f in implicit implicit_native; do
		check_torture_passed "$t: $f torture ran 20 s and passed" "$g" "$f" 20
	done
	for k in $kinds; do
		check "$t: $k readers ran, none saw poison" "$g" \
			"pvrcu_torture_implicit: reader $k: reads=[1-9][0-9]* errors=0 "
	done
	# The deferred path ran: posts found CPUs inside readers, and each
	# such CPU reported from its work item once out of them.
	check "$t: posts taken inside readers reported from the work item" "$g" \
		'pvrcu_torture_implicit: pvrcu: quiescent states reported by a post.s handler [1-9][0-9]* \([0-9]+ of them in idle\), by a pvrcu unlock [0-9]+, by the work item [1-9][0-9]* \(posts taken inside a reader: [1-9][0-9]*\)'
	check "$t: GPs came from the device" "$g" \
		'grace periods from the virtio-rcu device'
	check_guest_clean "$t" "$g"
done
