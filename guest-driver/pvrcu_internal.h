/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interfaces between the parts of virtio_rcu.ko, bottom to top; each
 * calls only the ones below it, and hears from them through the client
 * operations it gives them (wired in core.c):
 *
 *   region.c     the shared region, readers' per-CPU record pointers,
 *                quiescent-state reports, statistics counters
 *   device.c     the virtio driver: requests, events, probe and remove
 *   gp.c         the grace-period sequence (device or the kernel's RCU),
 *                requests, the polled API
 *   callbacks.c  per-CPU callback lists, pvrcu_call(), pvrcu_barrier()
 *   cbq.c        callback queues of the process-context flavours
 *   sync.c       pvrcu_synchronize() and _expedited, cond_synchronize
 *   srcu.c       pvsrcu domains: readers, the scan, device or local GPs
 *   tasks.c      Tasks RCU and Tasks-Rude RCU: GPs computed in the guest
 *   tasks_trace.c  Tasks-Trace RCU on a dedicated pvsrcu domain
 *   core.c       module init/exit, parameters, CPU hotplug, the wiring
 */
#ifndef _PVRCU_INTERNAL_H
#define _PVRCU_INTERNAL_H

#include <linux/percpu.h>
#include <linux/types.h>

#include "pvrcu.h"

/* ---- core.c (parameters) and region.c -------------------------------------------------------------- */

extern bool pvrcu_rcu_normal;
extern long pvrcu_qhimark;
extern long pvrcu_qlowmark;
extern long pvrcu_blimit;
extern bool pvrcu_debug;
extern unsigned int pvrcu_srcu_domains;

/* The region shared with the host: allocated at load, freed at unload. */
extern void *pvrcu_region;
extern size_t pvrcu_region_len;
int pvrcu_region_alloc(void);		/* also each CPU's record pointer */
void pvrcu_region_free(void);
/* No report work item runs or is queued after this (unload). */
void pvrcu_qs_work_cancel(void);

struct pvrcu_pcpu_stats {
	u64 irqs;		/* device interrupts handled on this CPU */
	u64 events;		/* host events handled */
	u64 cb_queued;
	u64 cb_invoked;
	u64 cb_double;
	u64 cb_throttled;
	u64 cb_chained;		/* requests skipped: the host chains the GP */
	u64 qs_irq;		/* reports from a post taken outside readers */
	u64 qs_idle;		/* ... of those, in the idle loop */
	u64 qs_deferred;	/* posts taken inside one: work item queued */
	u64 qs_work;		/* reports from that work item */
	u64 qs_unlock;		/* reports from an outermost pvrcu unlock */
	u64 gp_requests;
	u64 exp_requests;
	u64 tasks_gps;		/* Tasks RCU grace periods ended */
	u64 tasks_holdouts;	/* tasks they waited for after the scan */
	u64 tasks_user_qs;	/* ... seen quiescent by user/guest time */
	u64 rude_gps;		/* Tasks-Rude RCU grace periods ended */
	u64 rude_cpus_worked;	/* CPUs made to run a work item for them */
	u64 rude_cpus_skipped;	/* CPUs skipped: the host saw them halted */
};
DECLARE_PER_CPU(struct pvrcu_pcpu_stats, pvrcu_pstats);

static inline struct virtio_rcu_shm_cpu *pvrcu_cpu_rec(int cpu)
{
	return per_cpu(pvrcu_rec, cpu);
}

/* Are expedited grace periods turned into normal ones (checklist item 6)? */
bool pvrcu_normal_only(void);

/*
 * The host asked this CPU for a report (hardirq context, or any context
 * with interrupts disabled): report now if the interrupted code was outside
 * every reader, else once this CPU is (a work item).
 */
void pvrcu_report_qs_local(void);

/* ---- gp.c -------------------------------------------------------------------- */

/* Wrap-safe comparisons of cookies (unsigned long, rcu_seq style). */
#define PVRCU_SEQ_GE(a, b)	((long)((a) - (b)) >= 0)
#define PVRCU_SEQ_LT(a, b)	((long)((a) - (b)) < 0)

static inline unsigned long pvrcu_seq_snap(unsigned long s)
{
	return (s + 7) & ~3ul;
}

/* What gp.c tells the layer above it (callbacks.c). */
struct pvrcu_gp_client {
	void (*gp_ended)(void);		/* a native GP ended */
	void (*rebound)(void);		/* the engine changed */
};
int pvrcu_gp_init(const struct pvrcu_gp_client *client);
/* Native engine: wait until @cookie is done or a device took over. */
void pvrcu_gp_native_wait(unsigned long cookie, bool exp);
void pvrcu_gp_exit(void);
unsigned long pvrcu_gp_seq(void);
/* A cookie for work done now: smp_mb(), then the sequence. */
unsigned long pvrcu_gp_cookie(void);
/* Make sure a grace period that completes @cookie will run. Any context. */
void pvrcu_gp_request(unsigned long cookie, bool exp, bool force);
/*
 * The caller's CPU record publishes a backlog that needs @cookie, and the
 * device chains GPs for it (VIRTIO_RCU_F_CB_CHAIN): true if no request is
 * needed. Costs a full barrier.
 */
bool pvrcu_gp_chained(unsigned long cookie);
/* Translate a cookie into the device's gp_seq space; false: no device. */
bool pvrcu_gp_dev_cookie(unsigned long cookie, u64 *dev);
bool pvrcu_gp_have_device(void);
/* The device registered the region / is going away. */
void pvrcu_gp_bind(struct virtio_rcu_shm_header *hdr);
void pvrcu_gp_unbind(void);
/* might_sleep(), and a warning in atomic context (checklist item 6). */
void pvrcu_sleep_check(const char *fn);

/* ---- cbq.c: callback queues of the process-context flavours ---------------- */

void pvrcu_cbq_init(struct pvrcu_cbq *q, void (*wait_gp)(struct pvrcu_cbq *));
void pvrcu_cbq_call(struct pvrcu_cbq *q, struct rcu_head *head,
		    rcu_callback_t func);
/* Queued or in a batch, not yet invoked. */
long pvrcu_cbq_pending(struct pvrcu_cbq *q);
/* Wait for a GP of the flavour and for the callbacks queued before. */
void pvrcu_cbq_synchronize(struct pvrcu_cbq *q);
/* Wait for every callback queued before (none queued: no GP), and the worker. */
void pvrcu_cbq_barrier(struct pvrcu_cbq *q);

/* ---- callbacks.c ---------------------------------------------------------- */

int pvrcu_cb_init(void);
void pvrcu_cb_exit(void);
/* Callbacks of @cpu's list may be ready (host post, any CPU, any context). */
void pvrcu_cb_kick(int cpu);
/* A grace period ended: kick every list with callbacks. */
void pvrcu_cb_kick_all(void);
/* The grace-period source changed: republish backlogs, request GPs. */
void pvrcu_cb_rebind(void);
/* CPU @cpu is dead: adopt its callbacks on this CPU. */
void pvrcu_cb_cpu_dead(int cpu);
u64 pvrcu_cb_pending(void);

/* ---- device.c ----------------------------------------------------------- */

/* What device.c tells the layers above it. */
struct pvrcu_dev_client {
	/* It registered the region and serves GPs (probe; may sleep). */
	void (*bound)(struct virtio_rcu_shm_header *hdr, u32 srcu_domains);
	/* It stops serving them (remove, before TEARDOWN; may sleep):
	 * returns the callbacks still pending, for the log. */
	u64 (*unbinding)(void);
	/* It no longer touches the region (remove, after the reset). */
	void (*unbound)(void);
	/* A GP may have ended: callbacks may be ready (interrupt context). */
	void (*gp_done)(int cpu);
	/* VIRTIO_RCU_EV_SRCU_DONE for domain @dom (interrupt context). */
	void (*srcu_done)(u32 dom, u64 seq);
};
int pvrcu_dev_init(const struct pvrcu_dev_client *client);
void pvrcu_dev_exit(void);
/* A non-waiting GP request; any context. 0, or -errno if not sent. */
int pvrcu_dev_gp_async(bool exp);
/* The bound device keeps the vCPU lines (VIRTIO_RCU_F_RUN_STATE). */
bool pvrcu_dev_has_run_state(void);
/* The bound device chains GPs for published backlogs (VIRTIO_RCU_F_CB_CHAIN). */
bool pvrcu_dev_chains_callbacks(void);

/* ---- tasks.c -------------------------------------------------------------- */

int pvrcu_tasks_init(void);
/* Barriers both flavours; needs the GP machinery (before pvrcu_gp_exit()). */
void pvrcu_tasks_exit(void);

/*
 * A request, answered at once by the device (no WAIT); sleeps. Returns the
 * device's status (VIRTIO_RCU_S_*) or a negative errno; @val0 may be NULL.
 */
int pvrcu_dev_request(u16 type, u16 flags, u64 arg0, u64 arg1, u64 *val0);

/* ---- srcu.c ---------------------------------------------------------------- */

int pvsrcu_init(u32 ndomains);
void pvsrcu_exit(void);
/* Around a change of who runs SRCU GPs (probe, remove). */
void pvsrcu_switch_begin(void);
void pvsrcu_switch_end(u32 ndomains);
/* VIRTIO_RCU_EV_SRCU_DONE for domain @dom (interrupt context). */
void pvsrcu_dev_event(u32 dom, u64 seq);
void pvsrcu_get_stats(struct pvrcu_stats *st);

/* ---- tasks_trace.c --------------------------------------------------------- */

int pvrcu_tasks_trace_init(void);
void pvrcu_tasks_trace_exit(void);

#endif /* _PVRCU_INTERNAL_H */
