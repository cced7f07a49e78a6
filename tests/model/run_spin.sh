#!/usr/bin/env bash
# Model checks of the guest/host protocol (rcu-core/model/*.pml) with SPIN.
#
# Every case is built in its own temporary directory: spin -a (+ -D flags)
# -> pan.c -> gcc -> pan. The correct protocol must verify with "errors: 0"
# over the whole bounded state space; every mutant (one rule weakened by a
# -D switch) must make pan find the counterexample of the kind named for
# it (an assertion violation, or for the liveness mutant an acceptance
# cycle). A case whose search was cut short (memory, depth) fails.
#
#   tests/model/run_spin.sh [--deep] [--keep] [-j N] [CASE-GLOB...]
#
#   --deep    larger bounds (minutes, several GB of memory per job)
#   --keep    keep the work directories (trails, pan output) and say where
#   -j N      parallel jobs (default: number of CPUs)
#   CASE-GLOB run only the cases whose name matches (shell pattern)
#
# Prints "ok   <case> (...)" or "FAIL <case> (...)" per case and, last,
# "N passed, N failed"; exits 1 if anything failed.
# Replay a counterexample: cd into the kept directory of the case and run
# `spin -t <flags> <model>.pml` (the flags are in its `spin-flags` file).
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
models=$top/rcu-core/model

deep=0 keep=0 jobs=$(nproc 2>/dev/null || echo 2)
filters=()
while [ $# -gt 0 ]; do
	case $1 in
	--deep) deep=1 ;;
	--keep) keep=1 ;;
	-j) shift; jobs=$1 ;;
	-j*) jobs=${1#-j} ;;
	-h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run_spin.sh: unknown option $1" >&2; exit 2 ;;
	*) filters+=("$1") ;;
	esac
	shift
done

