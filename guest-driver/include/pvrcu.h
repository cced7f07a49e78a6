/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pvrcu: the kernel's RCU API with grace periods decided by the hypervisor.
 *
 * virtio_rcu.ko exports this API. Each primitive carries the name that
 * Documentation/RCU/checklist.rst uses, with a "pv" prefix, and keeps that
 * primitive's semantics. pvrcu_checklist.h maps the checklist's own names
 * onto these, so existing RCU code switches with one include.
 *
 * Readers are the CPU's own state, as for the kernel's consolidated RCU
 * (checklist item 7): a grace period waits for every region of a CPU in
 * which preemption, bottom halves or interrupts are disabled, and for every
 * hardirq, softirq and NMI handler — pvrcu_read_lock() sections, and
 * equally spin_lock(), spin_lock_bh(), local_bh_disable(),
 * preempt_disable(), local_irq_save() regions, timers, tasklets, irq_work.
 * pvrcu_read_lock() is preempt_disable(): no store to the shared region,
 * no atomic instruction, no barrier, no VM exit. A CPU reports a
 * quiescent state only where it is outside all of these (the post's
 * interrupt taken with nothing disabled, user mode, the idle loop, a work
 * item of its own, the outermost pvrcu_read_unlock() with nothing else
 * disabled): docs/ARCHITECTURE.md §4.
 *
 * Not covered: readers of the kernel's own RCU in code not compiled with
 * pvrcu_checklist.h, where they are preemptible (CONFIG_PREEMPT_RCU); a
 * pvrcu grace period does not wait for them. Sleeping readers are SRCU's
 * (pvsrcu) and the Tasks flavours'.
 *
 * While no virtio-rcu device is bound (before it probes, after it is
 * removed), update-side primitives fall back on the kernel's own RCU,
 * whose grace periods wait for every one of these readers too.
 *
 * Include after the kernel's headers; needs virtio-rcu/include on the
 * include path (for virtio_rcu.h and pvrcu_report.h).
 */
#ifndef _PVRCU_H
#define _PVRCU_H

#include <linux/bottom_half.h>
#include <linux/compiler.h>
#include <linux/jump_label.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <asm/byteorder.h>

#include "virtio_rcu.h"

/**
 * DOC: shared reader state
 *
 * ``pvrcu_rec`` is a per-CPU pointer to this CPU's record in the region
 * shared with the host; ``pvrcu_shm_hdr`` points to the region's header.
 * virtio_rcu.ko allocates the region when it loads and keeps it until it
 * unloads, so both stay valid, and never change, while any reader can run.
 * They are exported only for the inline reader below; do not use them
 * directly.
 */
DECLARE_PER_CPU(struct virtio_rcu_shm_cpu *, pvrcu_rec);
extern struct virtio_rcu_shm_header *pvrcu_shm_hdr;
DECLARE_STATIC_KEY_FALSE(pvrcu_debug_key);

#if !defined(CONFIG_PREEMPT_COUNT) || defined(CONFIG_PREEMPT_RT)
/* Readers are preemption-disabled regions, which the count must show. */
#error "pvrcu needs CONFIG_PREEMPT_COUNT and a kernel without PREEMPT_RT"
#endif

#define PVRCU_RD_HDR()			(pvrcu_shm_hdr)
#define PVRCU_RD_MB()			smp_mb()	/* see pvrcu_report.h */
#define PVRCU_RD_LOAD64(p)		le64_to_cpu(READ_ONCE(*(p)))
#define PVRCU_RD_STORE64(p, v)		WRITE_ONCE(*(p), cpu_to_le64(v))

#include "pvrcu_report.h"

/*
 * The outermost pvrcu_read_unlock() found the host waiting for this CPU:
 * report if nothing but this reader's preempt_disable() is in effect.
 */
void pvrcu_read_unlock_report(void);

#ifdef CONFIG_DEBUG_LOCK_ALLOC
extern struct lockdep_map pvrcu_lock_map;
#define __pvrcu_lock_acquire()	rcu_lock_acquire(&pvrcu_lock_map)
#define __pvrcu_lock_release()	rcu_lock_release(&pvrcu_lock_map)
#else
#define __pvrcu_lock_acquire()	do { } while (0)
#define __pvrcu_lock_release()	do { } while (0)
#endif

/* ---- readers ------------------------------------------------------------ */

/**
 * pvrcu_read_lock() - mark the beginning of a pvrcu read-side critical section
 *
 * Like rcu_read_lock(): pvrcu_synchronize() and pvrcu_call() wait for every
 * critical section that began before them. Sections nest. It is
 * preempt_disable(): the section must not block, and costs what that costs
 * (one per-CPU increment); no atomic instruction, no memory barrier, no VM
 * exit. Usable in any context, NMI included.
 */
static __always_inline void pvrcu_read_lock(void)
{
	preempt_disable();
	__acquire(PVRCU);
	__pvrcu_lock_acquire();
}

/**
 * pvrcu_read_unlock() - mark the end of a pvrcu read-side critical section
 *
 * Like rcu_read_unlock(): preempt_enable(), after a check of this CPU's
 * record. When the host waits for this CPU and this section is all that
 * keeps it from a quiescent state, it reports on the spot (one smp_mb() on
 * that rare path only).
 */
static __always_inline void pvrcu_read_unlock(void)
{
	__pvrcu_lock_release();
	__release(PVRCU);
	if (unlikely(pvrcu_rd_qs_needed(this_cpu_read(pvrcu_rec))))
		pvrcu_read_unlock_report();
	preempt_enable();
}

/**
 * pvrcu_read_lock_bh() - pvrcu read-side critical section that disables BH
 *
 * Like rcu_read_lock_bh(): the same reader as pvrcu_read_lock(), which also
 * disables bottom halves until pvrcu_read_unlock_bh().
 */
static inline void pvrcu_read_lock_bh(void)
{
	local_bh_disable();
	pvrcu_read_lock();
}

/**
 * pvrcu_read_unlock_bh() - end a section begun by pvrcu_read_lock_bh()
 */
