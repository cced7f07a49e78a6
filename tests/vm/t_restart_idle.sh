# kill -9 pvrcud while the guest is registered but idle, start a new one:
# QEMU reconnects, the new pvrcud resumes the region from its state file,
# and the whole API selftest then passes against it.
# (t_restart.sh does the same in the middle of the torture.)
t=restart_idle
echo "== $t (2 vCPUs, kill -9 pvrcud while idle)"
vm_run "$t" --cpus 2 --test restart_idle --restart-pvrcud-after 2 \
	--restart-pvrcud-when "idle: waiting"
g=$out/$t/guest.log p=$out/$t/pvrcud.log
check_pvrcud_resumed "$t" "$p" 2
# The idle case: the guest asked for nothing, so no GP may have been
# running when pvrcud was killed (t_restart.sh kills it mid-GP).
check_pvrcud_resumed_idle "$t" "$p"
check "$t: the API selftest passed after the restart" "$g" \
	'pvrcu-selftest: api: result=PASS errors=0'
check "$t: the driver unloaded" "$g" 'PVRCU-INIT: virtio_rcu unloaded'
check_guest_clean "$t" "$g"
grep -E 'resume|kill -9|restarted' "$p" | sed 's/^/    pvrcud| /'
