// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Part of pvrcu_selftest.ko: ordinary RCU code, written with the kernel's
 * own names (checklist.rst), switched to pvrcu by including
 * pvrcu_checklist.h last. The counters of pvrcu_get_stats() show that the
 * calls reached pvrcu and not the kernel's RCU.
 *
 * Built with -DPVRCU_ST_REFUSED it must not compile: the names that
 * pvrcu_checklist.h refuses are used at the end (tests/vm/t_unload.sh).
 */
#define pr_fmt(fmt) "pvrcu-selftest: " fmt

#include <linux/lockdep.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "pvrcu_checklist.h"
#include "selftest.h"

struct st_item {
	int key;
	struct list_head node;
	struct rcu_head rh;
};

static LIST_HEAD(st_list);
static DEFINE_SPINLOCK(st_lock);	/* updaters (checklist item 1) */
static struct st_item __rcu *st_ptr;
static atomic_t st_freed;

static void st_item_free(struct rcu_head *rh)
{
	kfree(container_of(rh, struct st_item, rh));
	atomic_inc(&st_freed);
}

static int st_sum_keys(bool bh, bool *held)
{
	struct st_item *it;
	int sum = 0;

	if (bh)
		rcu_read_lock_bh();
	else
		rcu_read_lock();
	list_for_each_entry_rcu(it, &st_list, node)
		sum += it->key;
	*held = rcu_read_lock_held();
	if (bh)
		rcu_read_unlock_bh();
	else
		rcu_read_unlock();
	return sum;
}

/* SRCU under the kernel's names: a sleeping reader, a GP, a callback. */
DEFINE_STATIC_SRCU(st_srcu);
static atomic_t st_srcu_runs;

static void st_srcu_cb(struct rcu_head *h)
{
	atomic_inc(&st_srcu_runs);
}

static int st_checklist_srcu(void)
{
	struct srcu_struct *dyn = kzalloc(sizeof(*dyn), GFP_KERNEL);
	struct rcu_head h1, h2;
	int errors = 0, idx;

	if (!dyn || init_srcu_struct(dyn)) {
		kfree(dyn);
		return 1;
	}
	idx = srcu_read_lock(&st_srcu);
	errors += !srcu_read_lock_held(&st_srcu);
	msleep(1);			/* SRCU readers may sleep */
	srcu_read_unlock(&st_srcu, idx);
	smp_mb__after_srcu_read_unlock();
	synchronize_srcu(&st_srcu);
	synchronize_srcu_expedited(dyn);
	call_srcu(&st_srcu, &h1, st_srcu_cb);
	call_srcu(dyn, &h2, st_srcu_cb);
	srcu_barrier(&st_srcu);
	srcu_barrier(dyn);
	errors += atomic_read(&st_srcu_runs) != 2;
	call_rcu_tasks_trace(&h1, st_srcu_cb);
	synchronize_rcu_tasks_trace();
	rcu_barrier_tasks_trace();
	errors += atomic_read(&st_srcu_runs) != 3;
	cleanup_srcu_struct(dyn);
	cleanup_srcu_struct(&st_srcu);
	kfree(dyn);
	return errors;
}

/*
 * Was @c taken from pvrcu's sequence, which stood at @v just before? A
 * cookie of the kernel's RCU is of another sequence altogether.
 */
static bool st_pv_cookie(unsigned long c, unsigned long v)
{
	return (long)(c - v) > 0 && c - v <= 16;
}

