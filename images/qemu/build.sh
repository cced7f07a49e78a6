#!/bin/sh
# Build pvrcu's QEMU: Debian's QEMU 10.0 source package plus our
# vhost-user-rcu device patch, a minimal x86_64 system emulator (KVM, TCG,
# vhost-user), installed under the cache, never over the system QEMU.
# Also builds libvhost-user (static) from the same tree for pvrcud.
#
# The source comes from source.sh beside this: the pinned Debian version,
# or, once the archive no longer serves it, the newest 10.x it does serve
# that our patches apply to (it says so on stderr). The install prefix is
# keyed by the hash of this script, the patches and that source's tarball
# (name and sha256), so a second run is a no-op, a changed recipe
# rebuilds, and a fallback to another version gets a prefix of its own.
# Prints the install prefix on stdout; progress goes to stderr.
#
# Usage: sh images/qemu/build.sh [--print-prefix]
#   --print-prefix: resolve the source and print the prefix; build nothing.
# Environment: PVRCU_CACHE (required); QEMU_PATCH_DIR (default: this
# folder's *.patch) and the other QEMU_* of source.sh, which reads them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${PVRCU_CACHE:?PVRCU_CACHE must be set}
patchdir=${QEMU_PATCH_DIR:-$here}

line=$(sh "$here/source.sh")
read -r qemu_ver qemu_sha tarball <<EOF
$line
EOF

key=$({ cat "$0" "$patchdir"/*.patch; echo "${tarball##*/} $qemu_sha"; } |
	sha256sum | cut -c1-12)
prefix=$cache/qemu-$key
if [ "${1:-}" = --print-prefix ]; then
	echo "$prefix"
	exit 0
fi
if [ -x "$prefix/bin/qemu-system-x86_64" ] && [ -f "$prefix/lib/libvhost-user.a" ]; then
	echo "$prefix"
	exit 0
fi

work=$cache/qemu-build-$key
rm -rf "$work"
mkdir -p "$work"
tar -C "$work" -xf "$tarball"
tree=$(echo "$work"/qemu-*)
for p in "$patchdir"/*.patch; do
	sh "$here/patch-needed.sh" "$p" "$tree" || continue
	patch -d "$tree" -p1 -N -f --quiet -i "$p" < /dev/null >&2 || {
		echo "qemu: $p does not apply to $qemu_ver: rebase images/qemu/*.patch onto it (see images/qemu/source.sh)" >&2
		exit 1
	}
done

# The +ds tarball has no edk2 blobs, but QEMU's meson.build unpacks them
# whenever it finds bzip2. Configure with a PATH that has no bzip2 (a
# folder of links to the usual bin folders, bzip2 left out).
nobz=$work/path-without-bzip2
mkdir -p "$nobz"
for d in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
	for f in "$d"/*; do
		b=${f##*/}
		[ "$b" = bzip2 ] || [ -e "$nobz/$b" ] || ln -s "$f" "$nobz/$b"
	done
done

cd "$tree"
echo "qemu: configuring (log: $work/configure.log)" >&2
PATH=$nobz ./configure --prefix="$prefix" --target-list=x86_64-softmmu \
	--python=/usr/bin/python3 --disable-download \
	--without-default-features \
	--enable-kvm --enable-tcg --enable-vhost-user --enable-vhost-kernel \
	--enable-fdt=system --disable-install-blobs --disable-docs \
	--disable-werror --enable-trace-backends=nop \
	--firmwarepath=/usr/share/seabios:/usr/share/qemu:/usr/lib/ipxe/qemu \
	> "$work/configure.log" 2>&1 || {
	tail -30 "$work/configure.log" >&2
	exit 1
}
echo "qemu: building (log: $work/build.log)" >&2
make -j"$(nproc)" > "$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
make install > "$work/install.log" 2>&1 || { tail -20 "$work/install.log" >&2; exit 1; }

# libvhost-user: one C file; built inside the tree because its include/
# holds symlinks into QEMU's include/qemu.
echo "qemu: building libvhost-user" >&2
lvu=subprojects/libvhost-user
mkdir -p "$prefix/lib" "$prefix/include/libvhost-user"
cc -std=gnu99 -O2 -g -fPIC -D_GNU_SOURCE -pthread -I"$lvu" -c "$lvu/libvhost-user.c" -o "$work/libvhost-user.o"
ar rcs "$prefix/lib/libvhost-user.a" "$work/libvhost-user.o"
cp "$lvu/libvhost-user.h" "$prefix/include/libvhost-user/"
# libvhost-user.h includes standard-headers/linux/virtio_ring.h etc.
cp -rL "$lvu/standard-headers" "$prefix/include/libvhost-user/"

cd /
rm -rf "$work"
echo "qemu: installed under $prefix" >&2
echo "$prefix"
