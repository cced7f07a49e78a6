// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The grace-period state machine of one domain (one VM).
 *
 * gp_seq is owned by the host and only ever written to the guest; it is
 * never read back from guest memory (except once, on a restart, where a
 * GP found in progress is run again from scratch). A GP numbered g (the
 * in-progress value of gp_seq) ends only when every online CPU has shown
 * a quiescent state after g was published, through one of the three
 * sources of docs/ARCHITECTURE.md §4.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void rcuc_tunables_default(struct rcuc_tunables *t)
{
	memset(t, 0, sizeof(*t));
	t->fqs_delay_ns = 3000000;		/* 3 ms, a few jiffies */
	t->spin_ns = 20000;			/* 20 us */
	t->poll_min_ns = 10000;			/* 10 us */
	t->poll_max_ns = 1000000;		/* 1 ms */
	t->exp_poll_ns = 10000;			/* 10 us */
	t->exp_spin_ns = 50000;			/* 50 us */
	t->repost_ns = 100000000;		/* 100 ms */
	t->stall_ns = 21000000000ull;		/* 21 s, as the kernel */
	t->srcu_poll_ns = 1000000;		/* 1 ms */
	t->backlog_expedite = 10000;
}

struct rcuc_domain *rcuc_domain_new(const struct rcuc_ops *ops, void *ctx,
				    const struct rcuc_tunables *t)
{
	struct rcuc_domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (ops)
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
	rcuc_detach(d);
	free(d);
}

static void publish_seq(struct rcuc_domain *d)
{
	volatile struct virtio_rcu_shm_header *h = rcuc_hdr(d);
	uint32_t flags = 0;

	if (rcuc_gp_active(d))
		flags |= VIRTIO_RCU_HDR_F_GP_ACTIVE;
	if (rcuc_gp_active(d) && d->exp)
		flags |= VIRTIO_RCU_HDR_F_EXPEDITING;
	/* Everything before (scans) is ordered before the new seq... */
	rcuc_fence();
	h->gp_seq = htole64(d->gp_seq);
	if (!rcuc_gp_active(d))
		h->gp_completed = htole64(d->gp_seq);
	h->flags = htole32(flags);
	/* ...and the new seq before any record is read for it. */
	rcuc_fence();
}

static void set_run_state(struct rcuc_domain *d, uint32_t cpu, uint32_t rs)
{
	volatile struct virtio_rcu_shm_vcpu *v = rcuc_vline(d, cpu);

	if (rs == d->cpu[cpu].run_state)
		return;
	d->cpu[cpu].run_state = rs;
	v->run_state = htole32(rs);
	v->run_state_seq = htole64(le64toh(v->run_state_seq) + 1);
}

int rcuc_attach(struct rcuc_domain *d, void *shm, size_t len, uint32_t ncpus,
		uint32_t nsrcu, unsigned int flags, uint64_t now_ns)
{
	bool resume = flags & RCUC_ATTACH_RESUME;
	uint64_t s = 0;

	uint32_t i;

	if (!shm || ncpus == 0 || ncpus > VIRTIO_RCU_MAX_EVENT_QUEUES ||
	    len < virtio_rcu_shm_size(ncpus, nsrcu))
		return -1;
	/*
	 * A fresh region starts at gp_seq 0, so a stale qs_seq left in it
	 * would pass for a report on the first GPs: refuse it.
	 */
	for (i = 0; i < ncpus && !resume; i++) {
		const volatile struct virtio_rcu_shm_cpu *r =
			(const volatile struct virtio_rcu_shm_cpu *)
			((unsigned char *)shm + virtio_rcu_shm_cpu_off(i));

		if (r->qs_seq)
			return -2;
	}
	rcuc_detach(d);
	d->cpu = calloc(ncpus, sizeof(*d->cpu));
	if (!d->cpu)
		return -1;
	d->shm = shm;
	d->ncpus = ncpus;
	d->nsrcu = nsrcu;
	/* Run states a previous host wrote are not ours to vouch for. */
	for (i = 0; i < ncpus; i++)
		rcuc_vline(d, i)->run_state = htole32(VIRTIO_RCU_RUN_UNKNOWN);
	if (rcuc_srcu_attach(d, resume) < 0) {
		rcuc_detach(d);
		return -1;
	}
	d->want_exp = false;
	d->exp = false;
	d->want_flood = false;
	d->flood = false;
	d->deadline_ns = 0;
	d->gp_start_ns = now_ns;
	if (resume)
		s = le64toh(rcuc_hdr(d)->gp_seq);
	d->gp_seq = s;
	d->want = s & ~VIRTIO_RCU_SEQ_STATE_MASK;
	rcuc_hdr(d)->version = htole32(VIRTIO_RCU_SHM_VERSION);
	/* Tells the guest a (re)started host took over the region. */
	d->epoch = le64toh(rcuc_hdr(d)->host_epoch) + 1;
	rcuc_hdr(d)->host_epoch = htole64(d->epoch);
	if (!resume)
		rcuc_hdr(d)->exp_seq = 0;
	if (rcuc_gp_active(d)) {
		/*
		 * A GP was in progress when the previous host went away. What
		 * it had collected is lost and nothing in the region proves
		 * any of it: every CPU must show a quiescent state again.
		 * Reports with qs_seq >= s stay valid (the guest read s after
		 * it was published).
		 */
		d->want = (d->gp_seq | VIRTIO_RCU_SEQ_STATE_MASK) + 1;
		for (i = 0; i < ncpus; i++)
			rcuc_rec(d, i)->need_qs = htole64(d->gp_seq);
		d->stats.gps_started++;
		d->next_stall_ns = now_ns + d->tun.stall_ns;
	}
	publish_seq(d);
	rcuc_advance(d, now_ns);
	return 0;
}

