// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvsrcu: sleepable RCU whose grace periods the host computes.
 *
 * Readers count themselves in the region's SRCU area (one host line and
 * one line per CPU for each domain, virtio-rcu/SPEC.md §1.6.2.3). A grace
 * period is the two-phase scan of rcu-core (rcu-core/src/srcu.c): wait
 * until the inactive index has drained, flip, wait until the old one has
 * drained. The device runs it for the domains it serves; otherwise this
 * file runs the same scan, in process context, sleeping between looks.
 *
 * Safety does not depend on who flips: a GP is complete once each index
 * has been seen drained (unlocks summed, a full barrier, locks summed,
 * equal) after the GP began, whoever wrote idx meanwhile. The flip only
 * keeps new readers from holding a GP up forever.
 *
 * Switching between device and local GPs (probe, remove) takes mode_sem
 * for writing; each GP step holds it for reading and gives up, to start
 * over in the new mode, when it sees ``switching``.
 */
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "pvrcu_internal.h"

#define PVSRCU_SHARED_DOM	0	/* latecomers' common domain */

static struct {
	struct rw_semaphore mode_sem;	/* read: a GP step; write: a switch */
	bool switching;
	unsigned long gen;		/* device registration; 0: none */
	u32 dev_domains;		/* domains the device serves */
	wait_queue_head_t wq;		/* SRCU_DONE events, switches */
	spinlock_t slot_lock;
	unsigned long *slots;		/* domains in use */
	atomic64_t dev_gps, local_gps, events;
} pvs;

static u32 pvsrcu_ndom;		/* domains the region has room for */

/* ---- the region's SRCU area ------------------------------------------------ */

static struct virtio_rcu_shm_srcu_domain *pvsrcu_hline(int dom)
{
	return (void *)pvrcu_shm_hdr + virtio_rcu_shm_srcu_off(nr_cpu_ids, dom);
}

static struct virtio_rcu_shm_srcu_cpu *pvsrcu_cline(int dom, int cpu)
{
	return (void *)pvrcu_shm_hdr +
	       virtio_rcu_shm_srcu_cpu_off(nr_cpu_ids, dom, cpu);
}

static void pvsrcu_inc(__le64 *p)
{
	WRITE_ONCE(*p, cpu_to_le64(le64_to_cpu(READ_ONCE(*p)) + 1));
}

/* ---- domains --------------------------------------------------------------- */

/* Domains that may be handed out: the device's limit while it serves. */
static u32 pvsrcu_limit(void)
{
	u32 dev = READ_ONCE(pvs.dev_domains);

	return READ_ONCE(pvs.gen) && dev < pvsrcu_ndom ? dev : pvsrcu_ndom;
}

static int pvsrcu_slot_alloc(void)
{
	unsigned long flags;
	u32 limit = pvsrcu_limit();
	int dom;

	spin_lock_irqsave(&pvs.slot_lock, flags);
	dom = find_first_zero_bit(pvs.slots, limit);
	if (dom < limit)
		__set_bit(dom, pvs.slots);
	else
		dom = -1;
	spin_unlock_irqrestore(&pvs.slot_lock, flags);
	return dom;
}

static void pvsrcu_slot_free(int dom)
{
	unsigned long flags;

	if (dom == PVSRCU_SHARED_DOM)
		return;
	spin_lock_irqsave(&pvs.slot_lock, flags);
	__clear_bit(dom, pvs.slots);
	spin_unlock_irqrestore(&pvs.slot_lock, flags);
}

/* First use of a DEFINE_PVSRCU() domain; any context, never fails. */
static int pvsrcu_bind(struct pvsrcu_struct *ssp)
{
	int dom = pvsrcu_slot_alloc(), old;

	if (dom < 0) {
		dom = PVSRCU_SHARED_DOM;
		pr_warn_once("pvsrcu: out of SRCU domains; %s and later static domains share one\n",
			     ssp->name);
	}
	old = cmpxchg(&ssp->dom, -1, dom);
	if (old != -1) {
		pvsrcu_slot_free(dom);
		return old;
	}
	return dom;
}

static int pvsrcu_dom(struct pvsrcu_struct *ssp)
{
	int dom = READ_ONCE(ssp->dom);

	return likely(dom >= 0) ? dom : pvsrcu_bind(ssp);
}

