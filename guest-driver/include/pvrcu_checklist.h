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
 * rcu_dereference_raw() and rcu_assign_pointer(), and a pvrcu reader is a
 * preemption-disabled region, which also satisfies the kernel's lockdep
 * checks for RCU readers.
 *
 * Callbacks keep the kernel's struct rcu_head. Do not mix: a structure
 * whose readers use pvrcu must be freed through pvrcu (the kernel's RCU
 * grace periods do cover pvrcu readers, but not the other way round).
 * Only calls are mapped (function-like macros), not a function's address.
 *
 * Mapped below: RCU (readers, guard(rcu), pointers, synchronize, call_rcu()
 * and call_rcu_hurry(), kfree_rcu() and kvfree_rcu(), rcu_work, barrier,
 * rcu_head_init() and rcu_head_after_call_rcu(), the whole polled family
 * with its _expedited and _full forms, rcu_read_lock_held()); Tasks RCU
 * and Tasks-Rude RCU (synchronize, call, barrier); SRCU (struct
 * srcu_struct, DEFINE_SRCU(), DEFINE_STATIC_SRCU(), init_srcu_struct(),
 * cleanup_srcu_struct(), srcu_read_lock(), srcu_read_unlock(),
 * guard(srcu), srcu_dereference(), srcu_dereference_check(),
 * srcu_read_lock_held(), smp_mb__after_srcu_read_unlock(),
 * synchronize_srcu(), synchronize_srcu_expedited(), call_srcu(),
 * srcu_barrier()); Tasks-Trace RCU's update side
 * (synchronize_rcu_tasks_trace(), call_rcu_tasks_trace(),
 * rcu_barrier_tasks_trace()).
 *
 * Refused at compile time: rcu_read_lock_trace() and
 * rcu_read_unlock_trace() (see below).
 *
 * Not mapped, left as the kernel's: rcu_dereference_protected() and
 * rcu_dereference_raw() (they need no reader), rcu_dereference_sched()
 * (a pvrcu reader satisfies its check); the SRCU names 6.1 has and not
 * listed above (srcu_read_lock_notrace(), srcu_read_unlock_notrace(),
 * get_state_synchronize_srcu(), start_poll_synchronize_srcu(),
 * poll_state_synchronize_srcu()), which take the kernel's struct
 * srcu_struct and so do not accept a mapped one (incompatible pointer
 * type); rcu_read_lock_sched_notrace() and
 * rcu_read_unlock_sched_notrace() (the kernel's preempt_disable_notrace()
 * reader), rcu_read_lock_trace_held(); and the regions that checklist
 * item 7 counts as readers without naming them (preempt_disable(),
 * local_bh_disable(), local_irq_disable()...), which no name maps.
 *
 * What a grace period waits for (checklist item 7): every reader the
 * kernel's consolidated RCU waits for. rcu_read_lock() and its _bh and
 * _sched forms (mapped), and, though no name maps them, every region with
 * preemption, bottom halves or interrupts disabled (preempt_disable(),
 * spin_lock(), spin_lock_bh(), local_bh_disable(), local_irq_save()...),
 * and softirq, hardirq and NMI handlers: a pvrcu reader is a
 * preemption-disabled region, and a CPU reports a quiescent state only
 * outside all of these (docs/ARCHITECTURE.md §4.2).
 * pvrcu_torture_implicit.ko has readers of each kind
 * (tests/vm/t_torture_implicit.sh).
 *
 * What it does not wait for: readers of the kernel's own RCU in code not
 * compiled with this header (under CONFIG_PREEMPT_RCU they are
 * preemptible and invisible to pvrcu). Data retired through these names
 * must be read only by code compiled with it, or in one of the regions
 * above.
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
#ifdef DEFINE_LOCK_GUARD_0
/* guard(rcu)() and scoped_guard(rcu): the class the kernel defines. */
#define class_rcu_t			class_pvrcu_t
#define class_rcu_constructor		class_pvrcu_constructor
#define class_rcu_destructor		class_pvrcu_destructor
#endif

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
/* Linux 6.2's call_rcu() without laziness (6.1 has none); pvrcu is never lazy. */
#define call_rcu_hurry(head, func)	pvrcu_call(head, func)
#define rcu_head_init(rhp)		pvrcu_head_init(rhp)
#define rcu_head_after_call_rcu(rhp, f)	pvrcu_head_after_call(rhp, f)
#define kfree_rcu(...)			pvkfree_rcu(__VA_ARGS__)
#define kvfree_rcu(...)			pvkvfree_rcu(__VA_ARGS__)
#define kfree_rcu_mightsleep(ptr)	pvkfree_rcu_mightsleep(ptr)
#define kvfree_rcu_mightsleep(ptr)	pvkvfree_rcu_mightsleep(ptr)
#define queue_rcu_work(wq, rwork)	pvqueue_rcu_work(wq, rwork)
#define flush_rcu_work(rwork)		pvflush_rcu_work(rwork)

/* Barrier: item 17. */
#define rcu_barrier()			pvrcu_barrier()

/*
 * Polled grace periods: every name of the family 6.1 declares, on pvrcu's
 * one sequence (a cookie of one must never meet a function of the other).
 * NUM_ACTIVE_RCU_POLL_OLDSTATE and NUM_ACTIVE_RCU_POLL_FULL_OLDSTATE stay
 * the kernel's: they bound pvrcu's cookies too (pvrcu.h).
 */