static inline void pvrcu_read_unlock_bh(void)
{
	pvrcu_read_unlock();
	local_bh_enable();
}

/**
 * pvrcu_read_lock_sched() - pvrcu read-side critical section, sched flavour
 *
 * Like rcu_read_lock_sched(). Every pvrcu reader already runs with
 * preemption disabled, so this is pvrcu_read_lock() under the name the
 * checklist uses.
 */
static __always_inline void pvrcu_read_lock_sched(void)
{
	pvrcu_read_lock();
}

/**
 * pvrcu_read_unlock_sched() - end a section begun by pvrcu_read_lock_sched()
 */
static __always_inline void pvrcu_read_unlock_sched(void)
{
	pvrcu_read_unlock();
}

#ifdef DEFINE_LOCK_GUARD_0
/* guard(pvrcu)(): a pvrcu reader to the end of the scope, like guard(rcu)(). */
DEFINE_LOCK_GUARD_0(pvrcu, pvrcu_read_lock(), pvrcu_read_unlock())
#endif

/**
 * pvrcu_read_lock_held() - is this CPU inside a pvrcu read-side section?
 *
 * The debugging aid of rcu_read_lock_held(): returns non-zero when the
 * caller runs inside a pvrcu reader of any kind (preemption, bottom halves
 * or interrupts disabled, or a handler: every reader a pvrcu grace period
 * waits for). Meant for pvrcu_dereference_check() conditions and
 * WARN_ON()-style assertions.
 *
 * Return: 1 if inside a reader, 0 otherwise.
 */
static inline int pvrcu_read_lock_held(void)
{
	return preempt_count() != 0 || irqs_disabled();
}

/* ---- pointers ------------------------------------------------------------ */

/**
 * pvrcu_suspicious_dereference() - report a pvrcu_dereference_check() failure
 * @file: source file of the dereference
 * @line: its line
 *
 * Called by pvrcu_dereference_check() (once per call site) when checking is
 * on and the access is neither in a reader nor covered by its condition.
 * Prints "pvrcu: suspicious pvrcu_dereference_check() usage at FILE:LINE".
 */
void pvrcu_suspicious_dereference(const char *file, int line);

/*
 * With virtio_rcu's "debug" parameter set (or on a CONFIG_PROVE_RCU
 * kernel), a failed condition is reported once per call site. Otherwise
 * the condition is not evaluated at all. lockdep_is_held() and friends
 * exist only with lockdep: without it, only constant conditions count.
 */
#ifdef CONFIG_LOCKDEP
#define __pvrcu_cond(c)		(c)
#else
#define __pvrcu_cond(c)		(__builtin_constant_p(c) ? (c) : 1)
#endif

#define __pvrcu_dereference_check(p, local, c)				\
({									\
	/* Dependency order vs. p above. */				\
	typeof(*p) *local = (typeof(*p) *__force)READ_ONCE(p);		\
	if ((IS_ENABLED(CONFIG_PROVE_RCU) ||				\
	     static_branch_unlikely(&pvrcu_debug_key)) &&		\
	    !__pvrcu_cond(c) && !pvrcu_read_lock_held()) {		\
		static bool __section(".data.unlikely") __warned;	\
		if (!__warned) {					\
			__warned = true;				\
			pvrcu_suspicious_dereference(__FILE__, __LINE__); \
		}							\
	}								\
	rcu_check_sparse(p, __rcu);					\
	((typeof(*p) __force __kernel *)(local));			\
})

/**
 * pvrcu_dereference_check() - fetch an RCU-protected pointer for dereferencing
 * @p: the pointer to read, annotated __rcu
 * @c: the condition under which the access is legal besides a pvrcu reader
 *
 * Like rcu_dereference_check(): READ_ONCE() with the dependency ordering
 * readers need. Legal inside a pvrcu reader or wherever @c holds (e.g.
 * lockdep_is_held(&update_lock)). Checked when virtio_rcu's "debug"
 * parameter is set or the kernel has CONFIG_PROVE_RCU.
 */
#define pvrcu_dereference_check(p, c)					\
	__pvrcu_dereference_check((p), __UNIQUE_ID(pvrcu), c)

/**
 * pvrcu_dereference() - fetch an RCU-protected pointer inside a pvrcu reader
 * @p: the pointer to read, annotated __rcu
 *
 * Like rcu_dereference(); see pvrcu_dereference_check().
 */
#define pvrcu_dereference(p)		pvrcu_dereference_check(p, 0)

/**
 * pvrcu_dereference_bh() - fetch an RCU-protected pointer inside a _bh reader
 * @p: the pointer to read, annotated __rcu
 *
 * Like rcu_dereference_bh(). pvrcu_read_lock_bh() is the same reader as
 * pvrcu_read_lock(), so the check is the same.
 */
#define pvrcu_dereference_bh(p)		pvrcu_dereference_check(p, 0)

/**
 * pvrcu_assign_pointer() - publish a pointer to an initialized structure
 * @p: the __rcu pointer to assign to
 * @v: the value to assign (publish)
 *
 * Like rcu_assign_pointer(): orders the initialization of the structure
 * before the store of the pointer (store-release), except for NULL.
 * Defined on its own so that pvrcu_checklist.h can map
 * rcu_assign_pointer() onto it.
 */
#define pvrcu_assign_pointer(p, v)					\
do {									\
	uintptr_t _pv_r_a_p__v = (uintptr_t)(v);			\
	rcu_check_sparse(p, __rcu);					\
									\
	if (__builtin_constant_p(v) && (_pv_r_a_p__v) == (uintptr_t)NULL) \
		WRITE_ONCE((p), (typeof(p))(_pv_r_a_p__v));		\
	else	/* initialization before publication */			\
		smp_store_release(&p, RCU_INITIALIZER((typeof(p))_pv_r_a_p__v)); \
} while (0)

/* ---- waiting for readers --------------------------------------------------- */