int __init_pvsrcu_struct(struct pvsrcu_struct *ssp, const char *name,
			 struct lock_class_key *key)
{
	might_sleep();
	ssp->dom = pvsrcu_slot_alloc();
	if (ssp->dom < 0)
		return -ENOSPC;
	ssp->created_gen = 0;
	ssp->seq = 0;
	mutex_init(&ssp->gp_mutex);
	pvrcu_cbq_init(&ssp->cbq, pvsrcu_cbq_wait_gp);
	ssp->name = name;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_init_map(&ssp->dep_map, name, key, 0);
#endif
	return 0;
}
EXPORT_SYMBOL_GPL(__init_pvsrcu_struct);

/* ---- readers --------------------------------------------------------------- */

int __pvsrcu_read_lock(struct pvsrcu_struct *ssp)
{
	int dom = pvsrcu_dom(ssp), idx;
	unsigned long flags;

	/* Interrupts off: an interrupt's reader must not tear our increment. */
	local_irq_save(flags);
	idx = le32_to_cpu(READ_ONCE(pvsrcu_hline(dom)->idx)) & 1;
	pvsrcu_inc(&pvsrcu_cline(dom, smp_processor_id())->lock[idx]);
	local_irq_restore(flags);
	smp_mb();	/* counted before the section's accesses (SPEC §1.6.10) */
	return dom << 1 | idx;
}
EXPORT_SYMBOL_GPL(__pvsrcu_read_lock);

void __pvsrcu_read_unlock(struct pvsrcu_struct *ssp, int idx)
{
	unsigned long flags;
	int dom = idx >> 1;

	if (WARN_ON_ONCE(idx < 0 || dom >= pvsrcu_ndom || dom != READ_ONCE(ssp->dom)))
		return;
	smp_mb();	/* the section's accesses before the count */
	local_irq_save(flags);
	pvsrcu_inc(&pvsrcu_cline(dom, smp_processor_id())->unlock[idx & 1]);
	local_irq_restore(flags);
}
EXPORT_SYMBOL_GPL(__pvsrcu_read_unlock);

/*
 * Have the readers that counted themselves in lock[i] all left? Unlocks
 * first: a reader counted there was counted in the locks read after.
 */
static bool pvsrcu_drained(int dom, int i)
{
	u64 locks = 0, unlocks = 0;
	int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		unlocks += le64_to_cpu(READ_ONCE(pvsrcu_cline(dom, cpu)->unlock[i]));
	smp_mb();
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		locks += le64_to_cpu(READ_ONCE(pvsrcu_cline(dom, cpu)->lock[i]));
	return locks == unlocks;
}

/* ---- grace periods: local --------------------------------------------------- */

static int pvsrcu_wait_drained(int dom, int i, bool exp)
{
	long delay = 1, max = exp ? 1 : HZ / 10;

	while (!pvsrcu_drained(dom, i)) {
		if (READ_ONCE(pvs.switching))
			return -EAGAIN;
		schedule_timeout_idle(delay);
		delay = min(delay * 2, max);
	}
	return 0;
}

/* The scan of rcu-core, run here while no device serves @dom. */
static int pvsrcu_local_gp(int dom, bool exp)
{
	struct virtio_rcu_shm_srcu_domain *h = pvsrcu_hline(dom);
	int idx = le32_to_cpu(READ_ONCE(h->idx)) & 1, ret;

	ret = pvsrcu_wait_drained(dom, idx ^ 1, exp);
	if (ret)
		return ret;
	smp_mb();
	WRITE_ONCE(h->idx, cpu_to_le32(idx ^ 1));
	smp_mb();	/* the flip before the look at the old index */
	ret = pvsrcu_wait_drained(dom, idx, exp);
	if (ret)
		return ret;
	/*
	 * srcu_gp_seq stays the device's alone: waiters on the device's GPs
	 * of a shared domain trust it, and this GP may have begun before
	 * their cookie was taken. Our waiters use their struct's own seq.
	 */
	atomic64_inc(&pvs.local_gps);
	return 0;
}

/* ---- grace periods: the device ----------------------------------------------- */

static bool pvsrcu_dev_done(int dom, u64 cookie)
{
	u64 seq = le64_to_cpu(READ_ONCE(pvsrcu_hline(dom)->srcu_gp_seq));

	return (s64)(seq - cookie) >= 0;
}

/* An SRCU_GP request for @dom; 0 with its cookie, or -EIO. */
static int pvsrcu_dev_ask(int dom, bool exp, u64 *cookie)
{
	int st = pvrcu_dev_request(VIRTIO_RCU_REQ_SRCU_GP,
				   exp ? VIRTIO_RCU_GP_F_EXPEDITED : 0, dom,
				   raw_smp_processor_id(), cookie);

	if (st == VIRTIO_RCU_S_OK)
		return 0;
	pr_warn_ratelimited("pvsrcu: SRCU_GP %d: %d; GP runs in the guest\n",
			    dom, st);
	return -EIO;
}

