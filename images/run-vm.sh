#!/usr/bin/env bash
# Boot the pvrcu guest with pvrcud serving its virtio-rcu device.
#
# usage: run-vm.sh [--cpus N] [--test NAME] [--dir DIR] [--timeout S]
#                  [--accel auto|kvm|tcg] [--pvrcud-args "..."]
#                  [--restart-pvrcud-after S] [--restart-pvrcud-when REGEX]
#
# Starts pvrcud and QEMU (their pids go to DIR/pvrcud.pid and
# DIR/qemu.pid), waits for the guest to power off, stops pvrcud and
# leaves DIR/guest.log (serial console) and DIR/pvrcud.log.
#
# A guest that has not powered off after --timeout S seconds is hung:
# QEMU is stopped (TERM, then KILL), "guest hung after S s" is printed
# with the console's last lines. QEMU runs in DIR with core dumps on; if
# it dies by a signal, its core stays in DIR and a backtrace of every
# thread goes to DIR/qemu-backtrace.txt and stderr.
# Exit status: 0 if the guest ran to the end, 1 otherwise.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC1091
eval "$(sed -n 's/^\([A-Z_]*\) := \(.*\)$/\1="\2"/p' "$top/build/config.mk")"

cpus=2 test=skeleton dir= timeout=180 accel=auto pvrcud_args="" restart_after=
restart_when='PVRCU-INIT: virtio_rcu loaded'
while [ $# -gt 0 ]; do
	case $1 in
	--cpus) cpus=$2; shift 2 ;;
	--test) test=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--pvrcud-args) pvrcud_args=$2; shift 2 ;;
	--restart-pvrcud-after) restart_after=$2; shift 2 ;;
	--restart-pvrcud-when) restart_when=$2; shift 2 ;;
	*) echo "run-vm: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$dir" ] || dir=$(mktemp -d /tmp/pvrcu-vm.XXXXXX)
mkdir -p "$dir"
qemu=$QEMU_PREFIX/bin/qemu-system-x86_64
kernel=$KERNEL_DIR/vmlinuz
initrd=$top/build/initramfs.cpio.gz
sock=$dir/vhost-user-rcu.sock

if [ "$accel" = auto ]; then
	accel=$(sh "$top/images/detect-accel.sh" "$qemu" "$kernel")
fi
cpu_model=max
[ "$accel" = kvm ] && cpu_model=host
echo "run-vm: $cpus vCPUs, accel=$accel, scenario=$test, logs in $dir"

qemu_pid= pvrcud_pid= restarter_pid=
# stop_pid PID: TERM, up to 5 s for it to go, then KILL.
stop_pid() {
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 25); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
	# The restarter first: it may be about to start another pvrcud.
	if [ -n "$restarter_pid" ]; then
		pkill -KILL -P "$restarter_pid" 2>/dev/null || true
		kill -KILL "$restarter_pid" 2>/dev/null || true
	fi
	[ -n "$qemu_pid" ] && stop_pid "$qemu_pid"
	pvrcud_pid=$(cat "$dir/pvrcud.pid" 2>/dev/null || echo "$pvrcud_pid")
	if [ -n "$pvrcud_pid" ] && kill -0 "$pvrcud_pid" 2>/dev/null; then
		kill -TERM "$pvrcud_pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pvrcud_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pvrcud_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

start_pvrcud() {
	# shellcheck disable=SC2086
	"$top/build/pvrcud" --socket-path="$sock" --event-queues="$cpus" \
		$pvrcud_args 2>> "$dir/pvrcud.log" &
	pvrcud_pid=$!
	echo "$pvrcud_pid" > "$dir/pvrcud.pid"
}
start_pvrcud
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	kill -0 "$pvrcud_pid" 2>/dev/null || { cat "$dir/pvrcud.log"; exit 1; }
	sleep 0.05
done