/**
 * pvrcu_synchronize() - wait until a full pvrcu grace period has elapsed
 *
 * Like synchronize_rcu(): returns after every pvrcu read-side critical
 * section that began before the call has ended, with full memory ordering
 * against them. Blocks (one request to the host, which answers when the
 * grace period ends); warns when called from atomic context or inside a
 * reader (checklist item 6). Without a device, waits for a grace period of
 * the kernel's own RCU.
 */
void pvrcu_synchronize(void);

/**
 * pvrcu_synchronize_expedited() - pvrcu_synchronize(), driven hard
 *
 * Like synchronize_rcu_expedited(): same guarantee, lower latency. The
 * host interrupts, through each CPU's own event queue, only the vCPUs that
 * have not yet reported. virtio_rcu's module parameter ``rcu_normal`` (the
 * counterpart of ``rcupdate.rcu_normal``) turns it into pvrcu_synchronize().
 */
void pvrcu_synchronize_expedited(void);

/**
 * pvrcu_call() - invoke a callback after a pvrcu grace period
 * @head: the kernel's struct rcu_head, embedded in the protected structure
 * @func: the callback, passed @head
 *
 * Like call_rcu() (and call_rcu_hurry(): pvrcu has no lazy callbacks).
 * Callable from any context except NMI. @func runs after
 * every pvrcu reader that began before this call has ended, in softirq
 * context or at least with bottom halves disabled (checklist item 5). It
 * may run on another CPU, concurrently with other callbacks, and in any
 * order relative to them (item 12). Queuing @head again before its
 * callback ran is reported once per occurrence ("pvrcu: rcu_head ...
 * queued twice") and the second request is dropped (item 16), also while
 * @head's batch is being invoked or moved to another CPU. Two pvrcu_call()
 * of one @head that race each other are not detected.
 *
 * Self-limiting (item 8): above ``qhimark`` callbacks on this CPU, grace
 * periods are expedited and callbacks are invoked without batch limit;
 * a caller that may sleep (preemptible, not in an RCU reader) is then
 * held back until the backlog drains to ``qlowmark`` (at most one second
 * per call).
 */
void pvrcu_call(struct rcu_head *head, rcu_callback_t func);

/**
 * pvrcu_head_init() - prepare an rcu_head for pvrcu_head_after_call()
 * @rhp: the rcu_head, just after its structure was allocated
 *
 * Like rcu_head_init(), and the same value (->func set to ~0), which
 * pvrcu_call() knows for a head that is not queued. Must not race with
 * pvrcu_call(), pvrcu_head_after_call() or the callback's invocation.
 */
static inline void pvrcu_head_init(struct rcu_head *rhp)
{
	rhp->func = (rcu_callback_t)~0L;
}

/**
 * pvrcu_head_after_call() - has this rcu_head been passed to pvrcu_call()?
 * @rhp: the rcu_head, set up with pvrcu_head_init()
 * @f: the function passed to pvrcu_call() along with @rhp
 *
 * Like rcu_head_after_call_rcu(). The kernel's compares ->func with @f,
 * which pvrcu_call() marks while @rhp is queued (so it would return false
 * and warn); this one knows the mark. Must not race with pvrcu_call() or
 * the callback's invocation, as the kernel's: e.g. call it inside a
 * reader that fetched the pointer to the structure.
 *
 * Return: true if @rhp was passed to pvrcu_call() with @f (still queued,
 * or invoked since), false if only pvrcu_head_init() was; warns once in
 * any other case.
 */
bool pvrcu_head_after_call(struct rcu_head *rhp, rcu_callback_t f);

/**
 * pvrcu_barrier() - wait for every pvrcu_call() callback queued so far
 *
 * Like rcu_barrier(): returns after all callbacks queued before the call,
 * on every CPU, have been invoked. Needed before unloading a module whose
 * functions are callbacks (checklist item 17). It does not wait for a grace
 * period when there are no callbacks. Blocks; warns in atomic context.
 */
void pvrcu_barrier(void);

/* ---- polled grace periods ---------------------------------------------- */

/*
 * The polled API is one family on one sequence, the pvrcu GP sequence
 * (cookies are multiples of 4, see gp.c). Normal and expedited GPs advance
 * the same sequence, so the _full forms keep the same cookie in both
 * fields of the kernel's struct rcu_gp_oldstate, and a full cookie is done
 * exactly when the plain one is. At most two cookies are not yet done at
 * any time (the GP in progress and the next), so the kernel's
 * NUM_ACTIVE_RCU_POLL_OLDSTATE (2) and NUM_ACTIVE_RCU_POLL_FULL_OLDSTATE
 * (4) bound pvrcu's too. Cookies of the kernel's RCU and of pvrcu must not
 * be mixed.
 */

/* A cookie that is always done: not a multiple of 4, never a real one. */
#define PVRCU_GET_STATE_COMPLETED	0x1ul

/**
 * pvrcu_get_state() - snapshot the grace-period state
 *
 * Like get_state_synchronize_rcu(). Does not start a grace period.
 *
 * Return: a cookie for pvrcu_poll_state() and pvrcu_cond_synchronize().
 */
unsigned long pvrcu_get_state(void);

/**
 * pvrcu_get_state_full() - snapshot the grace-period state, full form
 * @rgosp: where to put the cookie
 *
 * Like get_state_synchronize_rcu_full(): pvrcu_get_state() into @rgosp,
 * for pvrcu_poll_state_full() and pvrcu_cond_synchronize_full().
 */
void pvrcu_get_state_full(struct rcu_gp_oldstate *rgosp);

/**
 * pvrcu_start_poll() - snapshot the grace-period state and start a grace period
 *
 * Like start_poll_synchronize_rcu(): as pvrcu_get_state(), and makes sure
 * a grace period that completes the cookie will run. Callable from any
 * context except NMI.
 *
 * Return: a cookie for pvrcu_poll_state() and pvrcu_cond_synchronize().
 */
unsigned long pvrcu_start_poll(void);

/**
 * pvrcu_start_poll_full() - pvrcu_start_poll(), full form
 * @rgosp: where to put the cookie
 *
 * Like start_poll_synchronize_rcu_full(). Callable from any context
 * except NMI.
 */
