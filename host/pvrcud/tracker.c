// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vCPU tracker: maps guest CPUs to QEMU's vCPUs by the APIC id each
 * guest CPU registered, and feeds rcu-core samples of their KVM exit
 * counts and halt state while a GP runs. Without KVM (TCG) or without
 * permission it logs why once and leaves rcu-core on guest reports alone.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "backend_priv.h"
#include "log.h"

/*
 * Look for QEMU's KVM vCPU statistics once per connection: at the first
 * GET_FEATURES (its vCPUs exist by then), else at the first SETUP. The
 * answer decides whether the device offers VIRTIO_RCU_F_RUN_STATE.
 */
void tracker_probe(struct backend *b)
{
	char why[256] = "";
	int n;

	if (b->kvm_tried)
		return;
	b->kvm_tried = true;
	if (b->peer_pid <= 0) {
		log_info("vCPU tracker off: frontend pid unknown; guest reports only");
		return;
	}
	b->kvm = calloc(1, sizeof(*b->kvm));
	if (!b->kvm)
		return;
	n = kvm_stats_open(b->kvm, b->peer_pid, why, sizeof(why));
	if (n <= 0) {
		log_info("vCPU tracker off: %s; guest reports only", why);
		free(b->kvm);
		b->kvm = NULL;
		return;
	}
	log_info("vCPU tracker: %d vCPU stats of QEMU pid %d", n, (int)b->peer_pid);
}

/* The region is registered: map guest CPUs to vCPUs by APIC id. */
void tracker_attach(struct backend *b)
{
	uint32_t i;

	tracker_probe(b);
	if (!b->kvm || !b->have_region)
		return;
	free(b->cpu_vcpu);
	b->cpu_vcpu = calloc(b->ncpus, sizeof(*b->cpu_vcpu));
	b->tracked = 0;
	for (i = 0; b->cpu_vcpu && i < b->ncpus; i++) {
		volatile struct virtio_rcu_shm_cpu *r =
			(volatile struct virtio_rcu_shm_cpu *)
			(b->shm + virtio_rcu_shm_cpu_off(i));

		/* The guest names its APIC id; only an existing vCPU matches. */
		b->cpu_vcpu[i] = kvm_stats_find(b->kvm, le32toh(r->apic_id));
		b->tracked += b->cpu_vcpu[i] != NULL;
	}
	log_info("vCPU tracker: %u of %u guest CPUs mapped to vCPUs",
		 b->tracked, b->ncpus);
}

void tracker_detach(struct backend *b)
{
	free(b->cpu_vcpu);
	b->cpu_vcpu = NULL;
	b->tracked = 0;
	if (b->kvm) {
		kvm_stats_close(b->kvm);
		free(b->kvm);
		b->kvm = NULL;
	}
	b->kvm_tried = false;
}

void tracker_sample(struct backend *b)
{
	uint32_t i;

	if (!b->cpu_vcpu || !rcuc_gp_in_progress(b->dom))
		return;
	for (i = 0; i < b->ncpus; i++) {
		struct rcuc_vcpu_sample s = { 0 };

		if (!b->cpu_vcpu[i])
			continue;
		if (kvm_stats_read(b->cpu_vcpu[i], &s.exits, &s.halted) < 0) {
			rcuc_vcpu_forget(b->dom, i);
			continue;
		}
		rcuc_vcpu_sample(b->dom, i, &s);
	}
}
