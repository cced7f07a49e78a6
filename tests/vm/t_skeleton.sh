# Walking skeleton: probe, register, one GP, per-CPU events, clean removal.
t=skeleton
echo "== $t (2 vCPUs)"
vm_run "$t" --cpus 2 --test skeleton
g=$out/$t/guest.log p=$out/$t/pvrcud.log
check "$t: driver probed" "$g" 'virtio_rcu virtio[0-9]+: probed: 2 event queues, 2 CPUs'
check "$t: region registered" "$g" 'virtio_rcu virtio[0-9]+: region registered: gpa=0x[0-9a-f]+ len=[0-9]+'
check "$t: GP request completed" "$g" 'synchronize: GP request completed, gp_seq=[1-9][0-9]*'
for cpu in 0 1; do
	check "$t: event for cpu $cpu handled on cpu $cpu" "$g" \
		"cpu $cpu: event REPORT_QS gp=[0-9]+ handled on cpu $cpu\$"
done
check "$t: driver removed cleanly" "$g" 'virtio_rcu virtio[0-9]+: removed'
check_guest_clean "$t" "$g"
check "$t: pvrcud served SETUP" "$p" 'SETUP: region gpa=0x[0-9a-f]+ len=[0-9]+ cpus=2 registered'
check "$t: pvrcud released the region on TEARDOWN" "$p" 'released: TEARDOWN'
check_not "$t: pvrcud refused nothing" "$p" 'refused'
check_true "$t: pvrcud was stopped" sh -c "! kill -0 \$(cat '$out/$t/pvrcud.pid') 2>/dev/null"
