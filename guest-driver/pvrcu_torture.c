// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcu_torture: rcutorture's core checks against the pvrcu API.
 *
 * A flavour is a struct tort_ops, like rcutorture's rcu_torture_ops: its
 * reader, its update-side API and the writer types that apply to it.
 *
 * Readers hold the current element in readers of the flavour, sometimes
 * for a long time, and check that it was not freed under them: its "pipe
 * age" (how many grace periods (GPs) ended since it was removed,
 * rcutorture's pipe_count) must be at most 1, and it must not be freed
 * (mbtest cleared, poisoned by SLAB_POISON, or reused with a new serial).
 * Writers replace the element and retire the old one under every GP API
 * of the flavour: for rcu synchronize, expedited, polled (start/poll and
 * get/cond), pvrcu_call() chains that age it by one per GP, and
 * pvkfree_rcu(); for the Tasks flavours synchronize and call chains. A
 * barrier thread queues one callback per CPU from interrupt context and
 * checks that the flavour's barrier waited for all of them; for rcu, a
 * flood thread queues callbacks as fast as it can and checks that GPs keep
 * ending and memory stays bounded. Every callback checks that it runs with
 * bottom halves disabled.
 *
 * test_break_gp=1 replaces the flavour's synchronize, call and barrier by
 * ones that wait for no GP at all: the run must then FAIL.
 *
 * The run ends with exactly one line:
 *   pvrcu-torture: flavor=<f> duration=<s> reads=<n> gps=<n> callbacks=<n>
 *   errors=<n> result=<PASS|FAIL>
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

#include "pvrcu.h"

#define TORT_PIPE_LEN	10
#define TORT_MAGIC	0x70767274u
#define TORT_MAX_LIVE	4096	/* elements allocated at a time */

static char *flavor = "rcu";
module_param(flavor, charp, 0444);
MODULE_PARM_DESC(flavor, "rcu, srcu, tasks, tasks_rude or tasks_trace");
static int duration = 20;
module_param(duration, int, 0444);
MODULE_PARM_DESC(duration, "Seconds to run");
static int readers = -1;
module_param(readers, int, 0444);
MODULE_PARM_DESC(readers, "Reader threads (-1: online CPUs - 1, at least 1; preemptible readers: online CPUs + 1)");
static int writers = 1;
module_param(writers, int, 0444);
MODULE_PARM_DESC(writers, "Updater threads");
static int fwd_secs = 3;
module_param(fwd_secs, int, 0444);
MODULE_PARM_DESC(fwd_secs, "Seconds of callback flood (forward progress); 0: none");
static long fwd_bound;
module_param(fwd_bound, long, 0444);
MODULE_PARM_DESC(fwd_bound, "Most flood callbacks pending at once (0: 2 x qhimark per CPU)");
static bool test_break_gp;
module_param(test_break_gp, bool, 0444);
MODULE_PARM_DESC(test_break_gp, "Test the test: GPs of the flavour end at once (must FAIL)");

struct tort_elem {
	struct rcu_head rh;
	u32 magic;
	int pipe_count;
	int mbtest;
	u64 serial;
	struct list_head removed;	/* on its writer's list, aging */
};

enum { WR_SYNC, WR_EXP, WR_POLL, WR_COND, WR_CALL, WR_KFREE, WR_NTYPES };
static const char * const wr_names[WR_NTYPES] = {
	"sync", "exp", "poll", "cond", "call", "kfree",
};

/*
 * One flavour of RCU under test. Optional members are NULL when the
 * flavour has no such API; a writer type needs the members it uses.
 */
struct tort_ops {
	const char *name;
	int (*init)(void);			/* optional: set up a domain */
	void (*cleanup)(void);			/* optional */
	/* Enter a reader; @r: random bits to vary its kind. A cookie back. */
	int (*readlock)(u32 r);
	struct tort_elem *(*deref)(int cookie);
	void (*readunlock)(int cookie);
	bool readers_preempt;	/* sections may be preempted (not sleep) */
	bool readers_sleep;	/* sections may block */
	bool readers_must_block; /* GPs need readers to block between sections */
	bool long_readers;	/* timed by the clock, some for milliseconds */
	void (*sync)(void);
	void (*exp_sync)(void);
	void (*call)(struct rcu_head *head, rcu_callback_t func);
	void (*cb_barrier)(void);
	unsigned long (*get_state)(void);	/* polled API */
	unsigned long (*start_poll)(void);
	bool (*poll_state)(unsigned long cookie);
	void (*cond_sync)(unsigned long cookie);
	void (*kfree)(struct tort_elem *p);	/* kfree_rcu() */
	unsigned long (*gp_count)(void);	/* GPs ended so far */
	void (*stats)(const struct pvrcu_stats *a, const struct pvrcu_stats *b);
	unsigned int writers;			/* BIT(WR_*) that apply */
	bool fwd;				/* callback flood */
};

