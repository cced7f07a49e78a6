// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The grace-period state machine of one domain (one VM).
 *
 * gp_seq is owned by the host and only ever written to the guest; it is
 * never read back from guest memory, so a guest that scribbles over the
 * header cannot move it. A GP numbered g (the in-progress value of
 * gp_seq) ends only when every online CPU has shown a quiescent state
 * after g was published: see docs/ARCHITECTURE.md for the argument.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "rcu_core.h"
#include "virtio_rcu.h"

struct rcuc_cpu {
	bool qs;		/* quiescent for the current GP */
	uint64_t last_post_ns;	/* 0: not posted during this GP */
};

struct rcuc_domain {
	struct rcuc_ops ops;
	void *ctx;
	struct rcuc_tunables tun;
	struct rcuc_stats stats;

	unsigned char *shm;
	uint32_t ncpus;
	struct rcuc_cpu *cpu;

	uint64_t gp_seq;	/* authoritative; low bits = phase */
	uint64_t want;		/* highest cookie asked for */
	bool want_exp;		/* an expedited request is pending */
	bool exp;		/* the current GP is expedited */
	uint64_t gp_start_ns;
	uint64_t deadline_ns;
};

void rcuc_tunables_default(struct rcuc_tunables *t)
{
	t->fqs_delay_ns = 3000000;	/* 3 ms, like a few jiffies */
	t->repost_ns = 100000000;	/* 100 ms */
	t->normal_only = false;
}

static volatile struct virtio_rcu_shm_header *hdr(struct rcuc_domain *d)
{
	return (volatile struct virtio_rcu_shm_header *)d->shm;
}

static volatile struct virtio_rcu_shm_cpu *rec(struct rcuc_domain *d,
					       uint32_t cpu)
{
	return (volatile struct virtio_rcu_shm_cpu *)
		(d->shm + virtio_rcu_shm_cpu_off(cpu));
}

static bool gp_active(const struct rcuc_domain *d)
{
	return d->gp_seq & VIRTIO_RCU_SEQ_STATE_MASK;
}

struct rcuc_domain *rcuc_domain_new(const struct rcuc_ops *ops, void *ctx,
				    const struct rcuc_tunables *t)
{
	struct rcuc_domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->ops = *ops;
	d->ctx = ctx;
	if (t)
		d->tun = *t;
	else
		rcuc_tunables_default(&d->tun);
	return d;
}

void rcuc_domain_free(struct rcuc_domain *d)
{
	if (!d)
		return;
	free(d->cpu);
	free(d);
}

static void publish_seq(struct rcuc_domain *d)
{
	uint32_t flags = 0;

	if (gp_active(d))
		flags |= VIRTIO_RCU_HDR_F_GP_ACTIVE;
	if (gp_active(d) && d->exp)
		flags |= VIRTIO_RCU_HDR_F_EXPEDITING;
	/* Order everything before (scans, callbacks' GP) before the new seq. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	hdr(d)->gp_seq = htole64(d->gp_seq);
	if (!gp_active(d))
		hdr(d)->gp_completed = htole64(d->gp_seq);
	hdr(d)->flags = htole32(flags);
	/* ...and the new seq before any record is read for it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int rcuc_attach(struct rcuc_domain *d, void *shm, size_t len, uint32_t ncpus,
		uint64_t now_ns)
{
	struct rcuc_cpu *cpu;

	(void)now_ns;
	if (!shm || ncpus == 0 || len < virtio_rcu_shm_size(ncpus, 0))
		return -1;
	cpu = calloc(ncpus, sizeof(*cpu));
	if (!cpu)
		return -1;
	free(d->cpu);
	d->cpu = cpu;
	d->shm = shm;
	d->ncpus = ncpus;
	/* A fresh region: no GP has been published in it yet. */
	d->gp_seq = 0;
	d->want = 0;
	d->want_exp = false;
	d->exp = false;
	d->deadline_ns = 0;
	hdr(d)->version = htole32(VIRTIO_RCU_SHM_VERSION);
	hdr(d)->exp_seq = 0;
	publish_seq(d);
	return 0;
}

void rcuc_detach(struct rcuc_domain *d)
{
	d->shm = NULL;
	d->ncpus = 0;
	d->deadline_ns = 0;
}

void rcuc_rebind(struct rcuc_domain *d, void *shm)
{
	if (d->shm)
		d->shm = shm;
}

bool rcuc_attached(const struct rcuc_domain *d)
{
	return d->shm != NULL;
}

uint64_t rcuc_gp_seq(const struct rcuc_domain *d)
{
	return d->gp_seq;
}

