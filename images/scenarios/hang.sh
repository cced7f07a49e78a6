# The harness self-test: a guest that never powers off. run-vm.sh must
# give up after its --timeout, stop QEMU and pvrcud, and say so.
say "hanging on purpose"
while :; do sleep 3600; done
