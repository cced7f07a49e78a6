// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcu_selftest: the pvrcu API item by item (checklist.rst), in phases
 * that a guest scenario combines with device removal and module unload.
 *
 *   phase=api         every primitive of the API and its checklist semantics
 *   phase=rcu_normal  virtio_rcu's rcu_normal=1 turns expedited into normal
 *   phase=srcu        pvsrcu and Tasks-Trace (selftest_srcu.c)
 *   phase=srcu_limit  pvsrcu domains up to the limit, then a clean -ENOSPC
 *   phase=pending     leave callbacks pending behind a long reader, so that
 *                     the scenario removes the device and unloads this
 *                     module under them; the exit barriers, checks that
 *                     each ran once, then leaves pvkfree_rcu() objects
 *                     queued for virtio_rcu's own unload
 *
 * Each check prints "pvrcu-selftest: <check>: ok" or "... FAIL"; a phase
 * ends with "pvrcu-selftest: <phase>: result=PASS|FAIL errors=<n>".
 */
#define pr_fmt(fmt) "pvrcu-selftest: " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "pvrcu.h"
#include "selftest.h"

static char *phase = "api";
module_param(phase, charp, 0444);
MODULE_PARM_DESC(phase, "api, rcu_normal, srcu, srcu_limit or pending");
static int hold_ms = 3000;
module_param(hold_ms, int, 0444);
MODULE_PARM_DESC(hold_ms, "phase=pending: how long a reader holds the GP");
static int pending_cbs = 2000;
module_param(pending_cbs, int, 0444);
MODULE_PARM_DESC(pending_cbs, "phase=pending: callbacks to leave pending");

static int st_errors;

#define ST_REPORT(ok, name)	PVRCU_ST_REPORT(st_errors, ok, name)

struct st_obj {
	int payload[16];
	struct rcu_head rh;
};

static int __rcu *st_gp;
static DEFINE_MUTEX(st_mutex);

/* ---- callbacks ------------------------------------------------------------- */

static atomic_t st_cb_runs;
static atomic_t st_cb_bad_ctx;
static struct rcu_head st_head;
static DEFINE_PER_CPU(struct rcu_head, st_cpu_head);

static void st_cb(struct rcu_head *h)
{
	/* Checklist item 5: softirq context, or at least BH disabled. */
	if (!in_softirq() || irqs_disabled())
		atomic_inc(&st_cb_bad_ctx);
	atomic_inc(&st_cb_runs);
}

static void st_queue_here(void *info)
{
	pvrcu_call(this_cpu_ptr(&st_cpu_head), st_cb);
}

static void st_readers(void)
{
	bool ok = !pvrcu_read_lock_held();

	pvrcu_read_lock();
	ok &= pvrcu_read_lock_held() && !preemptible();
	pvrcu_read_lock_bh();
	ok &= pvrcu_read_lock_held() && in_softirq();
	pvrcu_read_unlock_bh();
	ok &= pvrcu_read_lock_held();
	pvrcu_read_unlock();
	ok &= !pvrcu_read_lock_held() && preemptible();
	pvrcu_read_lock_sched();
	ok &= pvrcu_read_lock_held();
	pvrcu_read_unlock_sched();
	ok &= !pvrcu_read_lock_held();
	ST_REPORT(ok, "readers nest, _bh disables BH, held tracks depth");
}

static void st_dereference(void)
{
	static int value = 7;
	int *p;
	bool ok;

	pvrcu_assign_pointer(st_gp, &value);
	pvrcu_read_lock();
	p = pvrcu_dereference(st_gp);
	ok = p && *p == 7;
	pvrcu_read_unlock();
	mutex_lock(&st_mutex);
	p = pvrcu_dereference_check(st_gp, lockdep_is_held(&st_mutex));
	ok &= p == &value;
	mutex_unlock(&st_mutex);
	ST_REPORT(ok, "dereference and assign_pointer");
	/*
	 * Outside any reader and without a condition: with virtio_rcu's
	 * debug=1 this reports "suspicious pvrcu_dereference_check() usage"
	 * (the scenario checks for that line).
	 */
	p = pvrcu_dereference(st_gp);
	pvrcu_assign_pointer(st_gp, NULL);
}

static void st_synchronize(bool expect_exp)
{
	struct pvrcu_stats a, b;
	unsigned long cookie;
	bool ok;

	cookie = pvrcu_get_state();
	pvrcu_synchronize();
	ok = pvrcu_poll_state(cookie);
	ST_REPORT(ok, "synchronize completes a cookie taken before it");

	pvrcu_get_stats(&a);
	cookie = pvrcu_get_state();
	pvrcu_synchronize_expedited();
	ok = pvrcu_poll_state(cookie);
	pvrcu_get_stats(&b);
	ST_REPORT(ok, "synchronize_expedited completes a cookie");
	if (!a.device)
		return;
	if (expect_exp)
		ST_REPORT(b.exp_requests > a.exp_requests,
			  "expedited requests reach the device");
	else
		ST_REPORT(b.exp_requests == a.exp_requests,
			  "rcu_normal: expedited became normal");
}

