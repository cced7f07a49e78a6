#!/bin/sh
# Find, fetch and check the QEMU source that images/qemu/build.sh builds:
# the orig tarball of Debian's QEMU source package, never building it.
#
# First choice is the pinned version and checksum below. bookworm-backports
# keeps only its newest version, so once the archive moves on the pin is
# gone; then this falls back (and says so on stderr) to the newest QEMU of
# the pin's major version that Debian serves, bookworm-backports first,
# then trixie, and only to one our patches apply to (patch --dry-run).
# A fallback, once taken, is recorded under the cache so later runs reuse
# it without the network. To move the pin: rebase images/qemu/*.patch onto
# the new version and update QEMU_PIN_VERSION and QEMU_PIN_SHA256 below.
#
# Usage: sh images/qemu/source.sh [--verify]
#   Prints one line on stdout: DEBIAN_VERSION SHA256 TARBALL_PATH.
#   Messages go to stderr. --verify also dry-runs the patches against the
#   chosen source when it is the pin (a fallback is always checked).
#
# Environment:
#   PVRCU_CACHE       required; tarballs are kept in $PVRCU_CACHE/src
#   QEMU_PIN_VERSION  the pinned Debian version (tests: a version that
#   QEMU_PIN_SHA256   does not exist forces the fallback)
#   QEMU_PATCH_DIR    the patches to check (default: this folder's *.patch)
#   QEMU_SUITES       suites to look in, in order
#                     (default: "bookworm-backports trixie")
#   QEMU_NET_TIMEOUT  seconds allowed for each network step (default 600)
#   QEMU_APT_KEYRING  the keyring apt checks the indexes' signatures with
#                     (default: debian-archive-keyring's; tests: a wrong one)
#   APT_ETC_DIR       passed to ../apt-debian-uri.sh (default /etc/apt)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${PVRCU_CACHE:?PVRCU_CACHE must be set}

QEMU_PIN_VERSION=${QEMU_PIN_VERSION:-1:10.0.2+ds-2+deb13u1~bpo12+1}
QEMU_PIN_SHA256=${QEMU_PIN_SHA256:-0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1}
pin=$QEMU_PIN_VERSION pin_sha=$QEMU_PIN_SHA256
patchdir=${QEMU_PATCH_DIR:-$here}
suites=${QEMU_SUITES:-bookworm-backports trixie}
tmo=${QEMU_NET_TIMEOUT:-600}
keyring=${QEMU_APT_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

verify=0
case ${1:-} in
"") ;;
--verify) verify=1 ;;
*) echo "usage: $0 [--verify]" >&2; exit 2 ;;
esac

die() { echo "qemu: $*" >&2; exit 1; }

