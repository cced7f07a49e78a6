// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tasks-Trace RCU on a pvsrcu domain of its own, as the kernel itself now
 * builds Tasks-Trace on SRCU: sleepable readers, grace periods computed by
 * the host's SRCU scan. A module has no room in task_struct to keep the
 * reader's index, so the lock returns it, like the kernel's newer
 * rcu_read_lock_tasks_trace() does.
 */
#include <linux/module.h>

#include "pvrcu_internal.h"

static struct pvsrcu_struct pvrcu_tasks_trace;

int pvrcu_read_lock_trace(void)
{
	return pvsrcu_read_lock(&pvrcu_tasks_trace);
}
EXPORT_SYMBOL_GPL(pvrcu_read_lock_trace);

void pvrcu_read_unlock_trace(int idx)
{
	pvsrcu_read_unlock(&pvrcu_tasks_trace, idx);
}
EXPORT_SYMBOL_GPL(pvrcu_read_unlock_trace);

void pvrcu_synchronize_tasks_trace(void)
{
	synchronize_pvsrcu(&pvrcu_tasks_trace);
}
EXPORT_SYMBOL_GPL(pvrcu_synchronize_tasks_trace);

void pvrcu_call_tasks_trace(struct rcu_head *head, rcu_callback_t func)
{
	call_pvsrcu(&pvrcu_tasks_trace, head, func);
}
EXPORT_SYMBOL_GPL(pvrcu_call_tasks_trace);

void pvrcu_barrier_tasks_trace(void)
{
	pvsrcu_barrier(&pvrcu_tasks_trace);
}
EXPORT_SYMBOL_GPL(pvrcu_barrier_tasks_trace);

/* At load, before any user: it always gets a domain of its own. */
int pvrcu_tasks_trace_init(void)
{
	return init_pvsrcu_struct(&pvrcu_tasks_trace);
}

void pvrcu_tasks_trace_exit(void)
{
	pvsrcu_barrier(&pvrcu_tasks_trace);
	cleanup_pvsrcu_struct(&pvrcu_tasks_trace);
}
