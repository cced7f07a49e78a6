// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcu Tasks RCU and Tasks-Rude RCU: grace periods computed in the guest.
 *
 * Neither flavour has read-side markers, so the host cannot see their
 * readers; the guest computes their grace periods (GPs) itself, with the
 * pvrcu GP as a building block:
 *
 * - Tasks: a reader is any stretch of kernel code between two voluntary
 *   context switches of a task. A GP waits until every task that was on a
 *   runqueue when it began, other than idle tasks and the GP's own worker,
 *   has blocked (its voluntary switch count moved), left the runqueue, or
 *   been seen by the tick in user or guest mode (its utime moved). The
 *   scan runs between two pvrcu_synchronize() calls, as the kernel's Tasks
 *   RCU brackets its scan with synchronize_rcu().
 * - Tasks-Rude: a reader is any preemption-disabled region. A GP runs a
 *   work item on every online CPU, as the kernel's schedule_on_each_cpu()
 *   (not exported) does, but skips a CPU that the host saw halted in its
 *   idle loop during a pvrcu GP that started after this GP began (only
 *   with VIRTIO_RCU_F_RUN_STATE).
 *
 * Callbacks of each flavour go on one list. A work item takes the whole
 * list as a batch, waits for one GP of the flavour (it began after every
 * callback of the batch was queued) and invokes the batch with bottom
 * halves disabled (checklist item 5). Synchronize is a callback plus a
 * completion; barrier queues a marker behind everything queued so far.
 */
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "pvrcu_internal.h"

#define TASKS_POLL_MAX		(HZ / 10 ?: 1)	/* longest wait between holdout scans */
#define TASKS_STALL_SECS	60		/* report holdouts this often */
#define TASKS_STALL_SHOW	4		/* ... and show this many of them */

struct pvrcu_tflavor {
	void (*wait_gp)(void);		/* one full GP of the flavour */
	struct pvrcu_cbq cbq;		/* its callbacks */
};

static void pvrcu_tf_wait_gp(struct pvrcu_cbq *q)
{
	container_of(q, struct pvrcu_tflavor, cbq)->wait_gp();
}

/* ---- Tasks RCU: the holdout scan --------------------------------------- */

struct pvrcu_holdout {
	struct task_struct *t;
	unsigned long nvcsw;	/* voluntary context switches at the scan */
	u64 utime;		/* user (and guest) time at the scan */
};

/* Only the Tasks GP work uses these; one GP runs at a time. */
static struct pvrcu_holdout *tasks_ho;
static unsigned int tasks_nho, tasks_cap;

static bool pvrcu_tasks_wanted(struct task_struct *t)
{
	return t != current && READ_ONCE(t->on_rq) && !is_idle_task(t);
}

/* Take a reference and the counters; room was checked by the caller. */
static void pvrcu_tasks_hold(struct task_struct *t)
{
	struct pvrcu_holdout *h = &tasks_ho[tasks_nho++];

	get_task_struct(t);
	h->t = t;
	h->nvcsw = READ_ONCE(t->nvcsw);
	h->utime = READ_ONCE(t->utime);
}

static void pvrcu_tasks_release(unsigned int i)
{
	put_task_struct(tasks_ho[i].t);
	tasks_ho[i] = tasks_ho[--tasks_nho];
}

/*
 * Put every task that may be in a reader on the holdout list. Returns how
 * many were wanted: more than tasks_cap means the list was too short and
 * holds only the first tasks_cap of them.
 *
 * The task list is walked under the kernel's rcu_read_lock(), as the
 * kernel's Tasks RCU does (tasklist_lock is not exported to modules). An
 * exiting task leaves the list in release_task() and still runs the end
 * of do_exit() before its last context switch; on x86 such a task is also
 * found while it runs on a CPU (the per-CPU current task).
 */