/*
 * One GP of @dom by the device. -EAGAIN: a switch is under way, start over;
 * -EIO: the device failed the request, run the GP locally instead.
 */
static int pvsrcu_dev_gp(struct pvsrcu_struct *ssp, int dom, bool exp)
{
	u64 cookie, seq, again;
	long tmo = exp ? 1 : HZ / 10;	/* events can be lost in a restart */
	unsigned long asked;
	int st;

	if (ssp->created_gen != pvs.gen) {
		st = pvrcu_dev_request(VIRTIO_RCU_REQ_SRCU_CREATE, 0, dom, 0, &seq);
		/* BUSY: it is served already (a shared domain, a resumed device). */
		if (st != VIRTIO_RCU_S_OK && st != VIRTIO_RCU_S_BUSY) {
			pr_warn_ratelimited("pvsrcu: SRCU_CREATE %d: %d; GPs run in the guest\n",
					    dom, st);
			return -EIO;
		}
		ssp->created_gen = pvs.gen;
	}
	st = pvsrcu_dev_ask(dom, exp, &cookie);
	if (st)
		return st;
	asked = jiffies;
	while (!pvsrcu_dev_done(dom, cookie)) {
		if (READ_ONCE(pvs.switching))
			return -EAGAIN;
		wait_event_timeout(pvs.wq, pvsrcu_dev_done(dom, cookie) ||
				   READ_ONCE(pvs.switching), tmo);
		/*
		 * Still not there after a second: ask again. A device that
		 * lost the request (restarted, lost the registration) then
		 * either takes it or fails it, and the GP runs here.
		 */
		if (time_after(jiffies, asked + HZ) &&
		    !pvsrcu_dev_done(dom, cookie)) {
			st = pvsrcu_dev_ask(dom, exp, &again);
			if (st)
				return st;
			asked = jiffies;
		}
	}
	atomic64_inc(&pvs.dev_gps);
	return 0;
}

/* An SRCU_DONE event (device.c, interrupt context). */
void pvsrcu_dev_event(u32 dom, u64 seq)
{
	atomic64_inc(&pvs.events);
	wake_up_all(&pvs.wq);
}

/* ---- grace periods ------------------------------------------------------------ */

static void pvsrcu_gp(struct pvsrcu_struct *ssp, bool exp)
{
	int dom = pvsrcu_dom(ssp), ret;
	unsigned long s;

	smp_mb();	/* the caller's removal before the snapshot */
	s = pvrcu_seq_snap(READ_ONCE(ssp->seq));
	mutex_lock(&ssp->gp_mutex);
	if (PVRCU_SEQ_GE(READ_ONCE(ssp->seq), s))
		goto out;	/* someone else's GP covered us */
	WRITE_ONCE(ssp->seq, ssp->seq + 1);
	for (;;) {
		down_read(&pvs.mode_sem);
		ret = -EIO;
		if (pvs.gen && dom < pvs.dev_domains)
			ret = pvsrcu_dev_gp(ssp, dom, exp);
		if (ret == -EIO)
			ret = pvsrcu_local_gp(dom, exp);
		up_read(&pvs.mode_sem);
		if (!ret)
			break;
		wait_event(pvs.wq, !READ_ONCE(pvs.switching));
	}
	WRITE_ONCE(ssp->seq, (ssp->seq | 3) + 1);
out:
	mutex_unlock(&ssp->gp_mutex);
	smp_mb();	/* the GP ended before what the caller does next */
}

void synchronize_pvsrcu(struct pvsrcu_struct *ssp)
{
	pvrcu_sleep_check(__func__);
	pvsrcu_gp(ssp, false);
}
EXPORT_SYMBOL_GPL(synchronize_pvsrcu);

void synchronize_pvsrcu_expedited(struct pvsrcu_struct *ssp)
{
	pvrcu_sleep_check(__func__);
	pvsrcu_gp(ssp, !pvrcu_normal_only());
}
EXPORT_SYMBOL_GPL(synchronize_pvsrcu_expedited);

/* ---- callbacks ------------------------------------------------------------------ */

void pvsrcu_cbq_wait_gp(struct pvrcu_cbq *q)
{
	pvsrcu_gp(container_of(q, struct pvsrcu_struct, cbq), false);
}
EXPORT_SYMBOL_GPL(pvsrcu_cbq_wait_gp);

