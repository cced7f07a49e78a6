// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcu grace periods: the sequence that cookies are taken from, GP
 * requests, and the polled API (plain, _expedited and _full forms, all on
 * this one sequence; the waiting forms are in sync.c). Below it only the
 * device (device.c); the layer above (callbacks.c) hears of native GP ends
 * and engine switches through struct pvrcu_gp_client.
 *
 * Cookies (the polled API, the tags of queued callbacks) live in one
 * sequence, V, in the style of the kernel's rcu_seq: the two low bits are
 * the phase, a grace period (GP) starts by setting them to 1 and ends at
 * the next multiple of 4, and a cookie c is done once V >= c. A cookie for
 * work done now is snap(V) = (V + 7) & ~3: only the end of a GP that starts
 * later can bring V there. Two engines drive V:
 *
 * - device: V = base + gp_seq of the region's header, which the host
 *   publishes (virtio-rcu/SPEC.md §1.6.1). Polling is a shared-memory read.
 * - native, while no device is bound: a work item runs the kernel's
 *   synchronize_rcu() and advances V around it. That is correct because a
 *   pvrcu reader runs with preemption disabled, and a GP of the kernel's
 *   RCU waits for preemption-disabled regions too.
 *
 * Switching engines never completes a cookie early. Every cookie handed out
 * before a switch needs, after it, a GP that starts after the switch; see
 * pvrcu_gp_bind() and pvrcu_gp_unbind().
 */
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "pvrcu_internal.h"

static struct {
	spinlock_t lock;		/* writers of all below, irqsave */
	seqcount_spinlock_t seq;	/* lockless readers of hdr/base/native_v */
	struct virtio_rcu_shm_header *hdr;	/* device mode when set */
	unsigned long base;		/* device mode: V - gp_seq */
	unsigned long native_v;		/* native mode: V */
	unsigned long native_want;	/* native: highest cookie wanted */
	bool native_want_exp;
	unsigned long dev_req;		/* device: highest cookie asked for */
	unsigned long dev_exp_req;	/* ... expedited */
	struct mutex native_mutex;	/* held across one native GP */
	struct work_struct native_work;
	wait_queue_head_t wq;		/* native GP ends, engine switches */
	const struct pvrcu_gp_client *client;
} pvgp;

/* The sequence in *@v; returns the device's header, NULL in native mode. */
static struct virtio_rcu_shm_header *pvrcu_gp_read(unsigned long *v)
{
	struct virtio_rcu_shm_header *hdr;
	unsigned int s;

	do {
		s = read_seqcount_begin(&pvgp.seq);
		hdr = READ_ONCE(pvgp.hdr);
		if (hdr)
			*v = pvgp.base + (unsigned long)
			     le64_to_cpu(READ_ONCE(hdr->gp_seq));
		else
			*v = READ_ONCE(pvgp.native_v);
	} while (read_seqcount_retry(&pvgp.seq, s));
	return hdr;
}

unsigned long pvrcu_gp_seq(void)
{
	unsigned long v;

	pvrcu_gp_read(&v);
	return v;
}

unsigned long pvrcu_gp_cookie(void)
{
	/* The caller's earlier accesses (the removal) come before the load. */
	smp_mb();
	return pvrcu_seq_snap(pvrcu_gp_seq());
}

bool pvrcu_gp_have_device(void)
{
	return READ_ONCE(pvgp.hdr) != NULL;
}

bool pvrcu_gp_dev_cookie(unsigned long cookie, u64 *dev)
{
	unsigned int s;
	bool ok;

	do {
		s = read_seqcount_begin(&pvgp.seq);
		ok = READ_ONCE(pvgp.hdr) != NULL;
		*dev = cookie - pvgp.base;
	} while (read_seqcount_retry(&pvgp.seq, s));
	return ok;
}

/*
 * The handshake of VIRTIO_RCU_F_CB_CHAIN (SPEC §1.6.7.1). We wrote our
 * record's backlog, then read gp_seq; when the device ends a GP it
 * publishes gp_seq, then reads the records. Both sides have a full
 * barrier in between, so one of us sees the other's store. If we still
 * see the GP in progress, the device will read our backlog once that GP
 * has ended and start the one after it: enough for any cookie up to
 * snap(gp_seq).
 */
bool pvrcu_gp_chained(unsigned long cookie)
{
	unsigned long v;

	if (!pvrcu_dev_chains_callbacks())
		return false;
	smp_mb();	/* the record before gp_seq; pairs with the device's */
	return pvrcu_gp_read(&v) && (v & VIRTIO_RCU_SEQ_STATE_MASK) &&
	       PVRCU_SEQ_GE(pvrcu_seq_snap(v), cookie);
}

void pvrcu_sleep_check(const char *fn)
{
	might_sleep();
	WARN_ONCE(!preemptible() || rcu_preempt_depth(),
		  "%s() called from atomic context or an RCU reader\n", fn);
}

/* ---- the native engine ---------------------------------------------------- */

