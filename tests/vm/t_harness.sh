# The harness itself: a guest that never powers off must not hang the
# suite, and a QEMU that crashes must leave a core and a backtrace.
# Neither may leave a QEMU or a pvrcud behind.

# alive_from DIR: the pids in DIR/qemu.pid and DIR/pvrcud.pid still running.
alive_from() {
	local f pid
	for f in "$1/qemu.pid" "$1/pvrcud.pid"; do
		pid=$(cat "$f" 2>/dev/null) || continue
		kill -0 "$pid" 2>/dev/null && echo "$(basename "$f" .pid) $pid"
	done
	true
}

t=harness-hang
echo "== $t (a guest that never powers off, --timeout 20)"
d=$out/$t
start=$SECONDS
bash "$top/images/run-vm.sh" --cpus 1 --accel tcg --test hang --dir "$d" --timeout 20 \
	> "$out/$t.run" 2>&1
rc=$?
took=$((SECONDS - start))
check_true "$t: run-vm.sh failed (exit $rc)" test "$rc" -ne 0
# The whole run counts; --accel tcg skips the accelerator probe (up to a
# minute on a machine's first boot), which is not what is tested here.
check_true "$t: ... within timeout + 15 s (took $took s)" test "$took" -le 35
check "$t: says the guest hung" "$out/$t.run" '^run-vm: guest hung after 20 s'
check "$t: shows the console's last lines" "$out/$t.run" '^  console\| PVRCU-INIT: hanging on purpose'
left=$(alive_from "$d")
check_true "$t: no QEMU or pvrcud left (${left:-none})" test -z "$left"

t=harness-crash
echo "== $t (QEMU killed with SIGSEGV mid-boot)"
d=$out/$t
mkdir -p "$d"
bash "$top/images/run-vm.sh" --cpus 1 --accel tcg --test hang --dir "$d" --timeout 120 \
	> "$out/$t.run" 2>&1 &
runner=$!
for _ in $(seq 600); do
	grep -q 'hanging on purpose' "$d/guest.log" 2>/dev/null && break
	kill -0 "$runner" 2>/dev/null || break
	sleep 0.2
done
kill -SEGV "$(cat "$d/qemu.pid")" 2>/dev/null
wait "$runner"
rc=$?
check_true "$t: run-vm.sh failed (exit $rc)" test "$rc" -ne 0
check "$t: names the signal" "$out/$t.run" '^run-vm: QEMU died by signal 11 \(SIGSEGV\)'
check_true "$t: the core stays in the run directory" sh -c "ls '$d'/core* > /dev/null 2>&1"
check "$t: prints a backtrace of the crashing thread" "$out/$t.run" '^#0 .* in '
check "$t: ... and of every thread" "$d/qemu-backtrace.txt" '^Thread [0-9]+ \(Thread 0x[0-9a-f]+ \(LWP [0-9]+\)\)'
left=$(alive_from "$d")
check_true "$t: no QEMU or pvrcud left (${left:-none})" test -z "$left"
rm -f "$d"/core*	# hundreds of MB; the test has read it
