// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio_rcu.ko: the region shared with the host, and the quiescent-state
 * reports of this guest's CPUs (docs/ARCHITECTURE.md §4.2).
 *
 * The region is allocated when the module loads and freed when it
 * unloads, not at probe and remove: readers may run at any time while the
 * module is loaded, and each CPU's record pointer must not change under
 * them. The device only registers it (device.c). The bottom layer: it
 * calls nothing else of the module.
 */
#include <linux/gfp.h>
#include <linux/hardirq.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "pvrcu_internal.h"

DEFINE_PER_CPU(struct virtio_rcu_shm_cpu *, pvrcu_rec);
EXPORT_PER_CPU_SYMBOL_GPL(pvrcu_rec);
struct virtio_rcu_shm_header *pvrcu_shm_hdr;
EXPORT_SYMBOL_GPL(pvrcu_shm_hdr);

#ifdef CONFIG_DEBUG_LOCK_ALLOC
static struct lock_class_key pvrcu_lock_key;
struct lockdep_map pvrcu_lock_map = {
	.name = "pvrcu_read_lock",
	.key = &pvrcu_lock_key,
	.wait_type_outer = LD_WAIT_FREE,
	.wait_type_inner = LD_WAIT_SPIN,	/* readers disable preemption */
};
EXPORT_SYMBOL_GPL(pvrcu_lock_map);
#endif

DEFINE_PER_CPU(struct pvrcu_pcpu_stats, pvrcu_pstats);

void *pvrcu_region;
size_t pvrcu_region_len;

/* ---- quiescent-state reports (ARCHITECTURE §4.2) ------------------------ */

static DEFINE_PER_CPU(struct work_struct, pvrcu_qs_work);

/*
 * A work item runs in process context with preemption, bottom halves and
 * interrupts enabled: on the CPU it runs on, no reader of any kind is in
 * progress, and every one that ran there before it has ended (readers
 * never leave their CPU). Should it run elsewhere (its CPU went offline),
 * the report is that CPU's and just as true.
 */
static void pvrcu_qs_work_fn(struct work_struct *work)
{
	unsigned long flags;

	local_irq_save(flags);
	pvrcu_rd_report(this_cpu_read(pvrcu_rec));
	this_cpu_inc(pvrcu_pstats.qs_work);
	local_irq_restore(flags);
}

/*
 * Was the code this hardirq handler interrupted outside every reader?
 * The interrupt was delivered, so it had interrupts enabled; preempt_count()
 * is then exactly this handler's HARDIRQ_OFFSET when it also had
 * preemption and bottom halves enabled and was no handler itself (user
 * mode, or preemptible kernel code). The idle task runs its loop with one
 * preempt_disable() of its own (PREEMPT_DISABLED) and nothing else; any
 * reader there adds to it. A threaded or idle-flushed call, or any other
 * count, is no proof: false.
 */
static bool pvrcu_interrupted_quiescent(void)
{
	unsigned int pc = preempt_count();

	if (pc == HARDIRQ_OFFSET)
		return true;
	if (is_idle_task(current) &&
	    pc == HARDIRQ_OFFSET + PREEMPT_DISABLE_OFFSET) {
		this_cpu_inc(pvrcu_pstats.qs_idle);
		return true;
	}
	return false;
}

void pvrcu_report_qs_local(void)
{
	lockdep_assert_irqs_disabled();
	if (pvrcu_interrupted_quiescent()) {
		pvrcu_rd_report(this_cpu_read(pvrcu_rec));
		this_cpu_inc(pvrcu_pstats.qs_irq);
		return;
	}
	/* Inside a reader (or unsure): report when this CPU is out of it. */
	if (queue_work_on(smp_processor_id(), system_highpri_wq,
			  this_cpu_ptr(&pvrcu_qs_work)))
		this_cpu_inc(pvrcu_pstats.qs_deferred);
}

void pvrcu_read_unlock_report(void)
{
	unsigned long flags;

	/* Our own preempt_disable() only: nothing else keeps us a reader. */
	if (preempt_count() != PREEMPT_DISABLE_OFFSET || irqs_disabled())
		return;
	local_irq_save(flags);
	if (pvrcu_rd_qs_needed(this_cpu_read(pvrcu_rec))) {
		pvrcu_rd_report(this_cpu_read(pvrcu_rec));
		this_cpu_inc(pvrcu_pstats.qs_unlock);
	}
	local_irq_restore(flags);
}
EXPORT_SYMBOL_GPL(pvrcu_read_unlock_report);

u64 pvrcu_cpu_irqs(int cpu)
{
	return READ_ONCE(per_cpu_ptr(&pvrcu_pstats, cpu)->irqs);
}
EXPORT_SYMBOL_GPL(pvrcu_cpu_irqs);

void pvrcu_qs_work_cancel(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		cancel_work_sync(per_cpu_ptr(&pvrcu_qs_work, cpu));
}

int pvrcu_region_alloc(void)
{
	int cpu;

	/* One record per possible CPU, and the SRCU area (SPEC §1.6.2). */
	pvrcu_srcu_domains = clamp_t(unsigned int, pvrcu_srcu_domains, 2,
				     VIRTIO_RCU_MAX_SRCU_DOMAINS);
	pvrcu_region_len = PAGE_ALIGN(virtio_rcu_shm_size(nr_cpu_ids,
							  pvrcu_srcu_domains));
	pvrcu_region = alloc_pages_exact(pvrcu_region_len,
					 GFP_KERNEL | __GFP_ZERO);
	if (!pvrcu_region)
		return -ENOMEM;
	pvrcu_shm_hdr = pvrcu_region;
	for_each_possible_cpu(cpu) {
		per_cpu(pvrcu_rec, cpu) = pvrcu_region +
					  virtio_rcu_shm_cpu_off(cpu);
		/* Readers are not counted there: reports only (SPEC §1.6.4). */
		pvrcu_cpu_rec(cpu)->nesting =
			cpu_to_le32(VIRTIO_RCU_NESTING_UNTRACKED);
		INIT_WORK(per_cpu_ptr(&pvrcu_qs_work, cpu), pvrcu_qs_work_fn);
	}
	return 0;
}

void pvrcu_region_free(void)
{
	free_pages_exact(pvrcu_region, pvrcu_region_len);
}