static struct tort_elem __rcu *tort_current;
static DEFINE_MUTEX(tort_update_mutex);	/* updaters' exclusion (item 1) */
static struct kmem_cache *tort_cache;
static atomic_long_t tort_live;		/* elements not yet freed */
static atomic64_t tort_serial;
static bool tort_stop;
static struct tort_ops cur_ops;		/* the flavour under test */
static int wr_types[WR_NTYPES], n_wr_types;

static atomic_long_t n_reads, n_cbs, n_barriers, n_fwd;
static atomic_long_t wr_count[WR_NTYPES];
static atomic_long_t pipe_hist[TORT_PIPE_LEN + 1];
static atomic_long_t err_pipe, err_freed, err_poll, err_barrier, err_ctx,
		     err_fwd, err_leak;

static DEFINE_PER_CPU(struct rcu_head, tort_bar_head);
static atomic_t bar_invoked;
static atomic_long_t fwd_pending;

static struct task_struct **tort_tasks;
static int tort_ntasks;

/* ---- flavour: rcu ---------------------------------------------------------- */

/* All three reader kinds, and sometimes a nested one. */
static int tort_rcu_readlock(u32 r)
{
	int kind = r % 3;
	bool nest = !((r >> 2) & 7);

	if (kind == 1)
		pvrcu_read_lock_bh();
	else if (kind == 2)
		pvrcu_read_lock_sched();
	else
		pvrcu_read_lock();
	if (nest)
		pvrcu_read_lock();
	return kind | nest << 2;
}

static struct tort_elem *tort_rcu_deref(int cookie)
{
	return (cookie & 3) == 1 ? pvrcu_dereference_bh(tort_current) :
				   pvrcu_dereference(tort_current);
}

static void tort_rcu_readunlock(int cookie)
{
	int kind = cookie & 3;

	if (cookie & 4)
		pvrcu_read_unlock();
	if (kind == 1)
		pvrcu_read_unlock_bh();
	else if (kind == 2)
		pvrcu_read_unlock_sched();
	else
		pvrcu_read_unlock();
}

static void tort_rcu_kfree(struct tort_elem *p)
{
	pvkfree_rcu(p, rh);
}

static unsigned long tort_rcu_gp_count(void)
{
	return pvrcu_get_state() / 4;
}

static const struct tort_ops tort_rcu_ops = {
	.name = "rcu",
	.readlock = tort_rcu_readlock,
	.deref = tort_rcu_deref,
	.readunlock = tort_rcu_readunlock,
	.sync = pvrcu_synchronize,
	.exp_sync = pvrcu_synchronize_expedited,
	.call = pvrcu_call,
	.cb_barrier = pvrcu_barrier,
	.get_state = pvrcu_get_state,
	.start_poll = pvrcu_start_poll,
	.poll_state = pvrcu_poll_state,
	.cond_sync = pvrcu_cond_synchronize,
	.kfree = tort_rcu_kfree,
	.gp_count = tort_rcu_gp_count,
	.writers = BIT(WR_SYNC) | BIT(WR_EXP) | BIT(WR_POLL) | BIT(WR_COND) |
		   BIT(WR_CALL) | BIT(WR_KFREE),
	.fwd = true,
};

/* ---- flavours: tasks and tasks_rude ----------------------------------------- */

/*
 * A Tasks RCU reader has no markers: it is whatever a task runs between
 * two voluntary context switches. This one keeps preemption enabled and
 * is preempted in the middle (readers outnumber CPUs, and cond_resched()
 * in its delay is an involuntary switch), but never blocks; the reader
 * threads block between sections.
 */
static int tort_tasks_readlock(u32 r)
{
	return 0;
}

static struct tort_elem *tort_tasks_deref(int cookie)
{
	return rcu_dereference_raw(tort_current);
}

static void tort_tasks_readunlock(int cookie)
{
}

static unsigned long tort_tasks_gp_count(void)
{
	struct pvrcu_stats st;

	pvrcu_get_stats(&st);
	return st.tasks_gps;
}

static void tort_tasks_stats(const struct pvrcu_stats *a,
			     const struct pvrcu_stats *b)
{
	pr_info("tasks: %llu GPs, %llu holdouts waited for, %llu of them seen in user/guest time\n",
		b->tasks_gps - a->tasks_gps,
		b->tasks_holdouts - a->tasks_holdouts,
		b->tasks_user_qs - a->tasks_user_qs);
}

static const struct tort_ops tort_tasks_ops = {
	.name = "tasks",
	.readlock = tort_tasks_readlock,
	.deref = tort_tasks_deref,
	.readunlock = tort_tasks_readunlock,
	.readers_preempt = true,
	.readers_must_block = true,
	.long_readers = true,
	.sync = pvrcu_synchronize_tasks,
	.call = pvrcu_call_tasks,
	.cb_barrier = pvrcu_barrier_tasks,
	.gp_count = tort_tasks_gp_count,
	.stats = tort_tasks_stats,
	.writers = BIT(WR_SYNC) | BIT(WR_CALL),
};