# 1:10.0.2+ds-2+deb13u1~bpo12+1 -> 10.0.2+ds (no epoch, no revision)
upstream_of() { v=${1#*:}; echo "${v%-*}"; }
pin_up=$(upstream_of "$pin")
pin_tarball=qemu_$pin_up.orig.tar.xz
series=${pin_up%%.*}

ls "$patchdir"/*.patch >/dev/null 2>&1 || die "no patches (*.patch) in $patchdir"
patch_hash=$(cat "$patchdir"/*.patch | sha256sum | cut -c1-12)

src=$cache/src
mkdir -p "$src"

sha_ok() { [ -f "$1" ] && echo "$2  $1" | sha256sum -c --quiet - >/dev/null 2>&1; }

# ---- the pin, already in the cache: no network -----------------------------

if sha_ok "$src/$pin_tarball" "$pin_sha"; then
	chosen_ver=$pin chosen_sha=$pin_sha chosen_tar=$pin_tarball
fi

# Work files (private apt state, downloads, unpacked files) live here.
tmp=$(mktemp -d "$src/.source.XXXXXX")
chmod 755 "$tmp" # apt's download sandbox (user _apt) must reach it
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# patches_apply TARBALL: unpack the files the patches name and dry-run each
# patch, applying it afterwards so the next one sees it (a later patch may
# touch what an earlier one changed). For patches that name their files
# (--- a/PATH) the same answer as a whole tree, without writing 350 MB. On failure $bad_patch and $tmp/patch.log say why.
patches_apply() {
	t=$tmp/tree
	rm -rf "$t"
	mkdir -p "$t"
	top=$(tar -tf "$1" 2>/dev/null | head -n1)
	top=${top%%/*}
	files=$(sed -n 's#^--- a/\([^	 ]*\).*#\1#p' "$patchdir"/*.patch | sort -u)
	# a file the tarball lacks makes tar complain; the dry run then fails.
	# No names (patches that only add files): nothing to unpack, not all.
	# shellcheck disable=SC2046
	[ -z "$files" ] || (cd "$t" && tar -xf "$1" --strip-components=1 \
		$(for f in $files; do echo "$top/$f"; done)) >/dev/null 2>&1 || true
	for p in "$patchdir"/*.patch; do
		bad_patch=$p
		sh "$here/patch-needed.sh" "$p" "$t" || continue
		patch -d "$t" -p1 -N -f --dry-run -i "$p" > "$tmp/patch.log" 2>&1 </dev/null || return 1
		patch -d "$t" -p1 -N -f -s -i "$p" > "$tmp/patch.log" 2>&1 </dev/null || return 1
	done
	rm -rf "$t"
}

# ---- a fallback taken on an earlier run: no network ------------------------

# One record per pin: a new pin (the fix) never sees an old fallback.
record=$src/qemu-fallback-for-$(echo "$pin" | tr -c 'A-Za-z0-9.+~\n-' _)
if [ -z "${chosen_ver:-}" ] && [ -f "$record" ]; then
	read -r r_ver r_sha r_tar r_suite r_patches < "$record" || true
	if sha_ok "$src/$r_tar" "$r_sha"; then
		echo "qemu: pinned source $pin is no longer served; falling back to $r_ver from $r_suite (chosen earlier: $record)" >&2
		if [ "$r_patches" != "$patch_hash" ]; then
			patches_apply "$src/$r_tar" || {
				sed 's/^/  /' "$tmp/patch.log" >&2
				die "$bad_patch does not apply to $r_ver: rebase images/qemu/*.patch onto it and update QEMU_PIN_VERSION and QEMU_PIN_SHA256 in images/qemu/source.sh (or delete $record to look in the archive again)"
			}
			echo "$r_ver $r_sha $r_tar $r_suite $patch_hash" > "$record"
		fi
		chosen_ver=$r_ver chosen_sha=$r_sha chosen_tar=$r_tar fallback=1
	fi
fi

# ---- look in the archive ---------------------------------------------------

# apt_in SUITE CMD...: run an apt command (CMD ends in the apt program and
# its arguments) with SUITE's private configuration: the deb-src entry of
# that suite on the machine's own Debian mirror, its own lists and cache.
# The machine's apt sources and lists are neither read nor changed, so
# trixie is never added to them. Signed-By makes apt check the suite's
# Release signature against debian-archive-keyring, which holds the
# bookworm and trixie archive keys; an unsigned or badly signed index is
# an error, never a warning.
apt_in() {
	d=$tmp/apt-$1
	shift
	"$@" -o Dir::Etc::SourceList="$d/sources.sources" \
		-o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
		-o Acquire::AllowInsecureRepositories=false \
		-o Acquire::AllowDowngradeToInsecureRepositories=false \
		-o APT::Get::AllowUnauthenticated=false \
		-o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30
}

# index SUITE: fetch SUITE's source index; prints "VERSION SHA256 TARBALL"
# for each qemu source it lists.
index() {
	d=$tmp/apt-$1
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	[ -n "${uri:-}" ] || uri=$(sh "$here/../apt-debian-uri.sh")
	cat > "$d/sources.sources" <<EOS
Types: deb-src
URIs: $uri
Suites: $1
Components: main
Signed-By: $keyring
EOS
	apt_in "$1" timeout "$tmo" apt-get -qq update >&2 || return 1
	apt_in "$1" apt-cache showsrc --only-source qemu 2>/dev/null | awk '
		function flush() { if (pkg == "qemu" && ver != "" && tar != "") print ver, sha, tar; pkg = ver = sha = tar = ""; insha = 0 }
		/^$/ { flush(); next }
		/^Package:/ { pkg = $2 }
		/^Version:/ { ver = $2 }
		/^[^ ]/ { insha = ($1 == "Checksums-Sha256:"); next }
		insha && $3 ~ /^qemu_.*\.orig\.tar\./ { sha = $1; tar = $3 }
		END { flush() }'
}

# fetch SUITE VERSION SHA256 TARBALL: download into the cache unless it is
# there. apt-get source checks the file against the SHA256 in the suite's
# signed index (InRelease -> Sources -> tarball); the compare below is the
# same check made visible, and the one a cached file gets.
fetch() {
	sha_ok "$src/$4" "$3" && return 0
	echo "qemu: fetching Debian source $2 from $1" >&2
	dl=$tmp/dl
	rm -rf "$dl"
	mkdir -p "$dl"
	chown _apt "$dl" 2>/dev/null || true
	(cd "$dl" && apt_in "$1" timeout "$tmo" apt-get -qq source --tar-only \
		--download-only "qemu=$2" >&2) || return 1
	sha_ok "$dl/$4" "$3" || die "checksum mismatch for $4 ($2 from $1); refusing it"
	mv "$dl/$4" "$src/$4"
}

if [ -z "${chosen_ver:-}" ]; then
	# The pin, wherever Debian still serves it.
	unread=""
	for s in $suites; do
		if ! index "$s" > "$tmp/index-$s"; then
			echo "qemu: could not read the source index of $s" >&2
			unread="$unread $s"
			continue
		fi
		line=$(awk -v v="$pin" '$1 == v' "$tmp/index-$s")
		[ -n "$line" ] || continue
		# shellcheck disable=SC2086 # three words, split on purpose
		set -- $line
		[ "$2" = "$pin_sha" ] || die "$s serves $pin with sha256 $2, not the pinned $pin_sha; refusing it"
		fetch "$s" "$pin" "$pin_sha" "$3" || die "could not download $pin from $s"
		chosen_ver=$pin chosen_sha=$pin_sha chosen_tar=$3
		break
	done
fi

if [ -z "${chosen_ver:-}" ]; then
	# The newest $series.x of each suite, in the suites' order.
	tried=""
	for s in $suites; do
		[ -f "$tmp/index-$s" ] || continue
		best=""
		while read -r v sha tar; do
			case ${v#*:} in "$series".*) ;; *) continue ;; esac
			if [ -z "$best" ] || dpkg --compare-versions "$v" gt "${best%% *}"; then
				best="$v $sha $tar"
			fi
		done < "$tmp/index-$s"
		[ -n "$best" ] || continue
		# shellcheck disable=SC2086
		set -- $best
		echo "qemu: $pin is not served; checking that the patches apply to $1 from $s" >&2
		fetch "$s" "$1" "$2" "$3" || { echo "qemu: could not download $1 from $s" >&2; continue; }
		if patches_apply "$src/$3"; then
			echo "qemu: pinned source $pin is no longer served; falling back to $1 from $s" >&2
			# sha256 of the patches it was checked with: a change re-checks
			echo "$1 $2 $3 $s $patch_hash" > "$record"
			chosen_ver=$1 chosen_sha=$2 chosen_tar=$3 fallback=1
			break
		fi
		sed 's/^/  /' "$tmp/patch.log" >&2
		echo "qemu: $bad_patch does not apply to $1 (from $s)" >&2
		tried="$tried $1@$2"
	done
	if [ -z "${chosen_ver:-}" ]; then
		if [ -n "$tried" ]; then
			first=${tried# }
			first=${first%% *}
			die "no QEMU source to build: the pinned $pin is no longer served and images/qemu/*.patch do not apply to what is. Rebase images/qemu/*.patch onto ${first%%@*} and set QEMU_PIN_VERSION=${first%%@*} and QEMU_PIN_SHA256=${first#*@} in images/qemu/source.sh"
		fi
		[ -z "$unread" ] || die "the pinned $pin is not in the cache and the source index of$unread could not be read (network, or the machine's Debian apt entry?)"
		die "no QEMU source to build: the pinned $pin is no longer served and no QEMU $series.x is served by $suites. Pick a QEMU source, rebase images/qemu/*.patch onto it and update QEMU_PIN_VERSION and QEMU_PIN_SHA256 in images/qemu/source.sh"
	fi
fi

if [ "$verify" = 1 ] && [ -z "${fallback:-}" ]; then
	patches_apply "$src/$chosen_tar" || {
		sed 's/^/  /' "$tmp/patch.log" >&2
		die "$bad_patch does not apply to $chosen_ver: fix it, or rebase images/qemu/*.patch onto $chosen_ver"
	}
fi
if [ "$verify" = 1 ]; then
	set -- "$patchdir"/*.patch
	echo "qemu: the $# patches in $patchdir apply to $chosen_ver (dry run)" >&2
fi
echo "$chosen_ver $chosen_sha $src/$chosen_tar"
