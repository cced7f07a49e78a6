#!/usr/bin/env bash
# VM integration tests: boot the guest under QEMU with pvrcud and assert
# on what the guest driver printed on the serial console and what pvrcud
# logged. run-vm.sh starts both and kills them by pid when it returns.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
. "$top/tests/vm/lib.sh"
out=$top/build/vm-tests
rm -rf "$out"
mkdir -p "$out"

# --- skeleton: probe, register, one GP, per-CPU events, clean removal ---
t=skeleton
echo "== $t (2 vCPUs)"
bash "$top/images/run-vm.sh" --cpus 2 --test skeleton --dir "$out/$t" \
	--timeout 180 > "$out/$t.run" 2>&1
rc=$?
g=$out/$t/guest.log p=$out/$t/pvrcud.log
check_true "$t: guest ran to the end (run-vm exit $rc)" test "$rc" -eq 0
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
grep -E 'virtio_rcu|PVRCU-INIT' "$g" | sed 's/^/    guest| /'

vm_summary