/* The polled family, each name on pvrcu's sequence. */
static int st_checklist_polled(void)
{
	struct rcu_gp_oldstate a, b, done;
	struct pvrcu_stats st;
	unsigned long c, c2, v;
	int errors = 0, i;
	bool ok;

	/*
	 * Inside a pvrcu reader no GP that starts after the cookie can end,
	 * and the sequence moves by less than two GPs.
	 */
	rcu_read_lock();
	pvrcu_get_stats(&st);
	v = st.gp_seq;
	c = get_state_synchronize_rcu();
	get_state_synchronize_rcu_full(&a);
	ok = st_pv_cookie(c, v) && st_pv_cookie(a.rgos_norm, v) &&
	     !poll_state_synchronize_rcu(c) &&
	     !poll_state_synchronize_rcu_full(&a);
	get_completed_synchronize_rcu_full(&done);
	ok &= poll_state_synchronize_rcu(get_completed_synchronize_rcu()) &&
	      poll_state_synchronize_rcu_full(&done);
	rcu_read_unlock();
	PVRCU_ST_REPORT(errors, ok,
			"checklist: get_state (plain, _full) not done inside a reader, get_completed (plain, _full) done");

	c2 = c;
	b = a;
	ok = same_state_synchronize_rcu(c, c2) &&
	     same_state_synchronize_rcu_full(&a, &b) &&
	     same_state_synchronize_rcu(get_completed_synchronize_rcu(),
					get_completed_synchronize_rcu()) &&
	     !same_state_synchronize_rcu(c, get_completed_synchronize_rcu());
	synchronize_rcu();
	ok &= poll_state_synchronize_rcu(c) &&
	      poll_state_synchronize_rcu_full(&a);
	/* A cookie taken after a full GP is another one. */
	get_state_synchronize_rcu_full(&b);
	ok &= !same_state_synchronize_rcu(c, get_state_synchronize_rcu()) &&
	      !same_state_synchronize_rcu_full(&a, &b);
	PVRCU_ST_REPORT(errors, ok,
			"checklist: get_state (plain, _full) done after synchronize_rcu, same_state tells cookies apart");

	rcu_read_lock();
	pvrcu_get_stats(&st);
	v = st.gp_seq;
	c = start_poll_synchronize_rcu_expedited();
	start_poll_synchronize_rcu_full(&a);
	start_poll_synchronize_rcu_expedited_full(&b);
	rcu_read_unlock();
	ok = st_pv_cookie(c, v) && st_pv_cookie(a.rgos_norm, v) &&
	     st_pv_cookie(b.rgos_norm, v);
	for (i = 0; i < 10 * HZ && !(poll_state_synchronize_rcu(c) &&
				     poll_state_synchronize_rcu_full(&a) &&
				     poll_state_synchronize_rcu_full(&b)); i++)
		schedule_timeout_uninterruptible(1);
	ok &= poll_state_synchronize_rcu(c) &&
	      poll_state_synchronize_rcu_full(&a) &&
	      poll_state_synchronize_rcu_full(&b);
	PVRCU_ST_REPORT(errors, ok,
			"checklist: start_poll _expedited, _full and _expedited_full complete by themselves");

	c = get_state_synchronize_rcu();
	cond_synchronize_rcu_expedited(c);
	ok = poll_state_synchronize_rcu(c);
	get_state_synchronize_rcu_full(&a);
	cond_synchronize_rcu_full(&a);
	ok &= poll_state_synchronize_rcu_full(&a);
	get_state_synchronize_rcu_full(&b);
	cond_synchronize_rcu_expedited_full(&b);
	ok &= poll_state_synchronize_rcu_full(&b);
	/* Already done: returns at once. */
	cond_synchronize_rcu(get_completed_synchronize_rcu());
	cond_synchronize_rcu_full(&done);
	PVRCU_ST_REPORT(errors, ok,
			"checklist: cond_synchronize _expedited, _full and _expedited_full complete their cookie");
	return errors;
}

static atomic_t st_hurry_runs;

static void st_hurry_cb(struct rcu_head *h)
{
	atomic_inc(&st_hurry_runs);
}

