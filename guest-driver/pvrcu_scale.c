// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcu_scale: pvrcu against the guest kernel's own RCU, in one guest run.
 *
 * From one thread bound to CPU 0, with the other vCPUs idle, it measures:
 * the cost of a read-side critical section (lock + unlock), the latency of
 * synchronize and of expedited synchronize, the interrupts that the vCPUs
 * take per expedited grace period (virtio-rcu queue interrupts plus
 * function-call and reschedule IPIs, summed over all vCPUs), and callback
 * throughput (queue N callbacks, then barrier). Each result is one line:
 *
 *   BENCH <name> pvrcu=<v><unit> native=<v><unit> ratio=<pvrcu/native>
 */
/* BENCH lines carry no prefix; the others say where they come from. */
#define pr_fmt(fmt) fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/vmalloc.h>
#include <asm/hardirq.h>

#include "pvrcu.h"

static int read_loops = 1000000;
module_param(read_loops, int, 0444);
MODULE_PARM_DESC(read_loops, "Reader lock/unlock pairs per measurement");
static int gp_loops = 40;
module_param(gp_loops, int, 0444);
MODULE_PARM_DESC(gp_loops, "Grace periods per latency measurement");
static int cb_count = 100000;
module_param(cb_count, int, 0444);
MODULE_PARM_DESC(cb_count, "Callbacks per throughput measurement");

static struct rcu_head *scale_heads;
static atomic_long_t scale_cbs;
static struct completion scale_done;

/* Values are fixed point with two decimals. */
static void bench_line(const char *name, u64 pv, u64 nat, const char *unit)
{
	u64 ratio = nat ? div64_u64(pv * 100, nat) : 0;

	if (nat)
		pr_info("BENCH %s pvrcu=%llu.%02llu%s native=%llu.%02llu%s ratio=%llu.%02llu\n",
			name, pv / 100, pv % 100, unit, nat / 100, nat % 100, unit,
			ratio / 100, ratio % 100);
	else
		pr_info("BENCH %s pvrcu=%llu.%02llu%s native=0.00%s ratio=inf\n",
			name, pv / 100, pv % 100, unit, unit);
}

/* ns per lock/unlock pair, x100; the best of three rounds. */
static u64 scale_read(bool pv)
{
	u64 best = U64_MAX, t;
	int round, i;

	for (round = 0; round < 3; round++) {
		t = ktime_get_ns();
		if (pv) {
			for (i = 0; i < read_loops; i++) {
				pvrcu_read_lock();
				pvrcu_read_unlock();
			}
		} else {
			for (i = 0; i < read_loops; i++) {
				rcu_read_lock();
				rcu_read_unlock();
			}
		}
		t = div_u64((ktime_get_ns() - t) * 100, read_loops);
		best = min(best, t);
		cond_resched();
	}
	return best;
}

/* Interrupts of all vCPUs: virtio-rcu queues, call and reschedule IPIs. */
static u64 scale_irqs(bool pv)
{
	u64 n = 0;
	int cpu;

	for_each_online_cpu(cpu) {
		n += per_cpu(irq_stat, cpu).irq_call_count +
		     per_cpu(irq_stat, cpu).irq_resched_count;
		if (pv)
			n += pvrcu_cpu_irqs(cpu);
	}
	return n;
}

/* Interrupts of the virtio-rcu queues alone, all vCPUs. */
static u64 scale_dev_irqs(void)
{
	u64 n = 0;
	int cpu;

	for_each_online_cpu(cpu)
		n += pvrcu_cpu_irqs(cpu);
	return n;
}