/* A Tasks-Rude reader: any region with preemption disabled. */
static int tort_rude_readlock(u32 r)
{
	preempt_disable();
	return 0;
}

static void tort_rude_readunlock(int cookie)
{
	preempt_enable();
}

static unsigned long tort_rude_gp_count(void)
{
	struct pvrcu_stats st;

	pvrcu_get_stats(&st);
	return st.rude_gps;
}

static void tort_rude_stats(const struct pvrcu_stats *a,
			    const struct pvrcu_stats *b)
{
	pr_info("tasks_rude: %llu GPs, %llu CPUs made to run work, %llu halted CPUs skipped\n",
		b->rude_gps - a->rude_gps,
		b->rude_cpus_worked - a->rude_cpus_worked,
		b->rude_cpus_skipped - a->rude_cpus_skipped);
}

static const struct tort_ops tort_tasks_rude_ops = {
	.name = "tasks_rude",
	.readlock = tort_rude_readlock,
	.deref = tort_tasks_deref,
	.readunlock = tort_rude_readunlock,
	.long_readers = true,
	.sync = pvrcu_synchronize_tasks_rude,
	.call = pvrcu_call_tasks_rude,
	.cb_barrier = pvrcu_barrier_tasks_rude,
	.gp_count = tort_rude_gp_count,
	.stats = tort_rude_stats,
	.writers = BIT(WR_SYNC) | BIT(WR_CALL),
};

/* ---- flavours: srcu and tasks_trace (sleepable readers) ------------------- */

/*
 * A cookie holds the index of the outer section and, when a second one is
 * nested inside it, that one's index + 1 in the bits above TORT_IDX_BITS.
 */
#define TORT_IDX_BITS	12

static struct pvsrcu_struct *tort_srcu;

static int tort_pack(int outer, int inner)
{
	return outer | (inner + 1) << TORT_IDX_BITS;
}

static int tort_srcu_readlock(u32 r)
{
	int idx = pvsrcu_read_lock(tort_srcu);

	if (!((r >> 2) & 7))
		return tort_pack(idx, pvsrcu_read_lock(tort_srcu));
	return idx;
}

static struct tort_elem *tort_srcu_deref(int cookie)
{
	return pvsrcu_dereference(tort_current, tort_srcu);
}

static void tort_srcu_readunlock(int cookie)
{
	int inner = (cookie >> TORT_IDX_BITS) - 1;

	if (inner >= 0)
		pvsrcu_read_unlock(tort_srcu, inner);
	pvsrcu_read_unlock(tort_srcu, cookie & ((1 << TORT_IDX_BITS) - 1));
}

static void tort_srcu_sync(void)
{
	synchronize_pvsrcu(tort_srcu);
}

static void tort_srcu_exp_sync(void)
{
	synchronize_pvsrcu_expedited(tort_srcu);
}

static void tort_srcu_call(struct rcu_head *head, rcu_callback_t func)
{
	call_pvsrcu(tort_srcu, head, func);
}

static void tort_srcu_barrier(void)
{
	pvsrcu_barrier(tort_srcu);
}

static unsigned long tort_srcu_gp_count(void)
{
	return READ_ONCE(tort_srcu->seq) / 4;
}

static void tort_srcu_stats(const struct pvrcu_stats *a,
			    const struct pvrcu_stats *b)
{
	pr_info("%s: the %s computed the GPs: %llu by the device, %llu in the guest, %llu SRCU_DONE events\n",
		cur_ops.name, b->srcu_device ? "host" : "guest",
		b->srcu_dev_gps - a->srcu_dev_gps,
		b->srcu_local_gps - a->srcu_local_gps,
		b->srcu_events - a->srcu_events);
}

/* A domain of its own, as a user of init_pvsrcu_struct() has. */
static int tort_srcu_init(void)
{
	int ret;

	tort_srcu = kzalloc(sizeof(*tort_srcu), GFP_KERNEL);
	if (!tort_srcu)
		return -ENOMEM;
	ret = init_pvsrcu_struct(tort_srcu);
	if (ret) {
		pr_err("init_pvsrcu_struct: %d\n", ret);
		kfree(tort_srcu);
		tort_srcu = NULL;
	}
	return ret;
}

static void tort_srcu_cleanup(void)
{
	if (!tort_srcu)
		return;
	pvsrcu_barrier(tort_srcu);
	if (cleanup_pvsrcu_struct(tort_srcu))
		return;		/* refused and reported: leave it, do not free */
	kfree(tort_srcu);
	tort_srcu = NULL;
}