void pvrcu_start_poll_full(struct rcu_gp_oldstate *rgosp);

/**
 * pvrcu_start_poll_expedited() - snapshot the state, start an expedited GP
 *
 * Like start_poll_synchronize_rcu_expedited(): as pvrcu_start_poll(), but
 * the grace period that completes the cookie is asked for expedited
 * (normal under virtio_rcu's ``rcu_normal``). Callable from any context
 * except NMI.
 *
 * Return: a cookie for pvrcu_poll_state() and
 * pvrcu_cond_synchronize_expedited().
 */
unsigned long pvrcu_start_poll_expedited(void);

/**
 * pvrcu_start_poll_expedited_full() - pvrcu_start_poll_expedited(), full form
 * @rgosp: where to put the cookie
 *
 * Like start_poll_synchronize_rcu_expedited_full().
 */
void pvrcu_start_poll_expedited_full(struct rcu_gp_oldstate *rgosp);

/**
 * pvrcu_poll_state() - has a full grace period elapsed since a cookie was taken?
 * @cookie: a value from pvrcu_get_state(), pvrcu_start_poll(),
 *	pvrcu_start_poll_expedited() or pvrcu_get_completed()
 *
 * Like poll_state_synchronize_rcu(). A read of shared memory, no VM exit.
 * When it returns true it also orders the caller's later accesses after
 * the end of that grace period.
 *
 * Return: true if a full grace period has elapsed since @cookie was taken
 * (always for PVRCU_GET_STATE_COMPLETED).
 */
bool pvrcu_poll_state(unsigned long cookie);

/**
 * pvrcu_poll_state_full() - pvrcu_poll_state(), full form
 * @rgosp: a cookie from a pvrcu_*_full() function
 *
 * Like poll_state_synchronize_rcu_full().
 *
 * Return: true if a full grace period has elapsed since @rgosp was taken.
 */
bool pvrcu_poll_state_full(struct rcu_gp_oldstate *rgosp);

/**
 * pvrcu_cond_synchronize() - wait for a grace period unless one has elapsed
 * @cookie: a value for pvrcu_poll_state()
 *
 * Like cond_synchronize_rcu(): returns at once if pvrcu_poll_state(@cookie),
 * else calls pvrcu_synchronize().
 */
void pvrcu_cond_synchronize(unsigned long cookie);

/**
 * pvrcu_cond_synchronize_full() - pvrcu_cond_synchronize(), full form
 * @rgosp: a cookie from a pvrcu_*_full() function
 *
 * Like cond_synchronize_rcu_full().
 */
void pvrcu_cond_synchronize_full(struct rcu_gp_oldstate *rgosp);

/**
 * pvrcu_cond_synchronize_expedited() - wait, expedited, unless a GP has elapsed
 * @cookie: a value for pvrcu_poll_state()
 *
 * Like cond_synchronize_rcu_expedited(): returns at once if
 * pvrcu_poll_state(@cookie), else calls pvrcu_synchronize_expedited().
 */
void pvrcu_cond_synchronize_expedited(unsigned long cookie);

/**
 * pvrcu_cond_synchronize_expedited_full() - the same, full form
 * @rgosp: a cookie from a pvrcu_*_full() function
 *
 * Like cond_synchronize_rcu_expedited_full().
 */
void pvrcu_cond_synchronize_expedited_full(struct rcu_gp_oldstate *rgosp);

/**
 * pvrcu_get_completed() - a cookie that is already done
 *
 * Like get_completed_synchronize_rcu(): for structures that start life
 * without needing a grace period.
 *
 * Return: PVRCU_GET_STATE_COMPLETED, for which pvrcu_poll_state() is true.
 */
static inline unsigned long pvrcu_get_completed(void)
{
	return PVRCU_GET_STATE_COMPLETED;
}

/**
 * pvrcu_get_completed_full() - pvrcu_get_completed(), full form
 * @rgosp: where to put the cookie
 *
 * Like get_completed_synchronize_rcu_full().
 */
static inline void pvrcu_get_completed_full(struct rcu_gp_oldstate *rgosp)
{
	rgosp->rgos_norm = PVRCU_GET_STATE_COMPLETED;
#ifndef CONFIG_TINY_RCU
	rgosp->rgos_exp = PVRCU_GET_STATE_COMPLETED;
#endif
}

/**
 * pvrcu_same_state() - are two cookies the same?
 * @oldstate1: a cookie of the pvrcu polled API
 * @oldstate2: another
 *
 * Like same_state_synchronize_rcu().
 *
 * Return: true if equal.
 */
static inline bool pvrcu_same_state(unsigned long oldstate1,
				    unsigned long oldstate2)
{
	return oldstate1 == oldstate2;
}

/**
 * pvrcu_same_state_full() - are two full cookies the same?
 * @rgosp1: a cookie from a pvrcu_*_full() function
 * @rgosp2: another
 *
 * Like same_state_synchronize_rcu_full() (bitwise, both fields).
 *
 * Return: true if equal.
 */
static inline bool pvrcu_same_state_full(struct rcu_gp_oldstate *rgosp1,
					 struct rcu_gp_oldstate *rgosp2)
{
#ifndef CONFIG_TINY_RCU
	if (rgosp1->rgos_exp != rgosp2->rgos_exp)
		return false;
#endif
	return rgosp1->rgos_norm == rgosp2->rgos_norm;
}

/* ---- freeing and work items after a grace period ------------------------ */

/**
 * pvrcu_kvfree_mightsleep() - free memory after a pvrcu grace period, blocking
 * @ptr: memory from kmalloc() or vmalloc() (kvfree()), or NULL
 *
 * What pvkvfree_rcu(ptr) with one argument expands to: waits for a grace
 * period, then kvfree()s @ptr. May sleep.
 */
void pvrcu_kvfree_mightsleep(void *ptr);

