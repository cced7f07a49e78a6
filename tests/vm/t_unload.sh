# The API item by item (pvrcu_selftest.ko), CPU hotplug, then checklist
# item 17: the device is removed and the module that queued callbacks
# unloads while they wait behind a long reader; virtio_rcu unloads last.
t=unload
echo "== $t (2 vCPUs)"
vm_run "$t" --cpus 2 --test unload
g=$out/$t/guest.log p=$out/$t/pvrcud.log
check_true "$t: API checks pass on 2 CPUs and with cpu1 offline" \
	test "$(grep -c 'pvrcu-selftest: api: result=PASS errors=0' "$g")" -eq 2
check_not "$t: no selftest check failed" "$g" 'pvrcu-selftest: .*FAIL'
check "$t: rcu_normal turns expedited into normal" "$g" \
	'pvrcu-selftest: rcu_normal: expedited became normal: ok'
check "$t: rcu_head queued twice is reported" "$g" \
	'pvrcu: rcu_head [0-9a-f]+ queued twice \(callback st_cb'
check "$t: rcu_head queued twice while its batch runs is reported" "$g" \
	'pvrcu: rcu_head [0-9a-f]+ queued twice \(callback st_batch_cb'
check "$t: ... and the batch runs whole" "$g" \
	'pvrcu-selftest: checklist: call_rcu\(\) on a head of the batch being invoked is reported, the batch runs whole: ok'
check "$t: mapped get_state/get_completed (plain, _full) on pvrcu's sequence" "$g" \
	'pvrcu-selftest: checklist: get_state \(plain, _full\) not done inside a reader, get_completed \(plain, _full\) done: ok'
check "$t: mapped get_state done after synchronize_rcu, same_state" "$g" \
	'pvrcu-selftest: checklist: get_state \(plain, _full\) done after synchronize_rcu, same_state tells cookies apart: ok'
check "$t: mapped start_poll _expedited, _full, _expedited_full" "$g" \
	'pvrcu-selftest: checklist: start_poll _expedited, _full and _expedited_full complete by themselves: ok'
check "$t: mapped cond_synchronize _expedited, _full, _expedited_full" "$g" \
	'pvrcu-selftest: checklist: cond_synchronize _expedited, _full and _expedited_full complete their cookie: ok'
check "$t: mapped call_rcu_hurry()" "$g" \
	'pvrcu-selftest: checklist: call_rcu_hurry\(\) is pvrcu_call\(\): ok'
check "$t: mapped rcu_head_init() and rcu_head_after_call_rcu()" "$g" \
	'pvrcu-selftest: checklist: rcu_head_after_call_rcu\(\) false after rcu_head_init\(\), true after call_rcu\(\): ok'
check "$t: mapped guard(rcu), scoped_guard(rcu), guard(srcu)" "$g" \
	'pvrcu-selftest: checklist: guard\(rcu\) and scoped_guard\(rcu\) are pvrcu readers, guard\(srcu\) holds a pvsrcu GP: ok'
# Refused names: selftest_checklist.c with -DPVRCU_ST_REFUSED must not build,
# and must say why (on the host, in a copy: the guest-driver tree is left alone).
unload_refused_build() {
	local d rc kver
	kver=$(sed -n 's/^KERNEL_RELEASE := //p' "$top/build/config.mk")
	d=$(mktemp -d) || return 1
	mkdir -p "$out/$t"
	cp "$top/guest-driver/selftest_checklist.c" "$top/guest-driver/selftest.h" "$d/"
	printf 'obj-m := st_refused.o\nst_refused-y := selftest_checklist.o\nccflags-y := -DPVRCU_ST_REFUSED -I%s/virtio-rcu/include -I%s/guest-driver/include\n' \
		"$top" "$top" > "$d/Kbuild"
	make -C "/usr/src/linux-headers-$kver" M="$d" modules > "$out/$t/refused-build.log" 2>&1
	rc=$?
	rm -rf "$d"
	[ "$rc" -ne 0 ] &&
		grep -q 'static assertion failed: "rcu_read_lock_trace() has no pvrcu mapping' "$out/$t/refused-build.log" &&
		grep -q 'static assertion failed: "rcu_read_unlock_trace() has no pvrcu mapping' "$out/$t/refused-build.log"
}
check_true "$t: rcu_read_lock_trace()/rcu_read_unlock_trace() refused at build time, with the reason" \
	unload_refused_build
check "$t: debug=1 checks pvrcu_dereference()" "$g" \
	'pvrcu: suspicious pvrcu_dereference_check\(\) usage at .*selftest\.c'
check "$t: pvrcu_call() self-limits" "$g" \
	'pvrcu-selftest: call self-limits past qhimark: ok'
check "$t: synchronize_tasks waits for a task busy in the kernel" "$g" \
	'pvrcu-selftest: tasks: synchronize waits for a reader on cpu [0-9]+: ok'
check "$t: synchronize_tasks_rude waits for a preempt-disabled region" "$g" \
	'pvrcu-selftest: tasks_rude: synchronize waits for a reader on cpu [0-9]+: ok'
check "$t: cpu1 offline and back" "$g" 'PVRCU-INIT: cpu1 online'
check "$t: device removed with callbacks pending" "$g" \
	'virtio_rcu virtio[0-9]+: removed \([0-9]+ events, [0-9]+ handed over, [1-9][0-9]* callbacks pending\)'
check "$t: module unloaded with its callbacks pending" "$g" \
	'pvrcu-selftest: pending: unloading with [1-9][0-9]* of [0-9]+ callbacks not yet run'
check "$t: each pending callback ran once" "$g" \
	'pvrcu-selftest: pending: result=PASS errors=0'
check "$t: device bound again" "$g" 'PVRCU-INIT: device virtio[0-9]+ bound again'
check "$t: virtio_rcu barriered at unload" "$g" \
	'pvrcu: unloading: [0-9]+ callbacks were pending, all invoked'
check "$t: virtio_rcu unloaded" "$g" 'PVRCU-INIT: virtio_rcu unloaded'
check_guest_clean "$t" "$g"
check_true "$t: pvrcud served two registrations" \
	test "$(grep -c 'SETUP: region .* registered' "$p")" -eq 2
check_not "$t: pvrcud refused nothing" "$p" 'refused'