/* call_rcu_hurry(), rcu_head_init() and rcu_head_after_call_rcu(). */
static int st_checklist_heads(void)
{
	struct pvrcu_stats a, b;
	struct rcu_head h;
	int errors = 0;
	bool ok;

	pvrcu_get_stats(&a);
	call_rcu_hurry(&h, st_hurry_cb);
	rcu_barrier();
	pvrcu_get_stats(&b);
	PVRCU_ST_REPORT(errors, atomic_read(&st_hurry_runs) == 1 &&
			b.cb_queued > a.cb_queued,
			"checklist: call_rcu_hurry() is pvrcu_call()");

	pvrcu_get_stats(&a);
	rcu_head_init(&h);
	ok = !rcu_head_after_call_rcu(&h, st_hurry_cb);
	/* The callback cannot run before the reader ends. */
	rcu_read_lock();
	call_rcu(&h, st_hurry_cb);
	ok &= rcu_head_after_call_rcu(&h, st_hurry_cb);
	rcu_read_unlock();
	rcu_barrier();
	ok &= rcu_head_after_call_rcu(&h, st_hurry_cb);
	rcu_head_init(&h);
	ok &= !rcu_head_after_call_rcu(&h, st_hurry_cb);
	pvrcu_get_stats(&b);
	/* ~0 from rcu_head_init() is not taken for a queued head. */
	ok &= b.cb_double == a.cb_double && atomic_read(&st_hurry_runs) == 2;
	PVRCU_ST_REPORT(errors, ok,
			"checklist: rcu_head_after_call_rcu() false after rcu_head_init(), true after call_rcu()");
	return errors;
}

/*
 * Checklist item 16 while the batch runs: callbacks queue heads of their
 * own batch again (bugs on purpose). Each even head of the first 32 queues
 * the next one, which is still to be invoked, mostly in the same chunk
 * wherever the batch was split; head 1 queues the last head, chunks
 * further on. Each is reported and dropped; every head runs once.
 */
#define ST_BATCH	40
#define ST_BATCH_PAIRS	16
static struct rcu_head st_batch[ST_BATCH];
static atomic_t st_batch_runs[ST_BATCH];

static void st_batch_cb(struct rcu_head *h)
{
	int i = h - st_batch;

	atomic_inc(&st_batch_runs[i]);
	if (i < 2 * ST_BATCH_PAIRS && !(i & 1))
		call_rcu(&st_batch[i + 1], st_batch_cb);
	else if (i == 1)
		call_rcu(&st_batch[ST_BATCH - 1], st_batch_cb);
}

static int st_checklist_double_in_batch(void)
{
	struct pvrcu_stats a, b;
	unsigned long flags;
	int errors = 0, i, once = 0;

	pvrcu_get_stats(&a);
	/* One list, in this order. */
	local_irq_save(flags);
	for (i = 0; i < ST_BATCH; i++)
		call_rcu(&st_batch[i], st_batch_cb);
	local_irq_restore(flags);
	rcu_barrier();
	/* A head the callbacks did queue again waits behind the first one. */
	rcu_barrier();
	pvrcu_get_stats(&b);
	for (i = 0; i < ST_BATCH; i++)
		once += atomic_read(&st_batch_runs[i]) == 1;
	pr_info("checklist: double queue in a running batch: %d of %d ran once, %llu of %d reported\n",
		once, ST_BATCH, b.cb_double - a.cb_double, ST_BATCH_PAIRS + 1);
	PVRCU_ST_REPORT(errors, once == ST_BATCH &&
			b.cb_double - a.cb_double == ST_BATCH_PAIRS + 1,
			"checklist: call_rcu() on a head of the batch being invoked is reported, the batch runs whole");
	return errors;
}

/* guard(rcu)() and guard(srcu)() take pvrcu's readers. */
DEFINE_STATIC_SRCU(st_guard_srcu);
static atomic_t st_guard_runs;

static void st_guard_cb(struct rcu_head *h)
{
	atomic_inc(&st_guard_runs);
}

static int st_checklist_guards(void)
{
	struct rcu_head h;
	int errors = 0;
	bool ok = true;

	{
		guard(rcu)();
		ok &= pvrcu_read_lock_held();
	}
	ok &= !pvrcu_read_lock_held();
	scoped_guard(rcu)
		ok &= pvrcu_read_lock_held();
	ok &= !pvrcu_read_lock_held();
	{
		guard(srcu)(&st_guard_srcu);
		call_srcu(&st_guard_srcu, &h, st_guard_cb);
		msleep(50);	/* its GP waits for this reader */
		ok &= !atomic_read(&st_guard_runs);
	}
	srcu_barrier(&st_guard_srcu);
	ok &= atomic_read(&st_guard_runs) == 1;
	cleanup_srcu_struct(&st_guard_srcu);
	PVRCU_ST_REPORT(errors, ok,
			"checklist: guard(rcu) and scoped_guard(rcu) are pvrcu readers, guard(srcu) holds a pvsrcu GP");
	return errors;
}