static const struct tort_ops tort_srcu_ops = {
	.name = "srcu",
	.init = tort_srcu_init,
	.cleanup = tort_srcu_cleanup,
	.readlock = tort_srcu_readlock,
	.deref = tort_srcu_deref,
	.readunlock = tort_srcu_readunlock,
	.readers_sleep = true,
	.sync = tort_srcu_sync,
	.exp_sync = tort_srcu_exp_sync,
	.call = tort_srcu_call,
	.cb_barrier = tort_srcu_barrier,
	.gp_count = tort_srcu_gp_count,
	.stats = tort_srcu_stats,
	.writers = BIT(WR_SYNC) | BIT(WR_EXP) | BIT(WR_CALL),
};

static int tort_trace_readlock(u32 r)
{
	int idx = pvrcu_read_lock_trace();

	if (!((r >> 2) & 7))
		return tort_pack(idx, pvrcu_read_lock_trace());
	return idx;
}

static void tort_trace_readunlock(int cookie)
{
	int inner = (cookie >> TORT_IDX_BITS) - 1;

	if (inner >= 0)
		pvrcu_read_unlock_trace(inner);
	pvrcu_read_unlock_trace(cookie & ((1 << TORT_IDX_BITS) - 1));
}

static unsigned long tort_trace_gp_count(void)
{
	struct pvrcu_stats st;

	pvrcu_get_stats(&st);
	return st.srcu_dev_gps + st.srcu_local_gps;
}

static const struct tort_ops tort_tasks_trace_ops = {
	.name = "tasks_trace",
	.readlock = tort_trace_readlock,
	.deref = tort_tasks_deref,
	.readunlock = tort_trace_readunlock,
	.readers_sleep = true,
	.sync = pvrcu_synchronize_tasks_trace,
	.call = pvrcu_call_tasks_trace,
	.cb_barrier = pvrcu_barrier_tasks_trace,
	.gp_count = tort_trace_gp_count,
	.stats = tort_srcu_stats,
	.writers = BIT(WR_SYNC) | BIT(WR_CALL),
};

/* Every flavour this module knows. */
static const struct {
	const char *name;
	const struct tort_ops *ops;
} tort_flavors[] = {
	{ "rcu", &tort_rcu_ops },
	{ "srcu", &tort_srcu_ops },
	{ "tasks", &tort_tasks_ops },
	{ "tasks_rude", &tort_tasks_rude_ops },
	{ "tasks_trace", &tort_tasks_trace_ops },
};

/* ---- test_break_gp: a flavour whose GPs end at once ---------------------- */

static DEFINE_SPINLOCK(tort_broken_lock);
static struct rcu_head *tort_broken_head;
static struct rcu_head **tort_broken_tail = &tort_broken_head;

/* Invokes what was queued, as callbacks run (BH disabled), with no GP. */
static void tort_broken_fn(struct work_struct *work)
{
	struct rcu_head *h, *next;
	unsigned long flags;

	spin_lock_irqsave(&tort_broken_lock, flags);
	h = tort_broken_head;
	tort_broken_head = NULL;
	tort_broken_tail = &tort_broken_head;
	spin_unlock_irqrestore(&tort_broken_lock, flags);
	for (; h; h = next) {
		next = h->next;
		local_bh_disable();
		h->func(h);
		local_bh_enable();
	}
}

static DECLARE_WORK(tort_broken_work, tort_broken_fn);

static void tort_broken_sync(void)
{
}

static void tort_broken_call(struct rcu_head *head, rcu_callback_t func)
{
	unsigned long flags;

	head->func = func;
	head->next = NULL;
	spin_lock_irqsave(&tort_broken_lock, flags);
	*tort_broken_tail = head;
	tort_broken_tail = &head->next;
	spin_unlock_irqrestore(&tort_broken_lock, flags);
	queue_work(system_wq, &tort_broken_work);
}

static void tort_broken_barrier(void)
{
	flush_work(&tort_broken_work);
}

static void tort_break(struct tort_ops *ops)
{
	ops->sync = tort_broken_sync;
	ops->exp_sync = NULL;
	ops->call = tort_broken_call;
	ops->cb_barrier = tort_broken_barrier;
	ops->writers &= BIT(WR_SYNC) | BIT(WR_CALL);
	ops->fwd = false;
}

/* ---- elements ------------------------------------------------------------ */

static struct tort_elem *tort_alloc(void)
{
	struct tort_elem *p = kmem_cache_alloc(tort_cache, GFP_KERNEL);

	if (!p)
		return NULL;
	p->magic = TORT_MAGIC;
	p->pipe_count = 0;
	p->mbtest = 1;
	p->serial = atomic64_inc_return(&tort_serial);
	INIT_LIST_HEAD(&p->removed);
	atomic_long_inc(&tort_live);
	return p;
}

static void tort_free(struct tort_elem *p)
{
	WRITE_ONCE(p->mbtest, 0);
	atomic_long_dec(&tort_live);
	kmem_cache_free(tort_cache, p);
}

/* Checklist item 5: callbacks run with bottom halves disabled. */
static void tort_check_cb_context(void)
{
	if (!in_softirq() || irqs_disabled())
		atomic_long_inc(&err_ctx);
	atomic_long_inc(&n_cbs);
}

