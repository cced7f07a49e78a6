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

# What the resumed pvrcud found in the region the killed one left: it logs
# the region's gp_seq (and SRCU domains) before rcu-core takes it over.
# check_pvrcud_resumed_mid_gp NAME PVRCUD-LOG rcu|srcu: a GP (an SRCU GP
# on a domain in use) was in progress at the kill; the new pvrcud runs it
# again. check_pvrcud_resumed_idle NAME PVRCUD-LOG: none was.
check_pvrcud_resumed_mid_gp() {
	if [ "$3" = srcu ]; then
		check "$1: killed mid-GP: an SRCU GP was in progress, run again" "$2" \
			'info: resume: [1-9][0-9]* SRCU domains in use, [1-9][0-9]* with a GP in progress \(run again from its first phase\)$'
	else
		check "$1: killed mid-GP: a GP was in progress, run again" "$2" \
			'info: resume: the region.s gp_seq was [0-9]*[13579]: a GP was in progress, run again from scratch$'
	fi
}

check_pvrcud_resumed_idle() {
	check "$1: killed while idle: no GP was in progress" "$2" \
		'info: resume: the region.s gp_seq was [0-9]*[02468]: no GP was in progress$'
	check "$1: ... and no SRCU GP either" "$2" \
		'info: resume: [0-9]+ SRCU domains in use, 0 with a GP in progress'
}

# guest_ram_u64 DIR GPA COUNT: COUNT little-endian u64s of the guest RAM
# of the VM in DIR from guest-physical address GPA, one per line, read
# through QEMU's memory-backend-memfd (run-vm.sh: all RAM below 4 GiB, at
# its guest-physical address).
guest_ram_u64() {
	local fd qpid
	qpid=$(cat "$1/qemu.pid" 2>/dev/null) || return 1
	for fd in /proc/"$qpid"/fd/*; do
		case $(readlink "$fd" 2>/dev/null) in
		/memfd:memory-backend-memfd*)
			od -An -v -w8 -tu8 -j "$(($2))" -N "$((8 * $3))" "$fd" |
				tr -d ' '
			return ;;
		esac
	done
	return 1
}

# region_gp_in_progress DIR rcu|srcu: does the region pvrcud registered
# for the VM in DIR show a GP in progress (rcu: the header's gp_seq; srcu:
# the srcu_gp_seq of a domain in use)? Prints what it read.
region_gp_in_progress() {
	local gpa n ndom dom off seq busy=1 w
	read -r gpa n ndom < <(sed -En \
		's/.*SETUP: region gpa=(0x[0-9a-f]+) len=[0-9]+ cpus=([0-9]+) registered, ([0-9]+) SRCU domains$/\1 \2 \3/p' \
		"$1/pvrcud.log" | tail -n1)
	[ -n "$gpa" ] || return 1
	if [ "$2" = rcu ]; then
		seq=$(guest_ram_u64 "$1" "$gpa" 1) || return 1
		echo "gp_seq $seq"
		[ -n "$seq" ] && [ $((seq & 3)) -ne 0 ]
		return
	fi
	# The SRCU area (virtio_rcu_shm_srcu_off()) in one read: per domain a
	# host line (srcu_gp_seq, srcu_gp_completed, then idx and in_use as
	# u32s), then one line per CPU; 8 u64s a line.
	mapfile -t w < <(guest_ram_u64 "$1" $((gpa + 64 * (1 + 2 * n))) \
				       $((ndom * (1 + n) * 8)))
	[ ${#w[@]} -eq $((ndom * (1 + n) * 8)) ] || return 1
	for ((dom = 0; dom < ndom; dom++)); do
		off=$((dom * (1 + n) * 8))
		[ $((w[off + 2] >> 32)) -eq 1 ] || continue
		seq=${w[off]}
		echo "SRCU domain $dom srcu_gp_seq $seq"
		[ $((seq & 3)) -ne 0 ] && busy=0
	done
	return $busy
}

# freeze_pvrcud_mid_gp DIR rcu|srcu REGEX DELAY: run in the background
# beside a vm_run with --restart-pvrcud-when REGEX and
# --restart-pvrcud-after more than DELAY + 1 s. DELAY s after the guest
# printed REGEX, stop pvrcud (SIGSTOP) and look at the region: no GP in
# progress, let it go on (SIGCONT) and look again 20 ms later. A stopped
# pvrcud cannot end its GP, so run-vm's kill -9 lands mid-GP; the resumed
# pvrcud's log is the proof (check_pvrcud_resumed_mid_gp). What it did
# goes to DIR/freeze.log.
freeze_pvrcud_mid_gp() {
	local dir=$1 pid i
	for ((i = 0; i < 3000; i++)); do
		grep -Eq "$3" "$dir/guest.log" 2>/dev/null && break
		sleep 0.1
	done
	sleep "$4"
	pid=$(cat "$dir/pvrcud.pid" 2>/dev/null) || return 1
	for ((i = 1; i <= 50; i++)); do
		kill -STOP "$pid" 2>/dev/null || break
		if region_gp_in_progress "$dir" "$2" >> "$dir/freeze.log"; then
			echo "pvrcud $pid stopped mid-GP (look $i)" >> "$dir/freeze.log"
			return 0
		fi
		kill -CONT "$pid" 2>/dev/null
		sleep 0.02
	done
	echo "pvrcud $pid: found no GP in progress" >> "$dir/freeze.log"
	return 1
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
