# pvrcu_scale: pvrcu against the guest kernel's own RCU in one 4-vCPU run.
# The numbers go to docs/BENCHMARKS.md. No timing bars (the machines are
# noisy, and nothing here says which side must be faster), but every line
# must be one a correct run prints: measured against the device, each
# value a number in its unit, times and rates positive, interrupt counts
# non-negative, and the ratio pvrcu/native as printed.
t=scale
echo "== $t (4 vCPUs)"
vm_run "$t" --cpus 4 --test scale
g=$out/$t/guest.log
check "$t: measured against the device" "$g" \
	'pvrcu_scale: 4 vCPUs, measuring on CPU [0-9]+; grace periods from the virtio-rcu device$'
check_not "$t: ... not the kernel's RCU (no device)" "$g" 'pvrcu_scale: .*no device'

# check_bench NAME UNIT positive|nonneg: the one BENCH line of NAME has
# pvrcu=P and native=N in UNIT, both > 0 (positive: times, rates) or >= 0
# (nonneg: interrupt counts), and ratio=R with R = P/N truncated to two
# decimals as pvrcu_scale's bench_line() computes it (one unit of the last
# digit of slack), or R = inf exactly when N is 0.
check_bench() {
	local name=$1 unit=$2 sign=$3 n line re pv nat r want why=
	n=$(grep -c "BENCH $name " "$g")
	line=$(grep -o "BENCH $name .*" "$g" | head -n1)
	re="^BENCH $name pvrcu=([0-9]+)\.([0-9]{2})$unit native=([0-9]+)\.([0-9]{2})$unit ratio=(([0-9]+)\.([0-9]{2})|inf)\$"
	if [ "$n" -ne 1 ]; then
		why="$n lines"
	elif ! [[ $line =~ $re ]]; then
		why="not BENCH $name pvrcu=V.VV$unit native=V.VV$unit ratio=R: $line"
	else
		pv=$((10#${BASH_REMATCH[1]} * 100 + 10#${BASH_REMATCH[2]}))
		nat=$((10#${BASH_REMATCH[3]} * 100 + 10#${BASH_REMATCH[4]}))
		if [ "$sign" = positive ] && [ "$pv" -eq 0 ]; then
			why="pvrcu is 0: $line"
		elif [ "$sign" = positive ] && [ "$nat" -eq 0 ]; then
			why="native is 0: $line"
		elif [ "$nat" -eq 0 ]; then
			[ "${BASH_REMATCH[5]}" = inf ] || why="native 0 but ratio not inf: $line"
		elif [ "${BASH_REMATCH[5]}" = inf ]; then
			why="ratio inf but native not 0: $line"
		else
			r=$((10#${BASH_REMATCH[6]} * 100 + 10#${BASH_REMATCH[7]}))
			want=$((pv * 100 / nat))
			[ $((r - want)) -le 1 ] && [ $((want - r)) -le 1 ] ||
				why="ratio $r/100, pvrcu/native is $want/100: $line"
		fi
	fi
	check_true "$t: BENCH $name: $sign values in $unit, ratio = pvrcu/native${why:+ ($why)}" \
		test -z "$why"
}
check_bench read_lock_unlock ns positive
check_bench synchronize us positive
check_bench synchronize_expedited us positive
check_bench irqs_per_expedited_gp irq nonneg
check_bench callback_throughput kcb/s positive
for k in normal expedited; do
	check "$t: $k GPs: host posts and device interrupts per GP" "$g" \
		"pvrcu_scale: $k: per GP [0-9]+\.[0-9]{2} host posts, [0-9]+\.[0-9]{2} virtio-rcu interrupts\$"
done
check "$t: the driver counted its events" "$g" \
	'virtio_rcu virtio[0-9]+: removed \([0-9]+ events, [0-9]+ handed over, [0-9]+ callbacks pending\)$'
check "$t: pvrcu_scale unloaded" "$g" 'PVRCU-INIT: pvrcu_scale unloaded'
check_guest_clean "$t" "$g"
