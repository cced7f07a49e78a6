// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio_rcu.ko: module init and exit, parameters, statistics, CPU
 * hotplug, and the wiring: the client operations through which each layer
 * hears from the one below it (pvrcu_internal.h has the order).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>

#include "pvrcu_internal.h"

bool pvrcu_rcu_normal;
module_param_named(rcu_normal, pvrcu_rcu_normal, bool, 0644);
MODULE_PARM_DESC(rcu_normal,
		 "Treat expedited grace periods as normal ones, like rcupdate.rcu_normal (checklist item 6)");

long pvrcu_qhimark = 10000;
module_param_named(qhimark, pvrcu_qhimark, long, 0644);
MODULE_PARM_DESC(qhimark,
		 "Callbacks per CPU above which GPs are expedited and pvrcu_call() self-limits");

long pvrcu_qlowmark = 100;
module_param_named(qlowmark, pvrcu_qlowmark, long, 0644);
MODULE_PARM_DESC(qlowmark, "Backlog at which held-back pvrcu_call() callers resume");

long pvrcu_blimit = 1000;
module_param_named(blimit, pvrcu_blimit, long, 0644);
MODULE_PARM_DESC(blimit, "Callbacks invoked per batch while below qhimark");

unsigned int pvrcu_srcu_domains = 16;
module_param_named(srcu_domains, pvrcu_srcu_domains, uint, 0444);
MODULE_PARM_DESC(srcu_domains,
		 "pvsrcu domains the region has room for (2..1024; the device may allow fewer)");

bool pvrcu_debug;
static int pvrcu_debug_set(const char *val, const struct kernel_param *kp);
static const struct kernel_param_ops pvrcu_debug_ops = {
	.set = pvrcu_debug_set,
	.get = param_get_bool,
};
module_param_cb(debug, &pvrcu_debug_ops, &pvrcu_debug, 0644);
MODULE_PARM_DESC(debug,
		 "Log host events and check pvrcu_dereference_check() conditions");

DEFINE_STATIC_KEY_FALSE(pvrcu_debug_key);
EXPORT_SYMBOL_GPL(pvrcu_debug_key);

static enum cpuhp_state pvrcu_cpuhp_state;

static int pvrcu_debug_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (ret)
		return ret;
	if (pvrcu_debug)
		static_branch_enable(&pvrcu_debug_key);
	else
		static_branch_disable(&pvrcu_debug_key);
	return 0;
}

bool pvrcu_normal_only(void)
{
	return READ_ONCE(pvrcu_rcu_normal);
}

void pvrcu_suspicious_dereference(const char *file, int line)
{
	pr_err("pvrcu: suspicious pvrcu_dereference_check() usage at %s:%d (not in a reader, condition false)\n",
	       file, line);
}
EXPORT_SYMBOL_GPL(pvrcu_suspicious_dereference);

void pvrcu_get_stats(struct pvrcu_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		const struct pvrcu_pcpu_stats *s = per_cpu_ptr(&pvrcu_pstats, cpu);

		st->cb_queued += READ_ONCE(s->cb_queued);
		st->cb_invoked += READ_ONCE(s->cb_invoked);
		st->cb_double += READ_ONCE(s->cb_double);
		st->cb_throttled += READ_ONCE(s->cb_throttled);
		st->cb_chained += READ_ONCE(s->cb_chained);
		st->qs_irq += READ_ONCE(s->qs_irq);
		st->qs_idle += READ_ONCE(s->qs_idle);
		st->qs_deferred += READ_ONCE(s->qs_deferred);
		st->qs_work += READ_ONCE(s->qs_work);
		st->qs_unlock += READ_ONCE(s->qs_unlock);
		st->gp_requests += READ_ONCE(s->gp_requests);
		st->exp_requests += READ_ONCE(s->exp_requests);
		st->events += READ_ONCE(s->events);
		st->tasks_gps += READ_ONCE(s->tasks_gps);
		st->tasks_holdouts += READ_ONCE(s->tasks_holdouts);
		st->tasks_user_qs += READ_ONCE(s->tasks_user_qs);
		st->rude_gps += READ_ONCE(s->rude_gps);
		st->rude_cpus_worked += READ_ONCE(s->rude_cpus_worked);
		st->rude_cpus_skipped += READ_ONCE(s->rude_cpus_skipped);
	}
	st->cb_pending = pvrcu_cb_pending();
	st->device = pvrcu_gp_have_device();
	st->gp_seq = pvrcu_gp_seq();
	st->qhimark = READ_ONCE(pvrcu_qhimark);
	pvsrcu_get_stats(st);
}
EXPORT_SYMBOL_GPL(pvrcu_get_stats);

/*
 * CPU hotplug. A CPU's record says online = 1 before the CPU runs anything
 * (this runs on a control CPU before the new one starts, SPEC §1.6.9), and
 * online = 0 only once it is dead, so the host never skips a CPU that may
 * be in a reader. A dead CPU's callbacks move to a live one (item 12).
 */
