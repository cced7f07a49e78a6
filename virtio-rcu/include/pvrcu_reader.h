/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pvrcu reader fast path and quiescent-state report, written once.
 *
 * The guest driver (kernel) and userspace (the rcu-core torture test and
 * the read-side benchmark) compile this very code. The includer defines
 * these primitives first:
 *
 *   PVRCU_RD_THIS_REC()       struct virtio_rcu_shm_cpu * of this CPU
 *   PVRCU_RD_HDR()            struct virtio_rcu_shm_header * of the region
 *   PVRCU_RD_PREEMPT_DISABLE() / PVRCU_RD_PREEMPT_ENABLE()
 *   PVRCU_RD_BARRIER()        compiler barrier
 *   PVRCU_RD_MB()             full memory barrier (smp_mb())
 *   PVRCU_RD_LOAD32(p) / PVRCU_RD_LOAD64(p)     single-copy loads of
 *   PVRCU_RD_STORE32(p, v) / PVRCU_RD_STORE64(p, v)  little-endian fields
 *   PVRCU_RD_UNLIKELY(x)
 *   PVRCU_RD_IRQ_SAVE(flags) / PVRCU_RD_IRQ_RESTORE(flags)   (unsigned long)
 *
 * Protocol (docs/ARCHITECTURE.md §4): a reader is the span between the
 * nesting++ of its outermost lock and the nesting-- of its outermost
 * unlock, with preemption disabled. No atomic instruction, no barrier, no
 * exit on the fast path. The outermost unlock reports a quiescent state
 * only when the host asked for one (need_qs newer than qs_seq).
 */
#ifndef PVRCU_READER_H
#define PVRCU_READER_H

#include "virtio_rcu.h"

/* Is @a after @b in gp_seq order (wrap-safe)? */
static inline int pvrcu_rd_seq_after(__u64 a, __u64 b)
{
	return (__s64)(a - b) > 0;
}

/*
 * Report a quiescent state for this CPU. Call with preemption (or
 * interrupts) disabled and no reader in progress on this CPU. The full
 * barrier orders every earlier access of this CPU, reader loads included,
 * before the gp_seq load; the host accepts the report only for GPs
 * published before that load.
 */
static inline void pvrcu_rd_report(struct virtio_rcu_shm_cpu *rec)
{
	__u64 seq;

	PVRCU_RD_MB();
	seq = PVRCU_RD_LOAD64(&PVRCU_RD_HDR()->gp_seq);
	PVRCU_RD_STORE64(&rec->qs_seq, seq);
}

/* Does the host wait for a report from this CPU? */
static inline int pvrcu_rd_qs_needed(struct virtio_rcu_shm_cpu *rec)
{
	return pvrcu_rd_seq_after(PVRCU_RD_LOAD64(&rec->need_qs),
				  PVRCU_RD_LOAD64(&rec->qs_seq));
}

/*
 * From an interrupt handler (the host's post) or any context that
 * interrupted this CPU: report if the interrupted code is not in a reader,
 * else leave it to the outermost unlock. Interrupts disabled.
 */
static inline void pvrcu_rd_report_if_idle(void)
{
	struct virtio_rcu_shm_cpu *rec = PVRCU_RD_THIS_REC();

	if (PVRCU_RD_LOAD32(&rec->nesting) == 0)
		pvrcu_rd_report(rec);
}

static inline void pvrcu_rd_lock(void)
{
	struct virtio_rcu_shm_cpu *rec;

	PVRCU_RD_PREEMPT_DISABLE();
	rec = PVRCU_RD_THIS_REC();
	PVRCU_RD_STORE32(&rec->nesting, PVRCU_RD_LOAD32(&rec->nesting) + 1);
	PVRCU_RD_BARRIER();	/* the section's accesses stay inside */
}

static inline void pvrcu_rd_unlock(void)
{
	struct virtio_rcu_shm_cpu *rec = PVRCU_RD_THIS_REC();
	__u32 n;

	PVRCU_RD_BARRIER();	/* ... on this side too */
	n = PVRCU_RD_LOAD32(&rec->nesting) - 1;
	PVRCU_RD_STORE32(&rec->nesting, n);
	if (PVRCU_RD_UNLIKELY(n == 0 && pvrcu_rd_qs_needed(rec))) {
		unsigned long flags;

		/*
		 * Interrupts off, so the post handler cannot report a newer
		 * gp_seq between our load and our store (qs_seq would go
		 * backwards and hold the GP until a repost; found by spin).
		 */
		PVRCU_RD_IRQ_SAVE(flags);
		if (PVRCU_RD_LOAD32(&rec->nesting) == 0 && pvrcu_rd_qs_needed(rec))
			pvrcu_rd_report(rec);
		PVRCU_RD_IRQ_RESTORE(flags);
	}
	PVRCU_RD_PREEMPT_ENABLE();
}

/* Is this CPU inside a reader? (lockdep-style debug aid) */
static inline int pvrcu_rd_held(void)
{
	return PVRCU_RD_LOAD32(&PVRCU_RD_THIS_REC()->nesting) != 0;
}

#endif /* PVRCU_READER_H */
