# torture_short, then stay up: for host-side tests that end the VM
# themselves (virsh destroy) once they have checked it.
duration=10
. /scenarios/torture.sh
say "holding: the host ends this VM"
while :; do sleep 3600; done