#define get_state_synchronize_rcu()	pvrcu_get_state()
#define get_state_synchronize_rcu_full(rgosp) pvrcu_get_state_full(rgosp)
#define start_poll_synchronize_rcu()	pvrcu_start_poll()
#define start_poll_synchronize_rcu_full(rgosp) pvrcu_start_poll_full(rgosp)
#define start_poll_synchronize_rcu_expedited() pvrcu_start_poll_expedited()
#define start_poll_synchronize_rcu_expedited_full(rgosp)		\
	pvrcu_start_poll_expedited_full(rgosp)
#define poll_state_synchronize_rcu(c)	pvrcu_poll_state(c)
#define poll_state_synchronize_rcu_full(rgosp) pvrcu_poll_state_full(rgosp)
#define cond_synchronize_rcu(c)		pvrcu_cond_synchronize(c)
#define cond_synchronize_rcu_full(rgosp) pvrcu_cond_synchronize_full(rgosp)
#define cond_synchronize_rcu_expedited(c) pvrcu_cond_synchronize_expedited(c)
#define cond_synchronize_rcu_expedited_full(rgosp)			\
	pvrcu_cond_synchronize_expedited_full(rgosp)
#define get_completed_synchronize_rcu()	pvrcu_get_completed()
#define get_completed_synchronize_rcu_full(rgosp) pvrcu_get_completed_full(rgosp)
#define same_state_synchronize_rcu(c1, c2) pvrcu_same_state(c1, c2)
#define same_state_synchronize_rcu_full(rgosp1, rgosp2)			\
	pvrcu_same_state_full(rgosp1, rgosp2)

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

/* SRCU: items 2, 5, 7, 13, 17. */
#undef DEFINE_SRCU
#undef DEFINE_STATIC_SRCU
#undef init_srcu_struct
#undef srcu_dereference
#undef srcu_dereference_check
#undef smp_mb__after_srcu_read_unlock
#define srcu_struct			pvsrcu_struct
#define DEFINE_SRCU(name)		DEFINE_PVSRCU(name)
#define DEFINE_STATIC_SRCU(name)	DEFINE_STATIC_PVSRCU(name)
#define init_srcu_struct(ssp)		init_pvsrcu_struct(ssp)
#define cleanup_srcu_struct(ssp)	cleanup_pvsrcu_struct(ssp)
#define srcu_read_lock(ssp)		pvsrcu_read_lock(ssp)
#define srcu_read_unlock(ssp, idx)	pvsrcu_read_unlock(ssp, idx)
#define srcu_dereference(p, ssp)	pvsrcu_dereference(p, ssp)
#define srcu_dereference_check(p, ssp, c) pvsrcu_dereference_check(p, ssp, c)
#define smp_mb__after_srcu_read_unlock() smp_mb__after_pvsrcu_read_unlock()
#define srcu_read_lock_held(ssp)	pvsrcu_read_lock_held(ssp)
#define synchronize_srcu(ssp)		synchronize_pvsrcu(ssp)
#define synchronize_srcu_expedited(ssp)	synchronize_pvsrcu_expedited(ssp)
#define call_srcu(ssp, head, func)	call_pvsrcu(ssp, head, func)
#define srcu_barrier(ssp)		pvsrcu_barrier(ssp)
#ifdef DEFINE_LOCK_GUARD_1
/* guard(srcu)(ssp) and scoped_guard(srcu, ssp) */
#define class_srcu_t			class_pvsrcu_t
#define class_srcu_constructor		class_pvsrcu_constructor
#define class_srcu_destructor		class_pvsrcu_destructor
#endif

/*
 * Tasks-Trace RCU: the update side maps onto pvrcu's Tasks-Trace, a pvsrcu
 * domain of its own (tasks_trace.c). The kernel's reader does not map:
 * rcu_read_lock_trace() returns nothing and keeps its state in
 * task_struct, while a pvsrcu reader must hand its index to the unlock,
 * which may run after the reader slept and moved to another CPU, and a
 * module has no room in task_struct. Per-CPU state does not follow a
 * reader that sleeps or migrates, a table keyed by task is either
 * unbounded or can run out of room inside a reader, and an index-free
 * reader can hold grace periods back forever. Left alone, the kernel's
 * reader would be silently paired with pvrcu's grace periods, which do
 * not wait for it; so a use is a compile-time error. Use
 *	idx = pvrcu_read_lock_trace(); ... pvrcu_read_unlock_trace(idx);
 * (pvrcu.h) instead.
 */
#define synchronize_rcu_tasks_trace()	pvrcu_synchronize_tasks_trace()
#define call_rcu_tasks_trace(head, func) pvrcu_call_tasks_trace(head, func)
#define rcu_barrier_tasks_trace()	pvrcu_barrier_tasks_trace()
#define rcu_read_lock_trace()						\
	({ _Static_assert(0, "rcu_read_lock_trace() has no pvrcu mapping: use idx = pvrcu_read_lock_trace() and pvrcu_read_unlock_trace(idx) (pvrcu_checklist.h)"); })
#define rcu_read_unlock_trace()						\
	({ _Static_assert(0, "rcu_read_unlock_trace() has no pvrcu mapping: use pvrcu_read_unlock_trace(idx) with the idx of pvrcu_read_lock_trace() (pvrcu_checklist.h)"); })

#endif /* _PVRCU_CHECKLIST_H */