/* ---- readers ---------------------------------------------------------------- */

/*
 * Busy-wait @us by the clock: udelay() trusts the boot-time delay
 * calibration, which TCG on a loaded host can get wrong by orders of
 * magnitude. Preemptible readers let the scheduler in now and then.
 */
static void tort_spin(unsigned int us)
{
	u64 end = ktime_get_ns() + (u64)us * NSEC_PER_USEC;

	do {
		if (cur_ops.readers_preempt)
			cond_resched();
		cpu_relax();
	} while (ktime_get_ns() < end);
}

/*
 * Busy until the scheduler preempted us twice (at most 40 ms; readers
 * outnumber CPUs), then 5-15 ms more: a GP that took a preemption for a
 * quiescent state would end while we still hold the element.
 */
static void tort_preempted_delay(u32 r)
{
	unsigned long nivcsw = READ_ONCE(current->nivcsw);
	u64 end = ktime_get_ns() + 40 * NSEC_PER_MSEC;

	while (READ_ONCE(current->nivcsw) - nivcsw < 2 && ktime_get_ns() < end)
		tort_spin(100);
	tort_spin(5000 + (r >> 8) % 10000);
}

/*
 * Sections of the Tasks flavours: some last milliseconds, longer than a
 * pvrcu GP, so a GP of the flavour that waited only for that is caught.
 */
static void tort_read_delay_long(u32 r)
{
	if (!(r % 64)) {
		if (cur_ops.readers_preempt)
			tort_preempted_delay(r);
		else
			tort_spin(2000 + (r >> 8) % 8000);
	} else if (!(r % 16)) {
		tort_spin(200 + (r >> 8) % 800);
	} else if (!(r % 4)) {
		udelay((r >> 8) % 20);
	}
}

static void tort_read_delay(u32 r)
{
	if (cur_ops.readers_sleep && !(r % 64)) {
		schedule_timeout_uninterruptible(1);
		return;
	}
	if (cur_ops.long_readers) {
		tort_read_delay_long(r);
		return;
	}
	if (!(r % 16))
		udelay(200 + (r >> 8) % 800);	/* long: spans GPs if broken */
	else if (!(r % 4))
		udelay((r >> 8) % 20);
}

static void tort_one_read(struct rnd_state *rs, long *hist)
{
	u32 r = prandom_u32_state(rs);
	struct tort_elem *p;
	int cookie, pipe = 0;
	u64 serial;

	cookie = cur_ops.readlock(r);
	p = cur_ops.deref(cookie);
	if (p) {
		serial = READ_ONCE(p->serial);
		if (READ_ONCE(p->magic) != TORT_MAGIC || !READ_ONCE(p->mbtest))
			atomic_long_inc(&err_freed);
		tort_read_delay(r);
		pipe = READ_ONCE(p->pipe_count);
		if (READ_ONCE(p->magic) != TORT_MAGIC || !READ_ONCE(p->mbtest) ||
		    READ_ONCE(p->serial) != serial)
			atomic_long_inc(&err_freed);
	}
	cur_ops.readunlock(cookie);
	if (!p)
		return;
	if (pipe < 0 || pipe > TORT_PIPE_LEN)
		pipe = TORT_PIPE_LEN;		/* poison */
	hist[pipe]++;
	/* Removed (age 1) before we took it, then a whole GP ended? */
	if (pipe > 1)
		atomic_long_inc(&err_pipe);
}

