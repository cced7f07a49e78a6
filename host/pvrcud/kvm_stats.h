/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading a vCPU's KVM binary statistics from another process.
 *
 * KVM refuses vCPU ioctls from any process but the VM's owner, but QEMU
 * opens each vCPU's stats fd at vCPU init and keeps it; such an fd, taken
 * with pidfd_getfd(), reads fine from here. We find them by their
 * /proc/PID/fd link name, "anon_inode:kvm-vcpu-stats:N" (N = vCPU id,
 * the APIC id on x86), parse the header once, then pread two values.
 */
#ifndef PVRCUD_KVM_STATS_H
#define PVRCUD_KVM_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define KVM_STATS_MAX_VCPUS 1024

struct kvm_vcpu_stats {
	int fd;			/* our copy of QEMU's stats fd */
	uint32_t vcpu_id;
	uint64_t exits_off;	/* file offsets of the two values */
	uint64_t blocking_off;
	bool has_blocking;
};

struct kvm_stats {
	unsigned int n;
	struct kvm_vcpu_stats vcpu[KVM_STATS_MAX_VCPUS];
};

/*
 * Take every vCPU stats fd of process @pid. Returns the number found
 * (0: no KVM in that process, e.g. TCG), or -errno when the process
 * cannot be inspected; @why gets a sentence for the log.
 */
int kvm_stats_open(struct kvm_stats *ks, pid_t pid, char *why, size_t whylen);
void kvm_stats_close(struct kvm_stats *ks);

/* Parse one stats fd's header and find "exits" and "blocking". */
int kvm_stats_parse(int fd, struct kvm_vcpu_stats *out);

/* Read a vCPU's cumulative exits and whether it is blocked (halted). */
int kvm_stats_read(const struct kvm_vcpu_stats *v, uint64_t *exits,
		   bool *blocking);

/* The stats entry for vCPU id @id, or NULL. */
const struct kvm_vcpu_stats *kvm_stats_find(const struct kvm_stats *ks,
					    uint32_t id);

#endif
