// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Deferred work built on pvrcu_call(): freeing after a grace period and
 * work items queued after a grace period (checklist items 5 and 8).
 * pvkvfree_rcu(ptr, rhf) needs no code here: it queues the rcu_head with
 * the member's offset in place of a function, and the invocation in
 * callbacks.c kvfree()s the structure.
 */
#include <linux/mm.h>
#include <linux/workqueue.h>

#include "pvrcu_internal.h"

void pvrcu_kvfree_mightsleep(void *ptr)
{
	might_sleep();
	if (!ptr)
		return;
	pvrcu_synchronize();
	kvfree(ptr);
}
EXPORT_SYMBOL_GPL(pvrcu_kvfree_mightsleep);

/*
 * The kernel's queue_rcu_work() keeps WORK_STRUCT_PENDING set through the
 * grace period and then queues with a workqueue-internal function. With
 * only the exported API, the callback clears the bit and queues: if another
 * queue_rcu_work() or a cancel slips in between, the work still runs after
 * a grace period that began after the first request, or is cancelled, as
 * with queue_work() itself.
 */
static void pvrcu_work_rcufn(struct rcu_head *rcu)
{
	struct rcu_work *rwork = container_of(rcu, struct rcu_work, rcu);

	clear_bit(WORK_STRUCT_PENDING_BIT, work_data_bits(&rwork->work));
	smp_mb__after_atomic();	/* cleared before queue_work() tests it */
	queue_work(rwork->wq, &rwork->work);
}

bool pvqueue_rcu_work(struct workqueue_struct *wq, struct rcu_work *rwork)
{
	struct work_struct *work = &rwork->work;

	if (test_and_set_bit(WORK_STRUCT_PENDING_BIT, work_data_bits(work)))
		return false;
	rwork->wq = wq;
	pvrcu_call(&rwork->rcu, pvrcu_work_rcufn);
	return true;
}
EXPORT_SYMBOL_GPL(pvqueue_rcu_work);

bool pvflush_rcu_work(struct rcu_work *rwork)
{
	if (test_bit(WORK_STRUCT_PENDING_BIT, work_data_bits(&rwork->work))) {
		pvrcu_barrier();
		flush_work(&rwork->work);
		return true;
	}
	return flush_work(&rwork->work);
}
EXPORT_SYMBOL_GPL(pvflush_rcu_work);
