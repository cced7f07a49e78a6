#!/usr/bin/env bash
# images/qemu/source.sh, the QEMU source build.sh builds: the pin first;
# once the archive stops serving it, a fallback (said so on stderr) to the
# newest 10.x that the patches apply to; a clear error when they do not.
# Resolution and patch dry runs only: no configure, make or compiler runs
# here (build.sh runs with tar, make and cc stubbed out).
# Network: bookworm-backports' and trixie's source indexes and at most one
# QEMU tarball (~40 MB), all under a temp dir removed at the end; cached
# tarballs of $PVRCU_CACHE/src are linked in, never written.
# shellcheck disable=SC2016,SC2317,SC2034 # checks run through eval and check()
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
src_sh=$top/images/qemu/source.sh
build_sh=$top/images/qemu/build.sh
uri_sh=$top/images/apt-debian-uri.sh
patches=$top/images/qemu

pass=0 fail=0
ok() { echo "  ok   $1"; pass=$((pass + 1)); }
bad() { echo "  FAIL $1"; fail=$((fail + 1)); }
skip() { echo "  skip $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
has() { grep -Eq -- "$2" "$1"; }	# has FILE REGEX
# show NAME: the last lines of a run's stderr, indented, URIs masked
show() { sed -E 's#[a-z]+://[^ ]*#<uri>#g; s/^/      /' "$T/$1.err" | tail -n 12; }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }	# regex-quote

cache=${PVRCU_CACHE:-}
[ -n "$cache" ] || { [ "$(id -u)" = 0 ] && cache=/var/cache/pvrcu || cache=$HOME/.cache/pvrcu; }
T=$(mktemp -d /tmp/t_qemu_source.XXXXXX)
chmod 755 "$T"	# apt's download sandbox (user _apt) must reach it
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/cache/src"
for f in "$cache"/src/qemu_*.orig.tar.*; do
	[ -f "$f" ] && ln -s "$f" "$T/cache/src/"
done
export PVRCU_CACHE=$T/cache QEMU_NET_TIMEOUT=60
unset QEMU_PIN_VERSION QEMU_PIN_SHA256 QEMU_PATCH_DIR QEMU_SUITES QEMU_APT_KEYRING APT_ETC_DIR

# run NAME CMD...: stdout in $T/NAME.out, stderr in $T/NAME.err, status in $rc
run() {
	local name=$1
	shift
	timeout 170 "$@" > "$T/$name.out" 2> "$T/$name.err"
	rc=$?
}

