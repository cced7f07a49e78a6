// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcu callbacks: pvrcu_call(), pvrcu_barrier() and their invocation.
 *
 * The host cannot run guest code, so callbacks stay in the guest: one list
 * per CPU, in segments tagged with the cookie they wait for (gp.c):
 *
 *   DONE  their grace period (GP) has ended: to be invoked
 *   WAIT  waiting for cookie seg[WAIT].seq
 *   NEXT  waiting for cookie seg[NEXT].seq (later than WAIT's)
 *
 * A new callback gets the cookie of "now" and joins the last segment whose
 * cookie covers it (a later cookie is always safe, never an earlier one).
 * Each CPU publishes in its record how many callbacks wait and the cookies
 * the oldest and the newest wait for; the host then runs the GPs they need
 * and posts GP_DONE to the CPU's own event queue when they are ready. A
 * GP request is needed only when the host might not chain to the cookie
 * by itself (VIRTIO_RCU_F_CB_CHAIN, pvrcu_gp_chained()). Ready callbacks
 * run in a per-list tasklet, so in softirq context with bottom halves
 * disabled (checklist item 5); different lists run in parallel on any CPU
 * (item 12). A per-list timer re-checks every PVRCU_CB_TICK, so a lost post
 * or request cannot strand callbacks.
 *
 * While an rcu_head is queued, bit 0 of ->func is set (functions and
 * kvfree offsets are at least 2-byte aligned); queuing a head that carries
 * the mark and is found on a list is a double queue (item 16). For that
 * search to be exact, a queued head is always where pvrcu_cb_find() looks,
 * under a lock it takes: on a list's segments, or in the chunk of a batch
 * being invoked (the tasklet takes PVRCU_CB_CHUNK heads at a time into an
 * array of the list and never follows ->next of a head outside the lock),
 * and a move between lists (CPU hotplug) makes the search look again.
 */
#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/wait.h>

#include "pvrcu_internal.h"

#define PVRCU_CB_MARK	1ul
#define PVRCU_CB_TICK	(HZ / 10 ?: 1)
/* rcu_head_init()'s value, odd but never a marked function or offset. */
#define PVRCU_CB_INIT	(~0ul)
/* Heads a batch takes off DONE per lock round, invoked without the lock. */
#define PVRCU_CB_CHUNK	16

enum { SEG_DONE, SEG_WAIT, SEG_NEXT, PVRCU_NSEGS };

struct pvrcu_seg {
	struct rcu_head *head;
	struct rcu_head **tail;
	unsigned long seq;		/* WAIT, NEXT: the cookie they wait for */
	long n;
};

struct pvrcu_cblist {
	spinlock_t lock;		/* irqsave: pvrcu_call() runs anywhere */
	struct pvrcu_seg seg[PVRCU_NSEGS];
	/* All callbacks of this list, including a batch being invoked. */
	long len;
	int cpu;			/* whose record this list publishes to */
	u64 pub_backlog, pub_seq, pub_next;	/* as last written to the record */
	unsigned long chained;		/* newest cookie the device will chain to */
	unsigned long tick_v;		/* GP sequence at the last tick */
	struct tasklet_struct tasklet;
	struct timer_list timer;
	wait_queue_head_t throttle_wq;
	struct rcu_head barrier_head;
	/*
	 * The chunk of a batch being invoked, taken off DONE under ->lock:
	 * inv[inv_i..inv_n) are still queued. inv_n is written under ->lock,
	 * inv_i (the next head to invoke) by the tasklet alone; both are read
	 * under ->lock by pvrcu_cb_find().
	 */
	struct rcu_head *inv[PVRCU_CB_CHUNK];
	unsigned int inv_n, inv_i;
};

static DEFINE_PER_CPU(struct pvrcu_cblist, pvrcu_cbl);

/*
 * Odd while pvrcu_cb_cpu_dead() moves callbacks between two lists (its
 * callers, CPU hotplug, are serialized): a search that missed a head
 * during a move looks again.
 */
static seqcount_t pvrcu_cb_moves = SEQCNT_ZERO(pvrcu_cb_moves);

static DEFINE_MUTEX(pvrcu_barrier_mutex);
static atomic_t pvrcu_barrier_count;
static struct completion pvrcu_barrier_done;

/* ---- segments --------------------------------------------------------------- */

static void seg_init(struct pvrcu_seg *s)
{
	s->head = NULL;
	s->tail = &s->head;
	s->n = 0;
}

static void seg_append(struct pvrcu_seg *s, struct rcu_head *h)
{
	h->next = NULL;
	*s->tail = h;
	s->tail = &h->next;
	s->n++;
}

/* Move all of @src to the end of @dst. */
static void seg_splice(struct pvrcu_seg *dst, struct pvrcu_seg *src)
{
	if (!src->n)
		return;
	*dst->tail = src->head;
	dst->tail = src->tail;
	dst->n += src->n;
	seg_init(src);
}

/* The cookie the newest waiting callbacks need; false if none waits. */
static bool cbl_last_cookie(struct pvrcu_cblist *cbl, unsigned long *cookie)
{
	if (cbl->seg[SEG_NEXT].n)
		*cookie = cbl->seg[SEG_NEXT].seq;
	else if (cbl->seg[SEG_WAIT].n)
		*cookie = cbl->seg[SEG_WAIT].seq;
	else
		return false;
	return true;
}

/* Move the segments whose GP has ended to DONE. */
static void cbl_advance(struct pvrcu_cblist *cbl)
{
	struct pvrcu_seg *w = &cbl->seg[SEG_WAIT], *n = &cbl->seg[SEG_NEXT];
	unsigned long v;

	if (!w->n)
		return;
	v = pvrcu_gp_seq();
	if (PVRCU_SEQ_LT(v, w->seq))
		return;
	seg_splice(&cbl->seg[SEG_DONE], w);
	if (!n->n)
		return;
	if (PVRCU_SEQ_GE(v, n->seq)) {
		seg_splice(&cbl->seg[SEG_DONE], n);
	} else {
		w->seq = n->seq;
		seg_splice(w, n);
	}
}

static void cbl_enqueue(struct pvrcu_cblist *cbl, struct rcu_head *h,
			unsigned long cookie)
{
	struct pvrcu_seg *w = &cbl->seg[SEG_WAIT], *n = &cbl->seg[SEG_NEXT];

	if (!w->n) {
		w->seq = cookie;
		seg_append(w, h);
	} else if (!n->n && PVRCU_SEQ_GE(w->seq, cookie)) {
		seg_append(w, h);
	} else if (!n->n) {
		n->seq = cookie;
		seg_append(n, h);
	} else {
		/* Two GPs ahead already: wait for the later one. */
		if (PVRCU_SEQ_LT(n->seq, cookie))
			n->seq = cookie;
		seg_append(n, h);
	}
}

/*
 * Tell the host how many callbacks of this list wait for a GP, the cookie
 * (in its own gp_seq space) that the oldest of them wait for, and the one
 * the newest wait for. Without a device the record says nothing waits.
 */
static void cbl_publish(struct pvrcu_cblist *cbl)
{
	struct virtio_rcu_shm_cpu *rec = pvrcu_cpu_rec(cbl->cpu);
	u64 backlog = cbl->seg[SEG_WAIT].n + cbl->seg[SEG_NEXT].n;
	unsigned long last = cbl->seg[SEG_WAIT].seq;
	u64 seq = 0, next = 0;

	cbl_last_cookie(cbl, &last);
	if (!backlog || !pvrcu_gp_dev_cookie(cbl->seg[SEG_WAIT].seq, &seq) ||
	    !pvrcu_gp_dev_cookie(last, &next)) {
		backlog = 0;
		seq = 0;
		next = 0;
	}
	if (seq != cbl->pub_seq) {
		WRITE_ONCE(rec->cb_seq, cpu_to_le64(seq));
		cbl->pub_seq = seq;
	}
	if (next != cbl->pub_next) {
		WRITE_ONCE(rec->cb_next, cpu_to_le64(next));
		cbl->pub_next = next;
	}
	smp_wmb();	/* a backlog comes with its cookies (the host's acquire) */
	if (backlog != cbl->pub_backlog) {
		WRITE_ONCE(rec->backlog, cpu_to_le64(backlog));
		cbl->pub_backlog = backlog;
	}
}

/* ---- invocation ------------------------------------------------------------- */

/*
 * Invoke the head a batch just took: unmarked first (the callback may queue
 * @h again), and, for pvrcu_cb_find(), unmarked before the chunk's cursor
 * passes it: a search that no longer sees @h in the chunk sees it unmarked.
 */
static void pvrcu_cb_invoke(struct pvrcu_cblist *cbl, unsigned int i)
{
	struct rcu_head *h = cbl->inv[i];
	unsigned long f = (unsigned long)READ_ONCE(h->func) & ~PVRCU_CB_MARK;

	WRITE_ONCE(h->func, (rcu_callback_t)f);
	smp_wmb();	/* unmarked, then out of the chunk; pvrcu_cb_find() */
	WRITE_ONCE(cbl->inv_i, i + 1);
	if (__is_kvfree_rcu_offset(f))
		kvfree((void *)h - f);
	else
		((rcu_callback_t)f)(h);
}

/* Move up to @max heads from the front of DONE into the chunk. */
static unsigned int cbl_take_chunk(struct pvrcu_cblist *cbl, long max)
{
	struct pvrcu_seg *done = &cbl->seg[SEG_DONE];
	unsigned int k = 0;

	lockdep_assert_held(&cbl->lock);
	while (k < PVRCU_CB_CHUNK && k < max && done->n) {
		cbl->inv[k++] = done->head;
		done->head = done->head->next;
		if (!--done->n)
			done->tail = &done->head;
	}
	WRITE_ONCE(cbl->inv_i, 0);
	cbl->inv_n = k;
	return k;
}

static void pvrcu_cb_do_batch(struct tasklet_struct *t)
{
	struct pvrcu_cblist *cbl = from_tasklet(cbl, t, tasklet);
	struct pvrcu_seg *done = &cbl->seg[SEG_DONE];
	long n, limit, count = 0, len;
	unsigned long flags;
	unsigned int i, k;
	bool more;

	spin_lock_irqsave(&cbl->lock, flags);
	cbl_advance(cbl);
	cbl_publish(cbl);
	n = done->n;
	len = cbl->len;
	spin_unlock_irqrestore(&cbl->lock, flags);
	if (!n)
		return;

	/* At most the callbacks ready now, and the batch limit. */
	limit = len > READ_ONCE(pvrcu_qhimark) ? n :
		min(n, max(READ_ONCE(pvrcu_blimit), 1L));
	while (count < limit) {
		spin_lock_irqsave(&cbl->lock, flags);
		k = cbl_take_chunk(cbl, limit - count);
		spin_unlock_irqrestore(&cbl->lock, flags);
		if (!k)
			break;
		/* The end of their GP (a load of the sequence) before their accesses. */
		smp_mb();
		for (i = 0; i < k; i++)
			pvrcu_cb_invoke(cbl, i);
		count += k;
	}

	spin_lock_irqsave(&cbl->lock, flags);
	cbl->inv_n = 0;
	cbl->len -= count;
	len = cbl->len;
	more = done->n;
	spin_unlock_irqrestore(&cbl->lock, flags);

	this_cpu_add(pvrcu_pstats.cb_invoked, count);
	if (more)
		tasklet_schedule(t);
	if (len <= READ_ONCE(pvrcu_qlowmark) && wq_has_sleeper(&cbl->throttle_wq))
		wake_up_all(&cbl->throttle_wq);
}

/*
 * The safety net: invoke what is ready, ask again for the GP the waiting
 * callbacks need, forcing a new request when nothing moved for a tick.
 */
static void pvrcu_cb_timer_fn(struct timer_list *t)
{
	struct pvrcu_cblist *cbl = from_timer(cbl, t, timer);
	unsigned long flags, cookie = 0, v;
	bool ready, waiting, stalled;
	long len;

	spin_lock_irqsave(&cbl->lock, flags);
	cbl_advance(cbl);
	cbl_publish(cbl);
	ready = cbl->seg[SEG_DONE].n;
	waiting = cbl_last_cookie(cbl, &cookie);
	v = pvrcu_gp_seq();
	stalled = v == cbl->tick_v;
	cbl->tick_v = v;
	len = cbl->len;
	/* The host chains to it, and GPs move: no request needed. */
	if (!stalled && PVRCU_SEQ_GE(cbl->chained, cookie))
		waiting = false;
	spin_unlock_irqrestore(&cbl->lock, flags);

	if (ready)
		tasklet_schedule(&cbl->tasklet);
	if (waiting)
		pvrcu_gp_request(cookie, len > READ_ONCE(pvrcu_qhimark), stalled);
	if (len)
		mod_timer(t, jiffies + PVRCU_CB_TICK);
}

void pvrcu_cb_kick(int cpu)
{
	struct pvrcu_cblist *cbl;

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return;
	cbl = per_cpu_ptr(&pvrcu_cbl, cpu);
	if (READ_ONCE(cbl->len))
		tasklet_schedule(&cbl->tasklet);
}

void pvrcu_cb_kick_all(void)
{
	int cpu;

	local_bh_disable();	/* the tasklets run at local_bh_enable() */
	for_each_possible_cpu(cpu)
		pvrcu_cb_kick(cpu);
	local_bh_enable();
}

/* ---- pvrcu_call() ----------------------------------------------------------- */

/* Is @head queued on @cbl, on a segment or in the chunk being invoked? */
static bool cbl_holds(struct pvrcu_cblist *cbl, struct rcu_head *head)
{
	struct rcu_head *h;
	unsigned int i;
	int s;

	lockdep_assert_held(&cbl->lock);
	for (s = 0; s < PVRCU_NSEGS; s++)
		for (h = cbl->seg[s].head; h; h = h->next)
			if (h == head)
				return true;
	/* Compared, never dereferenced: the tasklet invokes them unlocked. */
	for (i = READ_ONCE(cbl->inv_i); i < cbl->inv_n; i++)
		if (cbl->inv[i] == head)
			return true;
	return false;
}

/*
 * Is @head queued? Only asked when it carries the mark. Each list is
 * searched under its lock, so a head that stays queued on one list is
 * found; one that pvrcu_cb_cpu_dead() moved meanwhile may have been
 * missed, so a search that saw a move looks again.
 */
static bool pvrcu_cb_find(struct rcu_head *head)
{
	unsigned long flags;
	unsigned int seq;
	bool found;
	int cpu;

	do {
		seq = read_seqcount_begin(&pvrcu_cb_moves);
		found = false;
		for_each_possible_cpu(cpu) {
			struct pvrcu_cblist *cbl = per_cpu_ptr(&pvrcu_cbl, cpu);

			spin_lock_irqsave(&cbl->lock, flags);
			found = cbl_holds(cbl, head);
			spin_unlock_irqrestore(&cbl->lock, flags);
			if (found)
				return true;
		}
	} while (read_seqcount_retry(&pvrcu_cb_moves, seq));
	return false;
}

static bool pvrcu_cb_queued_twice(struct rcu_head *head)
{
	unsigned long f = (unsigned long)READ_ONCE(head->func);

	if (likely(!(f & PVRCU_CB_MARK)) || f == PVRCU_CB_INIT)
		return false;
	/*
	 * Not found, and the mark still there: stale memory that looked like
	 * a mark. Not found because it was invoked meanwhile (the invocation
	 * unmarks it before it leaves the chunk): it was still queued when
	 * this call began, so this is a double queue all the same.
	 */
	if (!pvrcu_cb_find(head)) {
		smp_rmb();	/* the search, then ->func; pvrcu_cb_invoke() */
		if (READ_ONCE(head->func) == (rcu_callback_t)f)
			return false;
	}
	this_cpu_inc(pvrcu_pstats.cb_double);
	pr_err("pvrcu: rcu_head %p queued twice (callback %ps): second pvrcu_call() ignored\n",
	       head, (void *)(f & ~PVRCU_CB_MARK));
	return true;
}

/* Checklist item 8: hold back a caller that may sleep, at most a second. */
static void pvrcu_cb_throttle(struct pvrcu_cblist *cbl)
{
	if (!preemptible() || rcu_preempt_depth() ||
	    (current->flags & PF_MEMALLOC))
		return;
	this_cpu_inc(pvrcu_pstats.cb_throttled);
	wait_event_timeout(cbl->throttle_wq,
			   READ_ONCE(cbl->len) <= READ_ONCE(pvrcu_qlowmark), HZ);
}

void pvrcu_call(struct rcu_head *head, rcu_callback_t func)
{
	struct pvrcu_cblist *cbl;
	unsigned long flags, cookie;
	long len, qhimark;
	bool ready, chained;

	if (unlikely((unsigned long)func & PVRCU_CB_MARK)) {
		pr_err("pvrcu: callback %ps at an odd address cannot be queued\n",
		       func);
		return;
	}
	if (unlikely(pvrcu_cb_queued_twice(head)))
		return;
	WRITE_ONCE(head->func,
		   (rcu_callback_t)((unsigned long)func | PVRCU_CB_MARK));

	local_irq_save(flags);
	cbl = this_cpu_ptr(&pvrcu_cbl);
	spin_lock(&cbl->lock);
	cookie = pvrcu_gp_cookie();
	cbl_advance(cbl);
	cbl_enqueue(cbl, head, cookie);
	cbl_last_cookie(cbl, &cookie);
	len = ++cbl->len;
	ready = cbl->seg[SEG_DONE].n;
	cbl_publish(cbl);
	/*
	 * The record now covers @cookie. If the device will chain to it
	 * (a handshake, see pvrcu_gp_chained()), no request: the common case
	 * of a steady stream of callbacks costs no exit per GP.
	 */
	chained = PVRCU_SEQ_GE(cbl->chained, cookie);
	if (!chained && pvrcu_gp_chained(cookie)) {
		cbl->chained = cookie;
		chained = true;
		__this_cpu_inc(pvrcu_pstats.cb_chained);
	}
	spin_unlock(&cbl->lock);
	if (!timer_pending(&cbl->timer))
		mod_timer(&cbl->timer, jiffies + PVRCU_CB_TICK);
	__this_cpu_inc(pvrcu_pstats.cb_queued);
	local_irq_restore(flags);

	qhimark = READ_ONCE(pvrcu_qhimark);
	if (!chained || len > qhimark)
		pvrcu_gp_request(cookie, len > qhimark, false);
	if (ready)
		tasklet_schedule(&cbl->tasklet);
	if (unlikely(len > qhimark))
		pvrcu_cb_throttle(cbl);
}
EXPORT_SYMBOL_GPL(pvrcu_call);

bool pvrcu_head_after_call(struct rcu_head *rhp, rcu_callback_t f)
{
	unsigned long func = (unsigned long)READ_ONCE(rhp->func);

	/* Queued (marked) or invoked since (unmarked again). */
	if (func != PVRCU_CB_INIT &&
	    (func & ~PVRCU_CB_MARK) == (unsigned long)f)
		return true;
	WARN_ON_ONCE(func != PVRCU_CB_INIT);
	return false;
}
EXPORT_SYMBOL_GPL(pvrcu_head_after_call);

/* ---- pvrcu_barrier() -------------------------------------------------------- */

static void pvrcu_barrier_cb(struct rcu_head *h)
{
	if (atomic_dec_and_test(&pvrcu_barrier_count))
		complete(&pvrcu_barrier_done);
}

/* Put the marker behind the last callback of the list, if there is one. */
static bool cbl_entrain(struct pvrcu_cblist *cbl)
{
	struct rcu_head *m = &cbl->barrier_head;
	int i;

	if (!cbl->len)
		return false;
	m->func = (rcu_callback_t)((unsigned long)pvrcu_barrier_cb |
				   PVRCU_CB_MARK);
	for (i = SEG_NEXT; i > SEG_DONE && !cbl->seg[i].n; i--)
		;
	/* All invoked but a batch in flight: DONE, run after that batch. */
	seg_append(&cbl->seg[i], m);
	cbl->len++;
	return true;
}

void pvrcu_barrier(void)
{
	unsigned long flags, cookie = 0;
	bool waiting, ready;
	int cpu;

	pvrcu_sleep_check(__func__);
	mutex_lock(&pvrcu_barrier_mutex);
	init_completion(&pvrcu_barrier_done);
	atomic_set(&pvrcu_barrier_count, 1);
	for_each_possible_cpu(cpu) {
		struct pvrcu_cblist *cbl = per_cpu_ptr(&pvrcu_cbl, cpu);

		spin_lock_irqsave(&cbl->lock, flags);
		if (!cbl_entrain(cbl)) {
			spin_unlock_irqrestore(&cbl->lock, flags);
			continue;
		}
		atomic_inc(&pvrcu_barrier_count);
		cbl_publish(cbl);
		waiting = cbl_last_cookie(cbl, &cookie);
		ready = cbl->seg[SEG_DONE].n;
		if (!timer_pending(&cbl->timer))
			mod_timer(&cbl->timer, jiffies + PVRCU_CB_TICK);
		spin_unlock_irqrestore(&cbl->lock, flags);
		if (waiting)
			pvrcu_gp_request(cookie, false, false);
		if (ready) {
			local_bh_disable();
			tasklet_schedule(&cbl->tasklet);
			local_bh_enable();
		}
	}
	if (atomic_dec_and_test(&pvrcu_barrier_count))
		complete(&pvrcu_barrier_done);
	wait_for_completion(&pvrcu_barrier_done);
	mutex_unlock(&pvrcu_barrier_mutex);
}
EXPORT_SYMBOL_GPL(pvrcu_barrier);

/* ---- engine switches, hotplug, setup -------------------------------------- */

void pvrcu_cb_rebind(void)
{
	unsigned long flags, cookie = 0;
	bool waiting;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pvrcu_cblist *cbl = per_cpu_ptr(&pvrcu_cbl, cpu);

		spin_lock_irqsave(&cbl->lock, flags);
		cbl->pub_backlog = U64_MAX;	/* write every field again */
		cbl->pub_seq = U64_MAX;
		cbl->pub_next = U64_MAX;
		cbl->chained = pvrcu_gp_seq();	/* void: promises of the old engine */
		cbl_publish(cbl);
		waiting = cbl_last_cookie(cbl, &cookie);
		spin_unlock_irqrestore(&cbl->lock, flags);
		if (waiting)
			pvrcu_gp_request(cookie, false, false);
	}
	pvrcu_cb_kick_all();
}

