/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rcu-core: the host-side grace-period engine of pvrcu.
 *
 * A pure library: no I/O, no threads, no globals. The caller (pvrcud)
 * owns one struct rcuc_domain per VM, feeds it requests, vCPU samples and
 * the time, and is called back to interrupt guest CPUs. The domain reads
 * and writes the guest's shared region (virtio_rcu.h) and treats every
 * value it reads there as hostile. Not thread-safe: one caller at a time.
 */
#ifndef RCU_CORE_H
#define RCU_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rcuc_domain;

/* Why a CPU was found quiescent for the current GP. */
enum rcuc_qs_source {
	RCUC_QS_NONE = 0,
	RCUC_QS_REPORT,		/* the guest reported (qs_seq) */
	RCUC_QS_EXIT,		/* KVM exit counter moved, then nesting == 0 */
	RCUC_QS_OUT,		/* halted / out of guest mode, then nesting == 0 */
	RCUC_QS_OFFLINE,	/* the driver does not serve this CPU */
	RCUC_QS_NSOURCES
};

/* One stalled CPU of a stall report. */
struct rcuc_stall {
	uint64_t gp_seq;	/* the GP being held up */
	uint64_t gp_age_ns;	/* how long it has been running */
	uint32_t cpu;		/* guest CPU holding it */
	uint32_t nesting;	/* its reader depth, as last read */
	uint32_t run_state;	/* VIRTIO_RCU_RUN_* as last sampled */
	uint32_t report;	/* 1st, 2nd, ... report for this GP */
};

struct rcuc_ops {
	/*
	 * Interrupt guest CPU @cpu with "report a quiescent state for
	 * @gp_seq". Returns true if the post reached the device.
	 */
	bool (*post)(void *ctx, uint32_t cpu, uint64_t gp_seq);
	/* GP @gp_seq ended and @cpu has callbacks waiting for it. */
	bool (*cb_ready)(void *ctx, uint32_t cpu, uint64_t gp_seq);
	/* A stall: called once per holding CPU, with backoff. */
	void (*stall)(void *ctx, const struct rcuc_stall *s);
};

struct rcuc_tunables {
	uint64_t fqs_delay_ns;		/* normal GP: post laggards after this */
	uint64_t spin_ns;		/* rescan back to back this long first */
	uint64_t poll_min_ns;		/* then the first rescan of a GP (reports arrive */
	uint64_t poll_max_ns;		/*  through memory); doubles up to max */
	uint64_t exp_poll_ns;		/* rescan period of an expedited GP */
	uint64_t exp_spin_ns;		/* ...after rescanning back to back */
	uint64_t repost_ns;		/* re-post a still-silent CPU after this */
	uint64_t stall_ns;		/* first stall report after this */
	uint64_t srcu_poll_ns;		/* normal SRCU GPs: rescan period */
	uint64_t backlog_expedite;	/* total callbacks above which QS are forced */
	bool normal_only;		/* treat expedited requests as normal */
	/*
	 * TEST ONLY: end every GP as soon as it starts, without waiting for
	 * anyone. Exists so that torture tests can prove they catch a
	 * broken engine. Never set it in production.
	 */
	bool unsafe_end_gp_early;
};

void rcuc_tunables_default(struct rcuc_tunables *t);

#define RCUC_HIST_BUCKETS 32

struct rcuc_stats {
	uint64_t gps_started;
	uint64_t gps_completed;
	uint64_t gps_expedited;
	uint64_t gps_flood;		/* QS forced at once: the backlog is high */
	uint64_t gps_chained;		/* started for a backlog seen at a GP's end */
	uint64_t posts;			/* interrupts requested, all GPs */
	uint64_t posts_failed;		/* no event buffer, device not ready */
	uint64_t exp_posts;		/* posts made for expedited GPs */
	uint64_t cb_ready_posts;	/* GP-done posts to CPUs with callbacks */
	uint64_t qs[RCUC_QS_NSOURCES];	/* quiescent states by source */
	uint64_t stalls;		/* stall reports issued */
	uint64_t last_gp_ns;		/* duration of the last GP */
	uint64_t max_gp_ns;
	/* GP durations: bucket i counts GPs of [2^i, 2^(i+1)) microseconds */
	uint64_t gp_us_log2[RCUC_HIST_BUCKETS];
	/* hostile or impossible values read from guest memory */
	uint64_t bad_qs_seq;		/* report from the future */
	uint64_t bad_qs_backwards;	/* qs_seq moved backwards */
	uint64_t bad_nesting;		/* nesting >= RCUC_NESTING_MAX */
	uint64_t bad_cb_seq;		/* callbacks waiting for a far-future GP */
	uint64_t bad_exits_backwards;	/* KVM exit counter went backwards */
	uint64_t bad_srcu_counters;	/* SRCU counters went backwards */
};

/* A reader depth this large is garbage, not nesting: counted as bad. */
#define RCUC_NESTING_MAX (1u << 16)

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

