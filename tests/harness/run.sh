#!/usr/bin/env bash
# Tests of the harness and the build recipes, no VM: every
# tests/harness/t_*.sh (or those named) prints "ok"/"FAIL"/"skip" lines and
# its own "N passed, N failed"; this adds them up into one closing line.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("$top"/tests/harness/t_*.sh)
for t in "${tests[@]}"; do
	[ -e "$t" ] || continue
	echo "== $(basename "$t")"
	out=$(bash "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed' 
	p=$(printf '%s\n' "$out" | grep -c '^  ok ')
	f=$(printf '%s\n' "$out" | grep -c '^  FAIL ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  FAIL $(basename "$t") exited $rc with no FAIL line"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f))
done
echo "harness: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
