#!/usr/bin/env bash
# The libvirt part of t_libvirt.sh. Runs inside its own mount namespace
# (unshare --mount --propagation private), as root:
#
#   libvirt_ns.sh DIR TOP KERNEL INITRD
#
# DIR holds a `make install DESTDIR=DIR/root PREFIX=/opt/pvrcu
# SYSCONFDIR=/opt/pvrcu/etc`. Over libvirt's folders (and /run, /opt)
# this namespace mounts its own, starts its own libvirtd with the
# installed pvrcu hook, drives it with virsh and stops it by pid. Nothing
# it mounts or starts is seen from outside, and a libvirtd the machine
# may run is neither used nor disturbed. Prints the usual ok/FAIL lines;
# writes "PASSED FAILED" to DIR/counts for the caller.
set -uo pipefail
d=$1 top=$2 kernel=$3 initrd=$4
# shellcheck source=lib.sh
. "$top/tests/vm/lib.sh"
t=libvirt
V="timeout 120 virsh -q -c qemu:///system"	# nothing here may hang
ctl=/opt/pvrcu/bin/pvrcuctl
rundir=/run/pvrcu
dom=pvrcu-t1 plain=plain-t1 bad=pvrcu-bad1
libvirtd_pid=

finish() {
	local name pid f
	for name in $dom $plain $bad; do
		$V destroy "$name" > /dev/null 2>&1
		$V undefine "$name" > /dev/null 2>&1
	done
	[ -n "$libvirtd_pid" ] && stop_libvirtd
	# Anything this test started that is still there: QEMU by libvirt's
	# pid files, pvrcud by the hook's (both only in this namespace's /run).
	for f in /run/libvirt/qemu/*.pid "$rundir"/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null &&
			echo "  (killed leftover pid $pid from $f)"
	done
	echo "$vm_pass $vm_fail" > "$d/counts"
}
trap finish EXIT
trap 'exit 1' INT TERM	# so that finish runs

# ---- a private view of libvirt's folders ---------------------------------
set -e
mount -t tmpfs -o mode=755 pvrcu-test /run		# libvirtd's sockets, pvrcu's
mount -t tmpfs -o mode=755 pvrcu-test /var/lib/libvirt
mount -t tmpfs -o mode=711 pvrcu-test /var/cache/libvirt
mkdir -p "$d/log/libvirt/qemu" "$d/etc-libvirt/hooks/qemu.d"
mount --bind "$d/log" /var/log			# survives for the checks
mount --bind "$d/etc-libvirt" /etc/libvirt
mount -t tmpfs -o mode=755 pvrcu-test /opt
mkdir /opt/pvrcu
mount --bind "$d/root/opt/pvrcu" /opt/pvrcu
set +e

cp "$d/root/etc/libvirt/hooks/qemu.d/pvrcu" /etc/libvirt/hooks/qemu.d/pvrcu
cat > /etc/libvirt/libvirtd.conf <<'EOF'
# pvrcu test: root only, no polkit, no TCP
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
# libvirtd runs QEMU as root (qemu.conf; as another user, this libvirt
# probes QEMU's capabilities again on every call here), with no security
# driver, cgroups or private /dev (this may run in a container), logs to
# files (no virtlogd). The pvrcu domain itself runs QEMU as Debian's
# libvirt-qemu through its own DAC <seclabel>, so the hook must hand the
# socket to that user for QEMU to connect.
cat > /etc/libvirt/qemu.conf <<'EOF'
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
EOF
qemu_user=root
id libvirt-qemu > /dev/null 2>&1 && getent group libvirt-qemu > /dev/null && qemu_user=libvirt-qemu
# Guest images where libvirt keeps them (DAC relabels these copies).
mkdir -p /var/lib/libvirt/images/pvrcu
cp -L "$kernel" /var/lib/libvirt/images/pvrcu/vmlinuz
cp "$initrd" /var/lib/libvirt/images/pvrcu/initrd.gz
kernel=/var/lib/libvirt/images/pvrcu/vmlinuz initrd=/var/lib/libvirt/images/pvrcu/initrd.gz

start_libvirtd() {	# start_libvirtd WHAT: our own libvirtd, in the background
	libvirtd -f /etc/libvirt/libvirtd.conf --pid-file=/run/libvirtd.pid \
		>> "$d/libvirtd.out" 2>&1 &
	libvirtd_pid=$!
	echo "$libvirtd_pid" > "$d/libvirtd.pid"
	for _ in $(seq 100); do
		[ -S /run/libvirt/libvirt-sock ] && $V version > /dev/null 2>&1 && break
		kill -0 "$libvirtd_pid" 2>/dev/null || break
		sleep 0.1
	done
	check_true "$t: $1 (pid $libvirtd_pid)" eval "$V version > /dev/null 2>&1"
}
stop_libvirtd() {
	kill -TERM "$libvirtd_pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$libvirtd_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$libvirtd_pid" 2>/dev/null
	wait "$libvirtd_pid" 2>/dev/null
	libvirtd_pid=
}
if ! start_libvirtd "libvirtd started"; then
	sed 's/^/    libvirtd| /' "$d/libvirtd.out"
	exit 1
fi
$V version | sed 's/^/    /'

domain_xml() {	# domain_xml NAME SCENARIO
	"$ctl" domain-xml --name "$1" --type qemu --cpus 2 --memory 512 \
		--kernel "$kernel" --initrd "$initrd" --on-reboot destroy \
		--cmdline "console=ttyS0 panic=-1 loglevel=7 pvrcu.test=$2"
}
is_pvrcud() {	# is_pvrcud PID SOCKET: PID is a pvrcud serving SOCKET
	local a x	# (a zombie has no cmdline: it counts as stopped)
	[ -n "$1" ] && mapfile -d '' a 2> /dev/null < "/proc/$1/cmdline" || return 1
	for x in "${a[@]}"; do
		[ "$x" = "--socket-path=$2" ] && return 0
	done
	return 1
}
any_pvrcud() {	# any_pvrcud SOCKET: some process serves SOCKET
	local p
	for p in /proc/[0-9]*; do
		is_pvrcud "${p#/proc/}" "$1" && return 0
	done
	return 1
}
no_files() {	# no_files NAME: nothing of domain NAME in the runtime folder
	! compgen -G "$rundir/$1.*" > /dev/null
}
not() { ! "$@"; }
wait_state() {	# wait_state NAME STATE SECONDS
	for _ in $(seq $(($3 * 5))); do
		[ "$($V domstate "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
wait_registered() {	# wait_registered NAME SECONDS: pvrcuctl sees the region
	for _ in $(seq $(($2 * 10))); do
		"$ctl" --domain "$1" status 2>/dev/null | grep -q 'region:  *gpa' && return 0
		sleep 0.1
	done
	return 1
}
hooklog=/var/log/pvrcu/hook.log
sock=$rundir/$dom.sock
serial=/var/log/libvirt/qemu/$dom-serial.log

# ---- a pvrcu domain: define, start, torture, pvrcuctl, destroy ----------
# torture_hold: 10 s of torture, then the guest waits for the host.
if [ "$qemu_user" = root ]; then
	domain_xml "$dom" torture_hold > "$d/$dom.xml"
else
	qemu_label="+$(id -u $qemu_user):+$(getent group $qemu_user | cut -d: -f3)"
	qemu_label_re=${qemu_label//+/\\+}
	domain_xml "$dom" torture_hold | sed "s|^  </devices>|&\\
  <seclabel type='static' model='dac' relabel='yes'><label>$qemu_label</label></seclabel>|" \
		> "$d/$dom.xml"
fi
check_true "$t: pvrcuctl domain-xml finds the installed QEMU" \
	grep -q "<emulator>/opt/pvrcu/lib/pvrcu/qemu/bin/qemu-system-x86_64</emulator>" "$d/$dom.xml"
$V define --validate "$d/$dom.xml" > "$d/define.out" 2>&1
check_true "$t: virsh define --validate accepts the domain" test $? -eq 0
check_true "$t: defined, shut off, no pvrcud yet" \
	test "$($V domstate "$dom")" = "shut off" -a ! -e "$rundir/$dom.pid"

# pvrcuctl by domain name, sampled while the torture runs
(
	wait_registered "$dom" 120 || exit 0
	sleep 4
	"$ctl" --domain "$dom" status > "$d/status" 2>&1
	"$ctl" --domain "$dom" vcpus > "$d/vcpus" 2>&1
	"$ctl" --domain "$dom" stats > "$d/stats" 2>&1
	"$ctl" --domain "$dom" --json stats > "$d/stats.json" 2>&1
	"$ctl" --domain "$dom" stalls > "$d/stalls" 2>&1
	"$ctl" --domain "$dom" set stall_timeout_s 30 > "$d/set" 2>&1
	$V list --all > "$d/virsh-list" 2>&1
) &
sampler=$!

start=$(date +%s%N)
$V start "$dom" > "$d/start1.out" 2>&1
check_true "$t: virsh start $dom" test $? -eq 0
echo "    (virsh start took $((($(date +%s%N) - start) / 1000000)) ms)"
pid1=$(cat "$rundir/$dom.pid" 2>/dev/null)
check_true "$t: the hook started pvrcud (pid $pid1) on $sock" is_pvrcud "$pid1" "$sock"
check_true "$t: ... and it listens" test -S "$sock"
if [ "$qemu_user" = root ]; then
	echo "  skip $t: socket handed to QEMU's user (no libvirt-qemu user: QEMU runs as root)"
else
	qemu_pid=$(cat "/run/libvirt/qemu/$dom.pid" 2>/dev/null)
	check_true "$t: QEMU (pid $qemu_pid) runs as $qemu_user" \
		test "$(stat -c %U "/proc/$qemu_pid" 2>/dev/null)" = "$qemu_user"
	check_true "$t: ... on a socket given to QEMU's user $qemu_user" \
		test "$(stat -c %U "$sock")" = "$qemu_user"
	check "$t: ... which the hook logged" "$hooklog" \
		"$dom start: socket $sock given to $qemu_label_re "
fi
check "$t: ... with one event queue per vCPU" /var/log/pvrcu/$dom.log \
	"listening on $sock \(2 event queues, 16 SRCU domains\)"
check "$t: the hook logged the start" "$hooklog" \
	"$dom prepare: started pvrcud $pid1 on $sock \(2 event queues\)"

for _ in $(seq 600); do	# up to 120 s: boot and 10 s of torture under TCG
	grep -q 'pvrcu-torture: .*result=' "$serial" 2>/dev/null && break
	[ "$($V domstate "$dom" 2>/dev/null)" = running ] || break
	sleep 0.2
done
wait "$sampler"
sed -i 's/\r$//' "$serial"
check "$t: guest torture passed" "$serial" \
	'pvrcu-torture: flavor=rcu .* errors=0 result=PASS$'
check_guest_clean "$t" "$serial"
check "$t: virsh list shows it running" "$d/virsh-list" "$dom +running"
check "$t: pvrcuctl --domain status: region registered" "$d/status" \
	'^region: +gpa 0x[0-9a-f]+, [0-9]+ bytes, 2 CPUs$'
check "$t: pvrcuctl --domain vcpus lists both CPUs" "$d/vcpus" '^1 +yes '
check "$t: pvrcuctl --domain stats: GPs completed" "$d/stats" \
	'^grace periods: +[0-9]+ started, [1-9][0-9]* completed'
check "$t: pvrcuctl --domain --json stats" "$d/stats.json" '"gps_completed":[1-9][0-9]*'
check "$t: pvrcuctl --domain set" "$d/set" '^stall_timeout_s = 30 s$'

$V destroy "$dom" > "$d/destroy1.out" 2>&1
check_true "$t: virsh destroy $dom" test $? -eq 0
check_true "$t: the hook stopped pvrcud $pid1" not is_pvrcud "$pid1" "$sock"
check_true "$t: ... and removed its socket, pid and state files" no_files "$dom"
check "$t: the hook logged the stop" "$hooklog" "$dom release: stopped pvrcud $pid1$"

# ---- start again; pvrcud dies, libvirtd restarts; the guest ends itself -
# The same domain with the restart_idle scenario: the driver registers
# and waits; pvrcud is killed (-9) and libvirtd restarted, so the hook's
# "reconnect" starts a new pvrcud that resumes the guest from the state
# file; the guest's API selftest then gets its GPs, and the guest powers
# off (libvirt then runs "release").
mv "$serial" "$d/$dom-serial.run1.log"
$V dumpxml --inactive "$dom" | sed 's/pvrcu\.test=torture_hold/pvrcu.test=restart_idle/' \
	> "$d/$dom.restart.xml"
$V define "$d/$dom.restart.xml" > /dev/null 2>&1
$V start "$dom" > "$d/start2.out" 2>&1
check_true "$t: virsh start $dom again" test $? -eq 0
pid2=$(cat "$rundir/$dom.pid" 2>/dev/null)
check_true "$t: a new pvrcud (pid $pid2)" \
	test -n "$pid2" -a "$pid2" != "$pid1" -a -S "$sock"
check_true "$t: ... serving the same socket" is_pvrcud "$pid2" "$sock"
for _ in $(seq 600); do
	grep -q 'idle: waiting' "$serial" 2>/dev/null && break
	sleep 0.2
done
check "$t: the guest registered and waits" "$serial" 'PVRCU-INIT: idle: waiting'
kill -KILL "$pid2"
stop_libvirtd
start_libvirtd "libvirtd restarted"
for _ in $(seq 150); do	# libvirtd reconnects to QEMU in a thread of its own
	grep -q "$dom reconnect: started pvrcud" "$hooklog" && break
	sleep 0.2
done
pid3=$(sed -n "s/.* $dom reconnect: started pvrcud \([0-9]*\) .*/\1/p" "$hooklog")
check "$t: the hook's reconnect saw pvrcud gone" "$hooklog" \
	"$dom reconnect: pvrcud $pid2 is gone: starting a new one"
check_true "$t: ... and started pvrcud $pid3" test -n "$pid3"
[ "$qemu_user" = root ] || check "$t: ... on a socket given to $qemu_user" "$hooklog" \
	"$dom reconnect: socket $sock given to $qemu_label_re "
check_true "$t: the guest powers off by itself" wait_state "$dom" "shut off" 120
sed -i 's/\r$//' "$serial"
check "$t: the new pvrcud resumed the guest" "/var/log/pvrcu/$dom.log" \
	"^pvrcud\[$pid3\]: info: resumed region gpa=0x[0-9a-f]+ len=[0-9]+ cpus=2"
# GPs through the resumed pvrcud (the selftest's whole verdict is
# t_restart_idle's business)
for what in 'synchronize completes a cookie taken before it' \
	'synchronize_expedited completes a cookie' \
	'barrier waits for callbacks queued from IRQs on every CPU'; do
	check "$t: after the restart, selftest: $what" "$serial" "pvrcu-selftest: $what: ok"
done
check "$t: ... and the driver unloaded" "$serial" 'PVRCU-INIT: virtio_rcu unloaded'
check_guest_clean "$t" "$serial"
check_true "$t: the hook stopped pvrcud $pid3" not is_pvrcud "$pid3" "$sock"
check_true "$t: ... and removed its files" no_files "$dom"
check "$t: ... and logged it" "$hooklog" "$dom release: stopped pvrcud $pid3$"
$V undefine "$dom" > "$d/undefine.out" 2>&1
check_true "$t: virsh undefine $dom" test $? -eq 0
check_true "$t: ... it is gone" not bash -c "$V list --all --name | grep -qx $dom"

# ---- a domain without pvrcu metadata: the hook leaves it alone ----------
domain_xml "$plain" skeleton |
	sed -e '/<metadata>/,/<\/metadata>/d' -e '/<qemu:commandline>/,/<\/qemu:commandline>/d' \
	> "$d/$plain.xml"
$V define "$d/$plain.xml" > /dev/null 2>&1
$V start "$plain" > "$d/plain-start.out" 2>&1
check_true "$t: a domain without pvrcu metadata starts" test $? -eq 0
check_true "$t: ... running" wait_state "$plain" running 5
check_true "$t: ... no runtime files for it" no_files "$plain"
check_true "$t: ... no pvrcud for it" not any_pvrcud "$rundir/$plain.sock"
"$ctl" --domain "$plain" status > "$d/plain-status" 2>&1
echo "rc=$?" >> "$d/plain-status"
check "$t: pvrcuctl --domain says it has no pvrcud" "$d/plain-status" \
	"cannot reach pvrcud at $rundir/$plain.sock.ctl: No such file or directory \(is domain $plain running, with pvrcu metadata\?\)"
check "$t: ... exit status 2" "$d/plain-status" '^rc=2$'
$V destroy "$plain" > /dev/null 2>&1
$V undefine "$plain" > /dev/null 2>&1
check_not "$t: the hook logged nothing for it" "$hooklog" " $plain "

# ---- a domain that needs pvrcud does not start without it ---------------
bad_start() {	# bad_start WHAT XMLFILE REGEX: virsh start fails with REGEX
	$V undefine "$bad" > /dev/null 2>&1
	$V define "$2" > /dev/null 2>&1
	$V start "$bad" > "$d/bad.out" 2>&1
	echo "rc=$?" >> "$d/bad.out"
	sed 's/^/    virsh| /' "$d/bad.out"
	check "$t: $1: virsh start fails" "$d/bad.out" '^rc=[1-9]'
	check "$t: ... with the hook's reason" "$d/bad.out" "$3"
	check_true "$t: ... the domain is shut off" test "$($V domstate "$bad")" = "shut off"
	check_true "$t: ... no pvrcud or files left" \
		eval "no_files $bad && ! any_pvrcud $rundir/$bad.sock"
}
domain_xml "$bad" skeleton | sed "s/event-queues='2' srcu/event-queues='3' srcu/" > "$d/bad1.xml"
bad_start "metadata asks 3 queues for 2 vCPUs" "$d/bad1.xml" \
	'pvrcu hook: domain pvrcu-bad1: pvrcu metadata: event-queues=3 but the domain has 2 vCPUs'
domain_xml "$bad" skeleton | sed "s/srcu-domains='16'/srcu-domains='5000'/" > "$d/bad2.xml"
bad_start "pvrcud refuses its options" "$d/bad2.xml" \
	'pvrcud exited with status 1: .*--srcu-domains must be 0\.\.1024'
conf=/opt/pvrcu/etc/pvrcu/hook.conf
cp "$conf" "$d/hook.conf.orig"
echo "PVRCUD=/opt/pvrcu/sbin/no-such-pvrcud" >> "$conf"
domain_xml "$bad" skeleton > "$d/bad3.xml"
bad_start "pvrcud missing" "$d/bad3.xml" \
	'pvrcud not found at /opt/pvrcu/sbin/no-such-pvrcud'
cp "$d/hook.conf.orig" "$conf"
check "$t: the hook logged the failures" "$hooklog" "$bad prepare: FAILED: pvrcud exited"
$V undefine "$bad" > /dev/null 2>&1

sed 's/^/    hook.log| /' "$hooklog"
sed 's/^/    pvrcuctl| /' "$d/status"