#define __pvkvfree_rcu_arg_2(ptr, rhf)					\
do {									\
	typeof(ptr) ___p = (ptr);					\
									\
	if (___p) {							\
		BUILD_BUG_ON(!__is_kvfree_rcu_offset(offsetof(typeof(*(ptr)), rhf))); \
		pvrcu_call(&((___p)->rhf), (rcu_callback_t)(unsigned long) \
			   (offsetof(typeof(*(ptr)), rhf)));		\
	}								\
} while (0)

#define __pvkvfree_rcu_arg_1(ptr)	pvrcu_kvfree_mightsleep(ptr)

#define __PVKVFREE_GET_MACRO(_1, _2, NAME, ...) NAME

/**
 * pvkvfree_rcu() - kvfree() a structure after a pvrcu grace period
 * @...: (ptr, rhf): the structure and the name of its struct rcu_head
 *	 member; fire and forget, any context but NMI. Or (ptr) alone: no
 *	 rcu_head needed, but it waits for a grace period and may sleep.
 *
 * Like kvfree_rcu(). The memory is freed in softirq context by the
 * callback machinery of pvrcu_call(); no module code runs, so a module
 * need not pvrcu_barrier() for these before unloading.
 */
#define pvkvfree_rcu(...) __PVKVFREE_GET_MACRO(__VA_ARGS__,		\
	__pvkvfree_rcu_arg_2, __pvkvfree_rcu_arg_1)(__VA_ARGS__)

/**
 * pvkfree_rcu() - kfree() a structure after a pvrcu grace period
 * @ptr: the structure, from kmalloc()
 * @rhf: the name of its struct rcu_head member (optional, see pvkvfree_rcu())
 *
 * Like kfree_rcu(); the same as pvkvfree_rcu().
 */
#define pvkfree_rcu(ptr, rhf...)	pvkvfree_rcu(ptr, ## rhf)

/**
 * pvkvfree_rcu_mightsleep() - pvkvfree_rcu() without an rcu_head; may sleep
 * @ptr: memory for kvfree(), or NULL
 */
#define pvkvfree_rcu_mightsleep(ptr)	__pvkvfree_rcu_arg_1(ptr)

/**
 * pvkfree_rcu_mightsleep() - pvkfree_rcu() without an rcu_head; may sleep
 * @ptr: memory for kfree(), or NULL
 */
#define pvkfree_rcu_mightsleep(ptr)	__pvkvfree_rcu_arg_1(ptr)

/**
 * pvqueue_rcu_work() - queue a work item after a pvrcu grace period
 * @wq: the workqueue to use
 * @rwork: the kernel's struct rcu_work, set up with INIT_RCU_WORK()
 *
 * Like queue_rcu_work(): the work is queued on @wq once a grace period has
 * elapsed, so it may block where a callback cannot (checklist item 5).
 *
 * Return: false if @rwork was already pending, true otherwise.
 */
bool pvqueue_rcu_work(struct workqueue_struct *wq, struct rcu_work *rwork);

/**
 * pvflush_rcu_work() - wait for a pvqueue_rcu_work() item to finish
 * @rwork: the rcu_work to flush
 *
 * Like flush_rcu_work(): waits for the grace period if the item is still
 * pending, then for the work to finish executing.
 *
 * Return: true if it waited, false if @rwork was idle.
 */
bool pvflush_rcu_work(struct rcu_work *rwork);

/* ---- SRCU ------------------------------------------------------------------ */

/*
 * struct pvrcu_cbq - internal: a callback queue served by a work item,
 * which takes the whole queue, waits one grace period of its flavour
 * (@wait_gp) and invokes the batch (cbq.c). Public only because
 * &struct pvsrcu_struct embeds one and has a static initializer.
 */
struct pvrcu_cbq {
	spinlock_t lock;		/* all below; irqsave */
	struct rcu_head *head, **tail;	/* queued for the next batch */
	long n;				/* queued or in a batch, not invoked */
	struct work_struct work;
	void (*wait_gp)(struct pvrcu_cbq *q);
};

void pvrcu_cbq_work_fn(struct work_struct *work);

#define __PVRCU_CBQ_INITIALIZER(q, gp) {				\
	.lock = __SPIN_LOCK_UNLOCKED(q.lock),				\
	.tail = &q.head,						\
	.work = __WORK_INITIALIZER(q.work, pvrcu_cbq_work_fn),		\
	.wait_gp = gp,							\
}

/**
 * DOC: pvsrcu, sleepable RCU served by the host
 *
 * Each &struct pvsrcu_struct owns one SRCU domain of the region shared with
 * the host. A reader counts itself in its CPU's ``lock[idx]`` on entry and
 * in ``unlock[idx]`` of whatever CPU it ends on, with a full barrier on the
 * inner side of each; the host (rcu-core) runs the two-phase scan-and-flip
 * over those counters, so a grace period on one domain waits only for that
 * domain's readers (checklist item 13) and never interrupts a vCPU, even
 * when expedited. While no device serves a domain (no device, or a device
 * without VIRTIO_RCU_F_SRCU or with fewer domains) the driver runs the very
 * same scan itself.
 *
 * Domains are a bounded resource: ``srcu_domains`` of virtio_rcu, and no
 * more than the device offers. init_pvsrcu_struct() fails cleanly with
 * -ENOSPC past the limit. A DEFINE_PVSRCU()/DEFINE_STATIC_PVSRCU() domain
 * cannot fail: it takes a domain at first use, and if none is left it
 * shares one common domain with the other such latecomers (logged once).
 * pvsrcu readers are not NMI-safe.
 */
struct pvsrcu_struct {
	int dom;			/* domain index; -1 until first use */
	unsigned long created_gen;	/* device registration that serves it */
	unsigned long seq;		/* this domain's GPs, rcu_seq style */
	struct mutex gp_mutex;		/* one GP at a time; batches callers */
	struct pvrcu_cbq cbq;		/* call_pvsrcu() */
	const char *name;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
};

void pvsrcu_cbq_wait_gp(struct pvrcu_cbq *q);