static void st_polled(void)
{
	unsigned long cookie = pvrcu_start_poll();
	int i;

	for (i = 0; i < 10 * HZ && !pvrcu_poll_state(cookie); i++)
		schedule_timeout_uninterruptible(1);
	ST_REPORT(pvrcu_poll_state(cookie), "start_poll then poll_state");
	cookie = pvrcu_get_state();
	pvrcu_cond_synchronize(cookie);
	ST_REPORT(pvrcu_poll_state(cookie), "get_state then cond_synchronize");
}

static void st_call(void)
{
	int cpu, n = 0;

	atomic_set(&st_cb_runs, 0);
	pvrcu_call(&st_head, st_cb);
	pvrcu_barrier();
	ST_REPORT(atomic_read(&st_cb_runs) == 1 && !atomic_read(&st_cb_bad_ctx),
		  "call runs the callback once, BH disabled");

	/* From interrupt context on every CPU, then barrier (item 17). */
	atomic_set(&st_cb_runs, 0);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		smp_call_function_single(cpu, st_queue_here, NULL, 1);
		n++;
	}
	cpus_read_unlock();
	pvrcu_barrier();
	ST_REPORT(atomic_read(&st_cb_runs) == n && !atomic_read(&st_cb_bad_ctx),
		  "barrier waits for callbacks queued from IRQs on every CPU");
}

/* Checklist item 16: the second queuing is reported and dropped. */
static void st_double_queue(void)
{
	struct pvrcu_stats a, b;

	atomic_set(&st_cb_runs, 0);
	pvrcu_get_stats(&a);
	pvrcu_call(&st_head, st_cb);
	pvrcu_call(&st_head, st_cb);	/* bug on purpose */
	pvrcu_barrier();
	pvrcu_get_stats(&b);
	ST_REPORT(b.cb_double == a.cb_double + 1 && atomic_read(&st_cb_runs) == 1,
		  "rcu_head queued twice is detected, callback runs once");
}

static void st_kvfree(void)
{
	struct pvrcu_stats a, b;
	struct st_obj *k, *v, *m;

	pvrcu_get_stats(&a);
	k = kmalloc(sizeof(*k), GFP_KERNEL);
	v = vmalloc(sizeof(*v));
	m = kmalloc(sizeof(*m), GFP_KERNEL);
	pvkfree_rcu(k, rh);
	pvkvfree_rcu(v, rh);
	pvkvfree_rcu(m);		/* no rcu_head: waits, may sleep */
	pvkfree_rcu_mightsleep(kmalloc(8, GFP_KERNEL));
	pvkfree_rcu((struct st_obj *)NULL, rh);	/* NULL is fine */
	pvrcu_barrier();
	pvrcu_get_stats(&b);
	ST_REPORT(b.cb_invoked - a.cb_invoked >= 2,
		  "kfree_rcu and kvfree_rcu (kmalloc, vmalloc, headless)");
}

static atomic_t st_work_runs;
static bool st_work_in_irq;

static void st_work_fn(struct work_struct *w)
{
	st_work_in_irq = in_interrupt();
	atomic_inc(&st_work_runs);
}

static void st_rcu_work(void)
{
	struct rcu_work rw;
	bool first, second;

	INIT_RCU_WORK_ONSTACK(&rw, st_work_fn);
	first = pvqueue_rcu_work(system_wq, &rw);
	second = pvqueue_rcu_work(system_wq, &rw);
	pvflush_rcu_work(&rw);
	ST_REPORT(first && !second && atomic_read(&st_work_runs) == 1 &&
		  !st_work_in_irq,
		  "queue_rcu_work runs the work once, in process context");
	destroy_work_on_stack(&rw.work);
}

/* ---- a long reader on another CPU --------------------------------------------- */

/* The kinds of reader the holder sits in. */
enum { ST_HOLD_PVRCU, ST_HOLD_TASKS, ST_HOLD_RUDE };

static struct task_struct *st_holder;
static DECLARE_COMPLETION(st_holding);
static int st_hold_for, st_hold_kind;
static bool st_hold_done;	/* set just before the reader ends */

