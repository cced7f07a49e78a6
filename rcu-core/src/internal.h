/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rcu-core internals shared by domain.c, srcu.c and stall.c. */
#ifndef RCU_CORE_INTERNAL_H
#define RCU_CORE_INTERNAL_H

#include <endian.h>

#include "rcu_core.h"
#include "virtio_rcu.h"

struct rcuc_cpu {
	/* this GP */
	bool qs;
	enum rcuc_qs_source src;
	uint64_t last_post_ns;		/* 0: not posted during this GP */
	bool snap_valid;		/* exits_snap taken after GP start */
	uint64_t exits_snap;
	bool exit_seen;			/* exits moved past the snapshot */
	bool out_seen;			/* halted/out of guest after GP start */
	bool sampled;			/* the tracker sampled it during this GP */
	uint32_t stall_reports;
	/* tracker */
	bool have_sample;
	struct rcuc_vcpu_sample sample;
	uint32_t run_state;
	/* as last read from the guest */
	uint32_t nesting;
	uint64_t qs_seq;
	uint64_t posts;
};

struct rcuc_srcu {
	bool in_use;
	uint64_t seq;			/* like gp_seq, per domain */
	uint64_t want;
	bool want_exp;
	int phase;			/* SRCU_IDLE, SRCU_SCAN_INACTIVE, SRCU_SCAN_OLD */
	uint32_t idx;			/* active counter index */
	uint64_t next_scan_ns;
	uint64_t *last;			/* ncpus * 4 counters, as last read */
};

#define SRCU_IDLE		0
#define SRCU_SCAN_INACTIVE	1	/* phase 1: readers of !idx drain */
#define SRCU_SCAN_OLD		2	/* phase 2: after the flip, old idx drains */

struct rcuc_domain {
	struct rcuc_ops ops;
	void *ctx;
	struct rcuc_tunables tun;
	struct rcuc_stats stats;

	unsigned char *shm;
	uint32_t ncpus;
	uint32_t nsrcu;
	struct rcuc_cpu *cpu;
	struct rcuc_srcu *srcu;

	uint64_t gp_seq;		/* authoritative; low bits = phase */
	uint64_t want;			/* highest cookie asked for */
	bool want_exp;			/* an expedited request is pending */
	bool exp;			/* the current GP is expedited */
	bool want_flood;		/* the next GP forces QS at once */
	bool flood;			/* ...the current one does */
	uint64_t gp_start_ns;
	uint64_t poll_ns;		/* current rescan period of this GP */
	uint64_t next_poll_ns;		/* when the next rescan is due */
	uint64_t next_stall_ns;
	uint64_t deadline_ns;
	uint64_t epoch;
};

static inline bool rcuc_gp_active(const struct rcuc_domain *d)
{
	return d->gp_seq & VIRTIO_RCU_SEQ_STATE_MASK;
}

static inline volatile struct virtio_rcu_shm_header *
rcuc_hdr(const struct rcuc_domain *d)
{
	return (volatile struct virtio_rcu_shm_header *)d->shm;
}

static inline volatile struct virtio_rcu_shm_cpu *
rcuc_rec(const struct rcuc_domain *d, uint32_t cpu)
{
	return (volatile struct virtio_rcu_shm_cpu *)
		(d->shm + virtio_rcu_shm_cpu_off(cpu));
}

static inline volatile struct virtio_rcu_shm_vcpu *
rcuc_vline(const struct rcuc_domain *d, uint32_t cpu)
{
	return (volatile struct virtio_rcu_shm_vcpu *)
		(d->shm + virtio_rcu_shm_vcpu_off(d->ncpus, cpu));
}

static inline void rcuc_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void rcuc_deadline_min(struct rcuc_domain *d, uint64_t t)
{
	if (t && (!d->deadline_ns || t < d->deadline_ns))
		d->deadline_ns = t;
}

/* srcu.c */
int rcuc_srcu_attach(struct rcuc_domain *d, bool resume);
void rcuc_srcu_detach(struct rcuc_domain *d);
void rcuc_srcu_advance(struct rcuc_domain *d, uint64_t now_ns);

/* stall.c */
void rcuc_stall_check(struct rcuc_domain *d, uint64_t now_ns);

#endif
