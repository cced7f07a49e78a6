// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_tiny_vm.h"

#define CODE_GPA 0x1000

static int child(unsigned int nexits, int go_fd, int ready_fd)
{
	uint8_t code[] = {
		0xb9, (uint8_t)nexits, (uint8_t)(nexits >> 8),	/* mov cx, N */
		0xe6, 0x10,					/* 1: out 0x10, al */
		0x49,						/* dec cx */
		0x75, 0xfb,					/* jnz 1b */
		0xf4,						/* 2: hlt */
		0xeb, 0xfd,					/* jmp 2b */
	};
	struct kvm_userspace_memory_region mr = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = 0x10000,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	struct kvm_run *run;
	int kvm, vm, vcpu, stats, runsz;
	char c;
	void *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return 10;
	ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return 11;
	mem = mmap(NULL, mr.memory_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 12;
	memcpy((char *)mem + CODE_GPA, code, sizeof(code));
	mr.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0)
		return 13;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return 14;
	runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, (size_t)runsz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return 15;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return 16;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 ||
	    ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return 17;
	stats = ioctl(vcpu, KVM_GET_STATS_FD, NULL);	/* kept open, as QEMU */
	if (stats < 0)
		return 18;
	if (write(ready_fd, "r", 1) != 1)
		return 19;
	if (read(go_fd, &c, 1) != 1)
		return 20;
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0 && errno != EINTR)
			return 21;
		if (run->exit_reason != KVM_EXIT_IO)
			return 22;	/* the halt blocks in KVM: never here */
	}
}

int kvm_tiny_vm_spawn(unsigned int nexits, int *go_fd, char *why,
		      unsigned long whylen)
{
	int go[2], ready[2], fd;
	char c;
	pid_t pid;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "no usable /dev/kvm: %s", strerror(errno));
		return 0;
	}
	close(fd);
	if (pipe(go) || pipe(ready))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		_exit(child(nexits, go[0], ready[1]));
	}
	close(go[0]);
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		snprintf(why, whylen, "the KVM test VM could not be built here");
		close(ready[0]);
		close(go[1]);
		return 0;
	}
	close(ready[0]);
	*go_fd = go[1];
	return pid;
}

void kvm_tiny_vm_go(int go_fd)
{
	if (write(go_fd, "g", 1) != 1)
		perror("kvm_tiny_vm_go");
	close(go_fd);
}
