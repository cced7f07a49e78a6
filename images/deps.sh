#!/bin/sh
# Install the Debian packages pvrcu needs (idempotent: a second run only
# checks dpkg and returns in well under a second).
set -eu
here=$(cd "$(dirname "$0")" && pwd)

# From bookworm itself. python3-venv: QEMU's configure needs ensurepip;
# man-db: the man-page checks; gdb: backtraces of a QEMU that crashed.
BASE="build-essential pkg-config git ninja-build libglib2.0-dev libfdt-dev
libpixman-1-dev zlib1g-dev dpkg-dev xz-utils zstd cpio kmod
busybox-static libcriterion-dev liburcu-dev spin clang libclang-rt-14-dev valgrind
seabios ipxe-qemu python3 python3-venv procps util-linux iproute2 dkms
man-db gdb"
# From bookworm-backports (newer meson for QEMU 10; libvirt 11: the
# monolithic libvirtd with only its QEMU driver, and virsh).
BPO="meson python3-pycotap libvirt-daemon libvirt-daemon-driver-qemu
libvirt-clients"

missing() {
	for p in "$@"; do
		s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$s" = installed ] || echo "$p"
	done
}

need_base=$(missing $BASE)
need_bpo=$(missing $BPO)
if [ -z "$need_base" ] && [ -z "$need_bpo" ] &&
   [ "$(meson --version | cut -d. -f1-2 | tr -d .)" -ge 15 ] 2>/dev/null; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: $need_base $need_bpo (run as root to install)" >&2
	exit 1
fi

sh "$here/apt-backports.sh"
export DEBIAN_FRONTEND=noninteractive
# Packages must not start services here (libvirtd, virtlogd): the tests
# start their own libvirtd in a private namespace, and a machine without
# systemd has no business running one. A policy-rc.d that refuses every
# start does that, for invoke-rc.d and deb-systemd-invoke alike; one the
# machine already has is left as it is.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	trap 'rm -f "$policy"' EXIT
	trap 'exit 1' INT TERM
	printf '#!/bin/sh\n# pvrcu make deps: no service starts during this install\nexit 101\n' > "$policy"
	chmod 755 "$policy"
fi
apt-get update -q
# shellcheck disable=SC2086
[ -n "$need_base" ] && apt-get install -y -q --no-install-recommends $need_base
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends -t bookworm-backports $BPO
echo "deps: Debian packages installed"