pin=$(sed -n 's/^QEMU_PIN_VERSION=\${QEMU_PIN_VERSION:-\(.*\)}$/\1/p' "$src_sh")
pin_sha=$(sed -n 's/^QEMU_PIN_SHA256=\${QEMU_PIN_SHA256:-\(.*\)}$/\1/p' "$src_sh")
pin_up=${pin#*:}
pin_up=${pin_up%-*}
series=${pin_up%%.*}
fake=1:$series.0.0+ds-0~pvrcu.test	# a pin no suite serves
if [ -z "$pin" ] || [ -z "$pin_sha" ]; then bad "read the pin from source.sh"; finish; fi

# ---- the apt source URI, both formats (no network) -----------------------------

e=$T/etc
mkdir -p "$e/sources.list.d"
printf 'Types: deb\nURIs: http://security.invalid/debian-security\nSuites: bookworm-security\nComponents: main\n\nTypes: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\nComponents: main\n' \
	> "$e/sources.list.d/debian.sources"
check "apt-debian-uri: deb822 stanza whose Suites list bookworm" \
	test "$(APT_ETC_DIR=$e sh "$uri_sh" 2>&1)" = http://mirror.invalid/debian
rm "$e/sources.list.d/debian.sources"
printf 'deb http://security.invalid/debian-security bookworm-security main\ndeb [arch=amd64 signed-by=/k.gpg] http://list.invalid/debian bookworm main\n' > "$e/sources.list"
check "apt-debian-uri: sources.list line (options block skipped)" \
	test "$(APT_ETC_DIR=$e sh "$uri_sh" 2>&1)" = http://list.invalid/debian
: > "$e/sources.list"
check "apt-debian-uri: no bookworm entry is an error" \
	eval '! APT_ETC_DIR=$e sh "$uri_sh" > /dev/null 2>&1'

# ---- what the archive serves, found independently of source.sh --------------------

# versions SUITE: the qemu source versions SUITE serves, one a line
versions() {
	local d=$T/probe-$1
	mkdir -p "$d/lists/partial" "$d/cache"
	printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uri" "$1" > "$d/s.sources"
	local o=(-o Dir::Etc::SourceList="$d/s.sources" -o Dir::Etc::SourceParts=/nonexistent
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache")
	timeout 90 apt-get -qq "${o[@]}" update > /dev/null 2>&1 || return 1
	apt-cache "${o[@]}" showsrc --only-source qemu 2>/dev/null | awk '/^Version:/ { print $2 }'
}
# newest FILE: the newest $series.x version listed in FILE
newest() {
	local v best=""
	while read -r v; do
		case ${v#*:} in "$series".*) ;; *) continue ;; esac
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
	done < "$1"
	echo "$best"
}
# applies TARBALL PATCHDIR: every patch applies in turn (dry run, then for real
# in a scratch tree of just the files the patches name)
applies() {
	local t=$T/tree p
	rm -rf "$t"
	mkdir -p "$t"
	local names
	names=$(sed -n 's#^--- a/\([^[:space:]]*\).*#*/\1#p' "$2"/*.patch | sort -u)
	# shellcheck disable=SC2086 # no names: unpack nothing (not everything)
	[ -z "$names" ] || tar -xf "$1" -C "$t" --strip-components=1 --wildcards $names 2> /dev/null
	for p in "$2"/*.patch; do
		# a workaround whose upstream fix is in: left out, as build.sh does
		sh "$top/images/qemu/patch-needed.sh" "$p" "$t" 2> /dev/null || continue
		if ! patch -d "$t" -p1 -N -f -s --dry-run -i "$p" < /dev/null > /dev/null 2>&1 ||
			! patch -d "$t" -p1 -N -f -s -i "$p" < /dev/null > /dev/null 2>&1; then
			rm -rf "$t"
			return 1
		fi
	done
	rm -rf "$t"
}
# chosen NAME: split a run's stdout line into $c_ver $c_sha $c_path
chosen() { read -r c_ver c_sha c_path < "$T/$1.out" || true; }

# trixie in the machine's apt sources or lists
apt_trixie() { grep -rls trixie /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null; find /var/lib/apt/lists -maxdepth 1 -name '*trixie*'; }
trixie_before=$(apt_trixie)

uri=$(sh "$uri_sh" 2>/dev/null) || uri=""
if [ -z "$uri" ] || ! versions bookworm-backports > "$T/bookworm-backports.v" ||
	! versions trixie > "$T/trixie.v"; then
	skip "the archive's source indexes cannot be read here (no Debian apt entry or no network): network cases not run"
	finish
fi
bpo_new=$(newest "$T/bookworm-backports.v")
trixie_new=$(newest "$T/trixie.v")
check "the fake pin $fake is served by no suite" eval '! grep -qxF -- "$fake" "$T/bookworm-backports.v" "$T/trixie.v"'

# ---- (a) the real pin: no fallback ---------------------------------------------

if [ -f "$T/cache/src/qemu_$pin_up.orig.tar.xz" ] || grep -qxF -- "$pin" "$T/bookworm-backports.v" "$T/trixie.v"; then
	run a sh "$src_sh" --verify
	check "(a) pin: exit 0 (got $rc)" test "$rc" = 0
	check "(a) pin: prints the pin, its sha256 and its tarball" \
		test "$(cat "$T/a.out")" = "$pin $pin_sha $T/cache/src/qemu_$pin_up.orig.tar.xz"
	check "(a) pin: no fallback message" eval '! has "$T/a.err" "falling back|no longer served"'
	check "(a) pin: the patches apply (dry run)" has "$T/a.err" "^qemu: the [0-9]+ patches in .* apply to $(re "$pin") \(dry run\)$"
	[ "$rc" = 0 ] || show a
	# a cached pin needs no index: a suite that does not exist must not matter
	run a2 env QEMU_SUITES=pvrcu-no-such-suite sh "$src_sh"
	check "(a) pin, cached: resolved without the network (exit $rc)" \
		eval 'test "$rc" = 0 && test "$(cat "$T/a2.out")" = "$(cat "$T/a.out")"'
	[ "$rc" = 0 ] || show a2
	if grep -qxF -- "$pin" "$T/bookworm-backports.v"; then
		# not cached: fetched from the archive (a cache of its own, removed here)
		run a3 env PVRCU_CACHE="$T/cache-a3" sh "$src_sh"
		if [ "$rc" != 0 ] && has "$T/a3.err" "^qemu: could not download"; then
			skip "(a) pin, not cached: its tarball did not come within ${QEMU_NET_TIMEOUT}s (network)"
		else
			check "(a) pin, not cached: fetched, the pin's line, no fallback (exit $rc)" \
				eval 'test "$rc" = 0 && test "$(cat "$T/a3.out")" = "$pin $pin_sha $T/cache-a3/src/qemu_$pin_up.orig.tar.xz" && ! has "$T/a3.err" "falling back"'
			check "(a) pin, not cached: the file has the pinned sha256" \
				eval 'test "$(sha256sum < "$T/cache-a3/src/qemu_$pin_up.orig.tar.xz" | cut -d" " -f1)" = "$pin_sha"'
			[ "$rc" = 0 ] || show a3
		fi
		rm -rf "$T/cache-a3"
	fi
else
	skip "(a) the pin $pin is neither cached nor served any more: rebase images/qemu/*.patch and move the pin in images/qemu/source.sh"
fi

# A patch that applies to any QEMU, so the trixie path is tested whatever
# images/qemu/*.patch hold; whether those apply to trixie's is only a note.
any=$T/any
mkdir -p "$any"
cat > "$any/0001-pvrcu-test-new-file.patch" <<'EOP'
--- /dev/null
+++ b/pvrcu-test-new-file
@@ -0,0 +1 @@
+a file no QEMU has
EOP

# ---- (b) a pin that is not served: the fallback ----------------------------------

# fallback_ok NAME SUITES...: NAME's fallback is the first of SUITES whose
# newest $series.x the patches apply to (a suite skipped must say why)
fallback_ok() {
	local name=$1 s n
	shift
	for s in "$@"; do
		n=$(newest "$T/$s.v")
		[ -n "$n" ] || continue
		[ "$suite" = "$s" ] && { [ "$c_ver" = "$n" ]; return; }
		has "$T/$name.err" "does not apply to $(re "$n") \(from $s\)$" || return 1
	done
	return 1
}

run b env QEMU_PIN_VERSION="$fake" sh "$src_sh"
chosen b
suite=$(sed -En "s/^qemu: pinned source $(re "$fake") is no longer served; falling back to .* from ([a-z-]+)$/\1/p" "$T/b.err")
check "(b) fallback: exit 0 (got $rc)" test "$rc" = 0
check "(b) fallback: says 'pinned source $fake is no longer served; falling back to ${c_ver:-?} from ${suite:-?}'" \
	has "$T/b.err" "^qemu: pinned source $(re "$fake") is no longer served; falling back to $(re "${c_ver:-?}") from (bookworm-backports|trixie)$"
check "(b) fallback: a $series.x version" eval 'case ${c_ver#*:} in "$series".*) true ;; *) false ;; esac'
check "(b) fallback: the newest $series.x the patches apply to, bookworm-backports ($bpo_new) first, then trixie ($trixie_new)" \
	fallback_ok b bookworm-backports trixie
check "(b) fallback: the tarball has the printed sha256" \
	eval 'test -f "${c_path:-/nonexistent}" && test "$(sha256sum < "$c_path" | cut -d" " -f1)" = "$c_sha"'
check "(b) fallback: images/qemu/*.patch apply to it (dry run)" applies "${c_path:-/nonexistent}" "$patches"
[ "$rc" = 0 ] || show b
rm -f "$T"/cache/src/qemu-fallback-for-*
run bo env QEMU_PIN_VERSION="$fake" QEMU_PATCH_DIR="$any" sh "$src_sh"
check "(b) bookworm-backports first: with patches that apply anywhere, its $bpo_new (exit $rc)" \
	eval 'test "$rc" = 0 && has "$T/bo.err" "falling back to $(re "$bpo_new") from bookworm-backports$"'
[ "$rc" = 0 ] || show bo

# ---- (b) trixie alone, then from the record --------------------------------------

rm -f "$T"/cache/src/qemu-fallback-for-*
run bt env QEMU_PIN_VERSION="$fake" QEMU_SUITES=trixie QEMU_PATCH_DIR="$any" sh "$src_sh"
chosen bt
trixie_line=""
if [ "$rc" != 0 ] && has "$T/bt.err" "^qemu: could not (download .* from|read the source index of) trixie$"; then
	skip "(b) trixie: its index or tarball did not come within ${QEMU_NET_TIMEOUT}s (network)"
else
	check "(b) trixie: exit 0 (got $rc)" test "$rc" = 0
	check "(b) trixie: says 'falling back to ${c_ver:-?} from trixie'" \
		has "$T/bt.err" "^qemu: pinned source $(re "$fake") is no longer served; falling back to $(re "${c_ver:-?}") from trixie$"
	check "(b) trixie: its newest $series.x ($trixie_new)" test -n "$trixie_new" -a "${c_ver:-}" = "$trixie_new"
	check "(b) trixie: the tarball has the printed sha256" \
		eval 'test -f "${c_path:-/nonexistent}" && test "$(sha256sum < "$c_path" | cut -d" " -f1)" = "$c_sha"'
	[ "$rc" = 0 ] || show bt
	[ "$rc" = 0 ] && trixie_line=$(cat "$T/bt.out")
fi
if [ -n "$trixie_line" ]; then
	# The project's own patches, on the newest QEMU the fallback can reach:
	# the fallback must work there too (patch-needed.sh leaves out a
	# workaround that upstream has fixed in its own way).
	check "(b) trixie: images/qemu/*.patch apply to $c_ver (workarounds fixed upstream left out)" \
		applies "$c_path" "$patches"
	run btp env QEMU_PIN_VERSION="$fake" QEMU_SUITES=trixie sh "$src_sh"
	check "(b) trixie, the project's patches: the fallback is taken (exit $rc)" test "$rc" = 0
	[ "$rc" = 0 ] || show btp

	# a suite that does not exist: only the record can answer
	run br env QEMU_PIN_VERSION="$fake" QEMU_SUITES=pvrcu-no-such-suite QEMU_PATCH_DIR="$any" sh "$src_sh"
	check "(b) again: the recorded fallback, same line, no index read (exit $rc)" \
		test "$rc" = 0 -a "$(cat "$T/br.out")" = "$trixie_line"
	check "(b) again: still says it falls back" \
		has "$T/br.err" "^qemu: pinned source $(re "$fake") is no longer served; falling back to .* from trixie \(chosen earlier: .*\)$"
	[ "$rc" = 0 ] || show br
fi

# ---- build.sh: the prefix follows the source; stdout is the prefix alone ---------

stub=$T/stub
mkdir -p "$stub"
for b in tar make ninja cc gcc; do
	printf '#!/bin/sh\necho "stub: %s called: build.sh would build" >&2\nexit 97\n' "$b" > "$stub/$b"
	chmod 755 "$stub/$b"
done
run p1 env PATH="$stub:$PATH" sh "$build_sh" --print-prefix
p1=$(cat "$T/p1.out")
check "build.sh --print-prefix: a prefix under the cache (exit $rc)" \
	eval '[[ $rc = 0 && $p1 == "$PVRCU_CACHE"/qemu-[0-9a-f]* ]]'
# the same patches, the pin's tarball against the recorded trixie fallback's
if [ -z "$trixie_line" ]; then
	skip "build.sh: no trixie fallback to compare prefixes with"
elif [ "${trixie_line##*/}" = "qemu_$pin_up.orig.tar.xz" ]; then
	skip "build.sh: trixie's tarball is the pin's: no other prefix to expect"
else
	run pa env PATH="$stub:$PATH" QEMU_PATCH_DIR="$any" sh "$build_sh" --print-prefix
	run pb env PATH="$stub:$PATH" QEMU_PIN_VERSION="$fake" QEMU_SUITES=pvrcu-no-such-suite \
		QEMU_PATCH_DIR="$any" sh "$build_sh" --print-prefix
	check "build.sh: the fallback's tarball gets a prefix of its own (exit $rc)" \
		eval 'test "$rc" = 0 -a -s "$T/pa.out" -a -s "$T/pb.out" && ! cmp -s "$T/pa.out" "$T/pb.out"'
fi
mkdir -p "$p1/bin" "$p1/lib"
printf '#!/bin/sh\n' > "$p1/bin/qemu-system-x86_64"
chmod 755 "$p1/bin/qemu-system-x86_64"
: > "$p1/lib/libvhost-user.a"
run nop env PATH="$stub:$PATH" sh "$build_sh"
check "build.sh, prefix built: exit 0, stdout is the prefix alone, nothing built (exit $rc)" \
	eval 'test "$rc" = 0 && test "$(cat "$T/nop.out")" = "$p1" && ! has "$T/nop.err" "^stub:"'
[ "$rc" = 0 ] || show nop

# ---- (c) patches that do not apply: refused, and nothing built -------------------

rm -f "$T"/cache/src/qemu-fallback-for-*
mkdir -p "$T/broken"
cp "$patches"/*.patch "$T/broken/"
cat > "$T/broken/0099-pvrcu-test-does-not-apply.patch" <<'EOP'
A patch that applies to no QEMU: its context is not in virtio.c.
--- a/hw/virtio/virtio.c
+++ b/hw/virtio/virtio.c
@@ -1,3 +1,3 @@
 pvrcu test: this line is in no QEMU
-nor is this one
+so this hunk fails
 nor this
EOP
# bookworm-backports alone: its tarball is cached, trixie's may not be
run c env QEMU_PIN_VERSION="$fake" QEMU_SUITES=bookworm-backports QEMU_PATCH_DIR="$T/broken" sh "$src_sh"
check "(c) broken patch: non-zero exit (got $rc), nothing on stdout" test "$rc" != 0 -a ! -s "$T/c.out"
check "(c) broken patch: names the patch and the version it does not apply to" \
	has "$T/c.err" "^qemu: $(re "$T/broken/0099-pvrcu-test-does-not-apply.patch") does not apply to $(re "$bpo_new") \(from bookworm-backports\)$"
check "(c) broken patch: says what to do (rebase, update the pin)" \
	has "$T/c.err" "Rebase images/qemu/\*\.patch onto $(re "$bpo_new") and set QEMU_PIN_VERSION=$(re "$bpo_new") and QEMU_PIN_SHA256=[0-9a-f]{64} in images/qemu/source\.sh$"
check "(c) broken patch: no fallback taken or recorded" \
	eval '! has "$T/c.err" "falling back" && ! ls "$T"/cache/src/qemu-fallback-for-* > /dev/null 2>&1'
check "(c) broken patch: nothing built (no build folder, no prefix)" \
	eval '! ls -d "$T"/cache/qemu-build-* > /dev/null 2>&1 && test "$(ls -d "$T"/cache/qemu-* 2>/dev/null)" = "$p1"'
run cv sh -c 'QEMU_PATCH_DIR="$1" sh "$2" --verify' sh "$T/broken" "$src_sh"
check "(c) broken patch, pin --verify: non-zero exit (got $rc), names the patch" \
	eval 'test "$rc" != 0 && has "$T/cv.err" "^qemu: .*0099-pvrcu-test-does-not-apply\.patch does not apply to $(re "$pin")"'

# ---- the signature: trixie's index only with a keyring that signs it ------------

rm -f "$T"/cache/src/qemu-fallback-for-*
if [ -f /usr/share/keyrings/debian-archive-removed-keys.gpg ]; then
	run k env QEMU_PIN_VERSION="$fake" QEMU_SUITES=trixie \
		QEMU_APT_KEYRING=/usr/share/keyrings/debian-archive-removed-keys.gpg sh "$src_sh"
	check "apt refuses trixie's index under a keyring without its keys (exit $rc)" \
		eval 'test "$rc" != 0 && has "$T/k.err" "^qemu: could not read the source index of trixie$"'
	# (b) looked for the pin in trixie before falling back
	check "... and reads it under debian-archive-keyring (in (b))" \
		eval '[ -s "$T/b.out" ] && ! has "$T/b.err" "could not read the source index of trixie"'
else
	skip "no debian-archive-removed-keys.gpg to try a wrong keyring with"
fi

# ---- the machine's apt state ---------------------------------------------------

trixie_after=$(apt_trixie)
check "the machine's apt sources and lists gained no trixie" test "$trixie_after" = "$trixie_before"

finish
