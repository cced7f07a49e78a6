// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcu_selftest, SRCU and Tasks-Trace: checklist items 5, 7, 13 and 17
 * for pvsrcu domains, who computed the grace periods, and the domain
 * limit. Same output format as selftest.c.
 */
#define pr_fmt(fmt) "pvrcu-selftest: " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "pvrcu.h"
#include "selftest.h"

static int ss_errors;

#define SS_REPORT(ok, name)	PVRCU_ST_REPORT(ss_errors, ok, name)

DEFINE_STATIC_PVSRCU(ss_static);

struct ss_obj {
	int val;
	struct rcu_head rh;
};

static int __rcu *ss_ptr;
static atomic_t ss_cb_runs, ss_cb_bad_ctx;

static void ss_cb(struct rcu_head *h)
{
	if (!in_softirq())
		atomic_inc(&ss_cb_bad_ctx);
	atomic_inc(&ss_cb_runs);
}

/* ---- a reader that sleeps in another thread --------------------------------- */

struct ss_holder {
	struct pvsrcu_struct *ssp;	/* NULL: a Tasks-Trace reader */
	int ms;
	struct completion inside;
	atomic_t done;			/* set just before the unlock */
	struct task_struct *task;
};

static int ss_hold_fn(void *arg)
{
	struct ss_holder *h = arg;
	int idx;

	idx = h->ssp ? pvsrcu_read_lock(h->ssp) : pvrcu_read_lock_trace();
	complete(&h->inside);
	msleep(h->ms);		/* sleeps, and may wake on another CPU */
	atomic_set(&h->done, 1);
	if (h->ssp)
		pvsrcu_read_unlock(h->ssp, idx);
	else
		pvrcu_read_unlock_trace(idx);
	while (!kthread_should_stop())
		msleep(10);
	return 0;
}

static int ss_hold_start(struct ss_holder *h, struct pvsrcu_struct *ssp,
			 int ms)
{
	h->ssp = ssp;
	h->ms = ms;
	init_completion(&h->inside);
	atomic_set(&h->done, 0);
	h->task = kthread_run(ss_hold_fn, h, "pvsrcu-holder");
	if (IS_ERR(h->task))
		return PTR_ERR(h->task);
	wait_for_completion(&h->inside);
	return 0;
}

static void ss_hold_stop(struct ss_holder *h)
{
	kthread_stop(h->task);
}

/* ---- checks --------------------------------------------------------------------- */

static void ss_basic(void)
{
	struct pvrcu_stats a, b;
	struct ss_obj *o;
	int idx, *p, v = 7;
	struct rcu_head *heads;
	int i, n = 100;

	pvrcu_get_stats(&a);
	idx = pvsrcu_read_lock(&ss_static);
	rcu_assign_pointer(ss_ptr, &v);
	p = pvsrcu_dereference(ss_ptr, &ss_static);
	SS_REPORT(p == &v && *p == 7 && pvsrcu_read_lock_held(&ss_static),
		  "srcu: pvsrcu_dereference inside a reader");
	pvsrcu_read_unlock(&ss_static, idx);
	smp_mb__after_pvsrcu_read_unlock();
	RCU_INIT_POINTER(ss_ptr, NULL);

	synchronize_pvsrcu(&ss_static);
	synchronize_pvsrcu_expedited(&ss_static);

	heads = kcalloc(n, sizeof(*heads), GFP_KERNEL);
	if (!heads) {
		SS_REPORT(false, "srcu: memory for callbacks");
		return;
	}
	atomic_set(&ss_cb_runs, 0);
	atomic_set(&ss_cb_bad_ctx, 0);
	for (i = 0; i < n; i++)
		call_pvsrcu(&ss_static, &heads[i], ss_cb);
	pvsrcu_barrier(&ss_static);
	SS_REPORT(atomic_read(&ss_cb_runs) == n && !atomic_read(&ss_cb_bad_ctx),
		  "srcu: call_pvsrcu callbacks ran once each, BH disabled, before pvsrcu_barrier returned");
	kfree(heads);

	o = kmalloc(sizeof(*o), GFP_KERNEL);
	if (o) {
		o->val = 1;
		synchronize_pvsrcu(&ss_static);
		kfree(o);
	}
	pvrcu_get_stats(&b);
	pr_info("srcu: device %s SRCU (%u domains, %u in use); GPs by the device %llu, by the guest %llu, %llu events\n",
		b.srcu_device ? "serves" : "does not serve", b.srcu_domains,
		b.srcu_in_use, b.srcu_dev_gps - a.srcu_dev_gps,
		b.srcu_local_gps - a.srcu_local_gps,
		b.srcu_events - a.srcu_events);
	if (b.srcu_device)
		SS_REPORT(b.srcu_dev_gps > a.srcu_dev_gps &&
			  b.srcu_local_gps == a.srcu_local_gps,
			  "srcu: the host computed the grace periods");
	else
		SS_REPORT(b.srcu_local_gps > a.srcu_local_gps,
			  "srcu: the guest computed the grace periods (no device SRCU)");
}

