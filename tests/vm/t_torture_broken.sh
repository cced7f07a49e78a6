# The torture test must be able to fail: pvrcud --test-unsafe-early-gp ends
# every grace period at once, and readers must catch freed elements.
t=torture_broken
echo "== $t (2 vCPUs, pvrcud --test-unsafe-early-gp)"
vm_run "$t" --cpus 2 --test torture_broken --pvrcud-args "--test-unsafe-early-gp"
g=$out/$t/guest.log p=$out/$t/pvrcud.log
check "$t: pvrcud ran broken on purpose" "$p" 'test-unsafe-early-gp: grace periods END EARLY'
check "$t: torture caught the broken service" "$g" \
	'pvrcu-torture: flavor=rcu duration=[0-9]+ reads=[0-9]+ gps=[0-9]+ callbacks=[0-9]+ errors=[1-9][0-9]* result=FAIL$'
check "$t: torture module unloaded" "$g" 'PVRCU-INIT: pvrcu_torture unloaded'
check_guest_clean "$t" "$g"