static unsigned int pvrcu_tasks_scan(void)
{
	struct task_struct *g, *t;
	unsigned int want = 0;
	int cpu __maybe_unused;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		if (!pvrcu_tasks_wanted(t))
			continue;
		if (want++ < tasks_cap)
			pvrcu_tasks_hold(t);
	}
#ifdef CONFIG_X86
	for_each_online_cpu(cpu) {
		t = READ_ONCE(per_cpu(current_task, cpu));
		if (pid_alive(t) || !pvrcu_tasks_wanted(t))
			continue;	/* on the task list, or no reader */
		if (want++ < tasks_cap)
			pvrcu_tasks_hold(t);
	}
#endif
	rcu_read_unlock();
	return want;
}

/* Fill the holdout list, growing it as needed; sleeps. */
static void pvrcu_tasks_fill(void)
{
	struct pvrcu_holdout *ho;
	unsigned int want, cap;

	for (;;) {
		want = pvrcu_tasks_scan();
		if (want <= tasks_cap)
			return;
		while (tasks_nho)
			pvrcu_tasks_release(tasks_nho - 1);
		cap = want + want / 2 + 16;
		ho = kvmalloc_array(cap, sizeof(*ho), GFP_KERNEL);
		if (!ho) {
			/* Never skip a task: wait for memory and scan again. */
			schedule_timeout_idle(HZ / 10 ?: 1);
			continue;
		}
		kvfree(tasks_ho);
		tasks_ho = ho;
		tasks_cap = cap;
	}
}

/*
 * Has the task passed a quiescent state since the scan? It blocked (a
 * voluntary switch, or off the runqueue), or the tick charged it user or
 * guest time. utime moves only in account_user_time() and
 * account_guest_time(), called for the task the tick interrupted in user
 * or guest mode (or, with nohz_full, when it enters the kernel from user
 * mode): at that moment the task ran no kernel code of its own, so a
 * reader it was in had ended. This is the kernel's own rule (user-mode
 * ticks and guest entry are quiescent states for Tasks RCU), seen through
 * the accounting because its hook is not open to modules. A preemption
 * (nivcsw) is no quiescent state.
 */
static bool pvrcu_tasks_qs(struct pvrcu_holdout *h, bool *user)
{
	struct task_struct *t = h->t;

	*user = false;
	if (!READ_ONCE(t->on_rq) || READ_ONCE(t->nvcsw) != h->nvcsw)
		return true;
	*user = READ_ONCE(t->utime) != h->utime;
	return *user;
}

static void pvrcu_tasks_stall(unsigned long start)
{
	unsigned int i;

	pr_warn("pvrcu: Tasks RCU grace period waiting %u s for %u task(s):\n",
		jiffies_to_msecs(jiffies - start) / 1000, tasks_nho);
	for (i = 0; i < tasks_nho && i < TASKS_STALL_SHOW; i++) {
		struct task_struct *t = tasks_ho[i].t;

		pr_warn("pvrcu:   %s[%d] on_rq=%d nvcsw=%lu (at scan %lu)\n",
			t->comm, task_pid_nr(t), READ_ONCE(t->on_rq),
			READ_ONCE(t->nvcsw), tasks_ho[i].nvcsw);
	}
}

static void pvrcu_tasks_wait_gp(void)
{
	unsigned long start = jiffies, report = start + TASKS_STALL_SECS * HZ;
	unsigned int i, held, user_qs = 0;
	long fract = 1;
	bool user;

	/*
	 * Every CPU passes a full barrier (or a VM exit) after this GP began:
	 * on_rq, nvcsw and utime stores made before it are visible to the
	 * scan, and a change the scan does not see yet was made after it.
	 */
	pvrcu_synchronize();

	pvrcu_tasks_fill();
	held = tasks_nho;
	while (tasks_nho) {
		schedule_timeout_idle(fract);
		if (fract < TASKS_POLL_MAX)
			fract++;
		for (i = 0; i < tasks_nho;) {
			if (pvrcu_tasks_qs(&tasks_ho[i], &user)) {
				user_qs += user;
				pvrcu_tasks_release(i);
			} else {
				i++;
			}
		}
		if (tasks_nho && time_after(jiffies, report)) {
			pvrcu_tasks_stall(start);
			report = jiffies + TASKS_STALL_SECS * HZ;
		}
	}

	/*
	 * Every CPU passes a full barrier after the last holdout was seen
	 * quiescent: their readers' accesses come before what follows.
	 */
	pvrcu_synchronize();

	this_cpu_inc(pvrcu_pstats.tasks_gps);
	this_cpu_add(pvrcu_pstats.tasks_holdouts, held);
	this_cpu_add(pvrcu_pstats.tasks_user_qs, user_qs);
}