static int st_hold_fn(void *arg)
{
	if (st_hold_kind == ST_HOLD_PVRCU)
		pvrcu_read_lock();
	else if (st_hold_kind == ST_HOLD_RUDE)
		preempt_disable();
	/* ST_HOLD_TASKS: busy in the kernel, no voluntary context switch. */
	complete(&st_holding);
	mdelay(st_hold_for);
	WRITE_ONCE(st_hold_done, true);
	if (st_hold_kind == ST_HOLD_PVRCU)
		pvrcu_read_unlock();
	else if (st_hold_kind == ST_HOLD_RUDE)
		preempt_enable();
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

/* Returns the CPU that now sits in a reader of @kind for @ms, or -1. */
static int st_hold_start_kind(int ms, int kind)
{
	int cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());

	if (cpu >= nr_cpu_ids)
		return -1;
	st_hold_for = ms;
	st_hold_kind = kind;
	WRITE_ONCE(st_hold_done, false);
	reinit_completion(&st_holding);
	st_holder = kthread_create(st_hold_fn, NULL, "pvrcu_st_hold");
	if (IS_ERR(st_holder))
		return -1;
	kthread_bind(st_holder, cpu);
	wake_up_process(st_holder);
	wait_for_completion(&st_holding);
	return cpu;
}

static int st_hold_start(int ms)
{
	return st_hold_start_kind(ms, ST_HOLD_PVRCU);
}

/* Waits until the reader has ended. */
static void st_hold_stop(void)
{
	kthread_stop(st_holder);
}

/*
 * Checklist item 8: while a reader holds the GP, a sleepable flooder is
 * held back once its CPU has qhimark callbacks, so memory stays bounded.
 */
static void st_self_limit(void)
{
	long n, max = 0, bound, total;
	struct pvrcu_stats a, b, s;
	struct st_obj *o;

	if (st_hold_start(1500) < 0) {
		pr_info("self-limit: needs two online CPUs, skipped\n");
		return;
	}
	pvrcu_get_stats(&a);
	total = a.qhimark + 1000;
	bound = a.qhimark + 100;
	for (n = 0; n < total; n++) {
		o = kmalloc(sizeof(*o), GFP_KERNEL);
		if (!o)
			break;
		pvkfree_rcu(o, rh);
		if (!(n % 64)) {
			pvrcu_get_stats(&s);
			max = max_t(long, max, s.cb_pending - a.cb_pending);
		}
	}
	st_hold_stop();
	pvrcu_barrier();
	pvrcu_get_stats(&b);
	pr_info("self-limit: %ld kfree_rcu behind a reader, at most %ld pending (bound %ld), %llu waits\n",
		n, max, bound, b.cb_throttled - a.cb_throttled);
	ST_REPORT(n == total && max <= bound && b.cb_throttled > a.cb_throttled,
		  "call self-limits past qhimark");
}

/* ---- Tasks RCU and Tasks-Rude RCU ----------------------------------------- */

struct st_tflavor {
	const char *name;
	void (*sync)(void);
	void (*call)(struct rcu_head *head, rcu_callback_t func);
	void (*cb_barrier)(void);
	int hold_kind;
};

static u64 st_tf_gps(const struct st_tflavor *f)
{
	struct pvrcu_stats st;

	pvrcu_get_stats(&st);
	return f->hold_kind == ST_HOLD_TASKS ? st.tasks_gps : st.rude_gps;
}

static void st_tasks_flavor(const struct st_tflavor *f)
{
	char name[96];
	u64 gps;
	int cpu;

	gps = st_tf_gps(f);
	f->sync();
	snprintf(name, sizeof(name), "%s: synchronize ends a grace period", f->name);
	ST_REPORT(st_tf_gps(f) > gps, name);

	atomic_set(&st_cb_runs, 0);
	f->call(&st_head, st_cb);
	f->cb_barrier();
	snprintf(name, sizeof(name), "%s: call runs the callback once, BH disabled",
		 f->name);
	ST_REPORT(atomic_read(&st_cb_runs) == 1 && !atomic_read(&st_cb_bad_ctx),
		  name);

	gps = st_tf_gps(f);
	f->cb_barrier();
	snprintf(name, sizeof(name), "%s: barrier with nothing queued waits for no GP",
		 f->name);
	ST_REPORT(st_tf_gps(f) == gps, name);

	/* A reader already running on another CPU holds the grace period. */
	cpu = st_hold_start_kind(300, f->hold_kind);
	if (cpu < 0) {
		pr_info("%s: a reader on another CPU needs two online CPUs, skipped\n",
			f->name);
		return;
	}
	f->sync();
	snprintf(name, sizeof(name), "%s: synchronize waits for a reader on cpu %d",
		 f->name, cpu);
	ST_REPORT(READ_ONCE(st_hold_done), name);
	st_hold_stop();
}

