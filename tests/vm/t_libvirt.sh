# libvirt end to end. First `make install` into a scratch tree and check
# what lands where (and that DKMS builds the guest modules from it). Then
# a second install under /opt/pvrcu runs for real: inside a private mount
# namespace, a libvirtd of the test's own with the installed pvrcu hook
# defines and starts a pvrcu domain (TCG), the hook starts pvrcud, the
# guest's torture passes, `pvrcuctl --domain` reports GPs, virsh destroy
# makes the hook stop pvrcud, the domain starts again and is undefined;
# a domain without pvrcu metadata is left alone, and one whose pvrcud
# cannot start does not start (tests/vm/libvirt_ns.sh).
t=libvirt
echo "== $t (make install; libvirtd + virsh + the pvrcu hook in a private mount namespace)"
d=$out/$t
mkdir -p "$d"
eval "$(sed -n 's/^\([A-Z_]*\) := \(.*\)$/lv_\1="\2"/p' "$top/build/config.mk")"
lv_version=$(sed -n 's/^VERSION := //p' "$top/Makefile")

skip() { echo "  skip $1"; }

# ---- the installed tree, PREFIX=/usr --------------------------------------
r=$d/usr-root
make -C "$top" --no-print-directory install DESTDIR="$r" PREFIX=/usr \
	> "$d/install-usr.log" 2>&1
check_true "$t: make install DESTDIR=$r PREFIX=/usr" test $? -eq 0
lv_missing=
for f in usr/sbin/pvrcud usr/bin/pvrcuctl usr/libexec/vhost-user-rcu \
	usr/share/qemu/vhost-user/50-pvrcu-rcu.json \
	usr/lib/pvrcu/qemu/bin/qemu-system-x86_64 \
	usr/share/pvrcu/pvrcu-domain.xml.in \
	usr/share/man/man1/pvrcuctl.1 usr/share/man/man8/pvrcud.8 \
	etc/libvirt/hooks/qemu.d/pvrcu etc/pvrcu/hook.conf \
	"usr/src/pvrcu-$lv_version/dkms.conf" \
	"usr/src/pvrcu-$lv_version/guest-driver/Kbuild" \
	"usr/src/pvrcu-$lv_version/guest-driver/core.c" \
	"usr/src/pvrcu-$lv_version/guest-driver/include/pvrcu.h" \
	"usr/src/pvrcu-$lv_version/virtio-rcu/include/virtio_rcu.h"; do
	[ -e "$r/$f" ] || lv_missing="$lv_missing /$f"
done
check_true "$t: every file installed${lv_missing:+ (missing:$lv_missing)}" test -z "$lv_missing"
check_true "$t: libexec/vhost-user-rcu is pvrcud" \
	test "$(readlink "$r/usr/libexec/vhost-user-rcu")" = ../sbin/pvrcud
"$r/usr/libexec/vhost-user-rcu" --print-capabilities > "$d/caps.json" 2>&1
check_true "$t: ... and prints its capabilities" python3 -c '
import json, sys
caps = json.load(open(sys.argv[1])); desc = json.load(open(sys.argv[2]))
assert set(desc) <= {"description", "type", "binary", "tags"}, desc
assert desc["binary"] == "/usr/libexec/vhost-user-rcu", desc
assert desc["type"] == caps["type"], (desc, caps)' \
	"$d/caps.json" "$r/usr/share/qemu/vhost-user/50-pvrcu-rcu.json"
check "$t: the hook runs the installed pvrcud" "$r/etc/libvirt/hooks/qemu.d/pvrcu" \
	'^PVRCUD=/usr/sbin/pvrcud[[:space:]]'
check "$t: ... and reads /etc/pvrcu/hook.conf" "$r/etc/libvirt/hooks/qemu.d/pvrcu" \
	'^PVRCU_HOOK_CONF=/etc/pvrcu/hook.conf$'