void call_pvsrcu(struct pvsrcu_struct *ssp, struct rcu_head *head,
		 rcu_callback_t func)
{
	pvsrcu_dom(ssp);
	pvrcu_cbq_call(&ssp->cbq, head, func);
}
EXPORT_SYMBOL_GPL(call_pvsrcu);

void pvsrcu_barrier(struct pvsrcu_struct *ssp)
{
	pvrcu_sleep_check(__func__);
	pvrcu_cbq_barrier(&ssp->cbq);
}
EXPORT_SYMBOL_GPL(pvsrcu_barrier);

/* ---- cleanup ---------------------------------------------------------------------- */

int cleanup_pvsrcu_struct(struct pvsrcu_struct *ssp)
{
	int dom = READ_ONCE(ssp->dom), ret = 0;

	might_sleep();
	if (dom < 0)
		return 0;	/* never used */
	if (pvrcu_cbq_pending(&ssp->cbq)) {
		pr_err("pvsrcu: cleanup_pvsrcu_struct(%s): callbacks still queued; refused (call pvsrcu_barrier() first)\n",
		       ssp->name);
		return -EBUSY;
	}
	flush_work(&ssp->cbq.work);	/* a worker that just ran the last batch */
	mutex_lock(&ssp->gp_mutex);
	if (dom != PVSRCU_SHARED_DOM &&
	    (!pvsrcu_drained(dom, 0) || !pvsrcu_drained(dom, 1))) {
		pr_err("pvsrcu: cleanup_pvsrcu_struct(%s): readers are inside; refused\n",
		       ssp->name);
		ret = -EBUSY;
		goto out;
	}
	down_read(&pvs.mode_sem);
	if (dom != PVSRCU_SHARED_DOM && pvs.gen && ssp->created_gen == pvs.gen) {
		int st = pvrcu_dev_request(VIRTIO_RCU_REQ_SRCU_DESTROY, 0, dom,
					   0, NULL);

		/* BUSY: the device saw a reader or a GP; keep the domain. */
		if (st == VIRTIO_RCU_S_BUSY) {
			pr_err("pvsrcu: cleanup_pvsrcu_struct(%s): the device reports the domain busy; refused\n",
			       ssp->name);
			ret = -EBUSY;
		}
	}
	up_read(&pvs.mode_sem);
	if (!ret) {
		ssp->created_gen = 0;
		WRITE_ONCE(ssp->dom, -1);
		pvsrcu_slot_free(dom);
	}
out:
	mutex_unlock(&ssp->gp_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(cleanup_pvsrcu_struct);

/* ---- device switches ------------------------------------------------------------- */

/*
 * Stop every GP step (they start over once the switch is done). Called
 * before SETUP is used for SRCU and before TEARDOWN.
 */
void pvsrcu_switch_begin(void)
{
	WRITE_ONCE(pvs.switching, true);
	wake_up_all(&pvs.wq);
	down_write(&pvs.mode_sem);
}

/* @ndomains: what the device serves from now on; 0 for local GPs only. */
void pvsrcu_switch_end(u32 ndomains)
{
	static unsigned long gen;

	WRITE_ONCE(pvs.gen, ndomains ? ++gen : 0);
	WRITE_ONCE(pvs.dev_domains, min(ndomains, pvsrcu_ndom));
	WRITE_ONCE(pvs.switching, false);
	up_write(&pvs.mode_sem);
	wake_up_all(&pvs.wq);
}

void pvsrcu_get_stats(struct pvrcu_stats *st)
{
	unsigned long flags;

	st->srcu_device = READ_ONCE(pvs.gen) && READ_ONCE(pvs.dev_domains);
	st->srcu_domains = pvsrcu_limit();
	spin_lock_irqsave(&pvs.slot_lock, flags);
	st->srcu_in_use = bitmap_weight(pvs.slots, pvsrcu_ndom);
	spin_unlock_irqrestore(&pvs.slot_lock, flags);
	st->srcu_dev_gps = atomic64_read(&pvs.dev_gps);
	st->srcu_local_gps = atomic64_read(&pvs.local_gps);
	st->srcu_events = atomic64_read(&pvs.events);
}

int pvsrcu_init(u32 ndomains)
{
	pvsrcu_ndom = ndomains;
	init_rwsem(&pvs.mode_sem);
	init_waitqueue_head(&pvs.wq);
	spin_lock_init(&pvs.slot_lock);
	pvs.slots = bitmap_zalloc(ndomains, GFP_KERNEL);
	if (!pvs.slots)
		return -ENOMEM;
	__set_bit(PVSRCU_SHARED_DOM, pvs.slots);
	return 0;
}

void pvsrcu_exit(void)
{
	bitmap_free(pvs.slots);
}