static void st_tasks(void)
{
	static const struct st_tflavor flavors[] = {
		{ "tasks", pvrcu_synchronize_tasks, pvrcu_call_tasks,
		  pvrcu_barrier_tasks, ST_HOLD_TASKS },
		{ "tasks_rude", pvrcu_synchronize_tasks_rude,
		  pvrcu_call_tasks_rude, pvrcu_barrier_tasks_rude, ST_HOLD_RUDE },
	};
	struct pvrcu_stats st;
	int i;

	for (i = 0; i < ARRAY_SIZE(flavors); i++)
		st_tasks_flavor(&flavors[i]);
	pvrcu_get_stats(&st);
	pr_info("tasks: %llu GPs, %llu holdouts, %llu seen in user/guest time; tasks_rude: %llu GPs, %llu CPUs worked, %llu halted CPUs skipped\n",
		st.tasks_gps, st.tasks_holdouts, st.tasks_user_qs, st.rude_gps,
		st.rude_cpus_worked, st.rude_cpus_skipped);
}

static void st_api(void)
{
	st_readers();
	st_dereference();
	st_synchronize(true);
	st_polled();
	st_call();
	st_double_queue();
	st_kvfree();
	st_rcu_work();
	st_self_limit();
	st_tasks();
	ST_REPORT(!pvrcu_selftest_checklist(),
		  "checklist names map onto pvrcu (pvrcu_checklist.h)");
}

/* ---- phase=pending ------------------------------------------------------------ */

static atomic_t st_pending_runs;
static struct rcu_head *st_pending_heads;

static void st_pending_cb(struct rcu_head *h)
{
	atomic_inc(&st_pending_runs);
}

static int st_pending_start(void)
{
	struct st_obj *o;
	int i, cpu;

	st_pending_heads = kcalloc(pending_cbs, sizeof(*st_pending_heads),
				   GFP_KERNEL);
	if (!st_pending_heads)
		return -ENOMEM;
	cpu = st_hold_start(hold_ms);
	if (cpu < 0) {
		kfree(st_pending_heads);
		return -EINVAL;
	}
	for (i = 0; i < pending_cbs; i++) {
		pvrcu_call(&st_pending_heads[i], st_pending_cb);
		o = kmalloc(sizeof(*o), GFP_KERNEL);
		pvkfree_rcu(o, rh);
	}
	pr_info("pending: %d callbacks and %d kfree_rcu queued behind a %d ms reader on cpu %d\n",
		pending_cbs, pending_cbs, hold_ms, cpu);
	return 0;
}

static void st_pending_finish(void)
{
	struct st_obj *o;
	int i;

	pr_info("pending: unloading with %d of %d callbacks not yet run\n",
		pending_cbs - atomic_read(&st_pending_runs), pending_cbs);
	st_hold_stop();
	pvrcu_barrier();	/* item 17: none may run after we are gone */
	ST_REPORT(atomic_read(&st_pending_runs) == pending_cbs,
		  "pending callbacks ran once across device removal");
	pr_info("pending: result=%s errors=%d\n",
		st_errors ? "FAIL" : "PASS", st_errors);
	kfree(st_pending_heads);
	/* Memory only, no code of ours: virtio_rcu's unload frees it. */
	for (i = 0; i < pending_cbs; i++) {
		o = kmalloc(sizeof(*o), GFP_KERNEL);
		pvkfree_rcu(o, rh);
	}
	pr_info("left %d kfree_rcu objects queued at unload\n", pending_cbs);
}

static bool st_pending;

static int __init st_init(void)
{
	int ret = 0;

	if (!strcmp(phase, "api")) {
		st_api();
	} else if (!strcmp(phase, "rcu_normal")) {
		st_synchronize(false);
	} else if (!strcmp(phase, "srcu")) {
		st_errors += pvrcu_selftest_srcu();
	} else if (!strcmp(phase, "srcu_limit")) {
		st_errors += pvrcu_selftest_srcu_limit();
	} else if (!strcmp(phase, "pending")) {
		ret = st_pending_start();
		st_pending = !ret;
	} else {
		pr_err("unknown phase=%s\n", phase);
		ret = -EINVAL;
	}
	if (!st_pending && !ret)
		pr_info("%s: result=%s errors=%d\n", phase,
			st_errors ? "FAIL" : "PASS", st_errors);
	return ret;
}

static void __exit st_exit(void)
{
	if (st_pending)
		st_pending_finish();
	else
		pvrcu_barrier();	/* item 17 */
	pvrcu_selftest_srcu_exit();
	pvrcu_barrier_tasks();
	pvrcu_barrier_tasks_rude();
}

module_init(st_init);
module_exit(st_exit);
MODULE_DESCRIPTION("pvrcu API self-test, checklist item by item");
MODULE_LICENSE("GPL");