check_true "$t: ... and is executable" test -x "$r/etc/libvirt/hooks/qemu.d/pvrcu"
for m in man1/pvrcuctl.1 man8/pvrcud.8; do
	MANWIDTH=80 man --warnings -l "$r/usr/share/man/$m" > "$d/${m#*/}.txt" 2> "$d/${m#*/}.warn"
	check_true "$t: man ${m#*/} renders without warnings" \
		test -s "$d/${m#*/}.txt" -a ! -s "$d/${m#*/}.warn"
done
check_true "$t: the DKMS tree has sources only" \
	bash -c "! find '$r/usr/src' -name '*.o' -o -name '*.ko' -o -name '*.mod.c' | grep -q ."

if ! command -v dkms > /dev/null; then
	skip "$t: DKMS build (dkms is not installed)"
elif ! unshare --mount --propagation private true 2> /dev/null; then
	skip "$t: DKMS build (unshare --mount is not permitted here)"
else
	# dkms writes a signing key under /var/lib/dkms: give it a private one.
	rm -rf "$d/dkms"
	mkdir -p "$d/dkms/tree" "$d/dkms/var"
	unshare --mount --propagation private sh -c '
		mount --bind "$1/dkms/var" /var/lib/dkms &&
		dkms add -m pvrcu -v "$3" --sourcetree "$2/usr/src" --dkmstree "$1/dkms/tree" &&
		dkms build -m pvrcu -v "$3" -k "$4" --sourcetree "$2/usr/src" --dkmstree "$1/dkms/tree"' \
		sh "$d" "$r" "$lv_version" "$lv_KERNEL_RELEASE" > "$d/dkms.log" 2>&1
	check_true "$t: dkms builds the guest modules for $lv_KERNEL_RELEASE" \
		test -f "$d/dkms/tree/pvrcu/$lv_version/$lv_KERNEL_RELEASE/x86_64/module/virtio_rcu.ko"
fi

# ---- libvirt ----------------------------------------------------------------
lv_ns_ok=
if [ "$(id -u)" != 0 ]; then
	skip "$t: libvirt (needs root)"
elif ! command -v libvirtd > /dev/null || ! command -v virsh > /dev/null; then
	skip "$t: libvirt (libvirtd or virsh not installed: make deps)"
elif ! unshare --mount --propagation private true 2> /dev/null; then
	skip "$t: libvirt (unshare --mount is not permitted here)"
else
	lv_ns_ok=1
fi
if [ -n "$lv_ns_ok" ]; then
	rm -rf "$d/root" "$d/log" "$d/etc-libvirt" "$d/counts"
	make -C "$top" --no-print-directory install DESTDIR="$d/root" \
		PREFIX=/opt/pvrcu SYSCONFDIR=/opt/pvrcu/etc > "$d/install-opt.log" 2>&1
	check_true "$t: make install DESTDIR=$d/root PREFIX=/opt/pvrcu" test $? -eq 0
	lv_t0=$(date +%s)
	timeout 600 unshare --mount --propagation private bash "$top/tests/vm/libvirt_ns.sh" \
		"$d" "$top" "$lv_KERNEL_DIR/vmlinuz" "$top/build/initramfs.cpio.gz"
	echo "    (libvirt part: $(($(date +%s) - lv_t0)) s)"
	if read -r lv_p lv_f < "$d/counts" 2> /dev/null; then
		vm_pass=$((vm_pass + lv_p))
		vm_fail=$((vm_fail + lv_f))
	else
		check_true "$t: the namespace part ran to the end" false
	fi
	# Belt and braces: the test's libvirtd must be gone.
	lv_pid=$(cat "$d/libvirtd.pid" 2> /dev/null)
	if [ -n "$lv_pid" ] && [ "$(cat "/proc/$lv_pid/comm" 2> /dev/null)" = libvirtd ]; then
		kill -KILL "$lv_pid"
		check_true "$t: the test's libvirtd was left running (killed $lv_pid)" false
	fi
fi
