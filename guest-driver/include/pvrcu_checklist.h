/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pvrcu_checklist.h - switch existing RCU code to pvrcu with one include.
 *
 * Include it after every kernel header (last). From there on, the names
 * that Documentation/RCU/checklist.rst uses for the RCU API map onto the
 * pvrcu primitives of pvrcu.h, so that
 *
 *	rcu_read_lock();
 *	p = rcu_dereference(gp);
 *	...
 *	rcu_read_unlock();
 *	...
 *	call_rcu(&old->rh, free_old);
 *
 * runs on grace periods decided by the host. The kernel's list and hlist
 * _rcu macros (list_add_rcu(), list_for_each_entry_rcu(), ...) stay as
 * they are and are correct under pvrcu readers: they are built on
 * rcu_dereference_raw() and rcu_assign_pointer(), and a pvrcu reader runs
 * with preemption disabled, which also satisfies the kernel's lockdep
 * checks for RCU readers.
 *
 * Callbacks keep the kernel's struct rcu_head. Do not mix: a structure
 * whose readers use pvrcu must be freed through pvrcu (the kernel's RCU
 * grace periods do cover pvrcu readers, but not the other way round).
 *
 * Not mapped here: SRCU and Tasks-Trace RCU (still to come),
 * rcu_dereference_protected() (it needs no reader and is left alone).
 */
#ifndef _PVRCU_CHECKLIST_H
#define _PVRCU_CHECKLIST_H

#include "pvrcu.h"

/* Readers: checklist items 2, 7, 9. */
#define rcu_read_lock()			pvrcu_read_lock()
#define rcu_read_unlock()		pvrcu_read_unlock()
#define rcu_read_lock_bh()		pvrcu_read_lock_bh()
#define rcu_read_unlock_bh()		pvrcu_read_unlock_bh()
#define rcu_read_lock_sched()		pvrcu_read_lock_sched()
#define rcu_read_unlock_sched()		pvrcu_read_unlock_sched()

/* Pointers: items 4a, 4e, 9. */
#undef rcu_dereference
#undef rcu_dereference_bh
#undef rcu_dereference_check
#undef rcu_assign_pointer
#define rcu_dereference(p)		pvrcu_dereference(p)
#define rcu_dereference_bh(p)		pvrcu_dereference_bh(p)
#define rcu_dereference_check(p, c)	pvrcu_dereference_check(p, c)
#define rcu_assign_pointer(p, v)	pvrcu_assign_pointer(p, v)

/* Waiting: items 6, 8. */
#define synchronize_rcu()		pvrcu_synchronize()
#define synchronize_rcu_expedited()	pvrcu_synchronize_expedited()

/* Callbacks: items 5, 8, 11, 12, 16. */
#undef kfree_rcu
#undef kvfree_rcu
#undef kfree_rcu_mightsleep
#undef kvfree_rcu_mightsleep
#define call_rcu(head, func)		pvrcu_call(head, func)
#define kfree_rcu(...)			pvkfree_rcu(__VA_ARGS__)
#define kvfree_rcu(...)			pvkvfree_rcu(__VA_ARGS__)
#define kfree_rcu_mightsleep(ptr)	pvkfree_rcu_mightsleep(ptr)
#define kvfree_rcu_mightsleep(ptr)	pvkvfree_rcu_mightsleep(ptr)
#define queue_rcu_work(wq, rwork)	pvqueue_rcu_work(wq, rwork)
#define flush_rcu_work(rwork)		pvflush_rcu_work(rwork)

/* Barrier: item 17. */
#define rcu_barrier()			pvrcu_barrier()

/* Polled grace periods. */
#define get_state_synchronize_rcu()	pvrcu_get_state()
#define start_poll_synchronize_rcu()	pvrcu_start_poll()
#define poll_state_synchronize_rcu(c)	pvrcu_poll_state(c)
#define cond_synchronize_rcu(c)		pvrcu_cond_synchronize(c)

/* Debug aids: item 16. */
#define rcu_read_lock_held()		pvrcu_read_lock_held()

/* Tasks RCU and Tasks-Rude RCU: items 5, 6, 7, 8, 17. */
#undef call_rcu_tasks
#undef synchronize_rcu_tasks
#define call_rcu_tasks(head, func)	pvrcu_call_tasks(head, func)
#define synchronize_rcu_tasks()		pvrcu_synchronize_tasks()
#define rcu_barrier_tasks()		pvrcu_barrier_tasks()
#define call_rcu_tasks_rude(head, func)	pvrcu_call_tasks_rude(head, func)
#define synchronize_rcu_tasks_rude()	pvrcu_synchronize_tasks_rude()
#define rcu_barrier_tasks_rude()	pvrcu_barrier_tasks_rude()

#endif /* _PVRCU_CHECKLIST_H */