static struct pvrcu_tflavor pvrcu_tasks = {
	.wait_gp = pvrcu_tasks_wait_gp,
};

void pvrcu_call_tasks(struct rcu_head *head, rcu_callback_t func)
{
	pvrcu_cbq_call(&pvrcu_tasks.cbq, head, func);
}
EXPORT_SYMBOL_GPL(pvrcu_call_tasks);

void pvrcu_synchronize_tasks(void)
{
	pvrcu_sleep_check(__func__);
	pvrcu_cbq_synchronize(&pvrcu_tasks.cbq);
}
EXPORT_SYMBOL_GPL(pvrcu_synchronize_tasks);

void pvrcu_barrier_tasks(void)
{
	pvrcu_sleep_check(__func__);
	pvrcu_cbq_barrier(&pvrcu_tasks.cbq);
}
EXPORT_SYMBOL_GPL(pvrcu_barrier_tasks);

/* ---- Tasks-Rude RCU ------------------------------------------------------ */

static DEFINE_PER_CPU(struct work_struct, pvrcu_rude_work);
static struct cpumask pvrcu_rude_queued;	/* Rude GP work only */

/* Running at all is the point: the CPU left any preemption-disabled region. */
static void pvrcu_rude_fn(struct work_struct *work)
{
}

/*
 * The device keeps the vCPU lines (VIRTIO_RCU_F_RUN_STATE) and serves GPs.
 * Skipping halted CPUs is sound only if a vCPU halts nowhere but in the
 * idle loop. With paravirtual spinlocks it also halts in a lock wait: a
 * region entered before the GP (an ftrace trampoline called from idle
 * code, say) may take a contended lock, halt, get the lock, drop it and
 * be back at the idle task's base preemption count, still inside, when
 * we look. Without CONFIG_PREEMPT_COUNT the count tells nothing. In
 * either case every CPU runs the work item.
 */
static bool pvrcu_rude_run_state(void)
{
	if (IS_ENABLED(CONFIG_PARAVIRT_SPINLOCKS) ||
	    !IS_ENABLED(CONFIG_PREEMPT_COUNT))
		return false;
	return pvrcu_gp_have_device() && pvrcu_dev_has_run_state();
}

/*
 * Was @cpu outside every reader after the Rude GP began? Asked after a
 * pvrcu GP that started after it, served by a device with
 * VIRTIO_RCU_F_RUN_STATE, so the vCPU line reflects a sample taken during
 * that GP (SPEC: at the end of every GP).
 *
 * HALTED alone is not enough: a vCPU also halts in a paravirtual spinlock
 * wait, inside whatever preemption-disabled region took the lock. So the
 * CPU must also run its idle task with no more than the idle loop's own
 * preemption count (no interrupt, no nested preempt_disable()): then it
 * halted in the idle loop, which no reader spans, or it has since
 * switched to the idle task and so left any region it was in. PREEMPTED
 * is never enough: a descheduled vCPU may be in such a region.
 */