mem=512
# QEMU runs in $dir with core dumps on, so a crash leaves its core there
# (with the kernel's default core_pattern "core"). Guest RAM is a shared
# memfd: coredump_filter 0x31 leaves it out of the core.
core_pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo "?")
case $core_pattern in
'|'*) echo "run-vm: core_pattern pipes cores to '${core_pattern#|}'; a QEMU crash leaves no core in $dir" >&2 ;;
esac
(
cd "$dir"
ulimit -c unlimited 2>/dev/null || true
echo 0x31 > /proc/self/coredump_filter 2>/dev/null || true
exec "$qemu" -machine q35 -accel "$accel" -cpu "$cpu_model" -smp "$cpus" -m "$mem" \
	-object "memory-backend-memfd,id=mem,size=${mem}M,share=on" \
	-machine memory-backend=mem \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 loglevel=7 pvrcu.test=$test" \
	-display none -monitor none -nic none -no-reboot \
	-serial "file:$dir/guest.log" \
	-chardev "socket,id=rcu,path=$sock,reconnect-ms=200" \
	-device "vhost-user-rcu-pci,chardev=rcu,event-queues=$cpus" \
	2> "$dir/qemu.log"
) &
qemu_pid=$!
echo "$qemu_pid" > "$dir/qemu.pid"

# Crash test: S seconds after the guest printed a line matching REGEX,
# kill -9 pvrcud and start a new one on the same socket; QEMU reconnects
# and the new pvrcud resumes from its state file.
if [ -n "$restart_after" ]; then
	(
		until grep -Eq "$restart_when" "$dir/guest.log" 2>/dev/null; do
			sleep 0.2
		done
		sleep "$restart_after"
		old=$(cat "$dir/pvrcud.pid")
		echo "run-vm: kill -9 pvrcud $old" >> "$dir/pvrcud.log"
		kill -KILL "$old"
		sleep 0.5
		start_pvrcud
		echo "run-vm: restarted pvrcud $pvrcud_pid" >> "$dir/pvrcud.log"
		wait
	) &
	restarter_pid=$!
fi

# backtrace: QEMU died by a signal; print every thread's stack from its core.
backtrace() {
	local core
	core=$(ls -t "$dir"/core* 2>/dev/null | head -n1)
	if [ -z "$core" ]; then
		echo "run-vm: no core file in $dir (core_pattern: $core_pattern)" >&2
		return
	fi
	if ! command -v gdb > /dev/null; then
		echo "run-vm: core kept in $core; gdb is not installed (make deps)" >&2
		return
	fi
	timeout 120 gdb -batch -nx -ex 'set pagination off' \
		-ex 'echo == crashing thread\n' -ex bt \
		-ex 'echo == all threads\n' -ex 'thread apply all bt' \
		"$qemu" "$core" > "$dir/qemu-backtrace.txt" 2>&1 || true
	echo "run-vm: core kept in $core; backtrace (also in $dir/qemu-backtrace.txt):" >&2
	grep -E '^(==|#|Thread|Program terminated)' "$dir/qemu-backtrace.txt" | head -n 120 >&2
}

status=0
deadline=$((SECONDS + timeout))
while kill -0 "$qemu_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
	sleep 0.5
done
if kill -0 "$qemu_pid" 2>/dev/null; then
	echo "run-vm: guest hung after $timeout s; QEMU stopped; the console's last lines:" >&2
	stop_pid "$qemu_pid"
	tail -n 20 "$dir/guest.log" 2>/dev/null | sed 's/\r$//; s/^/  console| /' >&2
	status=1
fi
qrc=0
wait "$qemu_pid" 2>/dev/null || qrc=$?
qemu_pid=
if [ "$status" -eq 0 ] && [ "$qrc" -gt 128 ]; then
	sig=$((qrc - 128))
	echo "run-vm: QEMU died by signal $sig (SIG$(kill -l "$sig" 2>/dev/null)); qemu.log:" >&2
	sed 's/^/  qemu| /' "$dir/qemu.log" >&2
	backtrace
	status=1
elif [ "$status" -eq 0 ] && [ "$qrc" -ne 0 ]; then
	echo "run-vm: QEMU exited with status $qrc; qemu.log:" >&2
	sed 's/^/  qemu| /' "$dir/qemu.log" >&2
	status=1
fi
sed -i 's/\r$//' "$dir/guest.log"	# serial consoles end lines with CRLF
grep -q "PVRCU-INIT: done" "$dir/guest.log" || status=1
exit $status
