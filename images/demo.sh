#!/usr/bin/env bash
# make demo: boot a 2-vCPU guest with pvrcud serving virtio-rcu and show
# the product at work: the driver's first grace period through the host,
# a short torture and its verdict, pvrcuctl stats of the running VM, and
# pvrcu against the guest kernel's own RCU, measured in the same boot.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/build/demo
rm -rf "$dir"
mkdir -p "$dir"
ctl=$dir/vhost-user-rcu.sock.ctl

echo "== pvrcu demo: pvrcud (host) + virtio_rcu.ko (guest), 2 vCPUs"
# pvrcuctl stats of the running VM, once the guest says the torture ended.
(
	for _ in $(seq 1500); do
		grep -q 'PVRCU-INIT: demo: stats' "$dir/guest.log" 2>/dev/null && break
		sleep 0.2
	done
	timeout 10 "$top/build/pvrcuctl" -s "$ctl" stats > "$dir/stats.txt" 2>&1
) &
sampler=$!
bash "$top/images/run-vm.sh" --cpus 2 --test demo --dir "$dir" --timeout 240 2>&1 |
	tee "$dir/run.log"
rc=${PIPESTATUS[0]}
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
g=$dir/guest.log

echo
echo "== 1. the driver binds and its first grace period goes through pvrcud"
grep -E 'virtio_rcu virtio[0-9]+: (probed|region registered|cpu [0-9]+: event|synchronize)' "$g" |
	head -n 8 | sed "s/^\\[[ 0-9.]*\\] //; s/^/  /"
echo
echo "== 2. a torture: readers check every element that GPs retire"
grep -E 'pvrcu-torture: .*result=' "$g" | sed 's/^\[[ 0-9.]*\] //; s/^/  /'
echo
echo "== 3. pvrcuctl stats of the running VM"
sed 's/^/  /' "$dir/stats.txt" 2>/dev/null
echo
echo "== 4. pvrcu against the guest kernel's own RCU, same boot"
grep -E 'pvrcu_scale: [0-9]+ vCPUs' "$g" | sed 's/^.*pvrcu_scale: /  /'
grep -E 'BENCH ' "$g" | sed 's/^.*BENCH /BENCH /' | awk '
	BEGIN { printf "  %-24s %14s %14s %8s\n", "measurement", "pvrcu", "native", "ratio" }
	{ n = $2; p = $3; k = $4; r = $5
	  sub(/^pvrcu=/, "", p); sub(/^native=/, "", k); sub(/^ratio=/, "", r)
	  printf "  %-24s %14s %14s %8s\n", n, p, k, r }'
echo
echo "  (logs: $g, $dir/pvrcud.log; all numbers are from this machine, $(grep -o 'accel=[a-z]*' "$dir/run.log" | head -n1))"
if [ $rc -eq 0 ] && grep -q 'synchronize: GP request completed' "$g" &&
   grep -Eq 'pvrcu-torture: .*result=PASS$' "$g" && grep -q 'BENCH ' "$g"; then
	echo "demo: OK"
	exit 0
fi
echo "demo: FAILED, see $g, $dir/pvrcud.log and $dir/qemu.log" >&2
exit 1
