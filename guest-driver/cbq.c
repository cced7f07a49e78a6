// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A callback queue served by a work item, for the flavours whose grace
 * periods are waited for in process context (SRCU, Tasks, Tasks-Rude):
 * the work takes the whole queue, waits one full grace period of its
 * flavour, which therefore began after every callback of the batch was
 * queued, and invokes the batch in queuing order with bottom halves off
 * (checklist item 5). What is queued meanwhile re-queues the work and
 * waits for the next grace period.
 */
#include <linux/completion.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "pvrcu_internal.h"

void pvrcu_cbq_work_fn(struct work_struct *work)
{
	struct pvrcu_cbq *q = container_of(work, struct pvrcu_cbq, work);
	struct rcu_head *h, *next;
	unsigned long flags;
	long count = 0;

	spin_lock_irqsave(&q->lock, flags);
	h = q->head;
	q->head = NULL;
	q->tail = &q->head;
	spin_unlock_irqrestore(&q->lock, flags);
	if (!h)
		return;

	q->wait_gp(q);

	for (; h; h = next) {
		next = h->next;		/* @h may be gone once invoked */
		local_bh_disable();
		h->func(h);
		local_bh_enable();
		count++;
		cond_resched();
	}
	spin_lock_irqsave(&q->lock, flags);
	q->n -= count;
	spin_unlock_irqrestore(&q->lock, flags);
}
EXPORT_SYMBOL_GPL(pvrcu_cbq_work_fn);

void pvrcu_cbq_init(struct pvrcu_cbq *q, void (*wait_gp)(struct pvrcu_cbq *))
{
	spin_lock_init(&q->lock);
	q->head = NULL;
	q->tail = &q->head;
	q->n = 0;
	INIT_WORK(&q->work, pvrcu_cbq_work_fn);
	q->wait_gp = wait_gp;
}

void pvrcu_cbq_call(struct pvrcu_cbq *q, struct rcu_head *head,
		    rcu_callback_t func)
{
	unsigned long flags;

	head->func = func;
	head->next = NULL;
	spin_lock_irqsave(&q->lock, flags);
	*q->tail = head;
	q->tail = &head->next;
	q->n++;
	spin_unlock_irqrestore(&q->lock, flags);
	queue_work(system_unbound_wq, &q->work);
}

long pvrcu_cbq_pending(struct pvrcu_cbq *q)
{
	unsigned long flags;
	long n;

	spin_lock_irqsave(&q->lock, flags);
	n = q->n;
	spin_unlock_irqrestore(&q->lock, flags);
	return n;
}

struct pvrcu_cbq_marker {
	struct rcu_head head;
	struct completion done;
};

static void pvrcu_cbq_marker_done(struct rcu_head *head)
{
	complete(&container_of(head, struct pvrcu_cbq_marker, head)->done);
}

/* Queue a marker and wait until it is invoked: a full GP, and after it. */
void pvrcu_cbq_synchronize(struct pvrcu_cbq *q)
{
	struct pvrcu_cbq_marker m;

	init_rcu_head_on_stack(&m.head);
	init_completion(&m.done);
	pvrcu_cbq_call(q, &m.head, pvrcu_cbq_marker_done);
	wait_for_completion(&m.done);
	destroy_rcu_head_on_stack(&m.head);
}

void pvrcu_cbq_barrier(struct pvrcu_cbq *q)
{
	/*
	 * Batches run in queuing order: the marker runs after all before
	 * it. Nothing queued or in flight: no GP to wait for (item 17).
	 */
	if (pvrcu_cbq_pending(q))
		pvrcu_cbq_synchronize(q);
	/* The worker's last lines after the batch (its count, module text). */
	flush_work(&q->work);
}
