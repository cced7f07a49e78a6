/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rcu-core: the host-side grace-period engine of pvrcu.
 *
 * A pure library: no I/O, no threads, no globals. The caller (pvrcud)
 * owns one struct rcuc_domain per VM, feeds it requests, vCPU samples and
 * the time, and is called back to interrupt guest CPUs. The domain reads
 * and writes the guest's shared region (virtio_rcu.h) and treats every
 * value it reads there as hostile.
 */
#ifndef RCU_CORE_H
#define RCU_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rcuc_domain;

struct rcuc_ops {
	/*
	 * Interrupt guest CPU @cpu with "report a quiescent state for
	 * @gp_seq". Returns true if the post was delivered to the device.
	 */
	bool (*post)(void *ctx, uint32_t cpu, uint64_t gp_seq);
};

struct rcuc_tunables {
	uint64_t fqs_delay_ns;		/* normal GP: post laggards after this */
	uint64_t repost_ns;		/* re-post a still-silent CPU after this */
	bool normal_only;		/* treat expedited requests as normal */
};

void rcuc_tunables_default(struct rcuc_tunables *t);

struct rcuc_stats {
	uint64_t gps_completed;
	uint64_t gps_expedited;
	uint64_t posts;			/* interrupts requested, all GPs */
	uint64_t posts_failed;		/* no event buffer, device not ready */
	uint64_t exp_posts;		/* posts made for expedited GPs */
	uint64_t bad_qs_seq;		/* reports from the future */
	uint64_t last_gp_ns;		/* duration of the last GP */
};

/* Sequence numbers, as in Linux's rcu_seq_*: low two bits are the phase. */
static inline bool rcuc_seq_ge(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) >= 0;
}

static inline uint64_t rcuc_seq_snap(uint64_t s)
{
	return (s + 7) & ~3ull;
}

struct rcuc_domain *rcuc_domain_new(const struct rcuc_ops *ops, void *ctx,
				    const struct rcuc_tunables *t);
void rcuc_domain_free(struct rcuc_domain *d);

/*
 * Bind the domain to a guest region of @len bytes serving @ncpus CPUs.
 * The caller has checked that the range lies in guest RAM. Returns 0, or
 * -1 if the region is too small or @ncpus is 0.
 */
int rcuc_attach(struct rcuc_domain *d, void *shm, size_t len, uint32_t ncpus,
		uint64_t now_ns);
void rcuc_detach(struct rcuc_domain *d);
/* The same region, mapped at a new host address (memory table change). */
void rcuc_rebind(struct rcuc_domain *d, void *shm);
bool rcuc_attached(const struct rcuc_domain *d);

/*
 * Ask for a grace period. Returns the cookie: the gp_seq value at which a
 * full GP has elapsed since this call. Expedited requests post to the
 * CPUs that have not reported yet at once (unless normal_only).
 */
uint64_t rcuc_gp_request(struct rcuc_domain *d, bool expedited,
			 uint64_t now_ns);
bool rcuc_gp_done(const struct rcuc_domain *d, uint64_t cookie);
uint64_t rcuc_gp_seq(const struct rcuc_domain *d);

/* Drive the state machine: scan reports, end and start GPs, post. */
void rcuc_advance(struct rcuc_domain *d, uint64_t now_ns);

/* Absolute time at which rcuc_advance() must run again; 0 if idle. */
uint64_t rcuc_deadline(const struct rcuc_domain *d);

const struct rcuc_stats *rcuc_stats(const struct rcuc_domain *d);
struct rcuc_tunables *rcuc_tunables(struct rcuc_domain *d);

#endif
