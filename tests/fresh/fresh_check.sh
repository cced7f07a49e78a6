#!/usr/bin/env bash
# fresh_check.sh: does a new user on a fresh Debian bookworm machine reach
# green with the README's two commands? (make fresh-check runs this.)
#
# It debootstraps a minimal bookworm root (minbase + git, make,
# ca-certificates) from the URI of this machine's own Debian apt entry,
# gives it this machine's apt sources, apt.conf.d settings and resolv.conf,
# makes the root a mount point with proc, sys and /dev (with /dev/pts,
# /dev/shm and /dev/kvm) inside, clones this repository's HEAD into
# /root/pvrcu there, and runs `make demo`, then `make check`, in a chroot
# with a clean environment (env -i: HOME, PATH, TERM, LANG=C.UTF-8, USER,
# LOGNAME; no CI). At the end, one line per command:
#
#   fresh-check: make demo exit=0 duration=4m12s log=build/fresh/make-demo.log
#
# The run passes (exit 0) only if both commands exit 0, no test printed a
# "  skip " line, and the check log's summary lines show no failures.
# Whatever it started is stopped and unmounted on every way out
# (normal end, error, INT, TERM); then the root is deleted.
#
# Only committed work is tested: the clone is of HEAD, and uncommitted
# changes in the working tree are not in it (a warning says so).
#
# Takes about 20 minutes on 2 cores (QEMU is built from source inside
# the root), plus a few minutes for debootstrap the first time each day.
# Must be run as root (debootstrap, mount, chroot). Run it after any
# change to images/deps.sh, anything under images/, or the Makefile:
# CI's machine already has what a fresh machine lacks.
#
# usage: fresh_check.sh [--root DIR] [--keep] [--no-cache] [--log-dir DIR]
#
#   --root DIR     the fresh root; must not exist yet (env PVRCU_FRESH_ROOT;
#                  default: a new /var/tmp/pvrcu-fresh.XXXXXX)
#   --keep         leave the root (unmounted) for inspection
#   --no-cache     debootstrap afresh and neither read nor write the cache
#                  of the debootstrapped base, PVRCU_CACHE/fresh-base-DATE.tar
#                  (PVRCU_CACHE defaults to /var/cache/pvrcu; one tarball a
#                  day, older ones are removed; it holds nothing of pvrcu)
#   --log-dir DIR  logs (env PVRCU_FRESH_LOGS; default build/fresh of this
#                  tree): debootstrap.log, make-demo.log, make-check.log
#
# Time limits (timeout --kill-after): PVRCU_FRESH_DEMO_TIMEOUT (45m),
# PVRCU_FRESH_CHECK_TIMEOUT (60m).
#
# For testing this script only: --only-cmd CMD (or PVRCU_FRESH_ONLY_CMD)
# runs CMD with bash -c in the root, in place of make demo and make check;
# PVRCU_FRESH_DEMO_CMD and PVRCU_FRESH_CHECK_CMD replace the two commands
# (the verdict on their logs is the same).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel)

root=${PVRCU_FRESH_ROOT:-}
keep=0
use_cache=1
log_dir=${PVRCU_FRESH_LOGS:-$top/build/fresh}
cache_dir=${PVRCU_CACHE:-/var/cache/pvrcu}
only_cmd=${PVRCU_FRESH_ONLY_CMD:-}
demo_timeout=${PVRCU_FRESH_DEMO_TIMEOUT:-45m}
check_timeout=${PVRCU_FRESH_CHECK_TIMEOUT:-60m}
demo_cmd=${PVRCU_FRESH_DEMO_CMD:-make demo}
check_cmd=${PVRCU_FRESH_CHECK_CMD:-make check}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
say() { echo "fresh-check: $*"; }
die() { echo "fresh-check: $*" >&2; exit 1; }
# Tool output we echo may name the mirror; show only the scheme.
mask() { sed -E 's#([a-z+]+://)[^/[:space:]]+#\1...#g'; }