#ifdef CONFIG_DEBUG_LOCK_ALLOC
#define __PVSRCU_DEP_MAP_INIT(n)	.dep_map = { .name = #n },
#else
#define __PVSRCU_DEP_MAP_INIT(n)
#endif

#define __PVSRCU_INITIALIZER(n) {					\
	.dom = -1,							\
	.gp_mutex = __MUTEX_INITIALIZER(n.gp_mutex),			\
	.cbq = __PVRCU_CBQ_INITIALIZER(n.cbq, pvsrcu_cbq_wait_gp),	\
	.name = #n,							\
	__PVSRCU_DEP_MAP_INIT(n)					\
}

/**
 * DEFINE_PVSRCU() - define a pvsrcu domain usable without initialization
 * @name: the variable
 *
 * Like DEFINE_SRCU(). A module that defines one calls
 * cleanup_pvsrcu_struct() on it before unloading.
 */
#define DEFINE_PVSRCU(name)	struct pvsrcu_struct name = __PVSRCU_INITIALIZER(name)

/**
 * DEFINE_STATIC_PVSRCU() - DEFINE_PVSRCU() with static linkage
 * @name: the variable
 */
#define DEFINE_STATIC_PVSRCU(name) \
	static struct pvsrcu_struct name = __PVSRCU_INITIALIZER(name)

int __init_pvsrcu_struct(struct pvsrcu_struct *ssp, const char *name,
			 struct lock_class_key *key);

/**
 * init_pvsrcu_struct() - initialize a dynamically allocated pvsrcu domain
 * @ssp: the domain
 *
 * Like init_srcu_struct(). May sleep.
 *
 * Return: 0, or -ENOSPC when every domain is taken (the device's limit, or
 * virtio_rcu's ``srcu_domains``).
 */
#define init_pvsrcu_struct(ssp) ({					\
	static struct lock_class_key __pvsrcu_key;			\
	__init_pvsrcu_struct((ssp), #ssp, &__pvsrcu_key);		\
})

/**
 * cleanup_pvsrcu_struct() - give a pvsrcu domain back
 * @ssp: the domain, with no reader inside and no callback pending
 *
 * Like cleanup_srcu_struct(). Refused loudly, and the domain left as it is
 * (never freed under a user), if readers are inside or callbacks are still
 * queued: run pvsrcu_barrier() first (checklist item 17). May sleep.
 *
 * Return: 0, or -EBUSY if refused.
 */
int cleanup_pvsrcu_struct(struct pvsrcu_struct *ssp);

int __pvsrcu_read_lock(struct pvsrcu_struct *ssp);
void __pvsrcu_read_unlock(struct pvsrcu_struct *ssp, int idx);

/**
 * pvsrcu_read_lock() - enter a pvsrcu read-side critical section
 * @ssp: the domain
 *
 * Like srcu_read_lock(): the section may sleep, and nests. Usable in
 * process, softirq and hardirq context (not NMI).
 *
 * Return: the index to pass to the matching pvsrcu_read_unlock().
 */
static inline int pvsrcu_read_lock(struct pvsrcu_struct *ssp) __acquires(ssp)
{
	int idx = __pvsrcu_read_lock(ssp);

#ifdef CONFIG_DEBUG_LOCK_ALLOC
	rcu_lock_acquire(&ssp->dep_map);
#endif
	return idx;
}

/**
 * pvsrcu_read_unlock() - leave a pvsrcu read-side critical section
 * @ssp: the domain
 * @idx: what the matching pvsrcu_read_lock() returned
 *
 * Like srcu_read_unlock(); may run on another CPU than the lock did.
 */
static inline void pvsrcu_read_unlock(struct pvsrcu_struct *ssp, int idx)
	__releases(ssp)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	rcu_lock_release(&ssp->dep_map);
#endif
	__pvsrcu_read_unlock(ssp, idx);
}

#ifdef DEFINE_LOCK_GUARD_1
/* guard(pvsrcu)(ssp): a reader of @ssp to the end of the scope, like guard(srcu). */
DEFINE_LOCK_GUARD_1(pvsrcu, struct pvsrcu_struct,
		    _T->idx = pvsrcu_read_lock(_T->lock),
		    pvsrcu_read_unlock(_T->lock, _T->idx),
		    int idx)
#endif

/**
 * smp_mb__after_pvsrcu_read_unlock() - full barrier after pvsrcu_read_unlock()
 *
 * Like smp_mb__after_srcu_read_unlock(): makes the preceding unlock a full
 * two-way barrier.
 */
#define smp_mb__after_pvsrcu_read_unlock()	smp_mb()

/**
 * pvsrcu_read_lock_held() - is the caller inside a reader of @ssp?
 * @ssp: the domain
 *
 * Like srcu_read_lock_held(): exact with lockdep; without it (the usual
 * case) it cannot tell and returns 1, as the kernel's does.
 *
 * Return: non-zero if inside (or unknown).
 */
static inline int pvsrcu_read_lock_held(const struct pvsrcu_struct *ssp)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	if (debug_lockdep_rcu_enabled())
		return lock_is_held(&ssp->dep_map);
#endif
	return 1;
}

/**
 * pvsrcu_dereference_check() - fetch a pointer protected by a pvsrcu domain
 * @p: the pointer to read, annotated __rcu
 * @ssp: the domain
 * @c: the condition under which the access is legal outside a reader
 *
 * Like srcu_dereference_check().
 */
#define pvsrcu_dereference_check(p, ssp, c)				\
	pvrcu_dereference_check(p, pvsrcu_read_lock_held(ssp) || (c))

/**
 * pvsrcu_dereference() - fetch a pointer inside a reader of @ssp
 * @p: the pointer to read, annotated __rcu
 * @ssp: the domain
 *
 * Like srcu_dereference().
 */
#define pvsrcu_dereference(p, ssp)	pvsrcu_dereference_check(p, ssp, 0)

/**
 * synchronize_pvsrcu() - wait for the readers of @ssp that began before
 * @ssp: the domain
 *
 * Like synchronize_srcu(). Concurrent callers share grace periods. May
 * sleep; must not be called inside a reader of @ssp (it would wait for
 * itself), as the kernel's.
 */