static int pvrcu_cpu_prepare(unsigned int cpu)
{
	WRITE_ONCE(pvrcu_cpu_rec(cpu)->online, cpu_to_le32(1));
	smp_mb();	/* online before any reader of that CPU */
	return 0;
}

static int pvrcu_cpu_dead(unsigned int cpu)
{
	pvrcu_cb_cpu_dead(cpu);
	WRITE_ONCE(pvrcu_cpu_rec(cpu)->online, cpu_to_le32(0));
	return 0;
}

/* ---- the wiring: what each layer hears from the one below ---------------- */

static const struct pvrcu_gp_client pvrcu_gp_to_callbacks = {
	.gp_ended = pvrcu_cb_kick_all,
	.rebound = pvrcu_cb_rebind,
};

/* The device serves GPs: cookies rebase onto it, then SRCU moves over. */
static void pvrcu_dev_bound(struct virtio_rcu_shm_header *hdr, u32 srcu_domains)
{
	pvrcu_gp_bind(hdr);
	pvsrcu_switch_begin();
	pvsrcu_switch_end(srcu_domains);
}

/* Checklist item 17: nothing pending is lost or run early (gp.c, srcu.c). */
static u64 pvrcu_dev_unbinding(void)
{
	u64 pending = pvrcu_cb_pending();

	pvsrcu_switch_begin();		/* SRCU GPs in flight start over locally */
	pvrcu_gp_unbind();		/* GPs back to the kernel's RCU */
	return pending;
}

static void pvrcu_dev_unbound(void)
{
	pvsrcu_switch_end(0);
}

static const struct pvrcu_dev_client pvrcu_dev_to_upper = {
	.bound = pvrcu_dev_bound,
	.unbinding = pvrcu_dev_unbinding,
	.unbound = pvrcu_dev_unbound,
	.gp_done = pvrcu_cb_kick,
	.srcu_done = pvsrcu_dev_event,
};

static int __init pvrcu_init(void)
{
	int ret;

	ret = pvrcu_region_alloc();
	if (ret)
		return ret;
	if (pvrcu_debug)
		static_branch_enable(&pvrcu_debug_key);
	ret = pvrcu_gp_init(&pvrcu_gp_to_callbacks);
	if (ret)
		goto err_region;
	ret = pvrcu_cb_init();
	if (ret)
		goto err_gp;
	ret = pvsrcu_init(pvrcu_srcu_domains);
	if (ret)
		goto err_cb;
	ret = pvrcu_tasks_trace_init();
	if (ret)
		goto err_srcu;
	ret = pvrcu_tasks_init();
	if (ret)
		goto err_tt;
	ret = cpuhp_setup_state(CPUHP_BP_PREPARE_DYN, "pvrcu:prepare",
				pvrcu_cpu_prepare, pvrcu_cpu_dead);
	if (ret < 0)
		goto err_tasks;
	pvrcu_cpuhp_state = ret;
	ret = pvrcu_dev_init(&pvrcu_dev_to_upper);
	if (ret)
		goto err_cpuhp;
	return 0;

err_cpuhp:
	cpuhp_remove_state_nocalls(pvrcu_cpuhp_state);
err_tasks:
	pvrcu_tasks_exit();
err_tt:
	pvrcu_tasks_trace_exit();
err_srcu:
	pvsrcu_exit();
err_cb:
	pvrcu_cb_exit();
err_gp:
	pvrcu_gp_exit();
err_region:
	pvrcu_region_free();
	return ret;
}

/*
 * Checklist item 17: whatever is still queued runs before the region goes.
 * Modules that queued callbacks of their own have barriered before they
 * unloaded (they depend on us, so they are gone); what is left is memory
 * to kvfree and callbacks of still-loaded kernel code.
 */
static void __exit pvrcu_exit(void)
{
	u64 pending;

	pvrcu_dev_exit();		/* device removed: native GPs from here */
	pvrcu_tasks_trace_exit();	/* its callbacks run, its domain goes */
	pvrcu_tasks_exit();		/* Tasks flavours: barrier (pvrcu GPs) */
	pending = pvrcu_cb_pending();
	pvrcu_barrier();
	pr_info("pvrcu: unloading: %llu callbacks were pending, all invoked\n",
		pending);
	cpuhp_remove_state_nocalls(pvrcu_cpuhp_state);
	pvrcu_qs_work_cancel();		/* no device posts any more */
	pvrcu_gp_exit();		/* no native GP kicks the lists now */
	pvrcu_cb_exit();
	pvsrcu_exit();
	static_branch_disable(&pvrcu_debug_key);
	pvrcu_region_free();
}

module_init(pvrcu_init);
module_exit(pvrcu_exit);
MODULE_DESCRIPTION("virtio-rcu: the kernel's RCU API, grace periods served by the host");
MODULE_LICENSE("GPL");
