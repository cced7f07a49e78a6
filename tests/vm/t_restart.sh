# kill -9 pvrcud while the guest's torture has GPs in flight, start a new
# one: QEMU reconnects, the new pvrcud resumes the region from its state
# file, and the guest's checker sees no GP complete early (errors=0).
t=restart
echo "== $t (2 vCPUs, kill -9 pvrcud 3 s into the torture)"
# The kill must land mid-GP: freeze pvrcud (SIGSTOP) at a moment its
# region shows one in progress, a second before run-vm's kill -9.
freeze_pvrcud_mid_gp "$out/$t" rcu "pvrcu_torture: start" 2 &
freezer=$!
vm_run "$t" --cpus 2 --test torture_short --restart-pvrcud-after 3 --restart-pvrcud-when "pvrcu_torture: start"
kill "$freezer" 2>/dev/null
wait "$freezer"
g=$out/$t/guest.log p=$out/$t/pvrcud.log
check_pvrcud_resumed "$t" "$p" 2
check_pvrcud_resumed_mid_gp "$t" "$p" rcu
check "$t: torture passed across the restart" "$g" \
	'pvrcu-torture: flavor=rcu .* errors=0 result=PASS$'
check_guest_clean "$t" "$g"
grep -E 'resume|kill -9|restarted' "$p" | sed 's/^/    pvrcud| /'
sed 's/^/    freeze| /' "$out/$t/freeze.log" 2>/dev/null