/*
 * CPU @cpu is dead (runs on a control CPU). Its callbacks move to this CPU
 * so that they still run (checklist item 12). The waiting ones keep their
 * order and get the later of the two lists' cookies. A batch that a tasklet
 * is invoking elsewhere stays counted on the dead CPU's list.
 */
void pvrcu_cb_cpu_dead(int cpu)
{
	struct pvrcu_cblist *src = per_cpu_ptr(&pvrcu_cbl, cpu), *dst;
	struct pvrcu_seg chain;
	unsigned long flags, cookie = 0;
	bool waiting;
	long moved;

	local_irq_save(flags);
	dst = this_cpu_ptr(&pvrcu_cbl);
	spin_lock(&dst->lock);
	spin_lock_nested(&src->lock, SINGLE_DEPTH_NESTING);
	write_seqcount_begin(&pvrcu_cb_moves);
	moved = src->seg[SEG_DONE].n + src->seg[SEG_WAIT].n +
		src->seg[SEG_NEXT].n;
	seg_splice(&dst->seg[SEG_DONE], &src->seg[SEG_DONE]);
	if (cbl_last_cookie(src, &cookie)) {
		seg_init(&chain);
		seg_splice(&chain, &src->seg[SEG_WAIT]);
		seg_splice(&chain, &src->seg[SEG_NEXT]);
		if (dst->seg[SEG_NEXT].n) {
			if (PVRCU_SEQ_LT(dst->seg[SEG_NEXT].seq, cookie))
				dst->seg[SEG_NEXT].seq = cookie;
			seg_splice(&dst->seg[SEG_NEXT], &chain);
		} else if (dst->seg[SEG_WAIT].n &&
			   PVRCU_SEQ_GE(dst->seg[SEG_WAIT].seq, cookie)) {
			seg_splice(&dst->seg[SEG_WAIT], &chain);
		} else if (dst->seg[SEG_WAIT].n) {
			dst->seg[SEG_NEXT].seq = cookie;
			seg_splice(&dst->seg[SEG_NEXT], &chain);
		} else {
			dst->seg[SEG_WAIT].seq = cookie;
			seg_splice(&dst->seg[SEG_WAIT], &chain);
		}
	}
	write_seqcount_end(&pvrcu_cb_moves);
	src->len -= moved;
	dst->len += moved;
	src->chained = pvrcu_gp_seq();	/* its record no longer covers them */
	cbl_publish(src);
	cbl_publish(dst);
	waiting = cbl_last_cookie(dst, &cookie);
	spin_unlock(&src->lock);
	spin_unlock(&dst->lock);
	if (dst->len && !timer_pending(&dst->timer))
		mod_timer(&dst->timer, jiffies + PVRCU_CB_TICK);
	local_irq_restore(flags);

	if (waiting)
		pvrcu_gp_request(cookie, false, false);
	if (moved) {
		local_bh_disable();
		tasklet_schedule(&dst->tasklet);
		local_bh_enable();
	}
}

u64 pvrcu_cb_pending(void)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(&pvrcu_cbl, cpu)->len);
	return n;
}

int pvrcu_cb_init(void)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct pvrcu_cblist *cbl = per_cpu_ptr(&pvrcu_cbl, cpu);

		spin_lock_init(&cbl->lock);
		for (i = 0; i < PVRCU_NSEGS; i++)
			seg_init(&cbl->seg[i]);
		cbl->cpu = cpu;
		tasklet_setup(&cbl->tasklet, pvrcu_cb_do_batch);
		timer_setup(&cbl->timer, pvrcu_cb_timer_fn, 0);
		init_waitqueue_head(&cbl->throttle_wq);
	}
	return 0;
}

/* After the last pvrcu_barrier(): every list is empty. */
void pvrcu_cb_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pvrcu_cblist *cbl = per_cpu_ptr(&pvrcu_cbl, cpu);

		del_timer_sync(&cbl->timer);
		tasklet_kill(&cbl->tasklet);
	}
}