/* us per GP, x100; *irqs: interrupts per GP, x100. */
static u64 scale_gp(bool pv, bool exp, u64 *irqs)
{
	struct pvrcu_stats s0, s1;
	u64 t, n0, d0;
	int i;

	msleep(50);	/* let the other vCPUs go idle */
	pvrcu_get_stats(&s0);
	d0 = scale_dev_irqs();
	n0 = scale_irqs(pv);
	t = ktime_get_ns();
	for (i = 0; i < gp_loops; i++) {
		if (pv && exp)
			pvrcu_synchronize_expedited();
		else if (pv)
			pvrcu_synchronize();
		else if (exp)
			synchronize_rcu_expedited();
		else
			synchronize_rcu();
	}
	t = div_u64(ktime_get_ns() - t, 10 * gp_loops);
	if (irqs)
		*irqs = div_u64((scale_irqs(pv) - n0) * 100, gp_loops);
	if (pv) {
		pvrcu_get_stats(&s1);
		d0 = div_u64((scale_dev_irqs() - d0) * 100, gp_loops);
		pr_info("pvrcu_scale: %s: per GP %llu.%02llu host posts, %llu.%02llu virtio-rcu interrupts\n",
			exp ? "expedited" : "normal",
			div_u64((s1.events - s0.events) * 100, gp_loops) / 100,
			div_u64((s1.events - s0.events) * 100, gp_loops) % 100,
			d0 / 100, d0 % 100);
	}
	return t;
}

static void scale_cb(struct rcu_head *h)
{
	atomic_long_inc(&scale_cbs);
}

/* Thousands of callbacks per second, x100, queue to barrier. */
static u64 scale_callbacks(bool pv)
{
	u64 t;
	int i;

	atomic_long_set(&scale_cbs, 0);
	t = ktime_get_ns();
	for (i = 0; i < cb_count; i++) {
		if (pv)
			pvrcu_call(&scale_heads[i], scale_cb);
		else
			call_rcu(&scale_heads[i], scale_cb);
		if (!(i & 0xff))
			cond_resched();
	}
	if (pv)
		pvrcu_barrier();
	else
		rcu_barrier();
	t = ktime_get_ns() - t;
	if (atomic_long_read(&scale_cbs) != cb_count)
		pr_err("pvrcu_scale: %s: %ld of %d callbacks ran before the barrier returned\n",
		       pv ? "pvrcu" : "native", atomic_long_read(&scale_cbs),
		       cb_count);
	return div64_u64((u64)cb_count * 100000000ull, t ?: 1);
}

static int scale_thread(void *arg)
{
	struct pvrcu_stats st;
	u64 pv, nat, pv_irq, nat_irq;

	pvrcu_get_stats(&st);
	pr_info("pvrcu_scale: %u vCPUs, measuring on CPU %d; grace periods from %s\n",
		num_online_cpus(), smp_processor_id(),
		st.device ? "the virtio-rcu device" : "the kernel's RCU (no device)");

	pv = scale_read(true);
	nat = scale_read(false);
	bench_line("read_lock_unlock", pv, nat, "ns");

	pv = scale_gp(true, false, NULL);
	nat = scale_gp(false, false, NULL);
	bench_line("synchronize", pv, nat, "us");

	pv = scale_gp(true, true, &pv_irq);
	nat = scale_gp(false, true, &nat_irq);
	bench_line("synchronize_expedited", pv, nat, "us");
	bench_line("irqs_per_expedited_gp", pv_irq, nat_irq, "irq");

	pv = scale_callbacks(true);
	nat = scale_callbacks(false);
	bench_line("callback_throughput", pv, nat, "kcb/s");

	complete(&scale_done);
	while (!kthread_should_stop())
		schedule_timeout_idle(1);
	return 0;
}

static int __init scale_init(void)
{
	struct task_struct *t;

	if (read_loops < 1 || gp_loops < 1 || cb_count < 1)
		return -EINVAL;
	scale_heads = vzalloc(array_size(cb_count, sizeof(*scale_heads)));
	if (!scale_heads)
		return -ENOMEM;
	init_completion(&scale_done);
	t = kthread_create(scale_thread, NULL, "pvrcu_scale");
	if (IS_ERR(t)) {
		vfree(scale_heads);
		return PTR_ERR(t);
	}
	kthread_bind(t, cpumask_first(cpu_online_mask));
	wake_up_process(t);
	wait_for_completion(&scale_done);
	kthread_stop(t);
	return 0;
}

static void __exit scale_exit(void)
{
	pvrcu_barrier();
	rcu_barrier();
	vfree(scale_heads);
}

module_init(scale_init);
module_exit(scale_exit);
MODULE_DESCRIPTION("pvrcu versus the kernel's RCU: read cost, GP latency, IRQs, callbacks");
MODULE_LICENSE("GPL");
