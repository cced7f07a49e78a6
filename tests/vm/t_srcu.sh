# pvsrcu served by the host (pvrcud offers 6 SRCU domains), then by the
# guest alone after the device is removed, then by the host again.
t=srcu
echo "== $t (2 vCPUs, pvrcud --srcu-domains 6)"
vm_run "$t" --cpus 2 --test srcu --pvrcud-args "--srcu-domains 6"
g=$out/$t/guest.log p=$out/$t/pvrcud.log
check "$t: the device serves 6 SRCU domains" "$g" \
	'virtio_rcu virtio[0-9]+: serving pvrcu grace periods .*SRCU: 6 domains'
check_true "$t: the SRCU checks pass three times (device, guest, device)" \
	test "$(grep -c 'pvrcu-selftest: srcu: result=PASS errors=0' "$g")" -eq 3
check_not "$t: no selftest check failed" "$g" 'pvrcu-selftest: .*FAIL'
check_true "$t: the host computed the GPs twice, the guest once" \
	test "$(grep -c 'srcu: the host computed the grace periods: ok' "$g")" -eq 2 -a \
	"$(grep -c 'srcu: the guest computed the grace periods (no device SRCU): ok' "$g")" -eq 1
check "$t: a GP on domain A ends while B's reader sleeps" "$g" \
	'srcu: a GP on domain A ends while a reader of domain B sleeps \(item 13\): ok'
check "$t: cleanup with a reader inside is refused loudly" "$g" \
	'pvsrcu: cleanup_pvsrcu_struct\(d\): readers are inside; refused'
check "$t: cleanup with a callback queued is refused loudly" "$g" \
	'pvsrcu: cleanup_pvsrcu_struct\(d\): callbacks still queued; refused'
check "$t: the device's limit: 4 free of 6, then -ENOSPC" "$g" \
	'srcu-limit: the device serves 6 domains, 2 were in use; init_pvsrcu_struct succeeded 4 times, then returned -28'
check "$t: without the device, the region's 16 domains" "$g" \
	'srcu-limit: the guest alone serves 16 domains, 2 were in use; init_pvsrcu_struct succeeded 14 times, then returned -28'
check_true "$t: both limit checks pass" \
	test "$(grep -c 'pvrcu-selftest: srcu_limit: result=PASS errors=0' "$g")" -eq 2
check "$t: pvrcud created SRCU domains" "$p" 'SRCU domain [0-9]+ created'
check "$t: pvrcud destroyed SRCU domains" "$p" 'SRCU domain [0-9]+ destroyed'
check "$t: pvrcud registered the SRCU area" "$p" \
	'SETUP: region .* registered, 6 SRCU domains'
check "$t: virtio_rcu unloaded" "$g" 'PVRCU-INIT: virtio_rcu unloaded'
check_guest_clean "$t" "$g"
check_not "$t: pvrcud refused nothing" "$p" 'refused'
