/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny real-KVM VM for tests: a few bytes of real-mode code that does
 * N port writes (each a VM exit to userspace) and then halts, with an
 * in-kernel irqchip so the halt blocks inside KVM (KVM's "blocking"
 * statistic) instead of exiting. The VM keeps its vCPU stats fd open, as
 * QEMU does.
 */
#ifndef PVRCU_KVM_TINY_VM_H
#define PVRCU_KVM_TINY_VM_H

#include <stdbool.h>

/*
 * Fork a process that builds the VM, opens the vCPU's stats fd, and runs
 * the vCPU once the parent says go. Returns the child's pid (>0), 0 if
 * this machine has no usable KVM (@why says why), or -1 on error.
 */
int kvm_tiny_vm_spawn(unsigned int nexits, int *go_fd, char *why,
		      unsigned long whylen);
/* Let the child run its vCPU. */
void kvm_tiny_vm_go(int go_fd);

#endif
