# pvrcu_torture, rcu flavour, 20 s under TCG with 2 and 4 vCPUs: readers
# never see an element freed or aged by a whole GP, every GP API retires.
for cpus in 2 4; do
	t=torture_${cpus}cpu
	echo "== $t ($cpus vCPUs)"
	vm_run "$t" --cpus "$cpus" --test torture
	g=$out/$t/guest.log p=$out/$t/pvrcud.log
	check "$t: GPs served by the device" "$g" \
		'pvrcu_torture: start: .*grace periods from the virtio-rcu device'
	check_torture_passed "$t: torture ran >= 20 s and passed" "$g" rcu \
		'(2[0-9]|[3-9][0-9]|[1-9][0-9]{2,})'
	check "$t: callback flood kept memory bounded" "$g" \
		'pvrcu_torture: fwd: [1-9][0-9]* callbacks flooded'
	check "$t: the host chained GPs for the flood (VIRTIO_RCU_F_CB_CHAIN)" "$g" \
		'pvrcu_torture: fwd: .* [1-9][0-9]* requests left to the host.s chaining'
	check "$t: torture module unloaded" "$g" 'PVRCU-INIT: pvrcu_torture unloaded'
	check "$t: virtio_rcu unloaded" "$g" 'PVRCU-INIT: virtio_rcu unloaded'
	check_guest_clean "$t" "$g"
	check_not "$t: pvrcud refused nothing" "$p" 'refused'
done
