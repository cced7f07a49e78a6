// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SRCU domains, run entirely from guest memory.
 *
 * A reader on CPU c does: i = idx; lock[i]++ (on c); smp_mb(); ...;
 * smp_mb(); unlock[i]++ (on whatever CPU it ends on). The sums over all
 * CPUs of lock[i] and unlock[i] are equal exactly when no reader that
 * incremented lock[i] is still inside. A GP is two phases, as in Linux's
 * SRCU: (1) wait until the inactive index !idx has drained (readers that
 * read idx before an earlier flip but incremented late), (2) flip idx,
 * then wait until the old index drains. A reader that read the old idx
 * before the flip and increments after phase 1 scanned it is caught by
 * phase 2's scan of that very index.
 *
 * The guest writes the counters; they are hostile. Counters that move
 * backwards are counted and make the scan fail (wait), never pass.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static volatile struct virtio_rcu_shm_srcu_domain *sdom(struct rcuc_domain *d,
						       uint32_t dom)
{
	return (volatile struct virtio_rcu_shm_srcu_domain *)
		(d->shm + virtio_rcu_shm_srcu_off(d->ncpus, dom));
}

static volatile struct virtio_rcu_shm_srcu_cpu *scpu(struct rcuc_domain *d,
						    uint32_t dom, uint32_t cpu)
{
	return (volatile struct virtio_rcu_shm_srcu_cpu *)
		(d->shm + virtio_rcu_shm_srcu_cpu_off(d->ncpus, dom, cpu));
}

/*
 * Take over a domain's host line as found: its index and sequence. A GP
 * found in progress is run again from its first phase, nothing earlier
 * trusted; it is never taken as done. @want is where the GPs go next.
 */
static void adopt(struct rcuc_domain *d, uint32_t dom, uint64_t want);

/* Counters start wherever the guest has them: that is the baseline. */
static void prime(struct rcuc_domain *d, uint32_t dom)
{
	struct rcuc_srcu *s = &d->srcu[dom];
	uint32_t c, i;

	for (c = 0; c < d->ncpus; c++) {
		volatile struct virtio_rcu_shm_srcu_cpu *sc = scpu(d, dom, c);

		for (i = 0; i < 2; i++) {
			s->last[c * 4 + i] = le64toh(sc->lock[i]);
			s->last[c * 4 + 2 + i] = le64toh(sc->unlock[i]);
		}
	}
}

static void publish(struct rcuc_domain *d, uint32_t dom)
{
	volatile struct virtio_rcu_shm_srcu_domain *h = sdom(d, dom);
	struct rcuc_srcu *s = &d->srcu[dom];

	rcuc_fence();
	h->idx = htole32(s->idx);
	h->srcu_gp_seq = htole64(s->seq);
	if (!(s->seq & VIRTIO_RCU_SEQ_STATE_MASK))
		h->srcu_gp_completed = htole64(s->seq);
	h->in_use = htole32(s->in_use);
	rcuc_fence();
}

int rcuc_srcu_attach(struct rcuc_domain *d, bool resume)
{
	uint32_t i;

	if (!d->nsrcu)
		return 0;
	d->srcu = calloc(d->nsrcu, sizeof(*d->srcu));
	if (!d->srcu)
		return -1;
	for (i = 0; i < d->nsrcu; i++) {
		struct rcuc_srcu *s = &d->srcu[i];

		s->last = calloc((size_t)d->ncpus * 4, sizeof(*s->last));
		if (!s->last)
			return -1;
		/*
		 * A fresh registration leaves the host lines alone: a domain
		 * is the device's only from its CREATE on (rcuc_srcu_create).
		 * A resumed one takes over the domains created before, and
		 * runs one more GP: the previous instance may have handed out
		 * the cookie snap(seq) and died before it started that GP.
		 */
		if (resume && le32toh(sdom(d, i)->in_use) == 1) {
			s->in_use = true;
			adopt(d, i, rcuc_seq_snap(le64toh(sdom(d, i)->srcu_gp_seq)));
		}
	}
	return 0;
}

void rcuc_srcu_detach(struct rcuc_domain *d)
{
	uint32_t i;

	if (!d->srcu)
		return;
	for (i = 0; i < d->nsrcu; i++)
		free(d->srcu[i].last);
	free(d->srcu);
	d->srcu = NULL;
	d->nsrcu = 0;
}

bool rcuc_srcu_in_use(const struct rcuc_domain *d, uint32_t dom)
{
	return d->shm && dom < d->nsrcu && d->srcu[dom].in_use;
}

static void adopt(struct rcuc_domain *d, uint32_t dom, uint64_t want)
{
	volatile struct virtio_rcu_shm_srcu_domain *h = sdom(d, dom);
	struct rcuc_srcu *s = &d->srcu[dom];

	s->idx = le32toh(h->idx) & 1;
	s->seq = le64toh(h->srcu_gp_seq);
	s->phase = s->seq & VIRTIO_RCU_SEQ_STATE_MASK ? SRCU_SCAN_INACTIVE :
							 SRCU_IDLE;
	s->want = want;
	s->want_exp = false;
	s->next_scan_ns = 0;
	prime(d, dom);
	publish(d, dom);
}

/*
 * The driver picks the index. The domain continues from the index and
 * sequence in its host line (readers in flight keep their index; an
 * earlier device may have left a GP half done). Either value is only
 * ever trusted for liveness; the scan alone ends GPs.
 */