static bool pvrcu_rude_halted(int cpu)
{
#ifdef CONFIG_X86
	const struct virtio_rcu_shm_vcpu *v = pvrcu_region +
		virtio_rcu_shm_vcpu_off(nr_cpu_ids, cpu);
	struct task_struct *t;
	bool idle;
	int pc;

	if (le32_to_cpu(READ_ONCE(v->run_state)) != VIRTIO_RCU_RUN_HALTED)
		return false;
	smp_rmb();	/* the sample (taken after the GP began) first */
	rcu_read_lock();
	t = READ_ONCE(per_cpu(current_task, cpu));
	idle = is_idle_task(t);
	rcu_read_unlock();
	smp_rmb();
	pc = READ_ONCE(per_cpu(__preempt_count, cpu)) & ~PREEMPT_NEED_RESCHED;
	return idle && pc == PREEMPT_DISABLE_OFFSET;
#else
	return false;
#endif
}

static void pvrcu_rude_wait_gp(void)
{
	unsigned int worked = 0, skipped = 0;
	bool rs = pvrcu_rude_run_state();
	int cpu;

	if (rs) {
		/*
		 * A device that stayed bound (or one probed since, whose lines
		 * were all written after this point) served this GP.
		 */
		pvrcu_synchronize();
		rs = pvrcu_rude_run_state();
	}

	cpus_read_lock();
	cpumask_clear(&pvrcu_rude_queued);
	for_each_online_cpu(cpu) {
		if (rs && pvrcu_rude_halted(cpu)) {
			skipped++;
			continue;
		}
		queue_work_on(cpu, system_wq, per_cpu_ptr(&pvrcu_rude_work, cpu));
		cpumask_set_cpu(cpu, &pvrcu_rude_queued);
		worked++;
	}
	for_each_cpu(cpu, &pvrcu_rude_queued)
		flush_work(per_cpu_ptr(&pvrcu_rude_work, cpu));
	cpus_read_unlock();

	this_cpu_inc(pvrcu_pstats.rude_gps);
	this_cpu_add(pvrcu_pstats.rude_cpus_worked, worked);
	this_cpu_add(pvrcu_pstats.rude_cpus_skipped, skipped);
}

static struct pvrcu_tflavor pvrcu_rude = {
	.wait_gp = pvrcu_rude_wait_gp,
};

void pvrcu_call_tasks_rude(struct rcu_head *head, rcu_callback_t func)
{
	pvrcu_cbq_call(&pvrcu_rude.cbq, head, func);
}
EXPORT_SYMBOL_GPL(pvrcu_call_tasks_rude);

void pvrcu_synchronize_tasks_rude(void)
{
	pvrcu_sleep_check(__func__);
	pvrcu_cbq_synchronize(&pvrcu_rude.cbq);
}
EXPORT_SYMBOL_GPL(pvrcu_synchronize_tasks_rude);

void pvrcu_barrier_tasks_rude(void)
{
	pvrcu_sleep_check(__func__);
	pvrcu_cbq_barrier(&pvrcu_rude.cbq);
}
EXPORT_SYMBOL_GPL(pvrcu_barrier_tasks_rude);

/* ---- setup ----------------------------------------------------------------- */

int pvrcu_tasks_init(void)
{
	int cpu;

	pvrcu_cbq_init(&pvrcu_tasks.cbq, pvrcu_tf_wait_gp);
	pvrcu_cbq_init(&pvrcu_rude.cbq, pvrcu_tf_wait_gp);
	for_each_possible_cpu(cpu)
		INIT_WORK(per_cpu_ptr(&pvrcu_rude_work, cpu), pvrcu_rude_fn);
	return 0;
}

/*
 * Checklist item 17: callbacks still queued (of kernel code still loaded)
 * run before the module goes. The GPs need pvrcu_synchronize(): call this
 * before the GP machinery is torn down.
 */
void pvrcu_tasks_exit(void)
{
	pvrcu_cbq_barrier(&pvrcu_tasks.cbq);
	pvrcu_cbq_barrier(&pvrcu_rude.cbq);
	while (tasks_nho)
		pvrcu_tasks_release(tasks_nho - 1);
	kvfree(tasks_ho);
}
