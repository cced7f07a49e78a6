#!/usr/bin/env bash
# VM integration tests: boot the guest under QEMU with pvrcud and assert
# on what the guest printed on its serial console and what pvrcud logged.
# Runs every tests/vm/t_*.sh (or those named as arguments). run-vm.sh
# starts pvrcud and QEMU and kills both by pid when it returns.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
. "$top/tests/vm/lib.sh"
# VM_TEST_OUT lets two runs (or a developer and a test) work side by side;
# the default is wiped and made anew by every run.
out=${VM_TEST_OUT:-$top/build/vm-tests}
rm -rf "$out"
mkdir -p "$out"

# vm_run NAME [run-vm.sh args]: boot, check the guest ran to the end, and
# echo the guest's pvrcu lines (torture verdicts, BENCH lines) to stdout.
vm_run() {
	local name=$1 rc
	shift
	bash "$top/images/run-vm.sh" --dir "$out/$name" --timeout 300 "$@" \
		> "$out/$name.run" 2>&1
	rc=$?
	check_true "$name: guest ran to the end (run-vm exit $rc)" test "$rc" -eq 0
	# Why not: a hang with the console's last lines, a QEMU crash with
	# its backtrace (run-vm.sh prints them).
	[ "$rc" -eq 0 ] || grep -E '^(run-vm: |  (console|qemu)\| |==|#[0-9]|Thread )' \
		"$out/$name.run" | sed 's/^/    run-vm| /'
	grep -E 'virtio_rcu|pvrcu|PVRCU-INIT|BENCH' "$out/$name/guest.log" 2>/dev/null |
		sed 's/^/    guest| /'
}

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("$top"/tests/vm/t_*.sh)
for t in "${tests[@]}"; do
	# shellcheck disable=SC1090
	. "$t"
done
vm_summary