void synchronize_pvsrcu(struct pvsrcu_struct *ssp);

/**
 * synchronize_pvsrcu_expedited() - synchronize_pvsrcu(), polled faster
 * @ssp: the domain
 *
 * Like synchronize_srcu_expedited(). The host scans the domain's counters
 * more often; no vCPU is ever interrupted for SRCU.
 */
void synchronize_pvsrcu_expedited(struct pvsrcu_struct *ssp);

/**
 * call_pvsrcu() - run a callback after a pvsrcu grace period of @ssp
 * @ssp: the domain
 * @head: an rcu_head embedded in the protected structure
 * @func: the callback, passed @head; runs with bottom halves disabled
 *
 * Like call_srcu(). Any context but NMI.
 */
void call_pvsrcu(struct pvsrcu_struct *ssp, struct rcu_head *head,
		 rcu_callback_t func);

/**
 * pvsrcu_barrier() - wait for the call_pvsrcu() callbacks queued so far
 * @ssp: the domain
 *
 * Like srcu_barrier(). May sleep.
 */
void pvsrcu_barrier(struct pvsrcu_struct *ssp);

/* ---- Tasks-Trace RCU ------------------------------------------------------ */

/**
 * pvrcu_read_lock_trace() - enter a Tasks-Trace read-side critical section
 *
 * Like rcu_read_lock_trace(): the section may sleep. It takes the place of
 * the kernel's reader on a pvsrcu domain of its own, so unlike the kernel's
 * it returns a cookie (a module cannot keep it in task_struct; the kernel's
 * own rcu_read_lock_tasks_trace() returns one for the same reason).
 *
 * Return: the cookie for pvrcu_read_unlock_trace().
 */
int pvrcu_read_lock_trace(void);

/**
 * pvrcu_read_unlock_trace() - leave a Tasks-Trace read-side critical section
 * @idx: what the matching pvrcu_read_lock_trace() returned
 */
void pvrcu_read_unlock_trace(int idx);

/**
 * pvrcu_synchronize_tasks_trace() - wait for Tasks-Trace readers
 *
 * Like synchronize_rcu_tasks_trace(): waits for every reader that began
 * before. May sleep.
 */
void pvrcu_synchronize_tasks_trace(void);

/**
 * pvrcu_call_tasks_trace() - callback after a Tasks-Trace grace period
 * @head: an rcu_head embedded in the protected structure
 * @func: the callback; runs with bottom halves disabled
 *
 * Like call_rcu_tasks_trace(). Any context but NMI.
 */
void pvrcu_call_tasks_trace(struct rcu_head *head, rcu_callback_t func);

/**
 * pvrcu_barrier_tasks_trace() - wait for queued Tasks-Trace callbacks
 *
 * Like rcu_barrier_tasks_trace(). May sleep.
 */
void pvrcu_barrier_tasks_trace(void);

/* ---- statistics ------------------------------------------------------------ */

/**
 * struct pvrcu_stats - counters of the pvrcu service, for tests and benchmarks
 * @device: a virtio-rcu device serves grace periods (else the kernel's RCU)
 * @gp_seq: the grace-period sequence cookies are taken from
 * @qhimark: per-CPU backlog above which pvrcu_call() self-limits
 * @cb_queued: callbacks queued by pvrcu_call() (kvfree included)
 * @cb_invoked: callbacks invoked
 * @cb_pending: callbacks queued and not yet invoked
 * @cb_double: rcu_heads found queued twice (and dropped)
 * @cb_throttled: pvrcu_call() callers held back by the backlog bound
 * @cb_chained: GP requests pvrcu_call() did not need to send, because the
 *	device starts the GP itself (VIRTIO_RCU_F_CB_CHAIN)
 * @gp_requests: grace-period requests sent to the device
 * @exp_requests: of those, expedited
 * @events: events (posts) received from the host
 * @qs_irq: quiescent states reported by a post's handler (it interrupted
 *	code outside every reader: user mode, preemptible code, idle)
 * @qs_idle: of those, in the idle loop
 * @qs_deferred: posts that found the CPU inside a reader and queued the
 *	CPU's report work item
 * @qs_work: quiescent states reported by that work item
 * @qs_unlock: quiescent states reported by an outermost pvrcu_read_unlock()
 * @srcu_device: the device computes pvsrcu grace periods
 * @srcu_domains: pvsrcu domains that may be in use (device limit, or the
 *	region's room without a device), the common one included
 * @srcu_in_use: pvsrcu domains in use, the common one included
 * @srcu_dev_gps: pvsrcu grace periods the device computed
 * @srcu_local_gps: pvsrcu grace periods the driver computed itself
 * @srcu_events: SRCU_DONE events received from the host
 * @tasks_gps: Tasks RCU grace periods ended
 * @tasks_holdouts: tasks those grace periods waited for after their scan
 * @tasks_user_qs: of those, seen quiescent because the tick charged them
 *	user (or guest) time
 * @rude_gps: Tasks-Rude RCU grace periods ended
 * @rude_cpus_worked: CPUs those grace periods made run a work item
 * @rude_cpus_skipped: CPUs they skipped because the host saw them halted
 */
struct pvrcu_stats {
	bool device;
	unsigned long gp_seq;
	long qhimark;
	u64 cb_queued;
	u64 cb_invoked;
	u64 cb_pending;
	u64 cb_double;
	u64 cb_throttled;
	u64 cb_chained;
	u64 gp_requests;
	u64 exp_requests;
	u64 events;
	u64 qs_irq;
	u64 qs_idle;
	u64 qs_deferred;
	u64 qs_work;
	u64 qs_unlock;
	bool srcu_device;
	u32 srcu_domains;
	u32 srcu_in_use;
	u64 srcu_dev_gps;
	u64 srcu_local_gps;
	u64 srcu_events;
	u64 tasks_gps;
	u64 tasks_holdouts;
	u64 tasks_user_qs;
	u64 rude_gps;
	u64 rude_cpus_worked;
	u64 rude_cpus_skipped;
};