static void pvrcu_native_want_locked(unsigned long cookie, bool exp)
{
	lockdep_assert_held(&pvgp.lock);
	if (PVRCU_SEQ_LT(pvgp.native_want, cookie))
		pvgp.native_want = cookie;
	if (exp)
		pvgp.native_want_exp = true;
	if (PVRCU_SEQ_LT(pvgp.native_v, pvgp.native_want))
		queue_work(system_unbound_wq, &pvgp.native_work);
}

/* Run the kernel's GPs until V reaches what was asked for. */
static void pvrcu_native_gp_fn(struct work_struct *work)
{
	unsigned long flags;
	bool exp;

	for (;;) {
		mutex_lock(&pvgp.native_mutex);
		spin_lock_irqsave(&pvgp.lock, flags);
		if (pvgp.hdr || PVRCU_SEQ_GE(pvgp.native_v, pvgp.native_want)) {
			spin_unlock_irqrestore(&pvgp.lock, flags);
			mutex_unlock(&pvgp.native_mutex);
			return;
		}
		exp = pvgp.native_want_exp && !pvrcu_normal_only();
		pvgp.native_want_exp = false;
		write_seqcount_begin(&pvgp.seq);
		WRITE_ONCE(pvgp.native_v, pvgp.native_v + 1);	/* GP starts */
		write_seqcount_end(&pvgp.seq);
		spin_unlock_irqrestore(&pvgp.lock, flags);

		smp_mb();	/* the start is visible before the GP begins */
		if (exp)
			synchronize_rcu_expedited();
		else
			synchronize_rcu();
		smp_mb();	/* ... and the GP is over before the end is */

		/* Bind waits for native_mutex: still native here. */
		spin_lock_irqsave(&pvgp.lock, flags);
		write_seqcount_begin(&pvgp.seq);
		WRITE_ONCE(pvgp.native_v, (pvgp.native_v | 3) + 1);
		write_seqcount_end(&pvgp.seq);
		spin_unlock_irqrestore(&pvgp.lock, flags);
		mutex_unlock(&pvgp.native_mutex);

		wake_up_all(&pvgp.wq);
		pvgp.client->gp_ended();
	}
}

/* Wait until @cookie is done or the device took over. */
void pvrcu_gp_native_wait(unsigned long cookie, bool exp)
{
	unsigned long flags;

	spin_lock_irqsave(&pvgp.lock, flags);
	if (!pvgp.hdr)
		pvrcu_native_want_locked(cookie, exp);
	spin_unlock_irqrestore(&pvgp.lock, flags);
	wait_event(pvgp.wq,
		   PVRCU_SEQ_GE(pvrcu_gp_seq(), cookie) || READ_ONCE(pvgp.hdr));
}

/* ---- requests --------------------------------------------------------------- */

void pvrcu_gp_request(unsigned long cookie, bool exp, bool force)
{
	unsigned long flags;
	bool send = false;

	if (exp && pvrcu_normal_only())
		exp = false;
	/* Fast paths of pvrcu_call(): this GP was already asked for. */
	if (!force && READ_ONCE(pvgp.hdr) &&
	    PVRCU_SEQ_GE(READ_ONCE(pvgp.dev_req), cookie) &&
	    (!exp || PVRCU_SEQ_GE(READ_ONCE(pvgp.dev_exp_req), cookie)))
		return;
	if (!force && !exp && !READ_ONCE(pvgp.hdr) &&
	    PVRCU_SEQ_GE(READ_ONCE(pvgp.native_want), cookie))
		return;

	spin_lock_irqsave(&pvgp.lock, flags);
	if (pvgp.hdr) {
		send = force || PVRCU_SEQ_LT(pvgp.dev_req, cookie) ||
		       (exp && PVRCU_SEQ_LT(pvgp.dev_exp_req, cookie));
		if (PVRCU_SEQ_LT(pvgp.dev_req, cookie))
			pvgp.dev_req = cookie;
		if (exp && PVRCU_SEQ_LT(pvgp.dev_exp_req, cookie))
			pvgp.dev_exp_req = cookie;
	} else {
		pvrcu_native_want_locked(cookie, exp);
	}
	spin_unlock_irqrestore(&pvgp.lock, flags);

	if (send && pvrcu_dev_gp_async(exp)) {
		/* Not sent (no memory, queue full, device going): ask again later. */
		spin_lock_irqsave(&pvgp.lock, flags);
		if (pvgp.dev_req == cookie)
			pvgp.dev_req = cookie - 4;
		if (pvgp.dev_exp_req == cookie)
			pvgp.dev_exp_req = cookie - 4;
		spin_unlock_irqrestore(&pvgp.lock, flags);
	}
}

/* ---- polled grace periods ---------------------------------------------------- */

/* A full cookie: the one sequence serves normal and expedited GPs. */
static void pvrcu_oldstate_set(struct rcu_gp_oldstate *rgosp,
			       unsigned long cookie)
{
	rgosp->rgos_norm = cookie;
#ifndef CONFIG_TINY_RCU
	rgosp->rgos_exp = cookie;
#endif
}

unsigned long pvrcu_get_state(void)
{
	return pvrcu_gp_cookie();
}
EXPORT_SYMBOL_GPL(pvrcu_get_state);