int rcuc_srcu_create(struct rcuc_domain *d, uint32_t dom)
{
	struct rcuc_srcu *s;
	uint64_t seq;

	if (!d->shm || dom >= d->nsrcu)
		return -1;
	s = &d->srcu[dom];
	if (s->in_use)
		return -2;
	s->in_use = true;
	seq = le64toh(sdom(d, dom)->srcu_gp_seq);
	adopt(d, dom, seq & VIRTIO_RCU_SEQ_STATE_MASK ?
		      (seq | VIRTIO_RCU_SEQ_STATE_MASK) + 1 : seq);
	return 0;
}

static bool drained(struct rcuc_domain *d, uint32_t dom, uint32_t i);

int rcuc_srcu_destroy(struct rcuc_domain *d, uint32_t dom)
{
	struct rcuc_srcu *s;

	if (!rcuc_srcu_in_use(d, dom))
		return -1;
	s = &d->srcu[dom];
	if (s->phase != SRCU_IDLE || !rcuc_seq_ge(s->seq, s->want))
		return -2;
	if (!drained(d, dom, 0) || !drained(d, dom, 1))
		return -3;	/* readers inside: the guest's own bug */
	s->in_use = false;
	publish(d, dom);
	return 0;
}

uint64_t rcuc_srcu_seq(const struct rcuc_domain *d, uint32_t dom)
{
	return rcuc_srcu_in_use(d, dom) ? d->srcu[dom].seq : 0;
}

bool rcuc_srcu_done(const struct rcuc_domain *d, uint32_t dom, uint64_t cookie)
{
	return rcuc_srcu_in_use(d, dom) && rcuc_seq_ge(d->srcu[dom].seq, cookie);
}

uint64_t rcuc_srcu_request(struct rcuc_domain *d, uint32_t dom,
			   bool expedited, uint64_t now_ns)
{
	struct rcuc_srcu *s;
	uint64_t cookie;

	if (!rcuc_srcu_in_use(d, dom))
		return 0;
	s = &d->srcu[dom];
	cookie = rcuc_seq_snap(s->seq);
	if (rcuc_seq_ge(cookie, s->want))
		s->want = cookie;
	if (expedited) {
		s->want_exp = true;
		s->next_scan_ns = now_ns;	/* scan sooner; never interrupt */
	}
	rcuc_srcu_advance(d, now_ns);
	return cookie;
}

/*
 * Have all readers that incremented lock[i] left? Unlocks are summed
 * first, then (after a fence) locks: a reader counted in the unlock sum
 * was counted in the lock sum too, so equal sums mean none is inside.
 */
static bool drained(struct rcuc_domain *d, uint32_t dom, uint32_t i)
{
	struct rcuc_srcu *s = &d->srcu[dom];
	uint64_t locks = 0, unlocks = 0;
	bool sane = true;
	uint32_t c;

	for (c = 0; c < d->ncpus; c++) {
		uint64_t v = le64toh(scpu(d, dom, c)->unlock[i]);
		uint64_t *last = &s->last[c * 4 + 2 + i];

		if (!rcuc_seq_ge(v, *last))
			sane = false;	/* keep the high mark: no way back down */
		else
			*last = v;
		unlocks += v;
	}
	rcuc_fence();
	for (c = 0; c < d->ncpus; c++) {
		uint64_t v = le64toh(scpu(d, dom, c)->lock[i]);
		uint64_t *last = &s->last[c * 4 + i];

		if (!rcuc_seq_ge(v, *last))
			sane = false;
		else
			*last = v;
		locks += v;
	}
	if (!sane) {
		d->stats.bad_srcu_counters++;
		return false;
	}
	return locks == unlocks;
}

static void srcu_step(struct rcuc_domain *d, uint32_t dom, uint64_t now_ns)
{
	struct rcuc_srcu *s = &d->srcu[dom];

	for (;;) {
		switch (s->phase) {
		case SRCU_IDLE:
			if (rcuc_seq_ge(s->seq, s->want))
				return;
			s->seq++;
			s->phase = SRCU_SCAN_INACTIVE;
			publish(d, dom);
			break;
		case SRCU_SCAN_INACTIVE:
			if (!drained(d, dom, s->idx ^ 1))
				goto wait;
			s->idx ^= 1;
			s->phase = SRCU_SCAN_OLD;
			publish(d, dom);	/* the flip, fenced both sides */
			break;
		case SRCU_SCAN_OLD:
			if (!drained(d, dom, s->idx ^ 1))
				goto wait;
			s->seq = (s->seq | VIRTIO_RCU_SEQ_STATE_MASK) + 1;
			s->phase = SRCU_IDLE;
			s->want_exp = false;
			publish(d, dom);
			break;
		}
	}
wait:
	/* Expedited SRCU only polls sooner: it never interrupts a vCPU. */
	s->next_scan_ns = now_ns + (s->want_exp ? d->tun.srcu_poll_ns / 20 :
						  d->tun.srcu_poll_ns);
	rcuc_deadline_min(d, s->next_scan_ns);
}

void rcuc_srcu_advance(struct rcuc_domain *d, uint64_t now_ns)
{
	uint32_t i;

	for (i = 0; i < d->nsrcu; i++) {
		struct rcuc_srcu *s = &d->srcu[i];

		if (!s->in_use)
			continue;
		if (s->phase != SRCU_IDLE && now_ns < s->next_scan_ns) {
			rcuc_deadline_min(d, s->next_scan_ns);
			continue;
		}
		srcu_step(d, i, now_ns);
	}
}
