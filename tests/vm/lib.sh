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

check_not() {	# check_not NAME FILE REGEX: no line may match (FILE must exist)
	if [ ! -r "$2" ]; then
		echo "  FAIL $1 (no file $(basename "$2"))"
		vm_fail=$((vm_fail + 1))
	elif grep -Eq -- "$3" "$2"; then
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

# check_torture_passed NAME FILE FLAVOR DURATION-REGEX: the torture's final
# line, with reads, GPs and callbacks all non-zero and no error.
check_torture_passed() {
	check "$1" "$2" \
		"pvrcu-torture: flavor=$3 duration=$4 reads=[1-9][0-9]* gps=[1-9][0-9]* callbacks=[1-9][0-9]* errors=0 result=PASS\$"
}

# check_pvrcud_resumed NAME PVRCUD-LOG CPUS: run-vm killed pvrcud with -9
# and the new one resumed the guest's region.
check_pvrcud_resumed() {
	check "$1: pvrcud was killed with -9" "$2" '^run-vm: kill -9 pvrcud [0-9]+$'
	check "$1: the new pvrcud resumed the region" "$2" \
		"resumed region gpa=0x[0-9a-f]+ len=[0-9]+ cpus=$3 at gp_seq [0-9]+"
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
