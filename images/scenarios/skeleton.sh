# Walking skeleton: load the driver (it registers its region and completes
# one GP through the device on probe), show the interrupts, unload it.
if insmod /lib/modules/pvrcu/virtio_rcu.ko debug=1; then
	say "virtio_rcu loaded"
	grep -E 'event[0-9]|request' /proc/interrupts | sed 's/^/PVRCU-INIT: irq /'
	rmmod virtio_rcu && say "virtio_rcu unloaded"
else
	say "FAIL insmod virtio_rcu"
fi
