# pvrcud seen from the host while a guest runs GPs: pvrcuctl reports the
# registration, per-CPU state and GP statistics, with posts per expedited
# GP; the guest's torture (which uses normal and expedited GPs) passes.
t=pvrcuctl
echo "== $t (2 vCPUs, pvrcuctl during the run)"
ctl=$out/$t/vhost-user-rcu.sock.ctl
mkdir -p "$out/$t"
(
	# Wait for the registration (QEMU may first spend up to a minute
	# detecting the accelerator), then sample while the torture runs.
	for _ in $(seq 1800); do
		"$top/build/pvrcuctl" -s "$ctl" status 2>/dev/null | grep -q 'region:  *gpa' && break
		sleep 0.1
	done
	sleep 5
	"$top/build/pvrcuctl" -s "$ctl" status > "$out/$t.status" 2>&1
	"$top/build/pvrcuctl" -s "$ctl" vcpus > "$out/$t.vcpus" 2>&1
	"$top/build/pvrcuctl" -s "$ctl" stats > "$out/$t.stats" 2>&1
	"$top/build/pvrcuctl" -s "$ctl" --json stats > "$out/$t.stats.json" 2>&1
	"$top/build/pvrcuctl" -s "$ctl" set exp_poll_us 20 > "$out/$t.set" 2>&1
	"$top/build/pvrcuctl" -s "$ctl" set exp_poll_us 0 > "$out/$t.setbad" 2>&1
	echo "rc=$?" >> "$out/$t.setbad"
) &
sampler=$!
vm_run "$t" --cpus 2 --test torture_short
wait "$sampler"
g=$out/$t/guest.log
check "$t: torture passed" "$g" 'pvrcu-torture: flavor=rcu .* errors=0 result=PASS$'
check "$t: status shows the registered region" "$out/$t.status" \
	'^region: +gpa 0x[0-9a-f]+, [0-9]+ bytes, 2 CPUs$'
# The tracker's state follows from the accelerator this run used (run-vm
# names it): KVM gives QEMU's vCPUs statistics to follow, TCG has none, so
# pvrcud must say it runs on guest reports alone, and why.
accel=$(sed -n 's/^run-vm: .*, accel=\([a-z]*\), .*/\1/p' "$out/$t.run")
qpid=$(cat "$out/$t/qemu.pid" 2>/dev/null)
p=$out/$t/pvrcud.log
case $accel in
kvm)
	check "$t: status: the tracker follows KVM exits and halts (accel=kvm)" \
		"$out/$t.status" '^tracker: +KVM exits and halts$'
	check "$t: status: both CPUs mapped to vCPUs" "$out/$t.status" \
		'^ +2 of 2 CPUs mapped to vCPUs$'
	check "$t: pvrcud found the vCPU statistics of QEMU pid $qpid" "$p" \
		"info: vCPU tracker: 2 vCPU stats of QEMU pid $qpid\$"
	;;
tcg)
	check "$t: status: the tracker is off (accel=tcg)" "$out/$t.status" \
		'^tracker: +off: guest reports only$'
	check "$t: pvrcud says why: QEMU pid $qpid has no KVM vCPU statistics" "$p" \
		"info: vCPU tracker off: process $qpid has no KVM vCPU statistics \\(TCG\\?\\); guest reports only\$"
	;;
*)
	check_true "$t: run-vm named the accelerator (accel='$accel')" false
	;;
esac
check "$t: vcpus lists cpu 0" "$out/$t.vcpus" '^0 +yes '
check "$t: vcpus lists cpu 1" "$out/$t.vcpus" '^1 +yes '
check "$t: stats count completed GPs" "$out/$t.stats" \
	'^grace periods: +[0-9]+ started, [1-9][0-9]* completed, [1-9][0-9]* expedited'
check "$t: stats report posts per expedited GP" "$out/$t.stats" \
	'for expedited GPs = [0-9]+\.[0-9]+ per expedited GP'
check "$t: stats as JSON" "$out/$t.stats.json" \
	'"gps_completed":[1-9][0-9]*,.*"posts_per_expedited_gp":[0-9.]+'
check "$t: a tunable can be set" "$out/$t.set" '^exp_poll_us = 20 us$'
check "$t: an out-of-range value is refused" "$out/$t.setbad" 'must be 1\.\.'
check "$t: ... with exit status 1" "$out/$t.setbad" '^rc=1$'
check_guest_clean "$t" "$g"
sed 's/^/    pvrcuctl| /' "$out/$t.stats"
