# Helpers for VM tests: assertions over what the guest and pvrcud printed.
# Every check prints "ok" or "FAIL" with its name; vm_summary prints the
# closing "N passed, N failed" line and sets the exit status.

vm_pass=0
vm_fail=0

check() {	# check NAME FILE REGEX: FILE must contain a line matching REGEX
	if grep -Eq -- "$3" "$2"; then
		echo "  ok   $1"
		vm_pass=$((vm_pass + 1))
	else
		echo "  FAIL $1 (no line matching /$3/ in $(basename "$2"))"
		vm_fail=$((vm_fail + 1))
	fi
}

check_not() {	# check_not NAME FILE REGEX: no line may match
	if grep -Eq -- "$3" "$2"; then
		echo "  FAIL $1: $(grep -Em1 -- "$3" "$2")"
		vm_fail=$((vm_fail + 1))
	else
		echo "  ok   $1"
		vm_pass=$((vm_pass + 1))
	fi
}

check_true() {	# check_true NAME COMMAND...
	local name=$1
	shift
	if "$@"; then
		echo "  ok   $name"
		vm_pass=$((vm_pass + 1))
	else
		echo "  FAIL $name"
		vm_fail=$((vm_fail + 1))
	fi
}

# The guest must not have oopsed, warned or hit a BUG.
check_guest_clean() {
	check_not "$1: no oops/WARN/BUG in the guest" "$2" \
		'Oops|BUG:|WARNING:|Call Trace|general protection|Kernel panic'
}

vm_summary() {
	echo "vm-tests: $vm_pass passed, $vm_fail failed"
	echo "$vm_pass passed, $vm_fail failed"
	[ "$vm_fail" -eq 0 ]
}