void rcuc_detach(struct rcuc_domain *d)
{
	rcuc_srcu_detach(d);
	free(d->cpu);
	d->cpu = NULL;
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

uint32_t rcuc_ncpus(const struct rcuc_domain *d)
{
	return d->ncpus;
}

uint64_t rcuc_gp_seq(const struct rcuc_domain *d)
{
	return d->gp_seq;
}

bool rcuc_gp_in_progress(const struct rcuc_domain *d)
{
	return d->shm && rcuc_gp_active(d);
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

int rcuc_cpu_info(const struct rcuc_domain *d, uint32_t cpu,
		  struct rcuc_cpu_info *out)
{
	const struct rcuc_cpu *c;

	if (!d->shm || cpu >= d->ncpus)
		return -1;
	c = &d->cpu[cpu];
	memset(out, 0, sizeof(*out));
	out->online = le32toh(rcuc_rec(d, cpu)->online) == 1;
	out->qs = c->qs;
	out->source = c->src;
	out->nesting = c->nesting;
	out->qs_seq = c->qs_seq;
	out->run_state = c->run_state;
	out->exits = c->sample.exits;
	out->posts = c->posts;
	return 0;
}

/* ---- vCPU samples ------------------------------------------------------ */

static uint32_t run_state_of(const struct rcuc_vcpu_sample *s)
{
	if (s->halted)
		return VIRTIO_RCU_RUN_HALTED;
	if (s->out_of_guest)
		return VIRTIO_RCU_RUN_PREEMPTED;
	return VIRTIO_RCU_RUN_IN_GUEST;
}

void rcuc_vcpu_sample(struct rcuc_domain *d, uint32_t cpu,
		      const struct rcuc_vcpu_sample *s)
{
	volatile struct virtio_rcu_shm_vcpu *v;
	struct rcuc_cpu *c;
	uint32_t rs;

	if (!d->shm || cpu >= d->ncpus)
		return;
	c = &d->cpu[cpu];
	if (c->have_sample && s->exits < c->sample.exits) {
		/* KVM counters only grow: a new fd or a new VM. Start over. */
		d->stats.bad_exits_backwards++;
		c->snap_valid = false;
	}
	c->have_sample = true;
	c->sample = *s;
	if (rcuc_gp_active(d))
		c->sampled = true;
	if (rcuc_gp_active(d) && !c->qs) {
		/* This sample runs after the GP's start was published. */
		if (!c->snap_valid) {
			c->snap_valid = true;
			c->exits_snap = s->exits;
		} else if (s->exits != c->exits_snap) {
			c->exit_seen = true;
		}
		if (s->halted || s->out_of_guest)
			c->out_seen = true;
	}
	rs = run_state_of(s);
	v = rcuc_vline(d, cpu);
	v->exits = htole64(s->exits);
	set_run_state(d, cpu, rs);
}

void rcuc_vcpu_forget(struct rcuc_domain *d, uint32_t cpu)
{
	if (!d->shm || cpu >= d->ncpus)
		return;
	d->cpu[cpu].have_sample = false;
	d->cpu[cpu].snap_valid = false;
	d->cpu[cpu].exit_seen = false;
	d->cpu[cpu].out_seen = false;
	d->cpu[cpu].sampled = false;
	set_run_state(d, cpu, VIRTIO_RCU_RUN_UNKNOWN);
}

/* ---- quiescence --------------------------------------------------------- */

static uint32_t read_nesting(struct rcuc_domain *d, uint32_t cpu)
{
	uint32_t n = le32toh(rcuc_rec(d, cpu)->nesting);

	d->cpu[cpu].nesting = n;
	if (n >= RCUC_NESTING_MAX)
		d->stats.bad_nesting++;	/* garbage: still "in a reader" */
	return n;
}

/* Has @cpu shown a quiescent state for the GP in progress? */
static enum rcuc_qs_source cpu_quiescent(struct rcuc_domain *d, uint32_t cpu)
{
	volatile struct virtio_rcu_shm_cpu *r = rcuc_rec(d, cpu);
	struct rcuc_cpu *c = &d->cpu[cpu];
	uint64_t q;

	if (le32toh(r->online) != 1)
		return RCUC_QS_OFFLINE;	/* runs no reader of ours */

	/* (1) The guest's own report. */
	q = le64toh(r->qs_seq);
	if (!rcuc_seq_ge(q, c->qs_seq))
		d->stats.bad_qs_backwards++;
	c->qs_seq = q;
	if (rcuc_seq_ge(q, d->gp_seq)) {
		if (rcuc_seq_ge(d->gp_seq, q))
			return RCUC_QS_REPORT;
		/* The guest cannot have read a seq we never published. */
		d->stats.bad_qs_seq++;
	}

	/*
	 * (2), (3): an exit or a halt seen after the GP started drained the
	 * vCPU's store buffer; only now may nesting == 0 be believed. The
	 * fence orders the sample (taken earlier) before this load.
	 */
	if (c->exit_seen || c->out_seen) {
		rcuc_fence();
		if (read_nesting(d, cpu) == 0)
			return c->exit_seen ? RCUC_QS_EXIT : RCUC_QS_OUT;
	}
	return RCUC_QS_NONE;
}

static void post(struct rcuc_domain *d, uint32_t cpu, uint64_t now_ns)
{
	d->cpu[cpu].last_post_ns = now_ns ? now_ns : 1;
	d->cpu[cpu].posts++;
	d->stats.posts++;
	if (d->exp)
		d->stats.exp_posts++;
	if (!d->ops.post || !d->ops.post(d->ctx, cpu, d->gp_seq))
		d->stats.posts_failed++;
}

/* ---- callbacks: demand and delivery --------------------------------------- */

/*
 * Guests report per-CPU callback backlog, the cookie the oldest of them
 * waits for (cb_seq) and, optionally, the newest (cb_next). Ask for the
 * later one; a cookie beyond the next GP is forged (a guest cannot have
 * obtained it) and is clamped. A large backlog forces quiescent states
 * (flood control).
 */
static void want_cookie(struct rcuc_domain *d, uint64_t want, uint64_t next)
{
	if (rcuc_seq_ge(d->gp_seq, want))
		return;			/* already done: delivery's job */
	if (!rcuc_seq_ge(next, want)) {
		d->stats.bad_cb_seq++;
		want = next;
	}
	if (rcuc_seq_ge(want, d->want))
		d->want = want;
}

static void callback_demand(struct rcuc_domain *d)
{
	uint64_t next = rcuc_seq_snap(d->gp_seq), total = 0;
	uint32_t i;

	for (i = 0; i < d->ncpus; i++) {
		volatile struct virtio_rcu_shm_cpu *r = rcuc_rec(d, i);
		uint64_t n = le64toh(r->backlog), last;

		if (!n || le32toh(r->online) != 1)
			continue;
		/* The cookies the guest wrote before this backlog (smp_wmb()). */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		total += n < (1ull << 40) ? n : (1ull << 40);
		want_cookie(d, le64toh(r->cb_seq), next);
		last = le64toh(r->cb_next);
		if (last)
			want_cookie(d, last, next);
	}
	if (total <= d->tun.backlog_expedite || d->tun.normal_only ||
	    rcuc_seq_ge(d->gp_seq, d->want))
		return;
	/*
	 * Force quiescent states at once, the GP in flight first: memory is
	 * what a flood costs. Rescans keep the normal schedule: nobody waits
	 * on this GP's latency, and fast polling would take the CPU from
	 * the very guest whose callbacks it is to free.
	 */
	if (rcuc_gp_active(d) && !d->flood && !d->exp) {
		d->flood = true;
		d->stats.gps_flood++;
	} else if (!rcuc_gp_active(d) && !d->want_flood) {
		d->want_flood = true;
		d->stats.gps_flood++;
	}
}

/* After a GP ends: interrupt only the CPUs whose callbacks are now ready. */
static void callback_delivery(struct rcuc_domain *d)
{
	uint32_t i;

	if (!d->ops.cb_ready)
		return;
	for (i = 0; i < d->ncpus; i++) {
		volatile struct virtio_rcu_shm_cpu *r = rcuc_rec(d, i);

		if (!le64toh(r->backlog) || le32toh(r->online) != 1)
			continue;
		if (!rcuc_seq_ge(d->gp_seq, le64toh(r->cb_seq)))
			continue;
		d->stats.cb_ready_posts++;
		d->ops.cb_ready(d->ctx, i, d->gp_seq);
	}
}

/* ---- the GP state machine ---------------------------------------------- */

static void gp_start(struct rcuc_domain *d, uint64_t now_ns)
{
	uint32_t i;

	d->gp_seq++;
	d->exp = d->want_exp && !d->tun.normal_only;
	d->want_exp = false;
	d->flood = d->want_flood && !d->tun.normal_only;
	d->want_flood = false;
	d->stats.gps_started++;
	if (d->exp) {
		d->stats.gps_expedited++;
		rcuc_hdr(d)->exp_seq = htole64(d->stats.gps_expedited);
	}
	d->gp_start_ns = now_ns;
	d->poll_ns = d->tun.poll_min_ns;
	d->next_poll_ns = 0;		/* the first advance schedules it */
	d->next_stall_ns = now_ns + d->tun.stall_ns;
	for (i = 0; i < d->ncpus; i++) {
		struct rcuc_cpu *c = &d->cpu[i];

		c->qs = false;
		c->src = RCUC_QS_NONE;
		c->last_post_ns = 0;
		c->snap_valid = false;
		c->exit_seen = false;
		c->out_seen = false;
		c->sampled = false;
		c->stall_reports = 0;
	}
	publish_seq(d);
	/* need_qs after the seq: a guest seeing it can already report. */
	for (i = 0; i < d->ncpus; i++)
		rcuc_rec(d, i)->need_qs = htole64(d->gp_seq);
}

static unsigned int hist_bucket(uint64_t us)
{
	unsigned int b = 0;

	while (us > 1 && b < RCUC_HIST_BUCKETS - 1) {
		us >>= 1;
		b++;
	}
	return b;
}

/*
 * VIRTIO_RCU_F_RUN_STATE: when a GP ends, each vCPU line shows a sample
 * taken during it, or UNKNOWN. A guest may skip a CPU it sees HALTED.
 */
static void forget_stale_run_states(struct rcuc_domain *d)
{
	uint32_t i;

	for (i = 0; i < d->ncpus; i++)
		if (!d->cpu[i].sampled)
			set_run_state(d, i, VIRTIO_RCU_RUN_UNKNOWN);
	rcuc_fence();	/* before the end of the GP is published */
}

static void gp_end(struct rcuc_domain *d, uint64_t now_ns)
{
	uint64_t took = now_ns - d->gp_start_ns;

	forget_stale_run_states(d);
	d->gp_seq = (d->gp_seq | VIRTIO_RCU_SEQ_STATE_MASK) + 1;
	d->stats.gps_completed++;
	d->stats.last_gp_ns = took;
	if (took > d->stats.max_gp_ns)
		d->stats.max_gp_ns = took;
	d->stats.gp_us_log2[hist_bucket(took / 1000)]++;
	publish_seq(d);
	callback_delivery(d);
}

uint64_t rcuc_gp_request(struct rcuc_domain *d, bool expedited,
			 uint64_t now_ns)
{
	uint64_t cookie = rcuc_seq_snap(d->gp_seq);

	if (rcuc_seq_ge(cookie, d->want))
		d->want = cookie;
	if (expedited && !d->tun.normal_only) {
		d->want_exp = true;
		if (rcuc_gp_active(d) && !d->exp) {
			d->exp = true;		/* upgrade the GP in flight */
			d->stats.gps_expedited++;
			if (d->shm)
				publish_seq(d);	/* EXPEDITING flag */
		}
	}
	if (d->shm)
		rcuc_advance(d, now_ns);
	return cookie;
}

/* Scan every CPU not yet quiescent; returns how many still hold the GP. */
static uint32_t scan(struct rcuc_domain *d)
{
	uint32_t i, pending = 0;

	for (i = 0; i < d->ncpus; i++) {
		struct rcuc_cpu *c = &d->cpu[i];

		if (!c->qs) {
			c->src = cpu_quiescent(d, i);
			if (c->src != RCUC_QS_NONE) {
				c->qs = true;
				d->stats.qs[c->src]++;
			}
		}
		pending += !c->qs;
	}
	return pending;
}

static void post_laggards(struct rcuc_domain *d, uint64_t now_ns)
{
	uint32_t i;

	for (i = 0; i < d->ncpus; i++) {
		struct rcuc_cpu *c = &d->cpu[i];
		uint64_t last = c->last_post_ns;

		if (c->qs)
			continue;
		/*
		 * A vCPU out of guest mode gets nothing from an interrupt now:
		 * its unlock reports (need_qs is set) or the scan sees it
		 * idle. Everyone else in a reader, or unknown, is posted.
		 */
		if (c->have_sample && (c->sample.halted || c->sample.out_of_guest))
			continue;
		if (!last || now_ns - last >= d->tun.repost_ns)
			post(d, i, now_ns);
	}
}

void rcuc_advance(struct rcuc_domain *d, uint64_t now_ns)
{
	uint64_t fqs;

	if (!d->shm)
		return;
	d->deadline_ns = 0;
	callback_demand(d);
	for (;;) {
		if (!rcuc_gp_active(d)) {
			if (rcuc_seq_ge(d->gp_seq, d->want))
				break;
			gp_start(d, now_ns);
		}
		if (!d->tun.unsafe_end_gp_early && scan(d))
			break;
		gp_end(d, now_ns);
		/*
		 * The records again, after the end is published (its fence):
		 * a guest that published its backlog and then still saw this
		 * GP in progress sent no request (VIRTIO_RCU_F_CB_CHAIN), so
		 * its backlog must be seen here. Store buffering: it or we.
		 */
		if (rcuc_seq_ge(d->gp_seq, d->want)) {
			callback_demand(d);
			if (!rcuc_seq_ge(d->gp_seq, d->want))
				d->stats.gps_chained++;
		}
	}

	if (rcuc_gp_active(d)) {
		/* Laggards: at once if expedited, after fqs_delay if not. */
		fqs = d->gp_start_ns + d->tun.fqs_delay_ns;
		if (d->exp || d->flood || now_ns >= fqs) {
			post_laggards(d, now_ns);
			rcuc_deadline_min(d, now_ns + d->tun.repost_ns);
		} else {
			rcuc_deadline_min(d, fqs);
		}
		/*
		 * Reports arrive through memory, not messages: poll, soon at
		 * first (most CPUs report at their next unlock), then backing
		 * off; an expedited GP keeps polling fast. Only a rescan that
		 * was due moves the schedule: extra advances (requests) must
		 * not push the next rescan further away.
		 */
		if (now_ns - d->gp_start_ns <
		    (d->exp ? d->tun.exp_spin_ns : d->tun.spin_ns)) {
			/*
			 * Rescan back to back for a short while (longer when
			 * expedited, as the kernel's expedited GPs spin):
			 * readers report at their next unlock, within
			 * microseconds, far below a timer's resolution.
			 */
			d->next_poll_ns = now_ns;
		} else if (now_ns >= d->next_poll_ns) {
			if (d->exp) {
				d->next_poll_ns = now_ns + d->tun.exp_poll_ns;
			} else {
				d->next_poll_ns = now_ns + d->poll_ns;
				d->poll_ns *= 2;
				if (d->poll_ns > d->tun.poll_max_ns)
					d->poll_ns = d->tun.poll_max_ns;
			}
		} else if (d->exp && d->next_poll_ns > now_ns + d->tun.exp_poll_ns) {
			d->next_poll_ns = now_ns + d->tun.exp_poll_ns;	/* upgraded */
		}
		rcuc_deadline_min(d, d->next_poll_ns);
		rcuc_stall_check(d, now_ns);
	}
	rcuc_srcu_advance(d, now_ns);
}