/* Item 13: a GP of domain A does not wait for a sleeping reader of B. */
static void ss_isolation(void)
{
	struct pvsrcu_struct *a, *b;
	struct ss_holder h;
	ktime_t t0;
	s64 a_ms, b_ms;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!a || !b || init_pvsrcu_struct(a)) {
		SS_REPORT(false, "srcu: two domains for the isolation test");
		goto out;
	}
	if (init_pvsrcu_struct(b)) {
		SS_REPORT(false, "srcu: two domains for the isolation test");
		cleanup_pvsrcu_struct(a);
		goto out;
	}
	if (ss_hold_start(&h, b, 3000)) {
		SS_REPORT(false, "srcu: holder thread");
		goto out_clean;
	}
	t0 = ktime_get();
	synchronize_pvsrcu(a);
	a_ms = ktime_ms_delta(ktime_get(), t0);
	SS_REPORT(!atomic_read(&h.done),
		  "srcu: a GP on domain A ends while a reader of domain B sleeps (item 13)");
	synchronize_pvsrcu(b);
	b_ms = ktime_ms_delta(ktime_get(), t0);
	SS_REPORT(atomic_read(&h.done),
		  "srcu: a GP on domain B waits for its sleeping reader");
	pr_info("srcu: isolation: GP on A %lld ms, on B %lld ms (reader slept 3000 ms)\n",
		a_ms, b_ms);
	ss_hold_stop(&h);
out_clean:
	SS_REPORT(!cleanup_pvsrcu_struct(a) && !cleanup_pvsrcu_struct(b),
		  "srcu: cleanup of idle domains");
out:
	kfree(a);
	kfree(b);
}

/* Item 17 and cleanup: refused, loudly, while readers or callbacks remain. */
static void ss_cleanup_refused(void)
{
	struct pvsrcu_struct *d = kzalloc(sizeof(*d), GFP_KERNEL);
	struct rcu_head head;
	struct ss_holder h;
	int idx;

	if (!d || init_pvsrcu_struct(d)) {
		SS_REPORT(false, "srcu: a domain for the cleanup test");
		kfree(d);
		return;
	}
	idx = pvsrcu_read_lock(d);
	SS_REPORT(cleanup_pvsrcu_struct(d) == -EBUSY,
		  "srcu: cleanup with a reader inside is refused");
	pvsrcu_read_unlock(d, idx);

	if (!ss_hold_start(&h, d, 500)) {
		atomic_set(&ss_cb_runs, 0);
		call_pvsrcu(d, &head, ss_cb);
		SS_REPORT(cleanup_pvsrcu_struct(d) == -EBUSY,
			  "srcu: cleanup with a callback queued is refused");
		pvsrcu_barrier(d);
		SS_REPORT(atomic_read(&ss_cb_runs) == 1 && atomic_read(&h.done),
			  "srcu: the callback ran after the sleeping reader");
		ss_hold_stop(&h);
	}
	SS_REPORT(!cleanup_pvsrcu_struct(d), "srcu: cleanup once idle");
	kfree(d);
}

static void ss_tasks_trace(void)
{
	struct ss_holder h;
	struct rcu_head head;
	int idx;

	idx = pvrcu_read_lock_trace();
	pvrcu_read_unlock_trace(idx);
	if (ss_hold_start(&h, NULL, 1000)) {
		SS_REPORT(false, "tasks_trace: holder thread");
		return;
	}
	atomic_set(&ss_cb_runs, 0);
	pvrcu_call_tasks_trace(&head, ss_cb);
	pvrcu_synchronize_tasks_trace();
	SS_REPORT(atomic_read(&h.done),
		  "tasks_trace: pvrcu_synchronize_tasks_trace waits for a sleeping reader");
	pvrcu_barrier_tasks_trace();
	SS_REPORT(atomic_read(&ss_cb_runs) == 1,
		  "tasks_trace: pvrcu_barrier_tasks_trace waits for the callback");
	ss_hold_stop(&h);
}

int pvrcu_selftest_srcu(void)
{
	ss_errors = 0;
	ss_basic();
	ss_isolation();
	ss_cleanup_refused();
	ss_tasks_trace();
	return ss_errors;
}

/*
 * Take domains until the limit: exactly as many as the statistics say are
 * free, then -ENOSPC, cleanly; all given back after.
 */
int pvrcu_selftest_srcu_limit(void)
{
	struct pvsrcu_struct *d;
	struct pvrcu_stats a, b;
	int i, n = 0, ret = 0, max;

	ss_errors = 0;
	pvrcu_get_stats(&a);
	max = a.srcu_domains;
	d = kcalloc(max + 1, sizeof(*d), GFP_KERNEL);
	if (!d) {
		SS_REPORT(false, "srcu-limit: memory");
		return ss_errors;
	}
	for (i = 0; i <= max; i++) {
		ret = init_pvsrcu_struct(&d[i]);
		if (ret)
			break;
		n++;
	}
	pr_info("srcu-limit: %s serves %u domains, %u were in use; init_pvsrcu_struct succeeded %d times, then returned %d\n",
		a.srcu_device ? "the device" : "the guest alone", a.srcu_domains,
		a.srcu_in_use, n, ret);
	SS_REPORT(n == a.srcu_domains - a.srcu_in_use && ret == -ENOSPC,
		  "srcu-limit: domains past the limit get -ENOSPC");
	for (i = 0; i < n; i++)
		synchronize_pvsrcu(&d[i]);	/* each one works */
	for (i = 0; i < n; i++)
		cleanup_pvsrcu_struct(&d[i]);
	pvrcu_get_stats(&b);
	SS_REPORT(b.srcu_in_use == a.srcu_in_use,
		  "srcu-limit: every domain given back");
	kfree(d);
	return ss_errors;
}

void pvrcu_selftest_srcu_exit(void)
{
	pvsrcu_barrier(&ss_static);
	cleanup_pvsrcu_struct(&ss_static);
}
