#!/bin/sh
# Fetch the guest kernel: Debian bookworm's linux-image (unpacked into the
# cache, never installed on the host) and the matching linux-headers
# (installed, so out-of-tree modules build with Kbuild as usual).
# Prints the cache directory of the unpacked kernel on stdout.
set -eu
cache=${PVRCU_CACHE:?PVRCU_CACHE must be set}

# The ABI that bookworm's meta-package points at, e.g. 6.1.0-56.
abi=$(apt-cache depends -t bookworm linux-image-amd64 2>/dev/null |
	sed -n 's/.*Depends: linux-image-\(.*\)-amd64$/\1/p' | head -n1)
if [ -z "$abi" ]; then
	echo "guest-kernel: cannot resolve linux-image-amd64 (apt-get update?)" >&2
	exit 1
fi
dir=$cache/kernel-$abi
if [ -f "$dir/.done" ] && [ -d "/usr/src/linux-headers-$abi-amd64" ]; then
	echo "$dir"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if [ ! -d "/usr/src/linux-headers-$abi-amd64" ]; then
	apt-get install -y -q --no-install-recommends "linux-headers-$abi-amd64" >&2
fi
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
(cd "$dir.tmp" && apt-get download "linux-image-$abi-amd64" >&2)
dpkg-deb -x "$dir.tmp"/linux-image-*.deb "$dir.tmp/root"
rm -f "$dir.tmp"/*.deb
ln -s "root/boot/vmlinuz-$abi-amd64" "$dir.tmp/vmlinuz"
ln -s "root/lib/modules/$abi-amd64" "$dir.tmp/modules"
echo "$abi-amd64" > "$dir.tmp/release"
touch "$dir.tmp/.done"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir"
