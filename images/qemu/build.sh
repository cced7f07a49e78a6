#!/bin/sh
# Build pvrcu's QEMU: Debian's QEMU 10.0 source package plus our
# vhost-user-rcu device patch, a minimal x86_64 system emulator (KVM, TCG,
# vhost-user), installed under the cache, never over the system QEMU.
# Also builds libvhost-user (static) from the same tree for pvrcud.
#
# The install prefix is keyed by the hash of this script and the patches,
# so a second run is a no-op and a changed recipe rebuilds.
# Prints the install prefix on stdout; progress goes to stderr.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${PVRCU_CACHE:?PVRCU_CACHE must be set}

QEMU_DEB_VERSION=1:10.0.2+ds-2+deb13u1~bpo12+1
QEMU_TARBALL=qemu_10.0.2+ds.orig.tar.xz
QEMU_SHA256=0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1

key=$(cat "$0" "$here"/*.patch | sha256sum | cut -c1-12)
prefix=$cache/qemu-$key
if [ -x "$prefix/bin/qemu-system-x86_64" ] && [ -f "$prefix/lib/libvhost-user.a" ]; then
	echo "$prefix"
	exit 0
fi

src=$cache/src
mkdir -p "$src"
if [ ! -f "$src/$QEMU_TARBALL" ]; then
	echo "qemu: fetching Debian source $QEMU_DEB_VERSION" >&2
	if ! (cd "$src" && apt-get source --tar-only --download-only \
		"qemu=$QEMU_DEB_VERSION" >&2); then
		# Source lists missing or stale: enable them and retry once.
		sh "$here/../apt-backports.sh" >&2
		apt-get update -q >&2
		(cd "$src" && apt-get source --tar-only --download-only \
			"qemu=$QEMU_DEB_VERSION" >&2)
	fi
fi
echo "$QEMU_SHA256  $src/$QEMU_TARBALL" | sha256sum -c --quiet - >&2 || {
	echo "qemu: checksum mismatch for $QEMU_TARBALL; refusing to build" >&2
	rm -f "$src/$QEMU_TARBALL"
	exit 1
}

work=$cache/qemu-build-$key
rm -rf "$work"
mkdir -p "$work"
tar -C "$work" -xf "$src/$QEMU_TARBALL"
tree=$(echo "$work"/qemu-*)
for p in "$here"/*.patch; do
	patch -d "$tree" -p1 --quiet < "$p"
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