bool rcuc_gp_done(const struct rcuc_domain *d, uint64_t cookie)
{
	return rcuc_seq_ge(d->gp_seq, cookie);
}

const struct rcuc_stats *rcuc_stats(const struct rcuc_domain *d)
{
	return &d->stats;
}

struct rcuc_tunables *rcuc_tunables(struct rcuc_domain *d)
{
	return &d->tun;
}

uint64_t rcuc_deadline(const struct rcuc_domain *d)
{
	return d->deadline_ns;
}

/* Has @cpu shown a quiescent state for the GP in progress? */
static bool cpu_quiescent(struct rcuc_domain *d, uint32_t cpu)
{
	volatile struct virtio_rcu_shm_cpu *r = rec(d, cpu);
	uint64_t q;

	if (le32toh(r->online) != 1)
		return true;	/* not served: it runs no reader of ours */
	q = le64toh(r->qs_seq);
	if (!rcuc_seq_ge(q, d->gp_seq))
		return false;
	if (!rcuc_seq_ge(d->gp_seq, q)) {
		/* The guest cannot have read a seq we never published. */
		d->stats.bad_qs_seq++;
		return false;
	}
	return true;
}

static void post(struct rcuc_domain *d, uint32_t cpu, uint64_t now_ns)
{
	d->cpu[cpu].last_post_ns = now_ns ? now_ns : 1;
	d->stats.posts++;
	if (d->exp)
		d->stats.exp_posts++;
	if (!d->ops.post || !d->ops.post(d->ctx, cpu, d->gp_seq))
		d->stats.posts_failed++;
}

static void gp_start(struct rcuc_domain *d, uint64_t now_ns)
{
	uint32_t i;

	d->gp_seq++;
	d->exp = d->want_exp && !d->tun.normal_only;
	d->want_exp = false;
	if (d->exp) {
		d->stats.gps_expedited++;
		hdr(d)->exp_seq = htole64(d->stats.gps_expedited);
	}
	d->gp_start_ns = now_ns;
	for (i = 0; i < d->ncpus; i++) {
		d->cpu[i].qs = false;
		d->cpu[i].last_post_ns = 0;
		rec(d, i)->need_qs = htole64(d->gp_seq);
	}
	publish_seq(d);
}

static void gp_end(struct rcuc_domain *d, uint64_t now_ns)
{
	d->gp_seq = (d->gp_seq | VIRTIO_RCU_SEQ_STATE_MASK) + 1;
	d->stats.gps_completed++;
	d->stats.last_gp_ns = now_ns - d->gp_start_ns;
	publish_seq(d);
}

uint64_t rcuc_gp_request(struct rcuc_domain *d, bool expedited,
			 uint64_t now_ns)
{
	uint64_t cookie = rcuc_seq_snap(d->gp_seq);

	if (rcuc_seq_ge(cookie, d->want))
		d->want = cookie;
	if (expedited && !d->tun.normal_only) {
		d->want_exp = true;
		if (gp_active(d))
			d->exp = true;	/* upgrade the GP in flight */
	}
	if (d->shm)
		rcuc_advance(d, now_ns);
	return cookie;
}

void rcuc_advance(struct rcuc_domain *d, uint64_t now_ns)
{
	uint32_t i, pending;
	uint64_t next;

	if (!d->shm)
		return;
	for (;;) {
		if (!gp_active(d)) {
			if (rcuc_seq_ge(d->gp_seq, d->want)) {
				d->deadline_ns = 0;
				return;
			}
			gp_start(d, now_ns);
		}
		pending = 0;
		for (i = 0; i < d->ncpus; i++) {
			if (!d->cpu[i].qs)
				d->cpu[i].qs = cpu_quiescent(d, i);
			pending += !d->cpu[i].qs;
		}
		if (pending)
			break;
		gp_end(d, now_ns);
	}

	/* Interrupt laggards: at once if expedited, after fqs_delay if not. */
	next = d->gp_start_ns + d->tun.fqs_delay_ns;
	if (d->exp || now_ns >= next) {
		for (i = 0; i < d->ncpus; i++) {
			uint64_t last = d->cpu[i].last_post_ns;

			if (d->cpu[i].qs)
				continue;
			if (!last || now_ns - last >= d->tun.repost_ns)
				post(d, i, now_ns);
		}
		next = now_ns + d->tun.repost_ns;
	}
	/* Poll again soon: reports arrive through memory, not messages. */
	if (next > now_ns + d->tun.fqs_delay_ns)
		next = now_ns + d->tun.fqs_delay_ns;
	d->deadline_ns = next;
}