/* rcuc_attach() flags */
#define RCUC_ATTACH_RESUME	1u	/* region already in use (restart) */

/*
 * Bind the domain to a guest region of @len bytes serving @ncpus CPUs and
 * @nsrcu SRCU domains. The caller has checked that the range lies in
 * guest RAM. A fresh region starts at gp_seq 0; with RCUC_ATTACH_RESUME
 * the engine continues from the gp_seq found in the region, and a GP
 * found in progress is run again from scratch (nothing the previous host
 * saw is trusted). Returns 0; -1 if the region is too small; -2 if a
 * fresh region already holds quiescent-state reports (stale qs_seq).
 */
int rcuc_attach(struct rcuc_domain *d, void *shm, size_t len, uint32_t ncpus,
		uint32_t nsrcu, unsigned int flags, uint64_t now_ns);
void rcuc_detach(struct rcuc_domain *d);
/* The same region, mapped at a new host address (memory table change). */
void rcuc_rebind(struct rcuc_domain *d, void *shm);
bool rcuc_attached(const struct rcuc_domain *d);
uint32_t rcuc_ncpus(const struct rcuc_domain *d);

/*
 * Ask for a grace period. Returns the cookie: the gp_seq value at which a
 * full GP has elapsed since this call. Expedited requests post to the
 * CPUs that have not reported yet at once (unless normal_only).
 */
uint64_t rcuc_gp_request(struct rcuc_domain *d, bool expedited,
			 uint64_t now_ns);
bool rcuc_gp_done(const struct rcuc_domain *d, uint64_t cookie);
uint64_t rcuc_gp_seq(const struct rcuc_domain *d);
bool rcuc_gp_in_progress(const struct rcuc_domain *d);

/*
 * A sample of vCPU @cpu from the tracker (KVM statistics): its cumulative
 * exit count, whether it is halted (blocking in HLT) and whether it is
 * otherwise known to be out of guest mode. Feed samples before
 * rcuc_advance(); only samples taken after a GP started count for it.
 */
struct rcuc_vcpu_sample {
	uint64_t exits;
	bool halted;
	bool out_of_guest;
};
void rcuc_vcpu_sample(struct rcuc_domain *d, uint32_t cpu,
		      const struct rcuc_vcpu_sample *s);
/* The tracker lost this vCPU (fd closed, QEMU gone): forget its samples. */
void rcuc_vcpu_forget(struct rcuc_domain *d, uint32_t cpu);

/* Drive the state machine: scan, end and start GPs, post, detect stalls. */
void rcuc_advance(struct rcuc_domain *d, uint64_t now_ns);

/* Absolute time at which rcuc_advance() must run again; 0 if idle. */
uint64_t rcuc_deadline(const struct rcuc_domain *d);

/* Per-CPU view for status tools. */
struct rcuc_cpu_info {
	bool online;
	bool qs;			/* quiescent for the current GP */
	enum rcuc_qs_source source;	/* how, or the last way it was */
	uint32_t nesting;		/* as last read */
	uint64_t qs_seq;		/* as last read */
	uint32_t run_state;		/* VIRTIO_RCU_RUN_* */
	uint64_t exits;			/* last sample */
	uint64_t posts;
};
int rcuc_cpu_info(const struct rcuc_domain *d, uint32_t cpu,
		  struct rcuc_cpu_info *out);

const struct rcuc_stats *rcuc_stats(const struct rcuc_domain *d);
struct rcuc_tunables *rcuc_tunables(struct rcuc_domain *d);

/* ---- SRCU domains ------------------------------------------------------ */

/*
 * SRCU domains live in the region's SRCU area; their readers count
 * lock[idx]/unlock[idx] per CPU and the engine runs the two-phase
 * scan-and-flip from guest memory. Expedited SRCU GPs only scan sooner:
 * they never interrupt a vCPU.
 */
/*
 * Start serving domain @dom (chosen by the driver). It continues from the
 * index and sequence in its host line. -1 if @dom is out of range or no
 * region is attached; -2 if it is already in use.
 */
int rcuc_srcu_create(struct rcuc_domain *d, uint32_t dom);
/*
 * -1 if @dom is not in use; -2 if a GP is running or requested on it;
 * -3 if readers are inside (lock and unlock counts differ).
 */
int rcuc_srcu_destroy(struct rcuc_domain *d, uint32_t dom);
bool rcuc_srcu_in_use(const struct rcuc_domain *d, uint32_t dom);
/* Returns the cookie, or 0 if @dom is not in use. */
uint64_t rcuc_srcu_request(struct rcuc_domain *d, uint32_t dom,
			   bool expedited, uint64_t now_ns);
bool rcuc_srcu_done(const struct rcuc_domain *d, uint32_t dom,
		    uint64_t cookie);
uint64_t rcuc_srcu_seq(const struct rcuc_domain *d, uint32_t dom);

#endif