int pvrcu_selftest_checklist(void)
{
	struct pvrcu_stats before, after;
	struct st_item *it, *tmp, *old;
	unsigned long cookie;
	int i, sum, errors = 0;
	bool held;

	pvrcu_get_stats(&before);
	for (i = 1; i <= 4; i++) {
		it = kzalloc(sizeof(*it), GFP_KERNEL);
		if (!it)
			return 1;
		it->key = i;
		spin_lock(&st_lock);
		list_add_rcu(&it->node, &st_list);
		spin_unlock(&st_lock);
	}
	sum = st_sum_keys(false, &held);
	errors += sum != 10 || !held;
	sum = st_sum_keys(true, &held);
	errors += sum != 10 || !held;
	errors += !!rcu_read_lock_held();

	/* Replace a pointer, wait, free: synchronize_rcu(). */
	it = kzalloc(sizeof(*it), GFP_KERNEL);
	if (!it)
		return errors + 1;
	it->key = 42;
	rcu_assign_pointer(st_ptr, it);
	rcu_read_lock();
	old = rcu_dereference(st_ptr);
	errors += !old || old->key != 42;
	rcu_read_unlock();
	spin_lock(&st_lock);
	old = rcu_dereference_check(st_ptr, lockdep_is_held(&st_lock));
	RCU_INIT_POINTER(st_ptr, NULL);
	spin_unlock(&st_lock);
	synchronize_rcu();
	kfree(old);

	/* Remove the list: call_rcu() and kfree_rcu(). */
	i = 0;
	spin_lock(&st_lock);
	list_for_each_entry_safe(it, tmp, &st_list, node) {
		list_del_rcu(&it->node);
		if (i++ & 1)
			call_rcu(&it->rh, st_item_free);
		else
			kfree_rcu(it, rh);
	}
	spin_unlock(&st_lock);

	synchronize_rcu_expedited();
	cookie = get_state_synchronize_rcu();
	cond_synchronize_rcu(cookie);
	errors += !poll_state_synchronize_rcu(cookie);
	cookie = start_poll_synchronize_rcu();
	for (i = 0; i < 10 * HZ && !poll_state_synchronize_rcu(cookie); i++)
		schedule_timeout_uninterruptible(1);
	errors += !poll_state_synchronize_rcu(cookie);
	rcu_barrier();
	errors += atomic_read(&st_freed) != 2;

	/* Tasks RCU and Tasks-Rude RCU under their kernel names. */
	it = kzalloc(sizeof(*it), GFP_KERNEL);
	old = kzalloc(sizeof(*old), GFP_KERNEL);
	if (!it || !old) {
		kfree(it);
		kfree(old);
		return errors + 1;
	}
	synchronize_rcu_tasks();
	call_rcu_tasks(&it->rh, st_item_free);
	rcu_barrier_tasks();
	synchronize_rcu_tasks_rude();
	call_rcu_tasks_rude(&old->rh, st_item_free);
	rcu_barrier_tasks_rude();
	errors += atomic_read(&st_freed) != 4;

	pvrcu_get_stats(&after);
	/* All four went through pvrcu_call(). */
	errors += after.cb_queued - before.cb_queued < 4;
	errors += after.gp_requests == before.gp_requests && after.device;
	errors += st_checklist_srcu();
	errors += st_checklist_polled();
	errors += st_checklist_heads();
	errors += st_checklist_double_in_batch();
	errors += st_checklist_guards();
	/* Two grace periods of each Tasks flavour at least went through pvrcu. */
	errors += after.tasks_gps - before.tasks_gps < 2;
	errors += after.rude_gps - before.rude_gps < 2;
	return errors;
}

#ifdef PVRCU_ST_REFUSED
/* Refused by pvrcu_checklist.h: each use is a compile-time error. */
void pvrcu_st_refused(void)
{
	rcu_read_lock_trace();
	rcu_read_unlock_trace();
}
#endif