/**
 * pvrcu_get_stats() - read the service's counters
 * @st: filled in with totals over all CPUs
 */
void pvrcu_get_stats(struct pvrcu_stats *st);

/**
 * pvrcu_cpu_irqs() - virtio-rcu interrupts taken by one CPU
 * @cpu: the CPU
 *
 * Return: the number of interrupts of the device's queues (request queue
 * and event queues) handled on @cpu since the module loaded.
 */
u64 pvrcu_cpu_irqs(int cpu);

/* ---- Tasks RCU and Tasks-Rude RCU --------------------------------------- */

/**
 * DOC: Tasks RCU and Tasks-Rude RCU
 *
 * The two flavours without read-side markers (checklist item 7). The host
 * cannot see their readers, so virtio_rcu.ko computes their grace periods
 * in the guest, with pvrcu grace periods as a building block. Each flavour
 * keeps one callback list served by a work item: it waits for one grace
 * period per batch, then invokes the batch with bottom halves disabled
 * (checklist item 5).
 *
 * Tasks RCU: a reader is any kernel code a task runs between two
 * voluntary context switches. A grace period waits until every task that
 * was on a runqueue when it began (idle tasks and the grace period's own
 * worker excepted) has done a voluntary context switch, left its
 * runqueue, or been charged user or guest time by the tick (the kernel
 * takes the user-mode tick as a quiescent state through a hook a module
 * cannot use; the time accounting shows the same tick). Consequences:
 *
 * - A task that loops in the kernel without blocking holds every grace
 *   period until it blocks: cond_resched(), yield() and schedule() while
 *   TASK_RUNNING count as preemptions (nivcsw), not voluntary switches.
 * - A CPU-bound user task ends its part at its next tick in user mode, up
 *   to a tick late; on a nohz_full CPU, where the tick stops, only once it
 *   enters the kernel or blocks.
 * - A task that exits is followed on the task list until release_task()
 *   takes it off; the few lines of do_exit() after that are covered only
 *   while the task runs on a CPU (x86: seen as that CPU's current task),
 *   not if it is preempted there. The kernel's own Tasks RCU closes that
 *   window with exit_tasks_rcu_start(), which modules cannot use.
 *
 * Tasks-Rude RCU: a reader is any region with preemption disabled. A
 * grace period makes every online CPU run a work item, as the kernel's
 * schedule_on_each_cpu() does, except a CPU that the host reported halted
 * in its idle loop during a pvrcu grace period that began after this one
 * (only with a device that negotiated VIRTIO_RCU_F_RUN_STATE, in a kernel
 * built with CONFIG_PREEMPT_COUNT and without CONFIG_PARAVIRT_SPINLOCKS,
 * where a vCPU halts only in its idle loop; the CPU must also be running
 * its idle task with nothing nested). A descheduled vCPU is never
 * skipped: it may be inside such a region. So a Rude reader must not wait
 * for an interrupt in the idle loop (HLT) inside its region.
 */

/**
 * pvrcu_call_tasks() - invoke a callback after a Tasks RCU grace period
 * @head: the kernel's struct rcu_head, embedded in the protected structure
 * @func: the callback, passed @head
 *
 * Like call_rcu_tasks(): @func runs after every task that may have been
 * in a reader when this was called has passed a voluntary context switch
 * (see the DOC section above), with bottom halves disabled (checklist
 * item 5), possibly on another CPU and concurrently with other callbacks
 * (item 12). Callable from any context except NMI. Queuing a head twice
 * before its callback ran is not detected for this flavour.
 */
void pvrcu_call_tasks(struct rcu_head *head, rcu_callback_t func);

/**
 * pvrcu_synchronize_tasks() - wait for a Tasks RCU grace period
 *
 * Like synchronize_rcu_tasks(): returns after every task that may have
 * been in a reader when it was called has passed a voluntary context
 * switch, left its runqueue or been seen in user mode, with full memory
 * ordering against those readers. Sleeps, typically for several
 * milliseconds and for as long as some task keeps running in the kernel
 * without blocking; warns in atomic context (checklist item 6).
 */
void pvrcu_synchronize_tasks(void);

/**
 * pvrcu_barrier_tasks() - wait for every pvrcu_call_tasks() callback queued so far
 *
 * Like rcu_barrier_tasks(): needed before unloading a module whose
 * functions are such callbacks (checklist item 17). Returns at once when
 * none is pending; it does not wait for a grace period then. Sleeps.
 */
void pvrcu_barrier_tasks(void);

/**
 * pvrcu_call_tasks_rude() - invoke a callback after a Tasks-Rude RCU grace period
 * @head: the kernel's struct rcu_head, embedded in the protected structure
 * @func: the callback, passed @head
 *
 * Like call_rcu_tasks_rude(): @func runs after every region with
 * preemption disabled that was in progress on any online CPU when this
 * was called has ended, with bottom halves disabled (checklist item 5).
 * Callable from any context except NMI.
 */
void pvrcu_call_tasks_rude(struct rcu_head *head, rcu_callback_t func);

/**
 * pvrcu_synchronize_tasks_rude() - wait for a Tasks-Rude RCU grace period
 *
 * Like synchronize_rcu_tasks_rude(): returns after every region with
 * preemption disabled that was in progress on an online CPU when it was
 * called has ended. Every online CPU runs a work item for it, except CPUs
 * the host reported halted in their idle loop (see the DOC section above).
 * Sleeps; warns in atomic context (checklist item 6).
 */
void pvrcu_synchronize_tasks_rude(void);

/**
 * pvrcu_barrier_tasks_rude() - wait for every pvrcu_call_tasks_rude() callback queued so far
 *
 * Like rcu_barrier_tasks_rude(): needed before unloading a module whose
 * functions are such callbacks (checklist item 17). Returns at once when
 * none is pending. Sleeps.
 */
void pvrcu_barrier_tasks_rude(void);

#endif /* _PVRCU_H */