void pvrcu_get_state_full(struct rcu_gp_oldstate *rgosp)
{
	pvrcu_oldstate_set(rgosp, pvrcu_get_state());
}
EXPORT_SYMBOL_GPL(pvrcu_get_state_full);

static unsigned long pvrcu_start_poll_exp(bool exp)
{
	unsigned long cookie = pvrcu_gp_cookie();

	pvrcu_gp_request(cookie, exp, false);
	return cookie;
}

unsigned long pvrcu_start_poll(void)
{
	return pvrcu_start_poll_exp(false);
}
EXPORT_SYMBOL_GPL(pvrcu_start_poll);

void pvrcu_start_poll_full(struct rcu_gp_oldstate *rgosp)
{
	pvrcu_oldstate_set(rgosp, pvrcu_start_poll_exp(false));
}
EXPORT_SYMBOL_GPL(pvrcu_start_poll_full);

unsigned long pvrcu_start_poll_expedited(void)
{
	return pvrcu_start_poll_exp(true);
}
EXPORT_SYMBOL_GPL(pvrcu_start_poll_expedited);

void pvrcu_start_poll_expedited_full(struct rcu_gp_oldstate *rgosp)
{
	pvrcu_oldstate_set(rgosp, pvrcu_start_poll_exp(true));
}
EXPORT_SYMBOL_GPL(pvrcu_start_poll_expedited_full);

bool pvrcu_poll_state(unsigned long cookie)
{
	if (cookie == PVRCU_GET_STATE_COMPLETED ||
	    PVRCU_SEQ_GE(pvrcu_gp_seq(), cookie)) {
		smp_mb();	/* the GP ended before the caller's accesses */
		return true;
	}
	return false;
}
EXPORT_SYMBOL_GPL(pvrcu_poll_state);

bool pvrcu_poll_state_full(struct rcu_gp_oldstate *rgosp)
{
	return pvrcu_poll_state(rgosp->rgos_norm);
}
EXPORT_SYMBOL_GPL(pvrcu_poll_state_full);

/* ---- engine switches ------------------------------------------------------- */

/*
 * The device registered the region and serves GPs from now on. No native GP
 * is in flight (native_mutex), so V = v is idle and every cookie handed out
 * so far is at most v + 4, done or needing a GP that starts from now on.
 * The device's first GP that starts from now on ends at snap(ds); map that
 * onto v + 4. (If the device is idle, ds = 0 and V stays v.)
 */
void pvrcu_gp_bind(struct virtio_rcu_shm_header *hdr)
{
	unsigned long flags, v;
	u64 ds;

	mutex_lock(&pvgp.native_mutex);
	spin_lock_irqsave(&pvgp.lock, flags);
	smp_mb();	/* SETUP completed before the header is read */
	ds = le64_to_cpu(READ_ONCE(hdr->gp_seq));
	v = pvgp.native_v;
	write_seqcount_begin(&pvgp.seq);
	pvgp.base = v + 4 - pvrcu_seq_snap(ds);
	WRITE_ONCE(pvgp.hdr, hdr);
	write_seqcount_end(&pvgp.seq);
	pvgp.dev_req = pvgp.base + ds;
	pvgp.dev_exp_req = pvgp.dev_req;
	spin_unlock_irqrestore(&pvgp.lock, flags);
	mutex_unlock(&pvgp.native_mutex);

	wake_up_all(&pvgp.wq);
	pvgp.client->rebound();
}

/*
 * The device is going away (before TEARDOWN: its GPs are ignored from here
 * on). A device GP in progress is abandoned. Cookies handed out are at most
 * snap(v); with V rounded down to idle each of them needs native GPs that
 * start from now on. Ask for them at once: callbacks may be waiting.
 */
void pvrcu_gp_unbind(void)
{
	unsigned long flags, v;

	spin_lock_irqsave(&pvgp.lock, flags);
	if (!pvgp.hdr) {
		spin_unlock_irqrestore(&pvgp.lock, flags);
		return;
	}
	smp_mb();	/* the caller's accesses before the last look at gp_seq */
	v = pvgp.base + (unsigned long)le64_to_cpu(READ_ONCE(pvgp.hdr->gp_seq));
	write_seqcount_begin(&pvgp.seq);
	WRITE_ONCE(pvgp.native_v, v & ~3ul);
	WRITE_ONCE(pvgp.hdr, NULL);
	write_seqcount_end(&pvgp.seq);
	pvrcu_native_want_locked(pvrcu_seq_snap(v), false);
	spin_unlock_irqrestore(&pvgp.lock, flags);

	wake_up_all(&pvgp.wq);
	pvgp.client->rebound();
}

int pvrcu_gp_init(const struct pvrcu_gp_client *client)
{
	pvgp.client = client;
	spin_lock_init(&pvgp.lock);
	seqcount_spinlock_init(&pvgp.seq, &pvgp.lock);
	mutex_init(&pvgp.native_mutex);
	INIT_WORK(&pvgp.native_work, pvrcu_native_gp_fn);
	init_waitqueue_head(&pvgp.wq);
	return 0;
}

void pvrcu_gp_exit(void)
{
	cancel_work_sync(&pvgp.native_work);
}
