#!/usr/bin/env bash
# pvrcud's sockets against a second pvrcud on the same path: a live socket
# is refused with "socket in use" and left serving; a dead daemon's stale
# socket is taken over. No VM: pvrcud waits for QEMU, which never comes.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
pvrcud=$top/build/pvrcud
pass=0 fail=0
ok() { echo "  ok   $1"; pass=$((pass + 1)); }
bad() { echo "  FAIL $1"; fail=$((fail + 1)); }
check() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }

if [ ! -x "$pvrcud" ]; then
	echo "  FAIL pvrcud is not built (make host)"
	echo "0 passed, 1 failed"
	exit 1
fi
d=$(mktemp -d /tmp/t_pvrcud_socket.XXXXXX)
pids=()
trap 'kill -KILL "${pids[@]}" 2>/dev/null; rm -rf "$d"' EXIT
sock=$d/vu.sock

# start NAME ARGS...: pvrcud in the background, its pid in $!, log in d/NAME.log
start() {
	local n=$1
	shift
	"$pvrcud" --socket-path="$sock" --state-file=none "$@" 2> "$d/$n.log" &
	pids+=($!)
}
# wait_for COND...: up to 5 s
wait_for() { for _ in $(seq 50); do "$@" && return 0; sleep 0.1; done; return 1; }
listening() { grep -q 'listening on' "$d/$1.log"; }
# exit_of PID: $rc = its exit status once it ends by itself within 5 s;
# else it is killed (it should have exited) and rc=255, "still running".
exit_of() {
	if wait_for sh -c "! kill -0 $1 2>/dev/null"; then
		wait "$1" 2>/dev/null
		rc=$?
	else
		kill -TERM "$1" 2>/dev/null	# pvrcud ends on TERM, quietly
		wait_for sh -c "! kill -0 $1 2>/dev/null" || kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		rc=255
	fi
}

start first
first=$!
check "first pvrcud listens" wait_for listening first

start second
second=$!
exit_of "$second"
check "second pvrcud on a live control socket exits non-zero (exit $rc; 255: still running)" test "$rc" -ne 0 -a "$rc" -ne 255
check "... saying the socket is in use" grep -q 'control socket in use: .*vu.sock.ctl' "$d/second.log"
check "the first still runs" kill -0 "$first"
check "... and still answers pvrcuctl" sh -c "timeout 5 '$top/build/pvrcuctl' -s '$sock.ctl' status > '$d/status.txt' 2>&1"

start third --control-socket=none
third=$!
exit_of "$third"
check "a pvrcud on a live vhost-user socket exits non-zero (exit $rc; 255: still running)" test "$rc" -ne 0 -a "$rc" -ne 255
check "... saying the socket is in use" grep -q "socket in use: .*vu.sock: another server answers there" "$d/third.log"
check "the first's sockets are still there" test -S "$sock" -a -S "$sock.ctl"

{ kill -KILL "$first"; wait "$first"; } 2>/dev/null
check "kill -9 leaves stale sockets behind" test -S "$sock" -a -S "$sock.ctl"
start fourth
fourth=$!
check "a new pvrcud takes the stale sockets over" wait_for listening fourth
check "... and answers pvrcuctl" sh -c "timeout 5 '$top/build/pvrcuctl' -s '$sock.ctl' status > /dev/null 2>&1"
kill -TERM "$fourth"
exit_of "$fourth"

: > "$d/not-a-socket"
"$pvrcud" --socket-path="$d/not-a-socket" --state-file=none --control-socket=none 2> "$d/fifth.log" &
pids+=($!)
fifth=$!
exit_of "$fifth"
check "a regular file at the socket path is refused (exit $rc; 255: still running)" test "$rc" -ne 0 -a "$rc" -ne 255
check "... and left alone" test -f "$d/not-a-socket" -a ! -S "$d/not-a-socket"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
