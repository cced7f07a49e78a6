# pvrcu_torture, sleepable flavours under TCG: srcu and tasks_trace with the
# host computing the GPs (then srcu broken on purpose, which must FAIL);
# srcu on 4 vCPUs with a device that offers no SRCU (the guest's scan);
# srcu across a kill -9 of pvrcud (the new one resumes the domain).
t=srcu_2cpu
echo "== $t (2 vCPUs: srcu, tasks_trace, then srcu broken on purpose)"
vm_run "$t" --cpus 2 --test torture_srcu
g=$out/$t/guest.log p=$out/$t/pvrcud.log
for f in srcu tasks_trace; do
	check_torture_passed "$t: $f torture ran >= 10 s and passed" "$g" "$f" '([1-9][0-9]+)'
	check "$t: $f GPs computed by the host" "$g" \
		"pvrcu_torture: $f: the host computed the GPs: [1-9][0-9]* by the device, 0 in the guest"
done
check "$t: torture caught the broken srcu GPs" "$g" \
	'pvrcu-torture: flavor=srcu duration=[0-9]+ reads=[0-9]+ gps=[0-9]+ callbacks=[0-9]+ errors=[1-9][0-9]* result=FAIL$'
check_true "$t: only the broken run failed" \
	test "$(grep -c 'pvrcu-torture: .*result=FAIL' "$g")" -eq 1
check "$t: pvrcud served SRCU GPs" "$p" 'SRCU domain [0-9]+ created'
check "$t: virtio_rcu unloaded" "$g" 'PVRCU-INIT: virtio_rcu unloaded'
check_guest_clean "$t" "$g"
check_not "$t: pvrcud refused nothing" "$p" 'refused'

t=srcu_4cpu_guest
echo "== $t (4 vCPUs: srcu, pvrcud --srcu-domains 0: the guest scans)"
vm_run "$t" --cpus 4 --test torture_srcu_one --pvrcud-args "--srcu-domains 0"
g=$out/$t/guest.log
check_torture_passed "$t: srcu torture passed" "$g" srcu '([1-9][0-9]+)'
check "$t: GPs computed by the guest" "$g" \
	'pvrcu_torture: srcu: the guest computed the GPs: 0 by the device, [1-9][0-9]* in the guest'
check_guest_clean "$t" "$g"

t=srcu_restart
echo "== $t (2 vCPUs, kill -9 pvrcud 3 s into the srcu torture)"
# The kill must land mid-GP: freeze pvrcud (SIGSTOP) at a moment its
# region shows an SRCU GP in progress, a second before run-vm's kill -9.
freeze_pvrcud_mid_gp "$out/$t" srcu "pvrcu_torture: start" 2 &
freezer=$!
vm_run "$t" --cpus 2 --test torture_srcu_one --restart-pvrcud-after 3 \
	--restart-pvrcud-when "pvrcu_torture: start"
kill "$freezer" 2>/dev/null
wait "$freezer"
g=$out/$t/guest.log p=$out/$t/pvrcud.log
check_pvrcud_resumed "$t" "$p" 2
check_pvrcud_resumed_mid_gp "$t" "$p" srcu
check "$t: srcu torture passed across the restart" "$g" \
	'pvrcu-torture: flavor=srcu .* errors=0 result=PASS$'
check "$t: the host still computed the GPs" "$g" \
	'pvrcu_torture: srcu: the host computed the GPs: [1-9][0-9]* by the device, 0 in the guest'
check_guest_clean "$t" "$g"
grep -E 'resume|kill -9|restarted' "$p" | sed 's/^/    pvrcud| /'
sed 's/^/    freeze| /' "$out/$t/freeze.log" 2>/dev/null