static int tort_reader(void *arg)
{
	long hist[TORT_PIPE_LEN + 1] = { 0 }, reads = 0;
	struct rnd_state rs;
	int i;

	prandom_seed_state(&rs, (u64)(long)arg ^ ktime_get_ns());
	while (!READ_ONCE(tort_stop)) {
		tort_one_read(&rs, hist);
		if (++reads & 0x3f)
			continue;
		/* Tasks RCU: only a voluntary switch ends our readers. */
		if (cur_ops.readers_must_block)
			usleep_range(50, 100);
		else
			cond_resched();
	}
	atomic_long_add(reads, &n_reads);
	for (i = 0; i <= TORT_PIPE_LEN; i++)
		atomic_long_add(hist[i], &pipe_hist[i]);
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

/* ---- writers -------------------------------------------------------------- */

/* A GP ended since every element on @removed, and @old, were removed. */
static void tort_pipe_update(struct list_head *removed, struct tort_elem *old)
{
	struct tort_elem *p, *n;
	int i;

	if (old)
		list_add(&old->removed, removed);
	list_for_each_entry_safe(p, n, removed, removed) {
		i = READ_ONCE(p->pipe_count) + 1;
		WRITE_ONCE(p->pipe_count, i);
		if (i >= TORT_PIPE_LEN) {
			list_del(&p->removed);
			tort_free(p);
		}
	}
}

static void tort_cb(struct rcu_head *rh)
{
	struct tort_elem *p = container_of(rh, struct tort_elem, rh);
	int i;

	tort_check_cb_context();
	i = READ_ONCE(p->pipe_count) + 1;
	WRITE_ONCE(p->pipe_count, i);
	if (i >= TORT_PIPE_LEN)
		tort_free(p);
	else
		cur_ops.call(&p->rh, tort_cb);	/* one more GP */
}

static void tort_poll_wait(unsigned long cookie)
{
	unsigned long deadline = jiffies + 60 * HZ;

	while (!cur_ops.poll_state(cookie)) {
		if (time_after(jiffies, deadline)) {
			pr_err("polled GP did not end within 60 s\n");
			atomic_long_inc(&err_poll);
			return;
		}
		schedule_timeout_uninterruptible(1);
	}
}

static void tort_retire(int type, struct tort_elem *old, struct list_head *removed,
			u32 r)
{
	unsigned long cookie = 0;

	switch (type) {
	case WR_SYNC:
	case WR_EXP:
		if (cur_ops.get_state)
			cookie = cur_ops.get_state();
		if (type == WR_SYNC)
			cur_ops.sync();
		else
			cur_ops.exp_sync();
		if (cur_ops.get_state && !cur_ops.poll_state(cookie))
			atomic_long_inc(&err_poll);
		tort_pipe_update(removed, old);
		break;
	case WR_POLL:
		tort_poll_wait(cur_ops.start_poll());
		tort_pipe_update(removed, old);
		break;
	case WR_COND:
		cookie = cur_ops.get_state();
		if (r & 1)
			schedule_timeout_uninterruptible(1);
		cur_ops.cond_sync(cookie);
		if (!cur_ops.poll_state(cookie))
			atomic_long_inc(&err_poll);
		tort_pipe_update(removed, old);
		break;
	case WR_CALL:
		cur_ops.call(&old->rh, tort_cb);
		break;
	case WR_KFREE:
		atomic_long_dec(&tort_live);
		cur_ops.kfree(old);
		break;
	}
}

static int tort_writer(void *arg)
{
	struct tort_elem *p, *old, *n;
	struct rnd_state rs;
	LIST_HEAD(removed);
	int type;
	u32 r;

	prandom_seed_state(&rs, (u64)(long)arg ^ ktime_get_ns());
	while (!READ_ONCE(tort_stop)) {
		if (atomic_long_read(&tort_live) > TORT_MAX_LIVE) {
			schedule_timeout_uninterruptible(1);
			continue;
		}
		p = tort_alloc();
		if (!p) {
			schedule_timeout_uninterruptible(1);
			continue;
		}
		r = prandom_u32_state(&rs);
		type = wr_types[r % n_wr_types];
		mutex_lock(&tort_update_mutex);
		old = pvrcu_dereference_check(tort_current,
					      lockdep_is_held(&tort_update_mutex));
		pvrcu_assign_pointer(tort_current, p);
		if (old)
			WRITE_ONCE(old->pipe_count, 1);	/* removed */
		mutex_unlock(&tort_update_mutex);
		if (old) {
			tort_retire(type, old, &removed, r >> 8);
			atomic_long_inc(&wr_count[type]);
		}
		if (type >= WR_CALL)
			usleep_range(100, 200);
		cond_resched();
	}
	/* Whatever is still aging: one more GP makes it unreachable. */
	cur_ops.sync();
	list_for_each_entry_safe(p, n, &removed, removed) {
		list_del(&p->removed);
		tort_free(p);
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

/* ---- barrier ----------------------------------------------------------------- */

static void tort_barrier_cb(struct rcu_head *rh)
{
	tort_check_cb_context();
	atomic_inc(&bar_invoked);
}

/* In interrupt context on each CPU: call works anywhere. */
static void tort_barrier_queue(void *info)
{
	cur_ops.call(this_cpu_ptr(&tort_bar_head), tort_barrier_cb);
}

static int tort_barrier_thread(void *arg)
{
	int cpu, queued;

	while (!READ_ONCE(tort_stop)) {
		schedule_timeout_idle(HZ / 2);
		atomic_set(&bar_invoked, 0);
		queued = 0;
		cpus_read_lock();
		for_each_online_cpu(cpu) {
			smp_call_function_single(cpu, tort_barrier_queue, NULL, 1);
			queued++;
		}
		cpus_read_unlock();
		cur_ops.cb_barrier();
		if (atomic_read(&bar_invoked) != queued) {
			pr_err("%s barrier returned with %d of %d callbacks invoked\n",
			       cur_ops.name, atomic_read(&bar_invoked), queued);
			atomic_long_inc(&err_barrier);
		}
		atomic_long_inc(&n_barriers);
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

/* ---- forward progress under a callback flood ------------------------------ */

struct tort_fwd {
	struct rcu_head rh;
};

static void tort_fwd_cb(struct rcu_head *rh)
{
	tort_check_cb_context();
	kfree(container_of(rh, struct tort_fwd, rh));
	atomic_long_dec(&fwd_pending);
}

static int tort_fwd_thread(void *arg)
{
	unsigned long c0, gps, end;
	long n = 0, max = 0, cur, bound = fwd_bound;
	struct pvrcu_stats st;
	u64 chained0;
	struct tort_fwd *f;

	pvrcu_get_stats(&st);
	if (bound <= 0)
		bound = 2 * st.qhimark * num_possible_cpus();
	/* Start a quarter into the run, with readers and writers busy. */
	schedule_timeout_idle(duration * HZ / 4);
	c0 = cur_ops.gp_count();
	pvrcu_get_stats(&st);
	chained0 = st.cb_chained;
	end = jiffies + fwd_secs * HZ;
	while (!READ_ONCE(tort_stop) && time_before(jiffies, end)) {
		f = kmalloc(sizeof(*f), GFP_KERNEL);
		if (!f) {
			schedule_timeout_uninterruptible(1);
			continue;
		}
		cur = atomic_long_inc_return(&fwd_pending);
		if (cur > max)
			max = cur;
		cur_ops.call(&f->rh, tort_fwd_cb);
		if (!(++n & 0xff))
			cond_resched();
	}
	gps = cur_ops.gp_count() - c0;
	pvrcu_get_stats(&st);
	cur_ops.cb_barrier();
	atomic_long_add(n, &n_fwd);
	pr_info("fwd: %ld callbacks flooded in %d s, at most %ld pending (bound %ld), %lu GPs meanwhile, %llu requests left to the host's chaining\n",
		n, fwd_secs, max, bound, gps, st.cb_chained - chained0);
	if (max > bound || gps < 2 || atomic_long_read(&fwd_pending)) {
		pr_err("fwd: forward progress failed (pending now %ld)\n",
		       atomic_long_read(&fwd_pending));
		atomic_long_inc(&err_fwd);
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

/* ---- the run ----------------------------------------------------------------- */

static int tort_start(int (*fn)(void *), long arg, const char *name)
{
	struct task_struct *t = kthread_run(fn, (void *)arg, "pvrcu_tort_%s/%ld",
					    name, arg);

	if (IS_ERR(t))
		return PTR_ERR(t);
	tort_tasks[tort_ntasks++] = t;
	return 0;
}

static long tort_errors(void)
{
	return atomic_long_read(&err_pipe) + atomic_long_read(&err_freed) +
	       atomic_long_read(&err_poll) + atomic_long_read(&err_barrier) +
	       atomic_long_read(&err_ctx) + atomic_long_read(&err_fwd) +
	       atomic_long_read(&err_leak);
}

static void tort_report(int nreaders, unsigned long gps, u64 ms,
			const struct pvrcu_stats *st0)
{
	long errors = tort_errors(), reads = atomic_long_read(&n_reads),
	     cbs = atomic_long_read(&n_cbs);
	bool pass = !errors && reads > 0 && gps > 0 && cbs > 0;
	struct pvrcu_stats st;
	int i;

	pr_info("pipe ages seen by readers: %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld\n",
		atomic_long_read(&pipe_hist[0]), atomic_long_read(&pipe_hist[1]),
		atomic_long_read(&pipe_hist[2]), atomic_long_read(&pipe_hist[3]),
		atomic_long_read(&pipe_hist[4]), atomic_long_read(&pipe_hist[5]),
		atomic_long_read(&pipe_hist[6]), atomic_long_read(&pipe_hist[7]),
		atomic_long_read(&pipe_hist[8]), atomic_long_read(&pipe_hist[9]),
		atomic_long_read(&pipe_hist[10]));
	for (i = 0; i < n_wr_types; i++)
		pr_info("updates retired by %s: %ld\n", wr_names[wr_types[i]],
			atomic_long_read(&wr_count[wr_types[i]]));
	if (cur_ops.stats) {
		pvrcu_get_stats(&st);
		cur_ops.stats(st0, &st);
	}
	pr_info("%d readers, %d writers, %llu ms, %ld barriers; errors: pipe %ld freed %ld poll %ld barrier %ld cb-context %ld fwd %ld leak %ld\n",
		nreaders, writers, ms, atomic_long_read(&n_barriers),
		atomic_long_read(&err_pipe), atomic_long_read(&err_freed),
		atomic_long_read(&err_poll), atomic_long_read(&err_barrier),
		atomic_long_read(&err_ctx), atomic_long_read(&err_fwd),
		atomic_long_read(&err_leak));
	printk(KERN_INFO "pvrcu-torture: flavor=%s duration=%d reads=%ld gps=%lu callbacks=%ld errors=%ld result=%s\n",
	       flavor, duration, reads, gps, cbs, errors, pass ? "PASS" : "FAIL");
}

static int tort_set_flavor(void)
{
	int i, t;

	for (i = 0; i < ARRAY_SIZE(tort_flavors); i++)
		if (!strcmp(flavor, tort_flavors[i].name))
			break;
	if (i == ARRAY_SIZE(tort_flavors)) {
		pr_err("unknown flavor=%s (rcu, srcu, tasks, tasks_rude, tasks_trace)\n",
		       flavor);
		return -EINVAL;
	}
	if (!tort_flavors[i].ops) {
		pr_err("flavor=%s is not implemented yet (rcu, tasks and tasks_rude are)\n",
		       flavor);
		return -EOPNOTSUPP;
	}
	cur_ops = *tort_flavors[i].ops;
	if (test_break_gp)
		tort_break(&cur_ops);
	n_wr_types = 0;
	for (t = 0; t < WR_NTYPES; t++)
		if (cur_ops.writers & BIT(t))
			wr_types[n_wr_types++] = t;
	return 0;
}

static int __init tort_init(void)
{
	int nreaders = readers;
	struct tort_elem *p;
	unsigned long g0, gps;
	struct pvrcu_stats st;
	int i, ret, tries;
	bool fwd;
	u64 t0;

	ret = tort_set_flavor();
	if (ret)
		return ret;
	/* Preemptible readers: more than CPUs, so they preempt one another. */
	if (nreaders < 0)
		nreaders = cur_ops.readers_preempt ? num_online_cpus() + 1 :
			   max(1, (int)num_online_cpus() - 1);
	if (duration < 1 || writers < 0 || nreaders < 1)
		return -EINVAL;
	fwd = cur_ops.fwd && fwd_secs > 0;
	if (cur_ops.init) {
		ret = cur_ops.init();
		if (ret)
			return ret;
	}
	tort_cache = kmem_cache_create("pvrcu_torture", sizeof(struct tort_elem),
				       0, SLAB_POISON, NULL);
	tort_tasks = kcalloc(nreaders + writers + 2, sizeof(*tort_tasks),
			     GFP_KERNEL);
	if (!tort_cache || !tort_tasks) {
		ret = -ENOMEM;
		goto out_free;
	}
	p = tort_alloc();
	if (!p) {
		ret = -ENOMEM;
		goto out_free;
	}
	pvrcu_assign_pointer(tort_current, p);

	pvrcu_get_stats(&st);
	pr_info("start: flavor=%s%s duration=%d s, %d readers, %d writers, flood %d s; grace periods from %s\n",
		flavor, test_break_gp ? " (GPs broken on purpose)" : "",
		duration, nreaders, writers, fwd ? fwd_secs : 0,
		st.device ? "the virtio-rcu device" : "the kernel's RCU (no device)");
	g0 = cur_ops.gp_count();
	t0 = ktime_get_ns();
	ret = 0;
	for (i = 0; i < nreaders && !ret; i++)
		ret = tort_start(tort_reader, i, "r");
	for (i = 0; i < writers && !ret; i++)
		ret = tort_start(tort_writer, i, "w");
	if (!ret)
		ret = tort_start(tort_barrier_thread, 0, "barrier");
	if (!ret && fwd)
		ret = tort_start(tort_fwd_thread, 0, "fwd");
	if (ret)
		pr_err("cannot start threads: %d\n", ret);
	else
		msleep(duration * 1000);

	WRITE_ONCE(tort_stop, true);
	for (i = 0; i < tort_ntasks; i++)
		kthread_stop(tort_tasks[i]);

	mutex_lock(&tort_update_mutex);
	p = pvrcu_dereference_check(tort_current,
				    lockdep_is_held(&tort_update_mutex));
	RCU_INIT_POINTER(tort_current, NULL);
	mutex_unlock(&tort_update_mutex);
	cur_ops.sync();
	if (p)
		tort_free(p);
	/* Callback chains re-queue themselves: barrier until all have ended. */
	for (tries = 0; tries < 4 * TORT_PIPE_LEN; tries++) {
		cur_ops.cb_barrier();
		if (!atomic_long_read(&tort_live))
			break;
	}
	if (atomic_long_read(&tort_live)) {
		pr_err("%ld elements never freed\n", atomic_long_read(&tort_live));
		atomic_long_inc(&err_leak);
	}
	gps = cur_ops.gp_count() - g0;
	tort_report(nreaders, gps, (ktime_get_ns() - t0) / NSEC_PER_MSEC, &st);
	return 0;

out_free:
	kfree(tort_tasks);
	kmem_cache_destroy(tort_cache);
	if (cur_ops.cleanup)
		cur_ops.cleanup();
	return ret;
}

/* Checklist item 17: our callbacks must not run after we are gone. */
static void __exit tort_exit(void)
{
	cur_ops.cb_barrier();
	kfree(tort_tasks);
	kmem_cache_destroy(tort_cache);
	if (cur_ops.cleanup)
		cur_ops.cleanup();
}

module_init(tort_init);
module_exit(tort_exit);
MODULE_DESCRIPTION("pvrcu torture test (rcutorture's core checks)");
MODULE_LICENSE("GPL");
