/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A guest region in host memory, and the guest's side of the protocol. */
#ifndef PVRCU_FAKE_REGION_H
#define PVRCU_FAKE_REGION_H

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "rcu_core.h"
#include "virtio_rcu.h"

struct fake_region {
	unsigned char *shm;
	size_t len;
	uint32_t ncpus, nsrcu;
};

static inline int fake_region_init(struct fake_region *f, uint32_t ncpus,
				   uint32_t nsrcu)
{
	uint32_t i;

	f->ncpus = ncpus;
	f->nsrcu = nsrcu;
	f->len = (virtio_rcu_shm_size(ncpus, nsrcu) + 4095) & ~4095ull;
	f->shm = aligned_alloc(4096, f->len);
	if (!f->shm)
		return -1;
	memset(f->shm, 0, f->len);
	for (i = 0; i < ncpus; i++)
		((struct virtio_rcu_shm_cpu *)(f->shm + virtio_rcu_shm_cpu_off(i)))
			->online = htole32(1);
	return 0;
}

static inline struct virtio_rcu_shm_header *fr_hdr(struct fake_region *f)
{
	return (struct virtio_rcu_shm_header *)f->shm;
}

static inline struct virtio_rcu_shm_cpu *fr_rec(struct fake_region *f,
						uint32_t cpu)
{
	return (struct virtio_rcu_shm_cpu *)(f->shm + virtio_rcu_shm_cpu_off(cpu));
}

static inline struct virtio_rcu_shm_vcpu *fr_vline(struct fake_region *f,
						   uint32_t cpu)
{
	return (struct virtio_rcu_shm_vcpu *)
		(f->shm + virtio_rcu_shm_vcpu_off(f->ncpus, cpu));
}

static inline struct virtio_rcu_shm_srcu_cpu *fr_srcu(struct fake_region *f,
						      uint32_t dom, uint32_t cpu)
{
	return (struct virtio_rcu_shm_srcu_cpu *)
		(f->shm + virtio_rcu_shm_srcu_cpu_off(f->ncpus, dom, cpu));
}

static inline struct virtio_rcu_shm_srcu_domain *fr_sdom(struct fake_region *f,
							 uint32_t dom)
{
	return (struct virtio_rcu_shm_srcu_domain *)
		(f->shm + virtio_rcu_shm_srcu_off(f->ncpus, dom));
}

/* The guest reports with the gp_seq it reads from the header. */
static inline void fr_report(struct fake_region *f, uint32_t cpu)
{
	fr_rec(f, cpu)->qs_seq = fr_hdr(f)->gp_seq;
}

static inline void fr_report_all(struct fake_region *f)
{
	uint32_t i;

	for (i = 0; i < f->ncpus; i++)
		fr_report(f, i);
}

#endif