while [ $# -gt 0 ]; do
	case $1 in
	--root) root=${2:?--root needs a directory}; shift 2 ;;
	--keep) keep=1; shift ;;
	--no-cache) use_cache=0; shift ;;
	--log-dir) log_dir=${2:?--log-dir needs a directory}; shift 2 ;;
	--only-cmd) only_cmd=${2:?--only-cmd needs a command}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "fresh-check: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
done

[ "$(id -u)" = 0 ] || die "must be run as root (debootstrap, mount, chroot)"

# The machine's Debian bookworm mirror, as images/apt-backports.sh finds it.
debian_uri() { sh "$top/images/apt-debian-uri.sh" 2>/dev/null || true; }

fmt_dur() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# ---- what is running or mounted inside the root -------------------------

# Processes whose root directory is the fresh root or below it. A process
# in a mount namespace of its own (the libvirt tests unshare one) may show
# another path: its root's device and inode still match.
procs_in_root() {	# procs_in_root [PID...]: those of PIDs (or of all) in the root
	local p r id
	id=$(stat -c '%d:%i' "$root" 2>/dev/null) || return 0
	if [ $# -eq 0 ]; then
		set -- /proc/[0-9]*
		set -- "${@#/proc/}"
	fi
	for p in "$@"; do
		[ "$p" = "$$" ] && continue
		r=$(readlink "/proc/$p/root" 2>/dev/null) || continue
		if [ "$r" = "$root" ] || [[ $r == "$root"/* ]]; then
			echo "$p"
		elif [ "$r" != / ] && [ "$(stat -L -c '%d:%i' "/proc/$p/root" 2>/dev/null)" = "$id" ]; then
			echo "$p"
		fi
	done
}

kill_in_root() {	# TERM, then KILL; each wait bounded
	local sig pids
	for sig in TERM KILL KILL; do
		pids=$(procs_in_root)
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		say "cleanup: $sig to processes in the root: $(ps -o pid=,comm= -p "$(echo $pids | tr ' ' ,)" | awk '{printf "%s%s(%s)", sep, $2, $1; sep=" "}')"
		# shellcheck disable=SC2086
		kill -"$sig" $pids 2>/dev/null || true
		for _ in $(seq 50); do	# up to 10 s
			# shellcheck disable=SC2086
			[ -z "$(procs_in_root $pids)" ] && break
			sleep 0.2
		done
	done
	pids=$(procs_in_root)
	[ -z "$pids" ] || { say "cleanup: still in the root after KILL: $pids" >&2; return 1; }
}

# Mount points at or under the root, deepest first (the root path has no
# blanks, so mountinfo's octal escapes do not arise).
mounts_under() {
	awk -v r="$root" '$5 == r || index($5, r "/") == 1 { n = gsub("/", "/", $5); print n, $5 }' \
		/proc/self/mountinfo | sort -rn -k1,1 | cut -d' ' -f2-
}

unmount_all() {
	local m
	for _ in 1 2 3; do
		[ -n "$(mounts_under)" ] || return 0
		timeout 60 umount -R "$root" 2>/dev/null || true
		while read -r m; do
			timeout 30 umount "$m" 2>/dev/null || true
		done < <(mounts_under)
	done
	# Last resort: detach what is still busy; nothing of it is reachable
	# through the root's path afterwards.
	while read -r m; do
		say "cleanup: lazy unmount of $m" >&2
		timeout 30 umount -l "$m" || true
	done < <(mounts_under)
	[ -z "$(mounts_under)" ]
}

# ---- cleanup, on every way out ------------------------------------------

cmd_pid="" tail_pid="" made_root=0 cleaned=0
stop_pid() {	# stop_pid PID: TERM, up to 10 s, then KILL
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
	local ok=1 left
	[ "$cleaned" = 1 ] && return 0
	cleaned=1
	trap '' INT TERM	# a second ^C must not cut the cleanup short
	set +e
	# the command's timeout first: it passes TERM on to its process group
	stop_pid "$cmd_pid"
	cmd_pid=""
	if [ "$made_root" = 1 ]; then
		kill_in_root || ok=0
		unmount_all || ok=0
		left=$(mounts_under)
		if [ -n "$left" ]; then
			say "cleanup: still mounted, root NOT deleted: ${left//$'\n'/ }" >&2
		elif [ "$keep" = 1 ]; then
			say "cleanup: root kept (unmounted) in $root"
		elif [ "$ok" = 1 ]; then
			# --one-file-system: never into a file system mounted below
			timeout 900 rm -rf --one-file-system -- "$root"
			if [ -e "$root" ]; then
				say "cleanup: could not delete $root" >&2
			else
				say "cleanup: nothing mounted under $root, root deleted"
			fi
		else
			say "cleanup: processes left in the root, root NOT deleted: $root" >&2
		fi
	fi
	stop_pid "$tail_pid"
	tail_pid=""
	set -e
}
# Long steps run in the background with a wait: a trapped INT or TERM
# interrupts a wait at once, where it would wait for a foreground command
# to end. The step's own timeout makes it a group of its own; cleanup
# stops it through cmd_pid.
run_bg() {	# run_bg CMD...
	local rc=0
	"$@" 3>&- 4>&- &
	cmd_pid=$!
	wait "$cmd_pid" || rc=$?
	cmd_pid=""
	return "$rc"
}
exec 3>&1 4>&2	# our own output, for cleanup run from inside a redirected step
on_exit() {
	local rc=$?
	trap '' INT TERM
	exec 1>&3 2>&4
	[ "$cleaned" = 1 ] || { [ "$rc" -ne 0 ] && say "stopped (exit $rc), cleaning up" >&2; cleanup; }
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the root -------------------------------------------------------------

# The root is deleted at the end: it must be a new directory of ours.
if [ -z "$root" ]; then
	mkdir -p /var/tmp
	root=$(realpath "$(mktemp -d /var/tmp/pvrcu-fresh.XXXXXX)")
else
	root=$(realpath -m -- "$root")
	[[ $root != / && $root != *[[:space:]\\]* ]] || die "unusable root path: $root"
	[ ! -e "$root" ] || die "$root exists: name a root that does not exist yet"
	mkdir -p -- "$(dirname "$root")"
	mkdir -- "$root"
fi
made_root=1
chmod 755 "$root"	# mktemp's 700 would lock out _apt and libvirt-qemu
mkdir -p "$log_dir"
log_dir=$(realpath "$log_dir")
say "root: $root"

uri=$(debian_uri)
[ -n "$uri" ] || die "no Debian bookworm entry found in the apt sources"

if ! command -v debootstrap > /dev/null; then
	say "installing debootstrap on this machine (log: $log_dir/apt-debootstrap.log)"
	# In the foreground: dpkg on this machine is not to be cut short.
	apt_install() {
		DEBIAN_FRONTEND=noninteractive timeout --kill-after=30 900 apt-get install -y -q \
			-o DPkg::Lock::Timeout=300 --no-install-recommends debootstrap
	}
	{ apt_install || { timeout --kill-after=30 600 apt-get update -q && apt_install; }; } \
		> "$log_dir/apt-debootstrap.log" 2>&1 ||
		{ tail -n 20 "$log_dir/apt-debootstrap.log" | mask >&2; die "could not install debootstrap"; }
fi

# A mount point of its own: inside a chroot to a plain directory,
# `unshare --mount --propagation private` fails (the libvirt tests skip).
# Private, so that nothing mounted below spreads to the machine's mounts.
mount --bind "$root" "$root"
mount --make-private "$root"

cache=$cache_dir/fresh-base-$(date +%Y%m%d).tar
t0=$SECONDS
if [ "$use_cache" = 1 ] && [ -f "$cache" ]; then
	say "base: bookworm minbase from the cache $cache"
	run_bg timeout 900 tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -xpf "$cache" ||
		die "could not unpack $cache (it is ours: delete it, or use --no-cache)"
else
	say "base: debootstrap bookworm minbase from this machine's Debian mirror (log: $log_dir/debootstrap.log)"
	run_bg timeout --kill-after=60 30m debootstrap --variant=minbase --include=git,make,ca-certificates \
		bookworm "$root" "$uri" > "$log_dir/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$log_dir/debootstrap.log" | mask >&2; die "debootstrap failed"; }
	if [ "$use_cache" = 1 ]; then
		# Now, before anything of pvrcu or of the machine goes in.
		[ "$(mounts_under)" = "$root" ] || die "debootstrap left mounts under $root: $(mounts_under | tr '\n' ' ')"
		mkdir -p "$cache_dir"
		tmp=$(mktemp "$cache_dir/.fresh-base.XXXXXX")
		if run_bg timeout 900 tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' \
			--one-file-system -cpf "$tmp" .; then
			mv "$tmp" "$cache"
			# only tarballs of ours, other days'
			find "$cache_dir" -maxdepth 1 -name 'fresh-base-*.tar' ! -path "$cache" -delete
			say "base: cached as $cache"
		else
			rm -f "$tmp"
			say "base: could not write the cache (going on without)" >&2
		fi
	fi
fi
say "base: ready in $(fmt_dur $((SECONDS - t0)))"

# The machine's apt sources and settings, as a new user of this machine
# would have them; not pvrcu-backports.sources, which make deps writes
# (images/apt-backports.sh) and which the check must see it write.
rm -f "$root/etc/apt/sources.list"
find "$root/etc/apt/sources.list.d" -mindepth 1 -maxdepth 1 -delete
if [ -f /etc/apt/sources.list ]; then
	cp -p /etc/apt/sources.list "$root/etc/apt/sources.list"
fi
for f in /etc/apt/sources.list.d/* /etc/apt/apt.conf.d/*; do
	if [ -f "$f" ] && [ "$(basename "$f")" != pvrcu-backports.sources ]; then
		cp -p "$f" "$root$(dirname "$f")/"
	fi
done
rm -f "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

# proc, sys and /dev as on a booted machine. The recursive binds are made
# slaves: an unmount inside must never reach the machine's /dev or /sys.
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
for m in dev/pts dev/shm; do
	mountpoint -q "$root/$m" || say "warning: /$m is not a mount point inside the root" >&2
done
if [ -e /dev/kvm ]; then
	[ -c "$root/dev/kvm" ] || die "/dev/kvm is not visible inside the root"
else
	say "warning: this machine has no /dev/kvm: the VMs inside run under TCG (slow)" >&2
fi

# ---- the tree: a clone of HEAD ----------------------------------------------

head=$(git -C "$top" rev-parse HEAD)
clone=$root/root/pvrcu
run_bg timeout 600 git clone --quiet --no-hardlinks "$top" "$clone"
[ "$(git -C "$clone" rev-parse HEAD)" = "$head" ] || git -C "$clone" checkout --quiet "$head"
[ "$(git -C "$clone" rev-parse HEAD)" = "$head" ] || die "the clone is not at $head"
say "cloned $(git -C "$clone" log -1 --format='%h %s') into /root/pvrcu"
dirty=$(git -C "$top" status --porcelain | wc -l)
if [ "$dirty" -gt 0 ]; then
	say "warning: $dirty uncommitted or untracked paths in $top are NOT in the clone:" >&2
	git -C "$top" status --porcelain | head -n 20 | sed 's/^/fresh-check:   /' >&2
fi

# ---- run inside -----------------------------------------------------------

summaries=()
run_in_root() {	# run_in_root NAME LABEL TIMEOUT CMD: sets rc, log
	local name=$1 label=$2 limit=$3 cmd=$4 t1
	log=$log_dir/$name.log
	: > "$log"
	say "running '$cmd' in the root (limit $limit, log: $log)"
	t1=$SECONDS
	# Output to a file, shown by tail: a daemon left holding a pipe could
	# not then keep us waiting. The limit bounds the wait.
	timeout --kill-after=2m "$limit" chroot "$root" /usr/bin/env -i \
		HOME=/root USER=root LOGNAME=root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /root/pvrcu && $cmd" < /dev/null > "$log" 2>&1 3>&- 4>&- &
	cmd_pid=$!
	tail -n +1 -f --pid="$cmd_pid" "$log" 3>&- 4>&- &
	tail_pid=$!
	rc=0
	wait "$cmd_pid" || rc=$?
	cmd_pid=""
	for _ in $(seq 25); do	# tail's last read, at most 5 s
		kill -0 "$tail_pid" 2>/dev/null || break
		sleep 0.2
	done
	stop_pid "$tail_pid"
	wait "$tail_pid" 2>/dev/null || true
	tail_pid=""
	local what="exit=$rc"
	[ "$rc" = 124 ] && what="exit=124 (timed out after $limit)"
	summaries+=("fresh-check: $label $what duration=$(fmt_dur $((SECONDS - t1))) log=$log")
	local left
	left=$(procs_in_root)
	# shellcheck disable=SC2086
	[ -z "$left" ] || say "warning: $label left processes running in the root: $(ps -o pid=,comm= -p "$(echo $left | tr ' ' ,)" | awk '{printf "%s%s(%s) ", "", $2, $1}')" >&2
}

failed=0
problems=()
if [ -n "$only_cmd" ]; then
	run_in_root only-cmd only-cmd 10m "$only_cmd"
	[ "$rc" = 0 ] || failed=1
else
	run_in_root make-demo "$demo_cmd" "$demo_timeout" "$demo_cmd"
	demo_rc=$rc demo_log=$log
	[ "$demo_rc" = 0 ] || { failed=1; problems+=("$demo_cmd exited $demo_rc"); }
	run_in_root make-check "$check_cmd" "$check_timeout" "$check_cmd"
	check_rc=$rc check_log=$log
	[ "$check_rc" = 0 ] || { failed=1; problems+=("$check_cmd exited $check_rc"); }

	# A skip is a part of the suite that did not run: not green.
	skips=$(grep -h -- '  skip ' "$demo_log" "$check_log" | sed 's/\x1b\[[0-9;]*m//g' || true)
	if [ -n "$skips" ]; then
		failed=1
		problems+=("skip lines: $(printf '%s\n' "$skips" | wc -l)")
	fi
	# The summary lines: each "N passed, M failed" (vm tests, harness,
	# spin) and Criterion's synthesis must show no failure, and there must
	# be a closing one.
	plain=$(sed 's/\x1b\[[0-9;]*m//g' "$check_log")
	bad=$(printf '%s\n' "$plain" | grep -E '^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]*[1-9][0-9]* failed$|Synthesis: .*(Failing|Crashing): [1-9]' || true)
	[ -z "$bad" ] || { failed=1; problems+=("summary lines with failures in the check log"); }
	# (grep -q on a here-string: a pipe from printf would die of SIGPIPE
	# when grep stops early, and pipefail would call the line missing)
	if [ "$check_rc" = 0 ] && ! grep -qE '^[0-9]+ passed, 0 failed$' <<<"$plain"; then
		failed=1
		problems+=("no closing 'N passed, 0 failed' line in the check log")
	fi
	fails=$(printf '%s\n' "$plain" | grep -E '^  FAIL ' || true)
fi

# Stop and unmount before the verdict, so that the summary lines close the output.
cleanup

if [ -z "$only_cmd" ]; then
	[ -z "$skips" ] || { say "skipped (a run with skips does not count):"; printf '%s\n' "$skips" | sed 's/^/fresh-check:   /'; }
	[ -z "$bad" ] || { say "summary lines with failures:"; printf '%s\n' "$bad" | sed 's/^/fresh-check:   /'; }
	[ -z "$fails" ] || [ "$failed" = 0 ] || { say "FAIL lines:"; printf '%s\n' "$fails" | head -n 40 | sed 's/^/fresh-check:   /'; }
fi
printf '%s\n' "${summaries[@]}" | tee "$log_dir/summary"
if [ -n "$only_cmd" ]; then
	say "only-cmd: exit $rc (make demo and make check not run)"
	exit "$rc"
elif [ "$failed" = 0 ]; then
	say "OK: a fresh bookworm root reaches green with commit ${head:0:12}"
else
	[ ${#problems[@]} -eq 0 ] || say "NOT OK: $(printf '%s; ' "${problems[@]}" | sed 's/; $//')"
	exit 1
fi
