// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SRCU requests (virtio-rcu/SPEC.md §1.6.4.5) and the SRCU_DONE events
 * that tell the guest a domain's GP ended. rcu-core runs the scan; this
 * file checks what the guest asked, remembers which CPU wants to hear of
 * which GP, and posts once the domain gets there.
 *
 * Nothing here is needed for safety: the guest compares the domain's
 * srcu_gp_seq with its cookie before it trusts an event, and polls slowly
 * without one (an event lost in a restart only costs latency).
 */
#include <endian.h>
#include <stdlib.h>

#include "backend_priv.h"
#include "log.h"
#include "virtio_rcu.h"

/*
 * A slot holds cookie | 1, or 0 when nobody waits: cookies are multiples
 * of 4, and 0 is one (a sequence the guest set near 2^64 wraps).
 */
#define SLOT_USED	1ull

static uint64_t *want_slot(struct backend *b, uint32_t dom, uint32_t cpu)
{
	return &b->srcu_want[(size_t)dom * b->ncpus + cpu];
}

/* Nobody waits for GPs of @dom any more (a new or a destroyed domain). */
static void forget_waits(struct backend *b, uint32_t dom)
{
	uint32_t c;

	for (c = 0; c < b->ncpus; c++) {
		b->srcu_waiting -= *want_slot(b, dom, c) != 0;
		*want_slot(b, dom, c) = 0;
	}
}

int srcu_attach(struct backend *b)
{
	uint32_t n = b->lim.max_srcu_domains;

	b->nsrcu = n;
	b->srcu_waiting = 0;
	if (!n)
		return 0;
	/* Bounded by the config space: domains x CPU records. */
	b->srcu_want = calloc((size_t)n * b->ncpus, sizeof(*b->srcu_want));
	b->srcu_seen = calloc(n, sizeof(*b->srcu_seen));
	if (!b->srcu_want || !b->srcu_seen) {
		srcu_detach(b);
		return -1;
	}
	return 0;
}

void srcu_detach(struct backend *b)
{
	free(b->srcu_want);
	free(b->srcu_seen);
	b->srcu_want = NULL;
	b->srcu_seen = NULL;
	b->nsrcu = 0;
}

uint32_t srcu_in_use(const struct backend *b)
{
	uint32_t dom, n = 0;

	for (dom = 0; dom < b->nsrcu; dom++)
		n += rcuc_srcu_in_use(b->dom, dom);
	return n;
}

int srcu_create(struct backend *b, uint32_t dom, uint64_t *val0)
{
	if (!b->have_region)
		return VIRTIO_RCU_S_NOSETUP;
	switch (rcuc_srcu_create(b->dom, dom)) {
	case 0:
		break;
	case -2:
		return VIRTIO_RCU_S_BUSY;
	default:
		return VIRTIO_RCU_S_INVAL;
	}
	forget_waits(b, dom);
	*val0 = rcuc_srcu_seq(b->dom, dom);
	b->srcu_seen[dom] = *val0;
	log_info("SRCU domain %u created at srcu_gp_seq %llu", dom,
		 (unsigned long long)*val0);
	return VIRTIO_RCU_S_OK;
}

int srcu_destroy(struct backend *b, uint32_t dom)
{
	if (!b->have_region)
		return VIRTIO_RCU_S_NOSETUP;
	switch (rcuc_srcu_destroy(b->dom, dom)) {
	case 0:
		forget_waits(b, dom);
		log_info("SRCU domain %u destroyed", dom);
		return VIRTIO_RCU_S_OK;
	case -2:
		log_warn("SRCU_DESTROY %u refused: a GP is in flight", dom);
		return VIRTIO_RCU_S_BUSY;
	case -3:
		log_warn("SRCU_DESTROY %u refused: readers are inside", dom);
		return VIRTIO_RCU_S_BUSY;
	default:
		return VIRTIO_RCU_S_INVAL;	/* not created */
	}
}

int srcu_gp(struct backend *b, const struct vrcu_request *req, uint64_t *val0)
{
	bool exp = req->flags & VIRTIO_RCU_GP_F_EXPEDITED;
	uint32_t dom = (uint32_t)req->arg0;
	uint64_t cookie, *w;

	if (!b->have_region)
		return VIRTIO_RCU_S_NOSETUP;
	if (!rcuc_srcu_in_use(b->dom, dom))
		return VIRTIO_RCU_S_INVAL;
	if (req->arg1 != VIRTIO_RCU_SRCU_NO_EVENT && req->arg1 >= b->ncpus)
		return VIRTIO_RCU_S_INVAL;
	cookie = rcuc_srcu_request(b->dom, dom, exp, el_now_ns());
	b->srcu_gps++;
	if (req->arg1 != VIRTIO_RCU_SRCU_NO_EVENT) {
		w = want_slot(b, dom, (uint32_t)req->arg1);
		b->srcu_waiting += !*w;
		if (!*w || !rcuc_seq_ge(*w & ~SLOT_USED, cookie))
			*w = cookie | SLOT_USED;
	}
	*val0 = cookie;
	return VIRTIO_RCU_S_OK;
}

/*
 * After the engine ran: for each domain whose sequence moved, post to the
 * CPUs whose GP is now done, and forget them. If a post fails (no
 * buffer), that entry stays and the next kick tries it again, alone.
 */
void srcu_notify(struct backend *b)
{
	uint32_t dom, c;

	if (!b->srcu_waiting)
		return;		/* every kick runs this: nothing to look at */
	for (dom = 0; dom < b->nsrcu; dom++) {
		uint64_t seq;
		bool all = true;

		if (!rcuc_srcu_in_use(b->dom, dom))
			continue;
		/* The last completed GP (the next may have started already). */
		seq = rcuc_srcu_seq(b->dom, dom) & ~VIRTIO_RCU_SEQ_STATE_MASK;
		if (seq == b->srcu_seen[dom])
			continue;
		for (c = 0; c < b->ncpus; c++) {
			uint64_t *w = want_slot(b, dom, c);

			if (!*w || !rcuc_seq_ge(seq, *w & ~SLOT_USED))
				continue;
			if (!post(b, VIRTIO_RCU_EV_SRCU_DONE, (uint16_t)dom, c, seq)) {
				all = false;
				continue;
			}
			b->srcu_done_posts++;
			*w = 0;
			b->srcu_waiting--;
		}
		if (all)
			b->srcu_seen[dom] = seq;
	}
}
