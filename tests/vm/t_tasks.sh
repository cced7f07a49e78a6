# pvrcu_torture, Tasks flavours under TCG: tasks and tasks_rude for 10 s
# each on 2 vCPUs, then tasks with test_break_gp=1 (its grace periods end
# at once), which the torture must catch; tasks alone on 4 vCPUs.
t=tasks_2cpu
echo "== $t (2 vCPUs: tasks, tasks_rude, then tasks broken on purpose)"
vm_run "$t" --cpus 2 --test torture_tasks
g=$out/$t/guest.log p=$out/$t/pvrcud.log
for f in tasks tasks_rude; do
	check_torture_passed "$t: $f torture ran >= 10 s and passed" "$g" "$f" '([1-9][0-9]+)'
	check "$t: $f torture module unloaded" "$g" \
		"PVRCU-INIT: pvrcu_torture unloaded \\(flavor=$f\\)"
done
check "$t: tasks GPs waited for holdouts" "$g" \
	'pvrcu_torture: tasks: [1-9][0-9]* GPs, [1-9][0-9]* holdouts waited for'
check "$t: tasks_rude GPs made CPUs run work" "$g" \
	'pvrcu_torture: tasks_rude: [1-9][0-9]* GPs, [1-9][0-9]* CPUs made to run work'
check "$t: torture caught the broken tasks GPs" "$g" \
	'pvrcu-torture: flavor=tasks duration=[0-9]+ reads=[0-9]+ gps=[0-9]+ callbacks=[0-9]+ errors=[1-9][0-9]* result=FAIL$'
check_true "$t: only the broken run failed" \
	test "$(grep -c 'pvrcu-torture: .*result=FAIL' "$g")" -eq 1
check "$t: virtio_rcu unloaded" "$g" 'PVRCU-INIT: virtio_rcu unloaded'
check_guest_clean "$t" "$g"
check_not "$t: pvrcud refused nothing" "$p" 'refused'

t=tasks_4cpu
echo "== $t (4 vCPUs: tasks)"
vm_run "$t" --cpus 4 --test torture_tasks_one
g=$out/$t/guest.log p=$out/$t/pvrcud.log
check_torture_passed "$t: tasks torture ran >= 10 s and passed" "$g" tasks '([1-9][0-9]+)'
check "$t: 5 readers (CPUs + 1: they preempt one another)" "$g" 'pvrcu_torture: start: flavor=tasks duration=[0-9]+ s, 5 readers'
check "$t: virtio_rcu unloaded" "$g" 'PVRCU-INIT: virtio_rcu unloaded'
check_guest_clean "$t" "$g"
check_not "$t: pvrcud refused nothing" "$p" 'refused'
