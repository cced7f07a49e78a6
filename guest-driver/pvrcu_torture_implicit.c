// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcu_torture_implicit: the readers of checklist item 7, built the way a
 * user's code is switched to pvrcu: with pvrcu_checklist.h, so that every
 * rcu_* name below is the mapped one.
 *
 * Item 7: when the updater uses call_rcu() or synchronize_rcu() (or their
 * expedited forms), a reader may be (1) rcu_read_lock(), (2) any pair that
 * disables and re-enables softirq, (3) any pair that disables and
 * re-enables preemption; the kernel's consolidated RCU also counts regions
 * with interrupts disabled and hardirq handlers as readers. Code mapped by
 * pvrcu_checklist.h keeps relying on that. The readers here, one kind each:
 *
 *   rcu_read_lock()  rcu_read_lock_bh()  rcu_read_lock_sched()
 *   local_bh_disable()  spin_lock_bh()  preempt_disable()  spin_lock()
 *   local_irq_disable()  local_irq_save()
 *	kernel threads, one per kind on each reader CPU (kthread_bind());
 *   timer, tasklet
 *	softirq: a pinned timer on each reader CPU (add_timer_on()) fires
 *	every jiffy, schedules that CPU's tasklet and queues its irq_work;
 *   irq_work
 *	hardirq (IRQ_WORK_INIT_HARD, queued by the timer on its own CPU:
 *	6.1 does not export irq_work_queue_on() to modules).
 *
 * Each read picks up the current element, holds it ``hold_us`` (30 us) by
 * the clock and checks that it was neither poisoned, freed nor reused. With
 * ``nest`` (default), every other read calls an rcu_read_lock() section
 * halfway through its hold, as a helper called under a spinlock or from a
 * handler does. The first three kinds are pvrcu readers once mapped: they
 * are the control, which must never see poison. The others are readers
 * only by item 7. Each read also checks that it runs in the context its
 * kind claims (softirq, preemption off, interrupts off, hardirq) and not
 * on the updater CPU.
 *
 * Every online CPU but ``updater_cpu`` runs readers of every kind; the
 * updater CPU runs one writer per grace-period (GP) API that
 * pvrcu_checklist.h maps: synchronize_rcu(), synchronize_rcu_expedited(),
 * call_rcu(), kfree_rcu(), kfree_rcu_mightsleep(),
 * start_poll_synchronize_rcu() + poll_state_synchronize_rcu(),
 * get_state_synchronize_rcu() + cond_synchronize_rcu(), their _expedited
 * forms, the _full forms (one writer takes the four in turn) and
 * queue_rcu_work() (not call_rcu_hurry(): it is pvrcu_call() too, and the
 * native build's 6.1 has none). Each writer replaces the element and retires the old one with its API;
 * once the GP has ended it poisons the element and frees it 20-40 ms
 * later, so that a reader that sees the poison can tell which API ended
 * the GP under it. The kfree_rcu() forms free it at once into a
 * SLAB_POISON cache, whose poison is counted as "freed by the slab".
 *
 * The run ends with one line per reader kind ("reader KIND: reads=N
 * errors=N (poisoned N, ...)"), then exactly one line:
 *   pvrcu-torture: flavor=implicit duration=<s> reads=<n> gps=<n>
 *   callbacks=<n> errors=<n> result=<PASS|FAIL>
 * errors counts poisoned reads, reads in the wrong context or on the
 * updater CPU, polled cookies not done after their GP, elements never
 * freed, and kinds that never ran. callbacks counts call_rcu() callbacks
 * and queue_rcu_work() items invoked.
 *
 * pvrcu_torture_implicit_native.ko is this file built without
 * pvrcu_checklist.h (flavor=implicit_native): the same readers and
 * updaters on the kernel's own RCU, the control that must PASS. There an
 * unsigned long cookie not done after its GP is counted but is no error:
 * the kernel's may miss a GP when normal and expedited GPs overlap (its
 * _full ones may not, and are checked).
 *
 * tests/vm/t_torture_implicit.sh runs it in `make check` at 2 and 4
 * vCPUs (images/scenarios/torture_implicit.sh: this module with
 * virtio_rcu loaded, then the native build with it unloaded). By hand:
 *
 *   make host image
 *   bash images/run-vm.sh --cpus 2 --test torture_implicit \
 *	--dir /tmp/vm-implicit --timeout 300
 *   grep -E 'reader |pvrcu-torture:' /tmp/vm-implicit/guest.log
 *
 * Since afdbb52 pvrcu readers are preemption-disabled regions and a CPU
 * reports only outside every kind below (docs/ARCHITECTURE.md §4.2): the
 * run PASSes. Before, a CPU was quiescent for pvrcu whenever its nesting
 * counter was 0 (the REPORT_QS handler and any outermost pvrcu unlock
 * reported then, and the host believed nesting == 0 after an exit or
 * halt).
 *
 * What it showed on the tree of 22621b5 (the old rule), TCG, 20 s a
 * run; poisoned reads per kind:
 *
 *   kind                       2 vCPUs  4 vCPUs
 *   rcu_read_lock/_bh/_sched     0 0 0    0 0 0   (the control)
 *   local_bh_disable                 3       19
 *   spin_lock_bh                     3       18
 *   preempt_disable                 88       53
 *   spin_lock                       83       54
 *   local_irq_disable                0        1
 *   local_irq_save                   0        1
 *   timer                            2        9
 *   tasklet                          1       11
 *   irq_work                         0        2
 *   flavor=implicit             errors=180 FAIL  errors=168 FAIL
 *   flavor=implicit_native      errors=0 PASS    errors=0 PASS
 *
 * Every API whose poison names it had poisoned reads, at both sizes
 * (synchronize_rcu() and _expedited(), call_rcu(), the polled forms,
 * _full included, queue_rcu_work()); 11 and 13 reads found a slab-freed
 * element, as the kfree_rcu() forms leave it (the others free 20-40 ms
 * after poisoning). The irq-disabled and irq_work readers were caught
 * only in reads that nested an rcu_read_lock() section (nest=0 at 2
 * vCPUs: none of them), as nothing else made a CPU with interrupts off
 * look quiescent here (TCG: no exits to sample); the other kinds fail
 * without nesting too (nest=0, 2 vCPUs: errors=110). Counts vary from run
 * to run: ten other runs of this and earlier versions of the module (2
 * and 4 vCPUs, nesting elsewhere in the hold or off) had errors=102 to
 * 302, 0 to 4 poisoned reads for each irq-disabled or irq_work kind, and
 * never one in the control.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/poison.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#ifdef PVRCU_IMPLICIT_NATIVE
#define IMP_FLAVOR	"implicit_native"
#define IMP_MAPPED	false
#else
#define IMP_FLAVOR	"implicit"
#define IMP_MAPPED	true
#include "pvrcu_checklist.h"	/* last: the rcu_* names below are pvrcu's */
#endif

#define IMP_MAGIC	0x70766d69u	/* allocated, current or retired */
#define IMP_POISON	0x64656164u	/* its GP ended: no reader may see this */
#define IMP_SLAB_FREED	(POISON_FREE * 0x01010101u)	/* SLAB_POISON */
#define IMP_MAX_LIVE	8192

static int duration = 20;
module_param(duration, int, 0444);
MODULE_PARM_DESC(duration, "Seconds to run");
static uint hold_us = 30;
module_param(hold_us, uint, 0444);
MODULE_PARM_DESC(hold_us, "Microseconds each read holds its element");
static uint burst = 8;
module_param(burst, uint, 0444);
MODULE_PARM_DESC(burst, "Reads per timer, tasklet and irq_work run (one run each per jiffy and CPU)");
static bool nest = true;
module_param(nest, bool, 0444);
MODULE_PARM_DESC(nest, "Every other read nests an rcu_read_lock() section halfway through its hold");
static int updater_cpu;
module_param(updater_cpu, int, 0444);
MODULE_PARM_DESC(updater_cpu, "The CPU of the updaters; every other online CPU runs readers");

/* ---- reader kinds ------------------------------------------------------- */

enum imp_kind {
	IMP_RCU,		/* the control: pvrcu readers once mapped */
	IMP_RCU_BH,
	IMP_RCU_SCHED,
	IMP_BH,			/* readers by item 7 only */
	IMP_SPIN_BH,
	IMP_PREEMPT,
	IMP_SPIN,
	IMP_IRQ,
	IMP_IRQSAVE,
	IMP_NTHREAD_KINDS,	/* the kinds above run in kernel threads */
	IMP_TIMER = IMP_NTHREAD_KINDS,
	IMP_TASKLET,
	IMP_IRQ_WORK,
	IMP_NKINDS
};

static const char * const imp_kind_names[IMP_NKINDS] = {
	"rcu_read_lock", "rcu_read_lock_bh", "rcu_read_lock_sched",
	"local_bh_disable", "spin_lock_bh", "preempt_disable", "spin_lock",
	"local_irq_disable", "local_irq_save", "timer", "tasklet", "irq_work",
};

/* ---- grace-period APIs of the updaters ---------------------------------- */

enum imp_api {
	IMP_W_SYNC,
	IMP_W_EXP,
	IMP_W_CALL,
	IMP_W_KFREE,
	IMP_W_KFREE_MS,
	IMP_W_POLL,
	IMP_W_COND,
	IMP_W_POLL_EXP,
	IMP_W_COND_EXP,
	IMP_W_FULL,
	IMP_W_RWORK,
	IMP_NAPIS,
	/* what a poisoned read found instead of an API's poison */
	IMP_FOUND_FREED = IMP_NAPIS,	/* slab poison: kfree_rcu*() */
	IMP_FOUND_REUSED,		/* another element in its place */
	IMP_NFOUND
};

static const char * const imp_api_names[IMP_NFOUND] = {
	"synchronize_rcu", "synchronize_rcu_expedited", "call_rcu",
	"kfree_rcu", "kfree_rcu_mightsleep",
	"start_poll_synchronize_rcu+poll_state_synchronize_rcu",
	"get_state_synchronize_rcu+cond_synchronize_rcu",
	"start_poll_synchronize_rcu_expedited+poll_state_synchronize_rcu",
	"get_state_synchronize_rcu+cond_synchronize_rcu_expedited",
	"the _full polled forms (start_poll[_expedited]_full+poll_state_full, get_state_full+cond[_expedited]_full)",
	"queue_rcu_work",
	"freed by the slab (kfree_rcu, kfree_rcu_mightsleep)",
	"reused by another element",
};

struct imp_elem {
	u32 magic;
	int api;			/* enum imp_api that retired it */
	u64 serial;
	struct rcu_head rh;		/* call_rcu(), kfree_rcu() */
	struct rcu_work rwork;		/* queue_rcu_work() */
	struct llist_node grave;	/* poisoned, waiting to be freed */
};

static struct imp_elem __rcu *imp_cur;
static DEFINE_MUTEX(imp_update_mutex);
static struct kmem_cache *imp_cache;
static bool imp_cache_busy;		/* objects left: never destroy it */
static struct workqueue_struct *imp_wq;
static atomic_long_t imp_live;
static atomic64_t imp_serial;
static LLIST_HEAD(imp_grave);
static struct llist_node *imp_grave_old;	/* poisoned a while ago */
static bool imp_stop;
static u64 imp_hold_ns;

static struct cpumask imp_reader_cpus;
static struct cpumask imp_kind_cpus;	/* scratch, for the report */

struct imp_pcpu {
	unsigned long reads[IMP_NKINDS];
	unsigned long poisoned[IMP_NKINDS];
	unsigned long poisoned_nested[IMP_NKINDS];	/* of those */
	unsigned long bad_ctx[IMP_NKINDS];
	unsigned long found[IMP_NFOUND];	/* poisoned reads by culprit */
};
static DEFINE_PER_CPU(struct imp_pcpu, imp_pcpu);

static atomic_long_t imp_retired[IMP_NAPIS];
static atomic_long_t imp_err_poll[IMP_NAPIS];
static atomic_long_t imp_cbs, imp_err_leak;

/* ---- elements ------------------------------------------------------------ */

static struct imp_elem *imp_alloc(void)
{
	struct imp_elem *p = kmem_cache_alloc(imp_cache, GFP_KERNEL);

	if (!p)
		return NULL;
	p->magic = IMP_MAGIC;
	p->api = -1;
	p->serial = atomic64_inc_return(&imp_serial);
	atomic_long_inc(&imp_live);
	return p;
}

static void imp_free_list(struct llist_node *list)
{
	struct imp_elem *p, *n;

	llist_for_each_entry_safe(p, n, list, grave) {
		atomic_long_dec(&imp_live);
		kmem_cache_free(imp_cache, p);
	}
}

/* After its GP: no reader can hold @p any more. Any context. */
static void imp_poison(struct imp_elem *p)
{
	WRITE_ONCE(p->magic, IMP_POISON);
	llist_add(&p->grave, &imp_grave);
}

/* ---- readers --------------------------------------------------------------- */

/* By the clock: udelay() trusts a calibration that TCG can get wrong. */
static void imp_spin(u64 ns)
{
	u64 end = ktime_get_ns() + ns;

	while (ktime_get_ns() < end)
		cpu_relax();
}

static bool imp_bad(struct imp_elem *p, u64 serial)
{
	return READ_ONCE(p->magic) != IMP_MAGIC ||
	       READ_ONCE(p->serial) != serial;
}

/* What a bad read found: the poison of an API, the slab's, or reuse. */
static int imp_culprit(struct imp_elem *p, u64 serial)
{
	u32 magic = READ_ONCE(p->magic);
	int api = READ_ONCE(p->api);

	if (magic == IMP_POISON && READ_ONCE(p->serial) == serial &&
	    api >= 0 && api < IMP_NAPIS)
		return api;
	if (magic == IMP_SLAB_FREED)
		return IMP_FOUND_FREED;
	return IMP_FOUND_REUSED;
}

/* Is this read in the context its kind claims, off the updater CPU? */
static bool imp_ctx_ok(int kind)
{
	if (raw_smp_processor_id() == updater_cpu)
		return false;
	switch (kind) {
	case IMP_RCU:
		return true;
	case IMP_RCU_BH:
	case IMP_BH:
	case IMP_SPIN_BH:
		return in_softirq() && !in_hardirq();
	case IMP_RCU_SCHED:
	case IMP_PREEMPT:
	case IMP_SPIN:
		return !preemptible();
	case IMP_IRQ:
	case IMP_IRQSAVE:
		return irqs_disabled();
	case IMP_TIMER:
	case IMP_TASKLET:
		return in_serving_softirq() && !in_hardirq();
	case IMP_IRQ_WORK:
		return in_hardirq();
	}
	return false;
}

/*
 * One read, inside the reader of @kind: @p is what it picked up. With
 * ``nest``, every other read calls, halfway through its hold, code that
 * takes an rcu_read_lock() section of its own, as a helper called under
 * a spinlock or in a handler does, and goes on holding @p after it. (In
 * the middle: before it, the host may come to want this CPU's report;
 * after it, a GP may end while the read still holds @p.)
 */
static void imp_check(struct imp_elem *p, int kind)
{
	unsigned long n;
	bool bad, nested;
	u64 serial;

	if (!p)
		return;
	n = this_cpu_inc_return(imp_pcpu.reads[kind]);
	nested = nest && (n & 1);
	if (!imp_ctx_ok(kind))
		this_cpu_inc(imp_pcpu.bad_ctx[kind]);
	serial = READ_ONCE(p->serial);
	bad = READ_ONCE(p->magic) != IMP_MAGIC;
	if (!bad) {
		imp_spin(imp_hold_ns / 2);
		if (nested) {
			rcu_read_lock();
			rcu_read_unlock();
		}
		imp_spin(imp_hold_ns - imp_hold_ns / 2);
		bad = imp_bad(p, serial);
	}
	if (bad) {
		this_cpu_inc(imp_pcpu.poisoned[kind]);
		if (nested)
			this_cpu_inc(imp_pcpu.poisoned_nested[kind]);
		this_cpu_inc(imp_pcpu.found[imp_culprit(p, serial)]);
	}
}

struct imp_reader {
	int kind;
	spinlock_t lock;	/* this reader's own, uncontended */
};

static void imp_read_one(struct imp_reader *rd)
{
	struct imp_elem *p;
	unsigned long flags;

	switch (rd->kind) {
	case IMP_RCU:
		rcu_read_lock();
		p = rcu_dereference(imp_cur);
		imp_check(p, IMP_RCU);
		rcu_read_unlock();
		break;
	case IMP_RCU_BH:
		rcu_read_lock_bh();
		p = rcu_dereference_bh(imp_cur);
		imp_check(p, IMP_RCU_BH);
		rcu_read_unlock_bh();
		break;
	case IMP_RCU_SCHED:
		rcu_read_lock_sched();
		p = rcu_dereference_sched(imp_cur);
		imp_check(p, IMP_RCU_SCHED);
		rcu_read_unlock_sched();
		break;
	case IMP_BH:
		local_bh_disable();
		p = rcu_dereference_bh(imp_cur);
		imp_check(p, IMP_BH);
		local_bh_enable();
		break;
	case IMP_SPIN_BH:
		spin_lock_bh(&rd->lock);
		p = rcu_dereference_bh(imp_cur);
		imp_check(p, IMP_SPIN_BH);
		spin_unlock_bh(&rd->lock);
		break;
	case IMP_PREEMPT:
		preempt_disable();
		p = rcu_dereference_sched(imp_cur);
		imp_check(p, IMP_PREEMPT);
		preempt_enable();
		break;
	case IMP_SPIN:
		spin_lock(&rd->lock);
		p = rcu_dereference_sched(imp_cur);
		imp_check(p, IMP_SPIN);
		spin_unlock(&rd->lock);
		break;
	case IMP_IRQ:
		local_irq_disable();
		p = rcu_dereference_sched(imp_cur);
		imp_check(p, IMP_IRQ);
		local_irq_enable();
		break;
	case IMP_IRQSAVE:
		local_irq_save(flags);
		p = rcu_dereference_sched(imp_cur);
		imp_check(p, IMP_IRQSAVE);
		local_irq_restore(flags);
		break;
	}
}

static int imp_reader_thread(void *arg)
{
	struct imp_reader *rd = arg;
	int i;

	while (!READ_ONCE(imp_stop)) {
		for (i = 0; i < 8; i++)
			imp_read_one(rd);
		cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

/* Softirq and hardirq readers: the handler itself is the reader. */
static void imp_burst(int kind)
{
	struct imp_elem *p;
	uint i;

	for (i = 0; i < burst; i++) {
		if (kind == IMP_IRQ_WORK)
			p = rcu_dereference_sched(imp_cur);
		else
			p = rcu_dereference_bh(imp_cur);
		imp_check(p, kind);
	}
}

struct imp_cpu {
	struct timer_list timer;
	struct tasklet_struct tasklet;
	struct irq_work irq_work;
	bool armed;
};
static DEFINE_PER_CPU(struct imp_cpu, imp_cpus);

static void imp_tasklet_fn(struct tasklet_struct *t)
{
	imp_burst(IMP_TASKLET);
}

static void imp_irq_work_fn(struct irq_work *w)
{
	imp_burst(IMP_IRQ_WORK);
}

/* Pinned: runs on its reader CPU, and queues the other two there. */
static void imp_timer_fn(struct timer_list *t)
{
	struct imp_cpu *c = from_timer(c, t, timer);

	imp_burst(IMP_TIMER);
	tasklet_schedule(&c->tasklet);
	irq_work_queue(&c->irq_work);
	if (!READ_ONCE(imp_stop))
		mod_timer(t, jiffies + 1);
}

static void imp_irq_readers_start(int cpu)
{
	struct imp_cpu *c = per_cpu_ptr(&imp_cpus, cpu);

	timer_setup(&c->timer, imp_timer_fn, TIMER_PINNED);
	tasklet_setup(&c->tasklet, imp_tasklet_fn);
	c->irq_work = IRQ_WORK_INIT_HARD(imp_irq_work_fn);
	c->timer.expires = jiffies + 1;
	add_timer_on(&c->timer, cpu);
	c->armed = true;
}

static void imp_irq_readers_stop(void)
{
	struct imp_cpu *c;
	int cpu;

	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(&imp_cpus, cpu);
		if (!c->armed)
			continue;
		timer_shutdown_sync(&c->timer);	/* it queued the other two */
		tasklet_kill(&c->tasklet);
		irq_work_sync(&c->irq_work);
		c->armed = false;
	}
}

/* ---- updaters ---------------------------------------------------------------- */

static void imp_cb(struct rcu_head *rh)
{
	atomic_long_inc(&imp_cbs);
	imp_poison(container_of(rh, struct imp_elem, rh));
}

static void imp_rwork_fn(struct work_struct *work)
{
	atomic_long_inc(&imp_cbs);
	imp_poison(container_of(to_rcu_work(work), struct imp_elem, rwork));
}

/*
 * After the GP of its API ended, a cookie must poll as done. pvrcu
 * promises that; the kernel's unsigned long cookies may miss a GP when
 * normal and expedited GPs overlap (its _full ones may not), so the
 * native build counts those without calling them errors.
 */
static bool imp_poll_strict(int api)
{
	return IMP_MAPPED || api == IMP_W_FULL;
}

static void imp_check_cookie(int api, bool done)
{
	if (!done)
		atomic_long_inc(&imp_err_poll[api]);
}

/* Until a polled GP ended: false (and an error) after 60 s. */
static bool imp_poll_timeout(int api, unsigned long deadline)
{
	if (time_after(jiffies, deadline)) {
		pr_err("%s: GP did not end within 60 s\n", imp_api_names[api]);
		atomic_long_inc(&imp_err_poll[api]);
		return true;
	}
	usleep_range(20, 50);
	return false;
}

static void imp_poll_wait(int api, unsigned long cookie)
{
	unsigned long deadline = jiffies + 60 * HZ;

	while (!poll_state_synchronize_rcu(cookie))
		if (imp_poll_timeout(api, deadline))
			return;
}

/* The four _full forms in turn. */
static void imp_retire_full(unsigned long n)
{
	unsigned long deadline = jiffies + 60 * HZ;
	struct rcu_gp_oldstate s;

	switch (n % 4) {
	case 0:
		start_poll_synchronize_rcu_full(&s);
		break;
	case 1:
		start_poll_synchronize_rcu_expedited_full(&s);
		break;
	case 2:
		get_state_synchronize_rcu_full(&s);
		cond_synchronize_rcu_full(&s);
		imp_check_cookie(IMP_W_FULL, poll_state_synchronize_rcu_full(&s));
		return;
	default:
		get_state_synchronize_rcu_full(&s);
		cond_synchronize_rcu_expedited_full(&s);
		imp_check_cookie(IMP_W_FULL, poll_state_synchronize_rcu_full(&s));
		return;
	}
	while (!poll_state_synchronize_rcu_full(&s))
		if (imp_poll_timeout(IMP_W_FULL, deadline))
			return;
}

static void imp_retire(int api, struct imp_elem *old, unsigned long n)
{
	unsigned long cookie;

	WRITE_ONCE(old->api, api);
	switch (api) {
	case IMP_W_SYNC:
		cookie = get_state_synchronize_rcu();
		synchronize_rcu();
		imp_check_cookie(api, poll_state_synchronize_rcu(cookie));
		imp_poison(old);
		break;
	case IMP_W_EXP:
		cookie = get_state_synchronize_rcu();
		synchronize_rcu_expedited();
		imp_check_cookie(api, poll_state_synchronize_rcu(cookie));
		imp_poison(old);
		break;
	case IMP_W_CALL:
		call_rcu(&old->rh, imp_cb);
		break;
	case IMP_W_KFREE:
		atomic_long_dec(&imp_live);
		kfree_rcu(old, rh);
		break;
	case IMP_W_KFREE_MS:
		atomic_long_dec(&imp_live);
		kfree_rcu_mightsleep(old);
		break;
	case IMP_W_POLL:
		imp_poll_wait(api, start_poll_synchronize_rcu());
		imp_poison(old);
		break;
	case IMP_W_COND:
		cookie = get_state_synchronize_rcu();
		if (n & 1)
			schedule_timeout_uninterruptible(1);
		cond_synchronize_rcu(cookie);
		imp_check_cookie(api, poll_state_synchronize_rcu(cookie));
		imp_poison(old);
		break;
	case IMP_W_POLL_EXP:
		imp_poll_wait(api, start_poll_synchronize_rcu_expedited());
		imp_poison(old);
		break;
	case IMP_W_COND_EXP:
		cookie = get_state_synchronize_rcu();
		if (n & 1)
			schedule_timeout_uninterruptible(1);
		cond_synchronize_rcu_expedited(cookie);
		imp_check_cookie(api, poll_state_synchronize_rcu(cookie));
		imp_poison(old);
		break;
	case IMP_W_FULL:
		imp_retire_full(n);
		imp_poison(old);
		break;
	case IMP_W_RWORK:
		INIT_RCU_WORK(&old->rwork, imp_rwork_fn);
		queue_rcu_work(imp_wq, &old->rwork);
		break;
	}
}

/* One writer per API, all on the updater CPU, sharing the element. */
static int imp_writer_thread(void *arg)
{
	int api = (long)arg;
	struct imp_elem *p, *old;
	unsigned long n = 0;

	while (!READ_ONCE(imp_stop)) {
		if (atomic_long_read(&imp_live) > IMP_MAX_LIVE) {
			schedule_timeout_uninterruptible(1);
			continue;
		}
		p = imp_alloc();
		if (!p) {
			schedule_timeout_uninterruptible(1);
			continue;
		}
		mutex_lock(&imp_update_mutex);
		old = rcu_dereference_protected(imp_cur,
						lockdep_is_held(&imp_update_mutex));
		rcu_assign_pointer(imp_cur, p);
		mutex_unlock(&imp_update_mutex);
		if (old) {
			imp_retire(api, old, n++);
			atomic_long_inc(&imp_retired[api]);
		}
		/* The APIs that need not wait: leave the readers some time. */
		if (api == IMP_W_CALL || api == IMP_W_KFREE ||
		    api == IMP_W_KFREE_MS || api == IMP_W_RWORK)
			usleep_range(50, 100);
		cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

/* Frees what was poisoned at least one round (20 ms) ago. */
static int imp_reaper_thread(void *arg)
{
	while (!READ_ONCE(imp_stop)) {
		schedule_timeout_idle(max(1UL, msecs_to_jiffies(20)));
		imp_free_list(imp_grave_old);
		imp_grave_old = llist_del_all(&imp_grave);
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

/* ---- the run ------------------------------------------------------------------- */

static struct task_struct **imp_tasks;
static int imp_ntasks;
static struct imp_reader *imp_readers;

static int imp_start(int (*fn)(void *), void *arg, int cpu, const char *name,
		     int a, int b)
{
	struct task_struct *t;

	t = kthread_create(fn, arg, "pvimp_%s%d/%d", name, a, b);
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, cpu);
	imp_tasks[imp_ntasks++] = t;
	wake_up_process(t);
	return 0;
}

/* Folds the per-CPU counters; called once every reader has stopped. */
static void imp_totals(unsigned long *reads, unsigned long *poisoned,
		       unsigned long *nested, unsigned long *bad_ctx,
		       unsigned long *found)
{
	const struct imp_pcpu *s;
	int cpu, k;

	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(&imp_pcpu, cpu);
		for (k = 0; k < IMP_NKINDS; k++) {
			reads[k] += s->reads[k];
			poisoned[k] += s->poisoned[k];
			nested[k] += s->poisoned_nested[k];
			bad_ctx[k] += s->bad_ctx[k];
		}
		for (k = 0; k < IMP_NFOUND; k++)
			found[k] += s->found[k];
	}
}

static void imp_report(unsigned long gps, u64 ms)
{
	unsigned long reads[IMP_NKINDS] = { 0 }, poisoned[IMP_NKINDS] = { 0 };
	unsigned long nested[IMP_NKINDS] = { 0 }, bad_ctx[IMP_NKINDS] = { 0 };
	unsigned long found[IMP_NFOUND] = { 0 };
	unsigned long all_reads = 0, marked = 0, implicit = 0, ctx = 0;
	long idle = 0, poll = 0, missed = 0, errors;
	long cbs = atomic_long_read(&imp_cbs);
	bool pass;
	int k, cpu;

	imp_totals(reads, poisoned, nested, bad_ctx, found);
	for (k = 0; k < IMP_NKINDS; k++) {
		cpumask_clear(&imp_kind_cpus);
		for_each_possible_cpu(cpu)
			if (per_cpu_ptr(&imp_pcpu, cpu)->reads[k])
				cpumask_set_cpu(cpu, &imp_kind_cpus);
		pr_info("reader %s: reads=%lu errors=%lu (poisoned %lu, %lu of them with a nested rcu_read_lock(); wrong context %lu) on CPUs %*pbl%s\n",
			imp_kind_names[k], reads[k], poisoned[k] + bad_ctx[k],
			poisoned[k], nested[k], bad_ctx[k],
			cpumask_pr_args(&imp_kind_cpus),
			IMP_MAPPED && k <= IMP_RCU_SCHED ?
			" (a pvrcu reader: the control)" : "");
		all_reads += reads[k];
		ctx += bad_ctx[k];
		if (k <= IMP_RCU_SCHED)
			marked += poisoned[k];
		else
			implicit += poisoned[k];
		if (!reads[k])
			idle++;
	}
	for (k = 0; k < IMP_NAPIS; k++) {
		if (k == IMP_W_KFREE || k == IMP_W_KFREE_MS)
			pr_info("updates retired by %s: %ld; poisoned reads of them: counted as freed by the slab, below\n",
				imp_api_names[k],
				atomic_long_read(&imp_retired[k]));
		else
			pr_info("updates retired by %s: %ld; poisoned reads of them: %lu; cookies not done after the GP: %ld\n",
				imp_api_names[k],
				atomic_long_read(&imp_retired[k]), found[k],
				atomic_long_read(&imp_err_poll[k]));
		if (imp_poll_strict(k))
			poll += atomic_long_read(&imp_err_poll[k]);
		else
			missed += atomic_long_read(&imp_err_poll[k]);
	}
	for (k = IMP_NAPIS; k < IMP_NFOUND; k++)
		pr_info("poisoned reads that found the element %s: %lu\n",
			imp_api_names[k], found[k]);
	if (!IMP_MAPPED)
		pr_info("unsigned long cookies not done after their GP: %ld (no error: the kernel's may miss a GP when normal and expedited GPs overlap)\n",
			missed);
	pr_info("%llu ms, hold %u us%s; poisoned reads: %lu in rcu_read_lock/_bh/_sched readers, %lu in the others; errors: wrong context %lu, poll %ld, leak %ld, kinds that never ran %ld\n",
		ms, hold_us, nest ? ", every other read nesting rcu_read_lock()" : "",
		marked, implicit, ctx, poll,
		atomic_long_read(&imp_err_leak), idle);
	errors = marked + implicit + ctx + poll +
		 atomic_long_read(&imp_err_leak) + idle;
	pass = !errors && all_reads && gps && cbs;
	printk(KERN_INFO "pvrcu-torture: flavor=%s duration=%d reads=%lu gps=%lu callbacks=%ld errors=%ld result=%s\n",
	       IMP_FLAVOR, duration, all_reads, gps, cbs, errors,
	       pass ? "PASS" : "FAIL");
}

static int imp_start_all(void)
{
	int cpu, k, i = 0, ret;

	for_each_cpu(cpu, &imp_reader_cpus) {
		for (k = 0; k < IMP_NTHREAD_KINDS; k++, i++) {
			imp_readers[i].kind = k;
			spin_lock_init(&imp_readers[i].lock);
			ret = imp_start(imp_reader_thread, &imp_readers[i], cpu,
					"r", k, cpu);
			if (ret)
				return ret;
		}
		imp_irq_readers_start(cpu);
	}
	for (k = 0; k < IMP_NAPIS; k++) {
		ret = imp_start(imp_writer_thread, (void *)(long)k, updater_cpu,
				"w", k, updater_cpu);
		if (ret)
			return ret;
	}
	return imp_start(imp_reaper_thread, NULL, updater_cpu, "reap", 0,
			 updater_cpu);
}

/* Every retired element is freed, kfree_rcu()'s ones by the kernel. */
static void imp_drain(void)
{
	struct imp_elem *p;
	int i;

	mutex_lock(&imp_update_mutex);
	p = rcu_dereference_protected(imp_cur,
				      lockdep_is_held(&imp_update_mutex));
	RCU_INIT_POINTER(imp_cur, NULL);
	mutex_unlock(&imp_update_mutex);
	synchronize_rcu();
	if (p) {
		atomic_long_dec(&imp_live);
		kmem_cache_free(imp_cache, p);
	}
	rcu_barrier();
	flush_workqueue(imp_wq);
	imp_free_list(imp_grave_old);
	imp_grave_old = NULL;
	imp_free_list(llist_del_all(&imp_grave));
	if (atomic_long_read(&imp_live)) {
		pr_err("%ld elements never freed\n", atomic_long_read(&imp_live));
		atomic_long_inc(&imp_err_leak);
	}
	/*
	 * The kernel's kfree_rcu() batches for seconds and rcu_barrier()
	 * does not wait for it (6.1): wait until the cache is empty.
	 */
	for (i = 0; i < 300 && kmem_cache_shrink(imp_cache); i++) {
		msleep(100);
		rcu_barrier();
	}
	if (kmem_cache_shrink(imp_cache)) {
		pr_err("kfree_rcu() left objects in the cache after 30 s; it is kept\n");
		atomic_long_inc(&imp_err_leak);
		imp_cache_busy = true;
	}
}

static int __init imp_init(void)
{
	struct imp_elem *p;
	unsigned long g0, gps;
	int nthreads, ret, i;
	u64 t0;
#ifndef PVRCU_IMPLICIT_NATIVE
	struct pvrcu_stats st0, st1;
#endif

	if (duration < 1 || !hold_us || !burst || burst > 1000)
		return -EINVAL;
	imp_hold_ns = (u64)hold_us * NSEC_PER_USEC;
	cpus_read_lock();
	if (updater_cpu < 0 || updater_cpu >= nr_cpu_ids ||
	    !cpu_online(updater_cpu)) {
		cpus_read_unlock();
		pr_err("updater_cpu=%d is not online\n", updater_cpu);
		return -EINVAL;
	}
	cpumask_andnot(&imp_reader_cpus, cpu_online_mask, cpumask_of(updater_cpu));
	cpus_read_unlock();
	if (cpumask_empty(&imp_reader_cpus)) {
		pr_err("needs 2 online CPUs: one for the updaters, the others for readers\n");
		return -EINVAL;
	}

	nthreads = cpumask_weight(&imp_reader_cpus) * IMP_NTHREAD_KINDS;
	imp_readers = kcalloc(nthreads, sizeof(*imp_readers), GFP_KERNEL);
	imp_tasks = kcalloc(nthreads + IMP_NAPIS + 1, sizeof(*imp_tasks),
			    GFP_KERNEL);
	imp_cache = kmem_cache_create(KBUILD_MODNAME, sizeof(struct imp_elem),
				      0, SLAB_POISON, NULL);
	imp_wq = alloc_workqueue(KBUILD_MODNAME, 0, 0);
	ret = -ENOMEM;
	if (!imp_readers || !imp_tasks || !imp_cache || !imp_wq)
		goto out_free;
	p = imp_alloc();
	if (!p)
		goto out_free;
	rcu_assign_pointer(imp_cur, p);

#ifdef PVRCU_IMPLICIT_NATIVE
	pr_info("start: flavor=%s duration=%d s, hold %u us, updaters on CPU %d, readers on CPUs %*pbl: %d threads and timer/tasklet/irq_work bursts of %u each; grace periods from the kernel's RCU (built without pvrcu_checklist.h)\n",
		IMP_FLAVOR, duration, hold_us, updater_cpu,
		cpumask_pr_args(&imp_reader_cpus), nthreads, burst);
#else
	pvrcu_get_stats(&st0);
	pr_info("start: flavor=%s duration=%d s, hold %u us, updaters on CPU %d, readers on CPUs %*pbl: %d threads and timer/tasklet/irq_work bursts of %u each; grace periods from %s (pvrcu_checklist.h)\n",
		IMP_FLAVOR, duration, hold_us, updater_cpu,
		cpumask_pr_args(&imp_reader_cpus), nthreads, burst,
		st0.device ? "the virtio-rcu device" : "the kernel's RCU (no device)");
#endif
	g0 = get_state_synchronize_rcu();
	t0 = ktime_get_ns();
	ret = imp_start_all();
	if (ret)
		pr_err("cannot start threads: %d\n", ret);
	else
		msleep(duration * 1000);

	WRITE_ONCE(imp_stop, true);
	imp_irq_readers_stop();
	for (i = 0; i < imp_ntasks; i++)
		kthread_stop(imp_tasks[i]);
	imp_drain();
	gps = (get_state_synchronize_rcu() - g0) / 4;
#ifndef PVRCU_IMPLICIT_NATIVE
	pvrcu_get_stats(&st1);
	pr_info("pvrcu: %llu GP requests (%llu expedited), %llu events from the host\n",
		st1.gp_requests - st0.gp_requests,
		st1.exp_requests - st0.exp_requests, st1.events - st0.events);
	pr_info("pvrcu: quiescent states reported by a post's handler %llu (%llu of them in idle), by a pvrcu unlock %llu, by the work item %llu (posts taken inside a reader: %llu)\n",
		st1.qs_irq - st0.qs_irq, st1.qs_idle - st0.qs_idle,
		st1.qs_unlock - st0.qs_unlock, st1.qs_work - st0.qs_work,
		st1.qs_deferred - st0.qs_deferred);
#endif
	imp_report(gps, (ktime_get_ns() - t0) / NSEC_PER_MSEC);
	return 0;

out_free:
	if (imp_wq)
		destroy_workqueue(imp_wq);
	kmem_cache_destroy(imp_cache);
	kfree(imp_tasks);
	kfree(imp_readers);
	return ret;
}

static void __exit imp_exit(void)
{
	rcu_barrier();		/* checklist item 17 */
	destroy_workqueue(imp_wq);
	if (!imp_cache_busy)
		kmem_cache_destroy(imp_cache);
	kfree(imp_tasks);
	kfree(imp_readers);
}

module_init(imp_init);
module_exit(imp_exit);
#ifdef PVRCU_IMPLICIT_NATIVE
MODULE_DESCRIPTION("pvrcu_torture_implicit built on the kernel's RCU (the control)");
#else
MODULE_DESCRIPTION("pvrcu torture of item 7's implicit readers through pvrcu_checklist.h");
#endif
MODULE_LICENSE("GPL");