for tool in spin gcc; do
	command -v $tool >/dev/null || { echo "run_spin.sh: $tool not found" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pvrcu-spin.XXXXXX")
if [ $keep = 0 ]; then
	trap 'rm -rf "$work"' EXIT
fi

# ---- the cases -------------------------------------------------------------
# name | model | mode (safety|live) | expect (pass|assert|cycle) | -D flags
# The models' own defaults (#ifndef blocks) are the base; these add to it.
if [ $deep = 0 ]; then
	QS=""				# 2 CPUs: CPU 0 full, CPU 1 idle; 1 update
	QS_VAR=$QS			# variants of the correct protocol
	QS_RICH="-DNCPU=1 -DNUPD=2 -DNREADS=2"	# 1 CPU, 2 updates, 2 sections
	QS_LIVE="-DNCPU=1"
	QS_WEAK="-DNCPU=1"
	QS_WEAK_LIVE="-DNCPU=1"
	# one post per GP (no crash, which would re-arm and post again), two
	# GPs; no nesting, no halt, to stay small
	QS_NPOST1="-DNCPU=1 -DNUPD=2 -DNPOST=1 -DNRESTART=0 -DTASK_NEST=1 -DMAXHALT=0"
	SRCU=""				# 2 CPUs, 2 migrating readers, 3 updates
	SRCU_LIVE=""
	CHAIN=""			# 3 callbacks
	MEMLIM=${PAN_MEMLIM:-4000} HASHW=24 COLLAPSE="" OPT=-O1
else
	QS="-DNREADS1=1"		# CPU 1 runs a reader too
	QS_VAR="-DMAXEXIT1=1"		# CPU 1 exits too
	QS_RICH="-DNCPU=1 -DNUPD=2 -DNREADS=2 -DSB=3 -DMAXEXIT=2 -DMAXHALT=2 -DNIRQREAD=2"
	QS_LIVE="-DNCPU=1 -DNUPD=2"
	QS_WEAK="-DNCPU=1 -DNUPD=2 -DNREADS=2 -DSB=3"
	QS_WEAK_LIVE="-DNCPU=1 -DNUPD=2"
	QS_NPOST1="-DNCPU=1 -DNUPD=2 -DNPOST=1"
	SRCU="-DNSEC=2"
	SRCU_LIVE="-DNSEC=2 -DNUPD=2"
	CHAIN="-DNCB=5"
	MEMLIM=${PAN_MEMLIM:-9000} HASHW=27 COLLAPSE="-DCOLLAPSE" OPT=-O2
fi

cases=(
# the protocol as specified: must verify
"qs.safety|qs|safety|pass|$QS"
"qs.safety.need_qs_first|qs|safety|pass|-DNEED_QS_FIRST $QS_VAR"
"qs.liveness|qs|live|pass|$QS_LIVE"
"qs.weak.safety|qs|safety|pass|-DWEAK $QS_WEAK"
"qs.weak.liveness|qs|live|pass|-DWEAK $QS_WEAK_LIVE"
# the unlock report runs with interrupts off: one post per GP suffices
"qs.liveness.npost1|qs|live|pass|$QS_NPOST1"
# mutants: each must fail
"qs.mutant.no_exit|qs|safety|assert|-DMUTANT_NO_EXIT $QS"
"qs.mutant.nest_before_exit|qs|safety|assert|-DMUTANT_NEST_BEFORE_EXIT $QS"
"qs.mutant.restart_trusts_old|qs|safety|assert|-DMUTANT_RESTART_TRUSTS_OLD $QS"
"qs.mutant.no_mb.weak|qs|safety|assert|-DWEAK -DMUTANT_NO_MB $QS_WEAK"
"qs.mutant.no_release.weak|qs|safety|assert|-DWEAK -DMUTANT_NO_RELEASE $QS_WEAK"
"qs.mutant.no_post|qs|live|cycle|-DMUTANT_NO_POST $QS_LIVE"
# the unlock report with interrupts on (before de26217): a post's report is
# overwritten by the older qs_seq, and with one post per GP the GP never ends
"qs.mutant.irq_on_report|qs|live|cycle|-DMUTANT_IRQ_ON_REPORT $QS_NPOST1"
# item 7's readers (preempt-, bh-, irq-disabled regions, handlers) on a
# Linux CPU: reports only outside all of them, no host source believes nesting
"implicit.safety|implicit|safety|pass|"
"implicit.liveness|implicit|live|pass|"
"implicit.mutant.nesting_only|implicit|safety|assert|-DMUTANT_NESTING_ONLY"
"implicit.mutant.pc_exit|implicit|safety|assert|-DMUTANT_PC_EXIT"
"implicit.mutant.unlock_any|implicit|safety|assert|-DMUTANT_UNLOCK_ANY"
"implicit.mutant.idle_any|implicit|safety|assert|-DMUTANT_IDLE_ANY"
"implicit.mutant.no_work|implicit|live|cycle|-DMUTANT_NO_WORK"
"srcu.safety|srcu|safety|pass|$SRCU"
"srcu.liveness|srcu|live|pass|$SRCU_LIVE"
"srcu.mutant.one_phase|srcu|safety|assert|-DMUTANT_SRCU_ONE_PHASE $SRCU"
"srcu.mutant.locks_first|srcu|safety|assert|-DMUTANT_SRCU_LOCKS_FIRST $SRCU"
"srcu.mutant.no_mb|srcu|safety|assert|-DMUTANT_SRCU_NO_MB $SRCU"
# VIRTIO_RCU_F_CB_CHAIN: callbacks queued without a request are never stranded
"chain.no_stranded_cookie|chain|safety|pass|$CHAIN"
"chain.mutant.no_mb|chain|safety|assert|-DMUTANT_CHAIN_NO_MB $CHAIN"
"chain.mutant.no_reread|chain|safety|assert|-DMUTANT_CHAIN_NO_REREAD $CHAIN"
"chain.mutant.uncover|chain|safety|assert|-DMUTANT_CHAIN_UNCOVER $CHAIN"
)
# Larger or merely informative cases: --deep only, so make check stays
# around 25 s on 2 cores.
if [ $deep = 1 ]; then
	cases+=(
	"qs.safety.rich|qs|safety|pass|$QS_RICH"
	# on x86-TSO the report's smp_mb() is redundant: this verifies too
	"qs.tso_no_mb_is_safe|qs|safety|pass|-DMUTANT_NO_MB $QS_VAR"
	)
fi
if [ $deep = 1 ]; then
	cases+=(
	"qs.safety.cpu1_exits|qs|safety|pass|-DMAXEXIT1=1"
	"qs.liveness.2cpu|qs|live|pass|"
	"qs.safety.two_updates|qs|safety|pass|-DNUPD=2"
	"srcu.safety.three_readers|srcu|safety|pass|-DNRD=3"
	)
fi

selected() {
	[ ${#filters[@]} = 0 ] && return 0
	local f
	for f in "${filters[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $f ]] && return 0
	done
	return 1
}

# ---- one case: writes $dir/result (one line) -------------------------------
run_case() {
	local name=$1 model=$2 mode=$3 expect=$4 flags=$5
	local dir=$work/$name t0 t1 out errs states ptime verdict why
	mkdir -p "$dir"
	cp "$models/$model.pml" "$dir/"
	echo "$flags" > "$dir/spin-flags"
	t0=$(date +%s.%N)
	(
		cd "$dir" || exit 1
		if [ "$mode" = live ]; then
			# shellcheck disable=SC2086
			spin -a -DLIVE $flags "$model.pml" > spin.out 2>&1 &&
			gcc $OPT -w -DNFAIR=6 -DMEMLIM=$MEMLIM -o pan pan.c \
				> cc.out 2>&1 &&
			./pan -a -f -m500000 -w$HASHW > pan.out 2>&1
		else
			# shellcheck disable=SC2086
			spin -a $flags "$model.pml" > spin.out 2>&1 &&
			gcc $OPT -w -DSAFETY -DMEMLIM=$MEMLIM $COLLAPSE -o pan pan.c \
				> cc.out 2>&1 &&
			./pan -m500000 -w$HASHW > pan.out 2>&1
		fi
		exit 0
	)
	t1=$(date +%s.%N)
	out=$dir/pan.out
	errs=$(grep -oE 'errors: [0-9]+' "$out" 2>/dev/null | awk '{print $2}')
	states=$(awk '/states, stored/ {print $1; exit}' "$out" 2>/dev/null)
	ptime=$(grep -oE 'elapsed time [0-9.e+-]+' "$out" 2>/dev/null | awk '{print $3}')
	verdict=FAIL why=""
	if [ -z "$errs" ]; then
		why="no verdict from pan: $(cat "$dir/spin.out" "$dir/cc.out" "$out" 2>/dev/null | grep -m1 -iE 'error|warn|killed' )"
	elif grep -qE 'max search depth too small|reached -DMEMLIM|out of memory' "$out"; then
		why="search incomplete: $(grep -m1 -oE 'max search depth too small|reached -DMEMLIM[^)]*|out of memory' "$out")"
	else
		case $expect in
		pass)
			if [ "$errs" = 0 ]; then verdict=ok; else
				why="unexpected: $(grep -m1 -oE 'pan:1: [^(]*' "$out")"
			fi ;;
		assert)
			if [ "$errs" -ge 1 ] && grep -q 'pan:1: assertion violated' "$out"; then
				verdict=ok why="found: $(grep -m1 -oE 'assertion violated +[^ ]+' "$out" | tr -s ' ')"
			else
				why="no assertion violation found (errors: $errs)"
			fi ;;
		cycle)
			if [ "$errs" -ge 1 ] && grep -q 'pan:1: acceptance cycle' "$out"; then
				verdict=ok why="found: acceptance cycle"
			else
				why="no acceptance cycle found (errors: $errs)"
			fi ;;
		esac
	fi
	printf '%-4s %s (%s states, pan %ss, total %.1fs%s)\n' "$verdict" "$name" \
		"${states:-?}" "${ptime:-?}" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
		"${why:+; $why}" > "$dir/result"
}

# ---- run them, $jobs at a time ---------------------------------------------
names=()
running=0
for c in "${cases[@]}"; do
	IFS='|' read -r name model mode expect flags <<< "$c"
	selected "$name" || continue
	names+=("$name")
	run_case "$name" "$model" "$mode" "$expect" "$flags" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

pass=0 fail=0
for name in "${names[@]}"; do
	if [ -f "$work/$name/result" ]; then
		cat "$work/$name/result"
		read -r v _ < "$work/$name/result"
	else
		echo "FAIL $name (no result)"
		v=FAIL
	fi
	if [ "$v" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
[ $keep = 1 ] && echo "work directories kept in $work"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
